"""Recognizers of carriers' own tracking numbers, each with its check.

The patterns and check rules follow the carriers' published label
specifications as collected by jkeen/tracking_number_data
(``couriers/*.json``, MIT); the test vectors come from the same files.
"""

from __future__ import annotations

import re

from tracking.domain.check_digits import gs1_mod10, luhn, mod37

_FEDEX_WEIGHTS = (3, 1, 7)
_FEDEX_12 = re.compile(r"[0-9]{12}")
_FEDEX_34 = re.compile(r"[0-8][0-9]{33}")
_FEDEX_GROUND_15 = re.compile(r"[0-9]{15}")
_FEDEX_GROUND_96 = re.compile(r"96[0-9]{20}")
_DHL_EXPRESS = re.compile(r"[0-9]{10,11}")
_DHL_PIECE_ID = re.compile(r"J[A-Z]{2,3}[0-9]{9,10}")
_DPD = re.compile(r"(?:[0-9]{13}|[0-9]{26})[0-9][0-9A-Z]")
_CANADA_POST = re.compile(r"[0-9]{16}")
_PUROLATOR = re.compile(r"[0-5][0-9]{11}")
_PUROLATOR_ALPHA = re.compile(r"[A-Z]{3}[0-9]{9}")
_ONTRAC = re.compile(r"([CD])([0-9]{13})([0-9])")


def fedex_check_digit(body: str, weights: tuple[int, ...] = _FEDEX_WEIGHTS) -> str:
    """Return FedEx Express's check digit: weighted sum mod 11, then mod 10.

    Weights repeat 3, 1, 7 from the left for the 12-digit number; the
    34-digit barcode weighs its 13-digit serial with 1, 7, 3.

    >>> fedex_check_digit("98657878885")
    '5'
    """
    total = sum(int(d) * weights[i % len(weights)] for i, d in enumerate(body))
    return str(total % 11 % 10)


def is_fedex_express_12(number: str) -> bool:
    """Return whether ``number`` is a 12-digit FedEx Express number."""
    return bool(_FEDEX_12.fullmatch(number)) and (
        fedex_check_digit(number[:11]) == number[11]
    )


def is_fedex_express_34(number: str) -> bool:
    """Return whether ``number`` is FedEx Express's 34-digit barcode.

    Fifteen digits starting 0-8, a 5-digit ZIP, a 13-digit serial and its
    check digit (weights 1, 7, 3).
    """
    return bool(_FEDEX_34.fullmatch(number)) and (
        fedex_check_digit(number[20:33], (1, 7, 3)) == number[33]
    )


def is_fedex_ground_15(number: str) -> bool:
    """Return whether ``number`` is a 15-digit FedEx Ground number."""
    return bool(_FEDEX_GROUND_15.fullmatch(number)) and (
        gs1_mod10(number[:14]) == number[14]
    )


def is_fedex_ground_96(number: str) -> bool:
    """Return whether ``number`` is FedEx Ground's 22-digit "96" barcode.

    "96", a 2-digit SCNC, a 3-digit service type, 7-digit shipper and
    7-digit package numbers, and a GS1 check digit over those 14 digits.
    """
    return bool(_FEDEX_GROUND_96.fullmatch(number)) and (
        gs1_mod10(number[7:21]) == number[21]
    )


def is_dhl_express(number: str) -> bool:
    """Return whether ``number`` is a DHL Express waybill number.

    10 digits (11 in older series) whose last is the rest modulo 7.

    >>> is_dhl_express("3318810025")
    True
    """
    return bool(_DHL_EXPRESS.fullmatch(number)) and (
        int(number[:-1]) % 7 == int(number[-1])
    )


def is_dhl_piece_id(number: str) -> bool:
    """Return whether ``number`` looks like a DHL Express piece ID (no check)."""
    return bool(_DHL_PIECE_ID.fullmatch(number))


def is_dpd(number: str) -> bool:
    """Return whether ``number`` is a DPD parcel number with its check.

    The 14-digit parcel number, or the 27 digits of the label barcode
    (ZIP, parcel number, service and country codes), followed by the
    ISO 7064 MOD 37,36 check character over them.
    """
    return bool(_DPD.fullmatch(number)) and mod37(number[:-1]) == number[-1]


def is_canada_post(number: str) -> bool:
    """Return whether ``number`` is a 16-digit Canada Post number."""
    return bool(_CANADA_POST.fullmatch(number)) and (
        gs1_mod10(number[:15]) == number[15]
    )


def is_purolator(number: str) -> bool:
    """Return whether ``number`` is a 12-digit Purolator number (Luhn)."""
    return bool(_PUROLATOR.fullmatch(number)) and luhn(number[:11]) == number[11]


def is_purolator_alpha(number: str) -> bool:
    """Return whether ``number`` looks like Purolator's 3 letters + 9 digits."""
    return bool(_PUROLATOR_ALPHA.fullmatch(number))


def is_ontrac(number: str) -> bool:
    """Return whether ``number`` is an OnTrac "C" or "D" number.

    The 13-digit serial, led by 4 (C) or 5 (D) unless it already starts
    with it, weighs 1, 2, 1, ... from the left; the check digit brings the
    sum to a multiple of 10.

    >>> is_ontrac("C11031500001879")
    True
    """
    match = _ONTRAC.fullmatch(number)
    if match is None:
        return False
    lead = "4" if match[1] == "C" else "5"
    serial = match[2] if match[2].startswith(lead) else lead + match[2]
    total = sum(int(d) * (1 + i % 2) for i, d in enumerate(serial))
    return str(-total % 10) == match[3]
