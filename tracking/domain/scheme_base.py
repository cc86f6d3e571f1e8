"""What every number format ("scheme") shares: errors, checks, base class.

A scheme is an immutable value holding the fixed parts of one series of
numbers (service indicator, company prefix, prefix and suffix...). It turns
a serial in ``[0, max_serial]`` into the printed number with ``format`` and
recovers the serial with ``parse``. The schemes live one module per family
(``s10``, ``gs1``, ``usps``, ``custom``); ``schemes.build_scheme`` makes one
from a name and a parameter mapping.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import ClassVar, Protocol

from tracking.domain.barcodes import CODE128, Barcode, code128
from tracking.domain.check_digits import DIGITS

# Number errors, the message of InvalidNumber.
WRONG_LENGTH = "expected {expected} characters, got {actual}"
WRONG_CHARACTER = "character {position} is {char!r}, expected {expected}"
WRONG_PART = "{part} is {actual}, expected {expected}"
WRONG_CHECK = "check {kind} is {actual}, expected {expected}"
SERIAL_OUT_OF_RANGE = "serial must be between 0 and {max_serial}, got {serial}"
# Barcode option errors, keyed "zip" in InvalidSchemeParams.
ZIP_INVALID = "Use a 5- or 9-digit ZIP code."
ZIP_NOT_ROUTED = "Only USPS IMpb barcodes carry a ZIP code."

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
A_DIGIT = "a digit"
A_LETTER = "a letter A-Z"
DIGIT_SET = frozenset(DIGITS)


class InvalidNumber(ValueError):
    """A number that does not belong to a scheme.

    The message says what is wrong in words a user understands, e.g.
    "check digit is 3, expected 5" or "expected 13 characters, got 12".
    """


class WrongCheckCharacter(InvalidNumber):
    """A number of the scheme's shape whose check character does not hold:
    most often a typing error."""


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


class ZipNotRouted(InvalidSchemeParams):
    """A ZIP code for a barcode that has no routing code: not a bad value
    but one the number's scheme cannot carry."""

    def __init__(self) -> None:
        super().__init__({"zip": ZIP_NOT_ROUTED})


class Scheme(Protocol):
    """What every number format offers."""

    name: ClassVar[str]
    # The barcode symbology of the scheme's standard (barcodes.CODE128...).
    symbology: ClassVar[str]

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

    def positions(self) -> tuple[frozenset[str], ...]: ...

    def barcode(self, number: str, *, zip_code: str = "") -> Barcode: ...

    @property
    def dated(self) -> bool: ...


class SchemeBase:
    """Shared behaviour: capacity, example and the serial range check.

    A subclass names its parameters: ``REQUIRED`` ones, optional ones with
    their ``DEFAULTS``, and ``param_errors`` judging them all at once.
    """

    __slots__ = ()

    REQUIRED: ClassVar[tuple[str, ...]] = ()
    DEFAULTS: ClassVar[Mapping[str, object]] = {}
    symbology: ClassVar[str] = CODE128
    # Whether numbers print the date of issue (custom date tokens).
    dated: ClassVar[bool] = False

    @staticmethod
    def param_errors(**values: object) -> dict[str, str]:
        """Return a message per bad parameter (empty when all are valid)."""
        raise NotImplementedError

    def __post_init__(self) -> None:
        """Refuse parameters that break the scheme's rules (dataclasses)."""
        errors = self.param_errors(**self.to_params())
        if errors:
            raise InvalidSchemeParams(errors)

    def to_params(self) -> dict[str, str | int]:
        """Return the parameters ``build_scheme`` needs to make this scheme."""
        fields = dataclasses.fields(self)  # type: ignore[arg-type]
        return {f.name: getattr(self, f.name) for f in fields}

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

    def barcode(self, number: str, *, zip_code: str = "") -> Barcode:
        """Return the barcode of one of the scheme's numbers.

        Plain Code 128 printed as it is, unless a scheme says otherwise.
        Only USPS IMpb takes a ``zip_code``.
        """
        no_zip(zip_code)
        return code128(number)

    def _check_serial(self, serial: int) -> None:
        """Raise ``ValueError`` unless ``0 <= serial <= max_serial``."""
        if not 0 <= serial <= self.max_serial:
            raise ValueError(
                SERIAL_OUT_OF_RANGE.format(max_serial=self.max_serial, serial=serial)
            )


def expect(number: str, start: int, stop: int, allowed: str, expected: str) -> None:
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


def expect_length(number: str, expected: int) -> None:
    """Raise ``InvalidNumber`` unless ``number`` has ``expected`` characters."""
    if len(number) != expected:
        raise InvalidNumber(WRONG_LENGTH.format(expected=expected, actual=len(number)))


def expect_part(part: str, actual: str, expected: str) -> None:
    """Raise ``InvalidNumber`` when a fixed part belongs to another series."""
    if actual != expected:
        raise InvalidNumber(
            WRONG_PART.format(part=part, actual=actual, expected=expected)
        )


def expect_check(actual: str, expected: str, kind: str = "digit") -> None:
    """Raise ``InvalidNumber`` when the check character does not match."""
    if actual != expected:
        raise WrongCheckCharacter(
            WRONG_CHECK.format(kind=kind, actual=actual, expected=expected)
        )


def no_zip(zip_code: str) -> None:
    """Refuse a ZIP code for a barcode that has no routing code."""
    if zip_code:
        raise ZipNotRouted


def is_blank(value: object) -> bool:
    """Return whether a parameter counts as not given (None or "")."""
    return value is None or value == ""


def fixed(text: str) -> tuple[frozenset[str], ...]:
    """Return the positions of a fixed text: one allowed character each."""
    return tuple(frozenset(c) for c in text)


def is_choice(value: object, choices: Mapping[str, object]) -> bool:
    """Return whether ``value`` is one of the names of ``choices``.

    Safe for any value, a list or a dict included (``[] in {}`` raises).
    """
    return isinstance(value, str) and value in choices
