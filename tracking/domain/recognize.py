"""Recognize which standard formats a typed-in number satisfies.

Carriers' formats overlap (a 20-digit string can be both an SSCC with its
"00" application identifier and a legacy USPS number, a 12-digit one both
FedEx Express and Purolator), so ``recognize`` returns every match rather
than a single guess, each with how sure it is: ``verified`` when the
format has a check character and it holds, ``pattern`` when the format has
none and only its shape matched.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from tracking.domain import carriers
from tracking.domain.check_digits import DIGITS, gs1_mod10, mod11
from tracking.domain.countries import ISO_3166_ALPHA2
from tracking.domain.custom import CustomScheme
from tracking.domain.periods import DAY_ZERO
from tracking.domain.scheme_base import Scheme
from tracking.domain.usps import is_usps_20, is_usps_impb, is_usps_legacy

# [0-9] rather than \d: \d would also accept non-ASCII digits such as "٣".
_S10 = re.compile(r"[A-Z]{2}([0-9]{8})([0-9])([A-Z]{2})")
_ALL_DIGITS = re.compile(r"[0-9]+")
_UPS_1Z = re.compile(r"1Z([0-9A-Z]{15})([0-9])")
_GSIN = re.compile(r"[0-9]{17}")
# Letters outside a-z that str.upper() would fold into ASCII (sharp s into
# SS, long s into S, dotless i into I, ligatures): only ASCII is capitalized.
_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
VERIFIED = "verified"
PATTERN = "pattern"

UPS_BAD_CHARACTER = (
    "UPS check digits accept only digits 0-9 and letters A-Z; "
    "got {char!r} at position {position}."
)


def normalize(raw: str) -> str:
    """Return ``raw`` without any whitespace, ASCII letters in capitals.

    People copy numbers with spaces from labels and e-mails. Other letters
    are kept as typed, never folded into look-alike ASCII, so that no
    format accepts them.

    >>> normalize(" rb 1234 56785gb ")
    'RB123456785GB'
    >>> normalize("rb123456785u\u017f") == "RB123456785U\u017f"
    True
    """
    return "".join(raw.split()).translate(_ASCII_UPPER)


def first_non_ascii(number: str) -> tuple[int, str] | None:
    """Return the 1-based position and character of the first non-ASCII one.

    >>> first_non_ascii("RB123456785Uß")
    (13, 'ß')
    """
    return next(((i, c) for i, c in enumerate(number, 1) if not c.isascii()), None)


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


def is_gsin(number: str) -> bool:
    """Return whether ``number`` is a GS1 GSIN: 17 digits, GS1 check digit.

    >>> is_gsin("06141411234567890")
    True
    """
    return bool(_GSIN.fullmatch(number)) and gs1_mod10(number[:16]) == number[16]


@dataclass(frozen=True)
class Format:
    """A recognizable format: its name, a label and its predicate."""

    name: str
    label: str
    matches: Callable[[str], bool]
    has_check: bool = True


@dataclass(frozen=True)
class Match:
    """One format a number satisfies, and how sure that is."""

    format: str
    label: str
    confidence: str


FORMATS: tuple[Format, ...] = (
    Format("s10", "UPU S10", is_s10),
    Format("sscc18", "GS1 SSCC-18", is_sscc18),
    Format("gsin", "GS1 GSIN", is_gsin),
    Format("ups1z", "UPS 1Z", is_ups_1z),
    Format("usps_impb", "USPS IMpb", is_usps_impb),
    Format("usps_legacy", "USPS 91 (legacy)", is_usps_legacy),
    Format("usps_20", "USPS 20-digit", is_usps_20),
    Format("fedex_express_12", "FedEx Express (12)", carriers.is_fedex_express_12),
    Format("fedex_express_34", "FedEx Express (34)", carriers.is_fedex_express_34),
    Format("fedex_ground_15", "FedEx Ground (15)", carriers.is_fedex_ground_15),
    Format("fedex_ground_96", "FedEx Ground 96 (22)", carriers.is_fedex_ground_96),
    Format("dhl_express", "DHL Express", carriers.is_dhl_express),
    Format("dpd", "DPD", carriers.is_dpd),
    Format("canada_post", "Canada Post (16)", carriers.is_canada_post),
    Format("purolator", "Purolator (12)", carriers.is_purolator),
    Format("ontrac", "OnTrac", carriers.is_ontrac),
    Format(
        "dhl_express_piece_id",
        "DHL Express piece ID",
        carriers.is_dhl_piece_id,
        has_check=False,
    ),
    Format(
        "purolator_alpha",
        "Purolator (3 letters, 9 digits)",
        carriers.is_purolator_alpha,
        has_check=False,
    ),
)
FORMAT_NAMES = tuple(f.name for f in FORMATS)
FORMAT_LABELS = {f.name: f.label for f in FORMATS}


def recognize_matches(number: str, *, strict: bool = False) -> list[Match]:
    """Return every format a normalized number satisfies, with confidence.

    ``strict`` keeps only the formats whose check character was verified.

    >>> [(m.format, m.confidence) for m in recognize_matches("KYV009956937")]
    [('purolator_alpha', 'pattern')]
    >>> recognize_matches("KYV009956937", strict=True)
    []
    """
    return [
        Match(f.name, f.label, VERIFIED if f.has_check else PATTERN)
        for f in FORMATS
        if (f.has_check or not strict) and f.matches(number)
    ]


def recognize(number: str) -> list[str]:
    """Return the names of the standard formats a normalized number satisfies.

    Names come in the order of ``FORMATS``. An empty list means none fits.
    Normalize typed input with ``normalize`` first.

    >>> recognize("RB123456785GB")
    ['s10']
    >>> recognize(normalize("9400 1112 0108 0805 4830 16"))
    ['usps_impb']
    """
    return [match.format for match in recognize_matches(number)]


# The fractional part of the golden ratio: multiples of it modulo 1 spread
# evenly over [0, 1), so the samples below cover a range of any size.
_GOLDEN = 0.6180339887498949


def carrier_overlap(scheme: Scheme, *, samples: int = 256) -> dict[str, str]:
    """Return the formats that accept numbers of ``scheme``, with an example.

    Formats whose check holds for one number in ten are found among 256
    spread serials with near certainty (0.9**256 < 1e-11 to miss one).

    >>> carrier_overlap(CustomScheme(prefix="TN", serial_width=10, check="luhn"))
    {}
    >>> carrier_overlap(CustomScheme(serial_width=10))
    {'dhl_express': '0000000000'}
    """
    step = max(1, int(scheme.capacity * _GOLDEN))
    serials = [i * step % scheme.capacity for i in range(samples)]
    found: dict[str, str] = {}
    for i, serial in enumerate([*serials, scheme.max_serial]):
        # A dated scheme prints its day too: spread the days over decades.
        if isinstance(scheme, CustomScheme) and scheme.dated:
            number = scheme.on(DAY_ZERO + timedelta(days=i * 97)).format(serial)
        else:
            number = scheme.format(serial)
        for name in recognize(number):
            found.setdefault(name, number)
    return found
