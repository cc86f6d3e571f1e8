"""USPS numbers: issuing IMpb, and recognizing IMpb and the older forms.

USPS Publication 199 (Intelligent Mail Package Barcode) builds a tracking
number from a 2-digit channel application identifier, a 3-digit service
type code, the mailer's Mailer ID (MID), a serial package number and a
GS1 mod-10 check digit over all the digits before it: 22 digits, or 26 in
the long form. A MID of 9 digits starts with 9, one of 6 digits with 0-8;
channel 92 is for 9-digit MIDs, 93 for 6-digit ones, 94 (online and PC
postage) and 95 (retail) take either. A label's barcode may put the
routing code, "420" and the 5- or 9-digit ZIP code, before the number;
the routing code is never part of the number.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import ClassVar

from tracking.domain.barcodes import GS1_128, Barcode, grouped, gs1_128
from tracking.domain.check_digits import DIGITS, gs1_mod10
from tracking.domain.gs1 import Gs1Key
from tracking.domain.scheme_base import ZIP_INVALID, InvalidSchemeParams, expect_part

CHANNEL_INVALID = "Use 92 (9-digit Mailer ID) or 93 (6-digit Mailer ID)."
SERVICE_TYPE_CODE_INVALID = "Use the 3-digit USPS service type code, e.g. 001."
MAILER_ID_INVALID = {
    "92": "Channel 92 takes a 9-digit Mailer ID starting with 9.",
    "93": "Channel 93 takes a 6-digit Mailer ID starting with 0-8.",
}
MAILER_ID_NEEDS_CHANNEL = "Use a Mailer ID of 9 digits starting with 9 or 6 digits."
NUMBER_LENGTH_INVALID = "Choose 22 or 26 digits."

MAILER_IDS = {"92": re.compile(r"9[0-9]{8}"), "93": re.compile(r"[0-8][0-9]{5}")}
SERVICE_TYPE_CODE = re.compile(r"[0-9]{3}")
NUMBER_LENGTHS = (22, 26)
# Channel -> the first digits its Mailer IDs may start with.
_CHANNEL_MID_STARTS = {
    "92": "9",
    "93": "012345678",
    "94": DIGITS,
    "95": DIGITS,
}
# The routing code "420" + ZIP: total length -> lengths of routing codes.
_ROUTED = {30: (8,), 34: (12, 8)}
_ALL_DIGITS = re.compile(r"[0-9]+")
_ZIP = re.compile(r"[0-9]{5}(?:[0-9]{4})?")


@dataclass(frozen=True)
class UspsImpbScheme(Gs1Key):
    """USPS IMpb tracking number issued under the mailer's own Mailer ID.

    >>> s = UspsImpbScheme("92", "001", "912345678")
    >>> s.format(1234567)
    '9200191234567812345671'
    >>> UspsImpbScheme("93", "001", "123456", number_length=26).format(1)
    '93001123456000000000000019'
    """

    name: ClassVar[str] = "usps_impb"
    symbology: ClassVar[str] = GS1_128
    REQUIRED: ClassVar[tuple[str, ...]] = ("channel", "service_type_code", "mailer_id")
    DEFAULTS: ClassVar[Mapping[str, object]] = {"number_length": 22}

    channel: str
    service_type_code: str
    mailer_id: str
    number_length: int = 22

    @staticmethod
    def param_errors(**values: object) -> dict[str, str]:
        """Return the per-field errors of IMpb parameters."""
        errors: dict[str, str] = {}
        channel = values.get("channel")
        code = values.get("service_type_code")
        mailer_id = values.get("mailer_id")
        if not (isinstance(code, str) and SERVICE_TYPE_CODE.fullmatch(code)):
            errors["service_type_code"] = SERVICE_TYPE_CODE_INVALID
        if not (isinstance(channel, str) and channel in MAILER_IDS):
            errors["channel"] = CHANNEL_INVALID
            if not (
                isinstance(mailer_id, str)
                and any(p.fullmatch(mailer_id) for p in MAILER_IDS.values())
            ):
                errors["mailer_id"] = MAILER_ID_NEEDS_CHANNEL
        elif not (
            isinstance(mailer_id, str) and MAILER_IDS[channel].fullmatch(mailer_id)
        ):
            errors["mailer_id"] = MAILER_ID_INVALID[channel]
        length = values.get("number_length")
        if isinstance(length, bool) or length not in NUMBER_LENGTHS:
            errors["number_length"] = NUMBER_LENGTH_INVALID
        return errors

    @property
    def _head(self) -> str:
        return f"{self.channel}{self.service_type_code}{self.mailer_id}"

    @property
    def length(self) -> int:
        """Return 22 or 26, as chosen."""
        return self.number_length

    def barcode(self, number: str, *, zip_code: str = "") -> Barcode:
        """Return the IMpb GS1-128, routed to ``zip_code`` when one is given.

        Publication 199: AI (420) and the 5- or 9-digit ZIP code, then
        FNC1, then the number, whose channel (92, 93) is its AI. The line
        shows the number in groups of four.

        >>> b = UspsImpbScheme("92", "001", "912345678").barcode(
        ...     "9200191234567812345671", zip_code="20500"
        ... )
        >>> b.element_string, b.text
        ('42020500\\x1d9200191234567812345671', '9200 1912 3456 7812 3456 71')
        """
        elements = ((number[:2], number[2:]),)
        if zip_code:
            if not _ZIP.fullmatch(zip_code):
                raise InvalidSchemeParams({"zip": ZIP_INVALID})
            elements = (("420", zip_code), *elements)
        return gs1_128(elements, grouped(number, 4))

    def _unwrap(self, number: str) -> str:
        """Drop a scanned barcode's routing code ("420" + ZIP) in front."""
        for cut in _ROUTED.get(len(number), ()):
            if number.startswith("420") and len(number) - cut == self.length:
                return number[cut:]
        return number

    def _expect_head(self, number: str) -> None:
        expect_part("channel", number[:2], self.channel)
        expect_part("service type code", number[2:5], self.service_type_code)
        expect_part("Mailer ID", number[5 : len(self._head)], self.mailer_id)


def _tracking_parts(number: str) -> Iterator[str]:
    """Yield the readings of a digit string as a number, bare or routed."""
    if _ALL_DIGITS.fullmatch(number) is None:
        return
    cuts = _ROUTED.get(len(number), ())
    if cuts and number.startswith("420"):
        for cut in cuts:
            yield number[cut:]
    elif not cuts:
        yield number


def _has_gs1_check(digits: str, implied: str = "") -> bool:
    return gs1_mod10(implied + digits[:-1]) == digits[-1]


def is_usps_impb(number: str) -> bool:
    """Return whether ``number`` is an IMpb number by Publication 199's rules.

    22 or 26 digits: channel 92 to 95, a Mailer ID of the length its
    channel and first digit demand, and the GS1 check digit, optionally
    after a routing code (30 or 34 digits).

    >>> is_usps_impb("9400111201080805483016")
    True
    >>> is_usps_impb("9611020987654312345672")  # FedEx Ground 96
    False
    """
    return any(
        len(part) in NUMBER_LENGTHS
        and part[5] in _CHANNEL_MID_STARTS.get(part[:2], "")
        and _has_gs1_check(part)
        for part in _tracking_parts(number)
    )


def is_usps_legacy(number: str) -> bool:
    """Return whether ``number`` is a USPS number of the "91" family.

    22 digits starting with the application identifier 91 (routing code
    allowed before them), or the same 20 digits printed without it, whose
    check digit still covers the implied "91".

    >>> is_usps_legacy("71969010756003077385")
    True
    """
    if len(number) == 20:
        return _ALL_DIGITS.fullmatch(number) is not None and _has_gs1_check(
            number, implied="91"
        )
    return any(
        len(part) == 22 and part.startswith("91") and _has_gs1_check(part)
        for part in _tracking_parts(number)
    )


def is_usps_20(number: str) -> bool:
    """Return whether ``number`` is a 20-digit USPS confirmation number.

    Service type, 9-digit mailer number, 8-digit package number and a GS1
    check digit over the 19 digits printed.

    >>> is_usps_20("03071790000523483741")
    True
    """
    return (
        len(number) == 20
        and _ALL_DIGITS.fullmatch(number) is not None
        and _has_gs1_check(number)
    )
