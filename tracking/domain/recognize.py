"""Recognize which standard formats a typed-in number satisfies.

Carriers' formats overlap (a 20-digit string can be both an SSCC with its
"00" application identifier and a legacy USPS number), so ``recognize``
returns every match rather than a single guess.
"""

from __future__ import annotations

import re

from tracking.domain.check_digits import DIGITS, gs1_mod10, mod11
from tracking.domain.countries import ISO_3166_ALPHA2

# [0-9] rather than \d: \d would also accept non-ASCII digits such as "٣".
_S10 = re.compile(r"[A-Z]{2}([0-9]{8})([0-9])([A-Z]{2})")
_ALL_DIGITS = re.compile(r"[0-9]+")
_UPS_1Z = re.compile(r"1Z([0-9A-Z]{15})([0-9])")
# USPS may put a routing code before the tracking part: "420" and a 5- or
# 9-digit ZIP code. Total length -> lengths of the routing codes it allows.
_USPS_ROUTED = {30: (8,), 34: (12, 8)}
_USPS_TRACKING_LENGTHS = frozenset({20, 22, 26})

UPS_BAD_CHARACTER = (
    "UPS check digits accept only digits 0-9 and letters A-Z; "
    "got {char!r} at position {position}."
)


def normalize(raw: str) -> str:
    """Return ``raw`` without any whitespace, in capitals.

    People copy numbers with spaces from labels and e-mails.

    >>> normalize(" rb 1234 56785gb ")
    'RB123456785GB'
    """
    return "".join(raw.split()).upper()


def is_s10(number: str) -> bool:
    """Return whether ``number`` is a valid UPU S10 item identifier.

    Two letters, an 8-digit serial, its mod-11 check digit and an ISO
    3166-1 alpha-2 country code.

    >>> is_s10("RB123456785GB")
    True
    """
    match = _S10.fullmatch(number)
    return (
        match is not None
        and mod11(match[1]) == match[2]
        and match[3] in ISO_3166_ALPHA2
    )


def is_sscc18(number: str) -> bool:
    """Return whether ``number`` is an SSCC, bare or after the "00" identifier.

    18 digits ending in their GS1 mod-10 check digit, or 20 digits whose
    first two are the application identifier "00".

    >>> is_sscc18("00106141411234567897")
    True
    """
    if len(number) == 20 and number.startswith("00"):
        number = number[2:]
    return (
        len(number) == 18
        and _ALL_DIGITS.fullmatch(number) is not None
        and gs1_mod10(number[:17]) == number[17]
    )


def ups_check_digit(body: str) -> str:
    """Return the check digit of the 15 characters after a UPS "1Z".

    Letters count as digits, A=2, B=3, ... cycling mod 10; characters at
    odd 1-based positions count once, those at even positions twice, and
    the check digit brings the sum up to a multiple of 10. Characters other
    than 0-9 and A-Z raise ``ValueError``.

    >>> ups_check_digit("999AA1012345678")
    '4'
    """
    total = 0
    for position, char in enumerate(body, 1):
        if char in DIGITS:
            value = int(char)
        elif "A" <= char <= "Z":
            value = (ord(char) - ord("A") + 2) % 10
        else:
            raise ValueError(UPS_BAD_CHARACTER.format(char=char, position=position))
        total += value if position % 2 else 2 * value
    return str(-total % 10)


def is_ups_1z(number: str) -> bool:
    """Return whether ``number`` is a UPS "1Z" tracking number.

    >>> is_ups_1z("1Z999AA10123456784")
    True
    """
    match = _UPS_1Z.fullmatch(number)
    return match is not None and ups_check_digit(match[1]) == match[2]


def is_usps_impb(number: str) -> bool:
    """Return whether ``number`` is a USPS Intelligent Mail package barcode.

    The tracking part is 20 digits (legacy), or 22 or 26 digits starting
    with "9", and ends with the GS1 mod-10 check digit of the rest. It may
    be preceded by a routing code: "420" and a 5- or 9-digit ZIP code,
    making 30 or 34 digits (34 also fits a ZIP 5 before a 26-digit number,
    so both readings are tried).

    >>> is_usps_impb("9400111201080805483016")
    True
    """
    if _ALL_DIGITS.fullmatch(number) is None:
        return False
    if len(number) in _USPS_ROUTED:
        return number.startswith("420") and any(
            _is_usps_tracking(number[cut:]) for cut in _USPS_ROUTED[len(number)]
        )
    return _is_usps_tracking(number)


def _is_usps_tracking(digits: str) -> bool:
    """Return whether a digit string is a USPS tracking part with its check."""
    length = len(digits)
    if length not in _USPS_TRACKING_LENGTHS:
        return False
    if length != 20 and not digits.startswith("9"):
        return False
    return gs1_mod10(digits[:-1]) == digits[-1]


_RECOGNIZERS = (
    ("s10", is_s10),
    ("sscc18", is_sscc18),
    ("ups1z", is_ups_1z),
    ("usps_impb", is_usps_impb),
)


def recognize(number: str) -> list[str]:
    """Return the names of the standard formats a normalized number satisfies.

    Names come in this order: "s10", "sscc18", "ups1z", "usps_impb". An
    empty list means none fits. Normalize typed input with ``normalize``
    first.

    >>> recognize("RB123456785GB")
    ['s10']
    >>> recognize(normalize("9400 1112 0108 0805 4830 16"))
    ['usps_impb']
    """
    return [name for name, matches in _RECOGNIZERS if matches(number)]
