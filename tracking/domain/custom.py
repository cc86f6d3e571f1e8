"""House formats: prefix, serial in an alphabet, check character, suffix."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from tracking.domain import periods
from tracking.domain import scheme_base as base
from tracking.domain.check_digits import ALPHANUMERIC, CHECKS, DIGITS

# Crockford's base32 drops I, L, O and U: easily misread, or rude. Read
# back, I and L mean 1 and O means 0, as Crockford's decoding rules say.
CROCKFORD_BASE32 = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CROCKFORD_READS_AS = {"I": "1", "L": "1", "O": "0"}
_CROCKFORD_READS = str.maketrans(_CROCKFORD_READS_AS)
ALPHABETS: dict[str, str] = {"digits": DIGITS, "base32": CROCKFORD_BASE32}
# Serials are stored in a signed 64-bit column: 18 digits (10**18 - 1) and
# 12 base32 characters (2**60 - 1) fit; 13 base32 characters would not.
MAX_SERIAL_WIDTH: dict[str, int] = {"digits": 18, "base32": 12}
# Luhn, GS1 and UPU mod 11 are defined over digits only.
DIGITS_ONLY_CHECKS = frozenset({"luhn", "gs1", "mod11"})
MAX_AFFIX_LENGTH = 12
MAX_AFFIX_TEMPLATE_LENGTH = 32

AFFIX_INVALID = (
    "Use at most 12 characters, each a capital letter A-Z, a digit or a "
    "hyphen, or a date token: {YYYY} {YY} {MM} {DD} {WW} {JJJ} {FY}."
)
SERIAL_WIDTH_DATED = (
    "A series with date tokens keeps the day of issue with each serial: use "
    "at most {maximum} characters with the {alphabet} alphabet."
)
DATED_NEEDS_DAY = "numbers of a series with date tokens need the day of issue"
ALPHABET_INVALID = "Choose digits or base32."
SERIAL_WIDTH_INVALID = (
    "Use a whole number from 1 to {maximum} with the {alphabet} alphabet."
)
CHECK_INVALID = "Choose one of: none, luhn, gs1, mod11, mod37."
CHECK_NEEDS_DIGITS = (
    "The {check} check works only with the digits alphabet; "
    "use mod37 or none with base32."
)

_EXPECTED_IN = {
    "digits": base.A_DIGIT,
    "base32": "a digit or a letter other than U",
}
_AFFIX = re.compile(r"(?:[A-Z0-9-]|\{(?:YYYY|YY|MM|DD|WW|JJJ|FY)\})*")
# Dated serials are stored as day index * capacity + serial in 64 bits.
_DAYS = (periods.LAST_DAY - periods.DAY_ZERO).days + 1
MAX_DATED_WIDTH = {"digits": 14, "base32": 9}
_CHECK_CHARACTERS: dict[str, frozenset[str]] = {
    "luhn": frozenset(DIGITS),
    "gs1": frozenset(DIGITS),
    "mod11": frozenset(DIGITS),
    "mod37": frozenset(ALPHANUMERIC),
}


@dataclass(frozen=True)
class CustomScheme(base.SchemeBase):
    """A house format: prefix, serial, optional check character, suffix.

    The serial is written in the alphabet ("digits" or Crockford "base32"),
    zero-padded to ``serial_width``; the check character, if any, covers
    the encoded serial only, so prefix and suffix can change without
    changing it. Luhn, GS1 and UPU mod 11 need the digits alphabet;
    ISO 7064 MOD 37,36 works with both.

    >>> CustomScheme(prefix="TRK", serial_width=6, check="luhn").format(42)
    'TRK0000422'
    >>> CustomScheme(serial_width=4, alphabet="base32", check="mod37").format(1000)
    '00Z84'

    Prefix and suffix may hold date tokens (``tracking.domain.periods``);
    such a "dated" scheme formats through ``on(day)``, and its counter
    restarts every ``counter_reset`` period.

    >>> from datetime import date
    >>> wh = CustomScheme(
    ...     prefix="WH-{YY}{MM}-", serial_width=6, counter_reset="monthly"
    ... )
    >>> wh.on(date(2026, 11, 30)).format(123)
    'WH-2611-000123'
    >>> wh.parse("WH-2612-000123")
    123
    """

    name: ClassVar[str] = "custom"
    DEFAULTS: ClassVar[Mapping[str, object]] = {
        "prefix": "",
        "suffix": "",
        "serial_width": 10,
        "alphabet": "digits",
        "check": "none",
        "counter_reset": "never",
        "fiscal_start_month": 1,
    }

    prefix: str = ""
    suffix: str = ""
    serial_width: int = 10
    alphabet: str = "digits"
    check: str = "none"
    counter_reset: str = "never"
    fiscal_start_month: int = 1

    @staticmethod
    def param_errors(**values: object) -> dict[str, str]:
        """Return the per-field errors of custom parameters."""
        errors: dict[str, str] = {}
        for field in ("prefix", "suffix"):
            value = values.get(field)
            if not (
                isinstance(value, str)
                and len(value) <= MAX_AFFIX_TEMPLATE_LENGTH
                and _AFFIX.fullmatch(value)
                and len(periods.expand(value, periods.DAY_ZERO)) <= MAX_AFFIX_LENGTH
            ):
                errors[field] = AFFIX_INVALID
        template = f"{values.get('prefix')}|{values.get('suffix')}"
        dated = bool(periods.TOKEN.search(template))
        alphabet = values.get("alphabet")
        # The width limit depends on the alphabet; a bad one is judged by
        # the widest.
        alphabet_name = alphabet if base.is_choice(alphabet, ALPHABETS) else "digits"
        if alphabet_name != alphabet:
            errors["alphabet"] = ALPHABET_INVALID
        maximum = MAX_SERIAL_WIDTH[str(alphabet_name)]
        width = values.get("serial_width")
        if (
            isinstance(width, bool)
            or not isinstance(width, int)
            or not 1 <= width <= maximum
        ):
            errors["serial_width"] = SERIAL_WIDTH_INVALID.format(
                maximum=maximum, alphabet=alphabet_name
            )
        elif dated and width > MAX_DATED_WIDTH[str(alphabet_name)]:
            errors["serial_width"] = SERIAL_WIDTH_DATED.format(
                maximum=MAX_DATED_WIDTH[str(alphabet_name)], alphabet=alphabet_name
            )
        if not errors:
            errors.update(
                periods.period_errors(
                    template,
                    values.get("counter_reset"),
                    values.get("fiscal_start_month"),
                )
            )
        check = values.get("check")
        if not base.is_choice(check, CHECKS):
            errors["check"] = CHECK_INVALID
        elif check in DIGITS_ONLY_CHECKS and alphabet == "base32":
            errors["check"] = CHECK_NEEDS_DIGITS.format(check=check)
        return errors

    @property
    def max_serial(self) -> int:
        """Return the largest serial, ``len(alphabet)**serial_width - 1``."""
        capacity: int = len(ALPHABETS[self.alphabet]) ** self.serial_width
        return capacity - 1

    @property
    def dated(self) -> bool:
        """Return whether prefix or suffix print the date of issue."""
        return bool(periods.TOKEN.search(self.prefix + self.suffix))

    @property
    def length(self) -> int:
        """Return the length of every number of the scheme."""
        check_length = 0 if CHECKS[self.check] is None else 1
        affixes = periods.expand(self.prefix + self.suffix, periods.DAY_ZERO)
        return len(affixes) + self.serial_width + check_length

    @property
    def example(self) -> str:
        """Return the number of serial 0 (issued on 1 January 2000 if dated)."""
        return self.on(periods.DAY_ZERO).format(0)

    def on(self, day: date) -> CustomScheme:
        """Return the scheme of the numbers issued on ``day``: tokens filled."""
        if not self.dated:
            return self
        return self._with_affixes(
            periods.expand(self.prefix, day, self.fiscal_start_month),
            periods.expand(self.suffix, day, self.fiscal_start_month),
        )

    def _with_affixes(self, prefix: str, suffix: str) -> CustomScheme:
        return dataclasses.replace(
            self, prefix=prefix, suffix=suffix, counter_reset="never"
        )

    def _encode(self, serial: int) -> str:
        """Return ``serial`` in the alphabet, zero-padded to the width."""
        if self.alphabet == "digits":
            return f"{serial:0{self.serial_width}d}"
        chars = []
        for _ in range(self.serial_width):
            serial, remainder = divmod(serial, 32)
            chars.append(CROCKFORD_BASE32[remainder])
        return "".join(reversed(chars))

    def _decode(self, encoded: str) -> int:
        """Return the serial written as ``encoded`` in the alphabet."""
        if self.alphabet == "digits":
            return int(encoded)
        serial = 0
        for char in encoded:
            serial = serial * 32 + CROCKFORD_BASE32.index(char)
        return serial

    def format(self, serial: int) -> str:
        """Return the number for ``serial`` (of ``on(day)`` if dated)."""
        if self.dated:
            raise ValueError(DATED_NEEDS_DAY)
        self._check_serial(serial)
        encoded = self._encode(serial)
        check = CHECKS[self.check]
        check_char = "" if check is None else check(encoded)
        return f"{self.prefix}{encoded}{check_char}{self.suffix}"

    def parse(self, number: str) -> int:
        """Return the serial of a normalized number of this scheme.

        A dated scheme reads any date in the token positions (a number
        says its day only as far as its tokens do).
        """
        base.expect_length(number, self.length)
        if self.dated:
            prefix_length = len(periods.expand(self.prefix, periods.DAY_ZERO))
            suffix_length = len(periods.expand(self.suffix, periods.DAY_ZERO))
            prefix = number[:prefix_length]
            suffix = number[len(number) - suffix_length :]
            for part, template, text in (
                ("prefix", self.prefix, prefix),
                ("suffix", self.suffix, suffix),
            ):
                if not _template_pattern(template).fullmatch(text):
                    raise base.InvalidNumber(
                        base.WRONG_PART.format(
                            part=part, actual=text, expected=template
                        )
                    )
            return self._with_affixes(prefix, suffix).parse(number)
        start = len(self.prefix)
        stop = start + self.serial_width
        base.expect_part("prefix", number[:start], self.prefix)
        base.expect_part(
            "suffix", number[len(number) - len(self.suffix) :], self.suffix
        )
        if self.alphabet == "base32":
            serial = number[start:stop].translate(_CROCKFORD_READS)
            number = number[:start] + serial + number[stop:]
        base.expect(
            number, start, stop, ALPHABETS[self.alphabet], _EXPECTED_IN[self.alphabet]
        )
        encoded = number[start:stop]
        check = CHECKS[self.check]
        if check is not None:
            kind = "character" if self.check == "mod37" else "digit"
            base.expect_check(number[stop], check(encoded), kind)
        return self._decode(encoded)

    def positions(self) -> tuple[frozenset[str], ...]:
        """Return what each character of a formatted number may be."""
        check = _CHECK_CHARACTERS.get(self.check)
        serial = frozenset(ALPHABETS[self.alphabet])
        return (
            *_affix_positions(self.prefix),
            *(serial,) * self.serial_width,
            *((check,) if check else ()),
            *_affix_positions(self.suffix),
        )


def _template_pattern(template: str) -> re.Pattern[str]:
    """Return a pattern of the texts a prefix or suffix template prints."""
    parts = re.split(periods.TOKEN, template)
    # re.split with one group alternates literal text and token names.
    return re.compile(
        "".join(
            f"[0-9]{{{periods.TOKEN_WIDTHS[part]}}}" if i % 2 else re.escape(part)
            for i, part in enumerate(parts)
        )
    )


def _affix_positions(template: str) -> tuple[frozenset[str], ...]:
    """Return what each printed character of an affix template may be."""
    parts = re.split(periods.TOKEN, template)
    positions: list[frozenset[str]] = []
    for i, part in enumerate(parts):
        if i % 2:
            positions.extend([frozenset(DIGITS)] * periods.TOKEN_WIDTHS[part])
        else:
            positions.extend(base.fixed(part))
    return tuple(positions)
