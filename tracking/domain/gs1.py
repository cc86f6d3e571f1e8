"""GS1 keys a shipper issues from its company prefix: SSCC-18 and GSIN.

Both put the GS1 company prefix before a serial reference that fills the
key to its length, then the GS1 mod-10 check digit. In GS1-128 barcodes
they follow their application identifier, (00) and (402); ``parse``
accepts the identifier written in front of the key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from biip import ParseError
from biip.gs1_messages import GS1Message

from tracking.domain.barcodes import GS1_128, Barcode, gs1_128
from tracking.domain.check_digits import DIGITS, gs1_mod10
from tracking.domain.scheme_base import (
    A_DIGIT,
    DIGIT_SET,
    InvalidNumber,
    SchemeBase,
    expect,
    expect_check,
    expect_length,
    expect_part,
    fixed,
    no_zip,
)

EXTENSION_DIGIT_INVALID = "Use one digit 0-9."
COMPANY_PREFIX_INVALID = "Use a GS1 company prefix of 7 to 10 digits."
SSCC_BAD_APPLICATION_IDENTIFIER = (
    "a 20-digit SSCC must start with the application identifier 00"
)
GSIN_BAD_APPLICATION_IDENTIFIER = (
    "a 20-digit GSIN must start with the application identifier 402"
)

COMPANY_PREFIX_LENGTHS = range(7, 11)
COMPANY_PREFIX = re.compile(
    rf"[0-9]{{{COMPANY_PREFIX_LENGTHS[0]},{COMPANY_PREFIX_LENGTHS[-1]}}}"
)


def sscc_from_element_string(raw: str) -> str | None:
    """Return the SSCC of a scanned or typed GS1 element string, else None.

    A GS1-128 scan carries application identifier 00 and the 18-digit SSCC,
    maybe after a symbology identifier (``]C1``) and with FNC1 sent as the
    GS character (\\x1d); people type it as printed under the bar code, in
    parentheses: ``(00) 3061 4141 0000 0000 06``. Other element strings may
    follow. The SSCC's check digit must be right. A bare number is no
    element string: it gives None.

    >>> sscc_from_element_string("]C100306141410000000006")
    '306141410000000006'
    >>> sscc_from_element_string("(00) 3061 4141 0000 0000 06")
    '306141410000000006'
    >>> sscc_from_element_string("306141410000000006") is None
    True
    """
    text = "".join(c for c in raw if c == "\x1d" or not c.isspace())
    if text.startswith("]"):
        text = text[3:]  # symbology identifier: "]", a letter, a digit
    try:
        if text.startswith("("):
            message = GS1Message.parse_hri(text)
        else:
            message = GS1Message.parse(text)
    except ParseError:
        return None
    element = message.element_strings.get(ai="00")
    if element is None or element.sscc is None:
        return None
    return element.sscc.value


def _company_prefix_errors(company_prefix: object) -> dict[str, str]:
    if isinstance(company_prefix, str) and COMPANY_PREFIX.fullmatch(company_prefix):
        return {}
    return {"company_prefix": COMPANY_PREFIX_INVALID}


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


class Gs1Key(SchemeBase):
    """Fixed digits, a serial filling the key to its length, a GS1 check.

    Subclasses give the key's ``length``, the fixed digits before the
    serial (``_head``), how each fixed part is checked (``_expect_head``)
    and what may be written in front of the key (``_unwrap``).
    """

    __slots__ = ()

    @property
    def _head(self) -> str:
        raise NotImplementedError

    @property
    def length(self) -> int:
        raise NotImplementedError

    @property
    def serial_width(self) -> int:
        """Return the digits left for the serial."""
        return self.length - 1 - len(self._head)

    @property
    def max_serial(self) -> int:
        """Return the largest serial, 10**serial_width - 1."""
        # int ** int is typed as Any (a negative exponent gives a float).
        capacity: int = 10**self.serial_width
        return capacity - 1

    def format(self, serial: int) -> str:
        """Return the key for ``serial``."""
        self._check_serial(serial)
        body = f"{self._head}{serial:0{self.serial_width}d}"
        return body + gs1_mod10(body)

    def _unwrap(self, number: str) -> str:
        return number

    def _expect_head(self, number: str) -> None:
        raise NotImplementedError

    def parse(self, number: str) -> int:
        """Return the serial of a normalized key of this series."""
        number = self._unwrap(number)
        expect_length(number, self.length)
        expect(number, 0, self.length, DIGITS, A_DIGIT)
        self._expect_head(number)
        expect_check(number[-1], gs1_mod10(number[:-1]))
        return int(number[len(self._head) : -1])

    def positions(self) -> tuple[frozenset[str], ...]:
        """Return what each character of a key of this series may be."""
        return (*fixed(self._head), *(DIGIT_SET,) * (self.serial_width + 1))


class _IdentifiedKey(Gs1Key):
    """A key that may be written after its GS1 application identifier."""

    __slots__ = ()

    symbology: ClassVar[str] = GS1_128

    company_prefix: str
    application_identifier: ClassVar[str]
    bad_application_identifier: ClassVar[str]

    def _unwrap(self, number: str) -> str:
        identifier = self.application_identifier
        if len(number) != self.length + len(identifier):
            return number
        if not number.startswith(identifier):
            raise InvalidNumber(self.bad_application_identifier)
        return number[len(identifier) :]

    def barcode(self, number: str, *, zip_code: str = "") -> Barcode:
        """Return the GS1-128 of the key after its AI, printed in its parts.

        The line reads: (AI), the digits before the company prefix if any,
        the company prefix, the serial reference and the check digit.

        >>> SSCC18Scheme(3, "7613032").barcode("376130321109103420").text
        '(00) 3 7613032 110910342 0'
        >>> GsinScheme("0614141").barcode("06141411234567890").text
        '(402) 0614141 123456789 0'
        """
        no_zip(zip_code)
        head = len(self._head)
        start = head - len(self.company_prefix)
        parts = [
            f"({self.application_identifier})",
            number[:start],
            number[start:head],
            number[head:-1],
            number[-1],
        ]
        text = " ".join(part for part in parts if part)
        return gs1_128(((self.application_identifier, number),), text)

    def _expect_head(self, number: str) -> None:
        head = len(self._head)
        if head > len(self.company_prefix):
            expect_part("extension digit", number[0], self._head[0])
        prefix = number[head - len(self.company_prefix) : head]
        expect_part("company prefix", prefix, self.company_prefix)


@dataclass(frozen=True)
class SSCC18Scheme(_IdentifiedKey):
    """GS1 Serial Shipping Container Code, e.g. 106141411234567897.

    An extension digit, a GS1 company prefix of 7 to 10 digits, a serial
    reference filling the body to 17 digits, then the GS1 mod-10 check
    digit: 18 digits. ``extension_digit`` may be given as int or str and is
    stored as a one-character string.

    >>> SSCC18Scheme(1, "0614141").format(123456789)
    '106141411234567897'
    >>> SSCC18Scheme(1, "0614141").parse("00106141411234567897")
    123456789
    """

    name: ClassVar[str] = "sscc18"
    REQUIRED: ClassVar[tuple[str, ...]] = ("extension_digit", "company_prefix")
    application_identifier: ClassVar[str] = "00"
    bad_application_identifier: ClassVar[str] = SSCC_BAD_APPLICATION_IDENTIFIER

    extension_digit: int | str
    company_prefix: str

    def __post_init__(self) -> None:
        super().__post_init__()
        # Stored as text so that SSCC18Scheme(1, p) == SSCC18Scheme("1", p).
        object.__setattr__(self, "extension_digit", str(self.extension_digit))

    @staticmethod
    def param_errors(**values: object) -> dict[str, str]:
        """Return the per-field errors of SSCC-18 parameters."""
        errors = _company_prefix_errors(values.get("company_prefix"))
        if _extension_digit(values.get("extension_digit")) is None:
            errors["extension_digit"] = EXTENSION_DIGIT_INVALID
        return errors

    @property
    def _head(self) -> str:
        return f"{self.extension_digit}{self.company_prefix}"

    length: ClassVar[int] = 18

    def to_params(self) -> dict[str, str | int]:
        """Return the parameters ``build_scheme("sscc18", ...)`` needs."""
        digit = _extension_digit(self.extension_digit)
        return {
            "extension_digit": self.extension_digit if digit is None else int(digit),
            "company_prefix": self.company_prefix,
        }


@dataclass(frozen=True)
class GsinScheme(_IdentifiedKey):
    """GS1 Global Shipment Identification Number, e.g. 06141411234567890.

    A GS1 company prefix of 7 to 10 digits, the shipper reference (the
    serial) filling the body to 16 digits, then the GS1 mod-10 check digit:
    17 digits, carried in GS1-128 after application identifier (402).

    >>> GsinScheme("0614141").format(123456789)
    '06141411234567890'
    >>> GsinScheme("0614141").parse("40206141411234567890")
    123456789
    """

    name: ClassVar[str] = "gsin"
    REQUIRED: ClassVar[tuple[str, ...]] = ("company_prefix",)
    application_identifier: ClassVar[str] = "402"
    bad_application_identifier: ClassVar[str] = GSIN_BAD_APPLICATION_IDENTIFIER

    company_prefix: str

    @staticmethod
    def param_errors(**values: object) -> dict[str, str]:
        """Return the per-field errors of GSIN parameters."""
        return _company_prefix_errors(values.get("company_prefix"))

    @property
    def _head(self) -> str:
        return self.company_prefix

    length: ClassVar[int] = 17
