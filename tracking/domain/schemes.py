"""Number formats ("schemes"): a serial becomes a number and back.

A scheme is an immutable value holding the fixed parts of one series of
numbers (service indicator, company prefix, prefix and suffix...). It turns
a serial in ``[0, max_serial]`` into the printed number with ``format`` and
recovers the serial with ``parse``. ``build_scheme`` makes one from a scheme
name and a parameter mapping, reporting every bad parameter at once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar, Protocol, cast

from tracking.domain.check_digits import CHECKS, DIGITS, gs1_mod10, mod11
from tracking.domain.countries import ISO_3166_ALPHA2

# Crockford's base32 drops I, L, O and U: easily misread, or rude.
CROCKFORD_BASE32 = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
ALPHABETS: dict[str, str] = {"digits": DIGITS, "base32": CROCKFORD_BASE32}
# Serials are stored in a signed 64-bit column: 18 digits (10**18 - 1) and
# 12 base32 characters (2**60 - 1) fit; 13 base32 characters would not.
MAX_SERIAL_WIDTH: dict[str, int] = {"digits": 18, "base32": 12}
# Luhn, GS1 and UPU mod 11 are defined over digits only.
DIGITS_ONLY_CHECKS = frozenset({"luhn", "gs1", "mod11"})
MAX_AFFIX_LENGTH = 12

# Parameter errors, reported per field by InvalidSchemeParams.
FIELD_REQUIRED = "This field is required."
SCHEME_UNKNOWN = "Choose one of: s10, sscc18, custom."
SERVICE_INDICATOR_INVALID = "Use two letters A-Z, e.g. RR."
COUNTRY_CODE_INVALID = "Use an ISO 3166-1 alpha-2 country code in capitals, e.g. GB."
EXTENSION_DIGIT_INVALID = "Use one digit 0-9."
COMPANY_PREFIX_INVALID = "Use a GS1 company prefix of 7 to 10 digits."
AFFIX_INVALID = "Use at most 12 characters, each a capital letter A-Z or a digit."
ALPHABET_INVALID = "Choose digits or base32."
SERIAL_WIDTH_INVALID = (
    "Use a whole number from 1 to {maximum} with the {alphabet} alphabet."
)
CHECK_INVALID = "Choose one of: none, luhn, gs1, mod11, mod37."
CHECK_NEEDS_DIGITS = (
    "The {check} check works only with the digits alphabet; "
    "use mod37 or none with base32."
)

# Number errors, the message of InvalidNumber.
WRONG_LENGTH = "expected {expected} characters, got {actual}"
WRONG_CHARACTER = "character {position} is {char!r}, expected {expected}"
WRONG_PART = "{part} is {actual}, expected {expected}"
WRONG_CHECK = "check {kind} is {actual}, expected {expected}"
SSCC_BAD_APPLICATION_IDENTIFIER = (
    "a 20-digit SSCC must start with the application identifier 00"
)
SERIAL_OUT_OF_RANGE = "serial must be between 0 and {max_serial}, got {serial}"

_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_A_DIGIT = "a digit"
_A_LETTER = "a letter A-Z"
_EXPECTED_IN = {
    "digits": _A_DIGIT,
    "base32": "a digit or a letter other than I, L, O and U",
}
_TWO_LETTERS = re.compile(r"[A-Z]{2}")
_COMPANY_PREFIX = re.compile(r"[0-9]{7,10}")
_AFFIX = re.compile(rf"[A-Z0-9]{{0,{MAX_AFFIX_LENGTH}}}")


class InvalidNumber(ValueError):
    """A number that does not belong to a scheme.

    The message says what is wrong in words a user understands, e.g.
    "check digit is 3, expected 5" or "expected 13 characters, got 12".
    """


class InvalidSchemeParams(ValueError):
    """Scheme parameters that break the scheme's rules.

    ``errors`` maps each bad parameter name to a message for the user, so a
    form or an API can show every problem next to its field at once.
    """

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors: dict[str, str] = dict(errors)
        super().__init__(
            "; ".join(f"{name}: {message}" for name, message in self.errors.items())
        )


class Scheme(Protocol):
    """What every number format offers."""

    name: ClassVar[str]

    @property
    def max_serial(self) -> int: ...

    @property
    def capacity(self) -> int: ...

    @property
    def length(self) -> int: ...

    @property
    def example(self) -> str: ...

    def format(self, serial: int) -> str: ...

    def parse(self, number: str) -> int: ...

    def to_params(self) -> dict[str, str | int]: ...


class _SchemeBase:
    """Shared behaviour: capacity, example and the serial range check."""

    __slots__ = ()

    @property
    def max_serial(self) -> int:
        """Return the largest serial the scheme can format."""
        raise NotImplementedError

    @property
    def capacity(self) -> int:
        """Return the number of distinct serials, ``max_serial + 1``."""
        return self.max_serial + 1

    @property
    def example(self) -> str:
        """Return the number of serial 0, to show what the format looks like."""
        return self.format(0)

    def format(self, serial: int) -> str:
        """Return the number for ``serial``."""
        raise NotImplementedError

    def _check_serial(self, serial: int) -> None:
        """Raise ``ValueError`` unless ``0 <= serial <= max_serial``."""
        if not 0 <= serial <= self.max_serial:
            raise ValueError(
                SERIAL_OUT_OF_RANGE.format(max_serial=self.max_serial, serial=serial)
            )


def _expect(number: str, start: int, stop: int, allowed: str, expected: str) -> None:
    """Raise ``InvalidNumber`` for the first character of a slice not allowed.

    Positions in the message are 1-based, as a user counts them.
    """
    for position in range(start, stop):
        char = number[position]
        if char not in allowed:
            raise InvalidNumber(
                WRONG_CHARACTER.format(
                    position=position + 1, char=char, expected=expected
                )
            )


def _expect_length(number: str, expected: int) -> None:
    """Raise ``InvalidNumber`` unless ``number`` has ``expected`` characters."""
    if len(number) != expected:
        raise InvalidNumber(WRONG_LENGTH.format(expected=expected, actual=len(number)))


def _expect_part(part: str, actual: str, expected: str) -> None:
    """Raise ``InvalidNumber`` when a fixed part belongs to another series."""
    if actual != expected:
        raise InvalidNumber(
            WRONG_PART.format(part=part, actual=actual, expected=expected)
        )


def _expect_check(actual: str, expected: str, kind: str = "digit") -> None:
    """Raise ``InvalidNumber`` when the check character does not match."""
    if actual != expected:
        raise InvalidNumber(
            WRONG_CHECK.format(kind=kind, actual=actual, expected=expected)
        )


def _is_blank(value: object) -> bool:
    """Return whether a parameter counts as not given (None or "")."""
    return value is None or value == ""


# S10
# ---------------------------------------------------------------------------


def _s10_errors(service_indicator: object, country_code: object) -> dict[str, str]:
    """Return the per-field errors of S10 parameters (empty when valid)."""
    errors: dict[str, str] = {}
    if not (
        isinstance(service_indicator, str) and _TWO_LETTERS.fullmatch(service_indicator)
    ):
        errors["service_indicator"] = SERVICE_INDICATOR_INVALID
    if not (isinstance(country_code, str) and country_code in ISO_3166_ALPHA2):
        errors["country_code"] = COUNTRY_CODE_INVALID
    return errors


@dataclass(frozen=True)
class S10Scheme(_SchemeBase):
    """UPU S10 postal item identifier, e.g. RB123456785GB.

    Two letters of service indicator, an 8-digit serial, the UPU mod-11
    check digit over the serial and the ISO 3166-1 alpha-2 code of the
    issuing country.

    >>> S10Scheme("RB", "GB").format(12345678)
    'RB123456785GB'
    >>> S10Scheme("RB", "GB").parse("RB123456785GB")
    12345678
    """

    name: ClassVar[str] = "s10"

    service_indicator: str
    country_code: str

    def __post_init__(self) -> None:
        errors = _s10_errors(self.service_indicator, self.country_code)
        if errors:
            raise InvalidSchemeParams(errors)

    @property
    def max_serial(self) -> int:
        """Return 99999999: the serial has eight digits."""
        return 10**8 - 1

    @property
    def length(self) -> int:
        """Return 13, the length of every S10 number."""
        return 13

    def format(self, serial: int) -> str:
        """Return the S10 number for ``serial``."""
        self._check_serial(serial)
        digits = f"{serial:08d}"
        return f"{self.service_indicator}{digits}{mod11(digits)}{self.country_code}"

    def parse(self, number: str) -> int:
        """Return the serial of a normalized S10 number of this series."""
        _expect_length(number, 13)
        _expect(number, 0, 2, _LETTERS, _A_LETTER)
        _expect(number, 2, 11, DIGITS, _A_DIGIT)
        _expect(number, 11, 13, _LETTERS, _A_LETTER)
        _expect_part("service indicator", number[:2], self.service_indicator)
        _expect_part("country code", number[11:], self.country_code)
        digits = number[2:10]
        _expect_check(number[10], mod11(digits))
        return int(digits)

    def to_params(self) -> dict[str, str | int]:
        """Return the parameters ``build_scheme("s10", ...)`` needs."""
        return {
            "service_indicator": self.service_indicator,
            "country_code": self.country_code,
        }


# SSCC-18
# ---------------------------------------------------------------------------


def _sscc18_errors(extension_digit: object, company_prefix: object) -> dict[str, str]:
    """Return the per-field errors of SSCC-18 parameters (empty when valid)."""
    errors: dict[str, str] = {}
    if _extension_digit(extension_digit) is None:
        errors["extension_digit"] = EXTENSION_DIGIT_INVALID
    if not (
        isinstance(company_prefix, str) and _COMPANY_PREFIX.fullmatch(company_prefix)
    ):
        errors["company_prefix"] = COMPANY_PREFIX_INVALID
    return errors


def _extension_digit(value: object) -> str | None:
    """Return the extension digit as one character, or None if invalid.

    Both 7 and "7" are accepted; ``True`` is not, although it is an int.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and 0 <= value <= 9:
        return DIGITS[value]
    if isinstance(value, str) and len(value) == 1 and value in DIGITS:
        return value
    return None


@dataclass(frozen=True)
class SSCC18Scheme(_SchemeBase):
    """GS1 Serial Shipping Container Code, e.g. 106141411234567897.

    An extension digit, a GS1 company prefix of 7 to 10 digits, a serial
    reference filling the body to 17 digits, then the GS1 mod-10 check
    digit: 18 digits. The "(00)" application identifier is not part of the
    formatted number, but ``parse`` accepts it as a leading "00" on a
    20-digit string. ``extension_digit`` may be given as int or str and is
    stored as a one-character string.

    >>> SSCC18Scheme(1, "0614141").format(123456789)
    '106141411234567897'
    """

    name: ClassVar[str] = "sscc18"

    extension_digit: int | str
    company_prefix: str

    def __post_init__(self) -> None:
        errors = _sscc18_errors(self.extension_digit, self.company_prefix)
        if errors:
            raise InvalidSchemeParams(errors)
        # Stored as text so that SSCC18Scheme(1, p) == SSCC18Scheme("1", p).
        object.__setattr__(self, "extension_digit", str(self.extension_digit))

    @property
    def serial_width(self) -> int:
        """Return the digits left for the serial reference."""
        return 16 - len(self.company_prefix)

    @property
    def max_serial(self) -> int:
        """Return the largest serial reference, 10**serial_width - 1."""
        # int ** int is typed as Any (a negative exponent gives a float).
        capacity: int = 10**self.serial_width
        return capacity - 1

    @property
    def length(self) -> int:
        """Return 18, the length of every formatted SSCC."""
        return 18

    def format(self, serial: int) -> str:
        """Return the 18-digit SSCC for ``serial``."""
        self._check_serial(serial)
        serial_reference = f"{serial:0{self.serial_width}d}"
        body = f"{self.extension_digit}{self.company_prefix}{serial_reference}"
        return body + gs1_mod10(body)

    def parse(self, number: str) -> int:
        """Return the serial of a normalized SSCC of this series.

        A 20-digit string must start with the application identifier "00".
        """
        if len(number) == 20:
            if not number.startswith("00"):
                raise InvalidNumber(SSCC_BAD_APPLICATION_IDENTIFIER)
            number = number[2:]
        _expect_length(number, 18)
        _expect(number, 0, 18, DIGITS, _A_DIGIT)
        prefix_end = 1 + len(self.company_prefix)
        _expect_part("extension digit", number[0], str(self.extension_digit))
        _expect_part("company prefix", number[1:prefix_end], self.company_prefix)
        _expect_check(number[17], gs1_mod10(number[:17]))
        return int(number[prefix_end:17])

    def to_params(self) -> dict[str, str | int]:
        """Return the parameters ``build_scheme("sscc18", ...)`` needs."""
        return {
            "extension_digit": int(self.extension_digit),
            "company_prefix": self.company_prefix,
        }


# Custom
# ---------------------------------------------------------------------------


def _custom_errors(
    prefix: object,
    suffix: object,
    serial_width: object,
    alphabet: object,
    check: object,
) -> dict[str, str]:
    """Return the per-field errors of custom parameters (empty when valid)."""
    errors: dict[str, str] = {}
    for field, value in (("prefix", prefix), ("suffix", suffix)):
        if not (isinstance(value, str) and _AFFIX.fullmatch(value)):
            errors[field] = AFFIX_INVALID
    if alphabet not in ALPHABETS:
        errors["alphabet"] = ALPHABET_INVALID
        # The width limit depends on the alphabet; judge it by the widest.
        alphabet_name = "digits"
    else:
        alphabet_name = str(alphabet)
    maximum = MAX_SERIAL_WIDTH[alphabet_name]
    if (
        isinstance(serial_width, bool)
        or not isinstance(serial_width, int)
        or not 1 <= serial_width <= maximum
    ):
        errors["serial_width"] = SERIAL_WIDTH_INVALID.format(
            maximum=maximum, alphabet=alphabet_name
        )
    if check not in CHECKS:
        errors["check"] = CHECK_INVALID
    elif check in DIGITS_ONLY_CHECKS and alphabet == "base32":
        errors["check"] = CHECK_NEEDS_DIGITS.format(check=check)
    return errors


@dataclass(frozen=True)
class CustomScheme(_SchemeBase):
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
    """

    name: ClassVar[str] = "custom"

    prefix: str = ""
    suffix: str = ""
    serial_width: int = 10
    alphabet: str = "digits"
    check: str = "none"

    def __post_init__(self) -> None:
        errors = _custom_errors(
            self.prefix, self.suffix, self.serial_width, self.alphabet, self.check
        )
        if errors:
            raise InvalidSchemeParams(errors)

    @property
    def max_serial(self) -> int:
        """Return the largest serial, ``len(alphabet)**serial_width - 1``."""
        capacity: int = len(ALPHABETS[self.alphabet]) ** self.serial_width
        return capacity - 1

    @property
    def length(self) -> int:
        """Return the length of every number of the scheme."""
        check_length = 0 if CHECKS[self.check] is None else 1
        return len(self.prefix) + self.serial_width + check_length + len(self.suffix)

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
        """Return the number for ``serial``."""
        self._check_serial(serial)
        encoded = self._encode(serial)
        check = CHECKS[self.check]
        check_char = "" if check is None else check(encoded)
        return f"{self.prefix}{encoded}{check_char}{self.suffix}"

    def parse(self, number: str) -> int:
        """Return the serial of a normalized number of this scheme."""
        _expect_length(number, self.length)
        start = len(self.prefix)
        stop = start + self.serial_width
        _expect_part("prefix", number[:start], self.prefix)
        _expect_part("suffix", number[len(number) - len(self.suffix) :], self.suffix)
        _expect(
            number, start, stop, ALPHABETS[self.alphabet], _EXPECTED_IN[self.alphabet]
        )
        encoded = number[start:stop]
        check = CHECKS[self.check]
        if check is not None:
            kind = "character" if self.check == "mod37" else "digit"
            _expect_check(number[stop], check(encoded), kind)
        return self._decode(encoded)

    def to_params(self) -> dict[str, str | int]:
        """Return the parameters ``build_scheme("custom", ...)`` needs."""
        return {
            "prefix": self.prefix,
            "suffix": self.suffix,
            "serial_width": self.serial_width,
            "alphabet": self.alphabet,
            "check": self.check,
        }


# Factory
# ---------------------------------------------------------------------------

_REQUIRED: dict[str, tuple[str, ...]] = {
    "s10": ("service_indicator", "country_code"),
    "sscc18": ("extension_digit", "company_prefix"),
    "custom": (),
}
_CUSTOM_DEFAULTS: dict[str, object] = {
    "prefix": "",
    "suffix": "",
    "serial_width": 10,
    "alphabet": "digits",
    "check": "none",
}


def build_scheme(scheme: str, params: Mapping[str, object]) -> Scheme:
    """Return the scheme named ``scheme`` built from ``params``.

    Parameters the scheme does not use are ignored, so one mapping can hold
    the fields of every scheme. None and "" count as not given: a missing
    required parameter is reported as such, a missing optional one takes
    its default. Every problem is raised at once in ``InvalidSchemeParams``,
    keyed by parameter name ("scheme" for an unknown scheme name).

    >>> build_scheme("s10", {"service_indicator": "RB", "country_code": "GB"})
    S10Scheme(service_indicator='RB', country_code='GB')
    >>> try:
    ...     build_scheme("s10", {"service_indicator": "R1", "country_code": ""})
    ... except InvalidSchemeParams as exc:
    ...     print(exc.errors["service_indicator"], exc.errors["country_code"])
    Use two letters A-Z, e.g. RR. This field is required.
    """
    if scheme not in _REQUIRED:
        raise InvalidSchemeParams({"scheme": SCHEME_UNKNOWN})
    values = {name: params.get(name) for name in _REQUIRED[scheme]}
    missing = {name: FIELD_REQUIRED for name, v in values.items() if _is_blank(v)}
    if scheme == "s10":
        errors = _s10_errors(values["service_indicator"], values["country_code"])
    elif scheme == "sscc18":
        errors = _sscc18_errors(values["extension_digit"], values["company_prefix"])
    else:
        for name, default in _CUSTOM_DEFAULTS.items():
            value = params.get(name)
            values[name] = default if _is_blank(value) else value
        errors = _custom_errors(**values)
    # A blank required field is "required", not "invalid".
    errors.update(missing)
    if errors:
        raise InvalidSchemeParams(errors)
    # The checks above have established the types the casts state.
    if scheme == "s10":
        return S10Scheme(
            service_indicator=cast(str, values["service_indicator"]),
            country_code=cast(str, values["country_code"]),
        )
    if scheme == "sscc18":
        return SSCC18Scheme(
            extension_digit=cast("int | str", values["extension_digit"]),
            company_prefix=cast(str, values["company_prefix"]),
        )
    return CustomScheme(
        prefix=cast(str, values["prefix"]),
        suffix=cast(str, values["suffix"]),
        serial_width=cast(int, values["serial_width"]),
        alphabet=cast(str, values["alphabet"]),
        check=cast(str, values["check"]),
    )


_ALPHANUMERIC = frozenset(DIGITS + _LETTERS)
_CHECK_CHARACTERS: dict[str, frozenset[str]] = {
    "luhn": frozenset(DIGITS),
    "gs1": frozenset(DIGITS),
    "mod11": frozenset(DIGITS),
    "mod37": _ALPHANUMERIC,
}


def scheme_positions(scheme: Scheme) -> tuple[frozenset[str], ...]:
    """Return, for each character of a formatted number, what it may be.

    >>> [sorted(p) for p in scheme_positions(CustomScheme(prefix="A", serial_width=1))]
    [['A'], ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']]
    """
    digits = frozenset(DIGITS)
    if isinstance(scheme, S10Scheme):
        return (
            *(frozenset(c) for c in scheme.service_indicator),
            *(digits,) * 9,
            *(frozenset(c) for c in scheme.country_code),
        )
    if isinstance(scheme, SSCC18Scheme):
        fixed = str(scheme.extension_digit) + scheme.company_prefix
        return (
            *(frozenset(c) for c in fixed),
            *(digits,) * (scheme.serial_width + 1),
        )
    custom = cast(CustomScheme, scheme)
    check = _CHECK_CHARACTERS.get(custom.check)
    return (
        *(frozenset(c) for c in custom.prefix),
        *(frozenset(ALPHABETS[custom.alphabet]),) * custom.serial_width,
        *((check,) if check else ()),
        *(frozenset(c) for c in custom.suffix),
    )


def schemes_may_collide(a: Scheme, b: Scheme) -> bool:
    """Return whether two schemes could ever format the same string.

    False is a proof: the lengths differ, or some position allows no common
    character. True means they might, and the caller must keep their serial
    ranges apart (identical schemes) or refuse the pair.

    >>> schemes_may_collide(S10Scheme("RB", "GB"), S10Scheme("RR", "GB"))
    False
    >>> schemes_may_collide(CustomScheme(serial_width=18), SSCC18Scheme(0, "0614141"))
    True
    """
    pa, pb = scheme_positions(a), scheme_positions(b)
    return len(pa) == len(pb) and all(x & y for x, y in zip(pa, pb, strict=True))
