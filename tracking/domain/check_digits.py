"""Check characters for tracking numbers.

Each function takes the body of a number (the characters the check covers)
and returns the one check character to append to it. Characters outside an
algorithm's alphabet raise ``ValueError`` naming the character and its
1-based position.
"""

from __future__ import annotations

from collections.abc import Callable

DIGITS = "0123456789"
ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

# UPU S10 weights for the 8-digit serial, left to right.
S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)

_DIGIT_VALUES = {char: value for value, char in enumerate(DIGITS)}
_ALPHANUMERIC_VALUES = {char: value for value, char in enumerate(ALPHANUMERIC)}
# Luhn doubles every second digit and adds the digits of the product.
_LUHN_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)

EMPTY_BODY = "{algorithm} needs at least one character to check."
BAD_CHARACTER = (
    "{algorithm} accepts only {allowed}; got {char!r} at position {position}."
)


def _values(
    body: str, table: dict[str, int], algorithm: str, allowed: str
) -> list[int]:
    """Return the value of each character of ``body`` looked up in ``table``.

    Raise ``ValueError`` for an empty body or for the first character the
    table does not know.
    """
    if not body:
        raise ValueError(EMPTY_BODY.format(algorithm=algorithm))
    try:
        return [table[char] for char in body]
    except KeyError:
        position, char = next((i, c) for i, c in enumerate(body, 1) if c not in table)
        raise ValueError(
            BAD_CHARACTER.format(
                algorithm=algorithm, allowed=allowed, char=char, position=position
            )
        ) from None


def gs1_mod10(body: str) -> str:
    """Return the GS1 mod-10 check digit of a digit string.

    Weights 3, 1, 3, ... run from the rightmost body digit leftwards; the
    check digit brings the weighted sum up to a multiple of 10. This is the
    check digit of GTIN, SSCC and USPS IMpb numbers.

    >>> gs1_mod10("10614141123456789")
    '7'
    """
    values = _values(body, _DIGIT_VALUES, "GS1 mod 10", "digits 0-9")
    total = 3 * sum(values[-1::-2]) + sum(values[-2::-2])
    return DIGITS[-total % 10]


def luhn(body: str) -> str:
    """Return the Luhn (ISO/IEC 7812-1) check digit of a digit string.

    Starting with the rightmost body digit, every second digit is doubled
    (9 subtracted when the product exceeds 9); the check digit brings the
    sum up to a multiple of 10.

    >>> luhn("7992739871")
    '3'
    """
    values = _values(body, _DIGIT_VALUES, "Luhn", "digits 0-9")
    total = sum(_LUHN_DOUBLED[v] for v in values[-1::-2]) + sum(values[-2::-2])
    return DIGITS[-total % 10]


def mod11(body: str) -> str:
    """Return the UPU S10 mod-11 check digit of a digit string.

    Weights 8 6 4 2 3 5 9 7 run from the left (repeating for bodies longer
    than 8); check = 11 - (sum mod 11), except that 10 is written "0" and
    11 is written "5", as UPU standard S10 prescribes. The folding means
    check "5" stands for two remainders (0 and 6), so some single-digit
    errors go unnoticed.

    >>> mod11("12345678")
    '5'
    >>> mod11("00000000")
    '5'
    """
    values = _values(body, _DIGIT_VALUES, "UPU mod 11", "digits 0-9")
    total = sum(v * S10_WEIGHTS[i % 8] for i, v in enumerate(values))
    check = 11 - total % 11
    if check == 10:
        return "0"
    if check == 11:
        return "5"
    return DIGITS[check]


def mod37(body: str) -> str:
    """Return the ISO/IEC 7064 MOD 37,36 check character of a string.

    The hybrid system over the 36 characters 0-9 and A-Z: starting from
    P = 36, each character a updates P to 2 * S mod 37 where S = (P + a)
    mod 36, read as 36 when 0. The check character c makes (P + c) mod 36
    equal 1. It catches every single-character substitution.

    >>> mod37("A12425GABC1234002")
    'M'
    """
    values = _values(
        body, _ALPHANUMERIC_VALUES, "ISO 7064 MOD 37,36", "digits 0-9 and letters A-Z"
    )
    product = 36
    for value in values:
        product = ((product + value) % 36 or 36) * 2 % 37
    return ALPHANUMERIC[(1 - product) % 36]


CHECKS: dict[str, Callable[[str], str] | None] = {
    "none": None,
    "luhn": luhn,
    "gs1": gs1_mod10,
    "mod11": mod11,
    "mod37": mod37,
}
