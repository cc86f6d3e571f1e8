"""Recognizing standard formats in typed-in numbers."""

from __future__ import annotations

import re

import pytest

from tracking.domain.recognize import (
    is_s10,
    is_sscc18,
    is_ups_1z,
    is_usps_impb,
    normalize,
    recognize,
    ups_check_digit,
)

# A valid USPS number written in fullwidth digits (U+FF10 to U+FF19), which
# str.isdigit() and the regex \d would both accept.
FULLWIDTH_USPS = "".join(chr(0xFF10 + int(d)) for d in "9400111201080805483016")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" rb 1234 56785gb ", "RB123456785GB"),
        ("RB123456785GB", "RB123456785GB"),
        ("\t1z 999 aa1\n0123456784\u00a0", "1Z999AA10123456784"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_normalize_strips_spaces_and_capitalizes(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


@pytest.mark.parametrize(
    ("number", "formats"),
    [
        # S10: jkeen/tracking_number_data couriers/s10.json valid numbers.
        ("RB123456785GB", ["s10"]),
        ("RB123456785US", ["s10"]),
        ("RB123456785CF", ["s10"]),
        ("EE876543216US", ["s10"]),
        # SSCC: GS1 General Specifications example, bare and after AI (00).
        ("106141411234567897", ["sscc18"]),
        ("00106141411234567897", ["sscc18", "usps_20"]),
        # UPS: the widely quoted 1Z999AA10123456784 and the valid numbers
        # of jkeen/tracking_number_data couriers/ups.json.
        ("1Z999AA10123456784", ["ups1z"]),
        ("1Z5R89390357567127", ["ups1z"]),
        ("1Z879E930346834440", ["ups1z"]),
        ("1Z410E7W0392751591", ["ups1z"]),
        ("1Z8V92A70367203024", ["ups1z"]),
        # USPS: valid numbers of jkeen/tracking_number_data couriers/usps.json.
        ("9400111201080805483016", ["usps_impb"]),
        ("9361289878700317633795", ["usps_impb"]),
        ("9405803699300124287899", ["usps_impb"]),
        ("9505511069605048600624", ["usps_impb"]),
        ("9101123456789000000013", ["usps_legacy"]),
        ("92748931507708513018050063", ["usps_impb"]),
        ("03071790000523483741", ["usps_20"]),
        ("71123456789123456787", ["usps_20"]),
        # 420 + ZIP 5 + 22 digits, and 420 + ZIP 5+4 + 22 digits.
        ("420221539101026837331000039521", ["usps_legacy"]),
        ("4201002334249200190132607600833457", ["usps_impb"]),
        ("4201028200009261290113185417468510", ["usps_impb", "fedex_express_34"]),
        # 420 + ZIP 5 + the 26-digit number above.
        ("4202215392748931507708513018050063", ["usps_impb"]),
    ],
)
def test_it_recognizes_published_numbers(number: str, formats: list[str]) -> None:
    assert recognize(number) == formats


def test_overlapping_formats_are_all_listed() -> None:
    # "00" + an SSCC is 20 digits ending in a GS1 check digit that also
    # holds over all 19 leading digits, since leading zeros add nothing to
    # the weighted sum: it reads as a 20-digit USPS number too.
    assert recognize("00106141411234567897") == ["sscc18", "usps_20"]


@pytest.mark.parametrize(
    "number",
    [
        "",
        "RB123456786GB",  # wrong check digit
        "RB123456785XX",  # not a country code
        "RB123456785UN",  # reserved, not an ISO 3166-1 country
        "R1123456785GB",
        "RB12345678GB",
        "rb123456785gb",  # not normalized
        "106141411234567896",  # wrong GS1 check digit
        "01106141411234567897",  # 20 digits without the "00" identifier
        "1Z999AA10123456785",  # wrong UPS check digit
        "1Z999AA1012345678A",  # UPS check must be a digit
        "2Z5R89390357567127",
        "1A5R89390357567127",
        "1Z1111111111111111",
        "9400111899223197428490",  # widely copied, but its check digit is 7
        "03071790000523483742",
        "4201028200009261290113185417468511",
        "9200000000000000000000",
        "420000000000000000000000000000",  # 22 routed digits must start with 9
        "420000009200000000000000000000",
        "8400111201080805483016",  # 22 digits must start with 9
        "4211002334249200190132607600833457",  # routing code must be 420
        "42022153910102683733100003952",  # 29 digits: no such length
        "4202215303071790000523483741",  # 420 + ZIP + 20 digits is not a form
        "9400 1112 0108 0805 4830 16",  # not normalized
        FULLWIDTH_USPS,
    ],
)
def test_it_recognizes_nothing_in_invalid_numbers(number: str) -> None:
    assert recognize(number) == []


def test_the_corrected_usps_example_is_valid() -> None:
    # 9400111899223197428490 circulates as an example; its GS1 check digit
    # over 940011189922319742849 is 7, not 0.
    assert recognize("9400111899223197428497") == ["usps_impb"]


@pytest.mark.parametrize(
    ("raw", "formats"),
    [
        (" rb 1234 56785gb ", ["s10"]),
        ("1z 999 aa1 0123 4567 84", ["ups1z"]),
        ("9400 1112 0108 0805 4830 16", ["usps_impb"]),
        ("(00) 1 0614141 123456789 7", []),
    ],
)
def test_it_recognizes_normalized_input(raw: str, formats: list[str]) -> None:
    assert recognize(normalize(raw)) == formats


@pytest.mark.parametrize(
    ("check", "number"),
    [
        (is_s10, "RB123456785GB"),
        (is_sscc18, "106141411234567897"),
        (is_ups_1z, "1Z999AA10123456784"),
        (is_usps_impb, "9400111201080805483016"),
    ],
)
def test_each_predicate_accepts_its_format(check: object, number: str) -> None:
    assert check(number) is True  # type: ignore[operator]


@pytest.mark.parametrize(
    ("body", "expected"),
    [("999AA1012345678", "4"), ("5R8939035756712", "7"), ("879E93034683444", "0")],
)
def test_ups_check_digit(body: str, expected: str) -> None:
    assert ups_check_digit(body) == expected


def test_ups_check_digit_rejects_other_characters() -> None:
    message = (
        "UPS check digits accept only digits 0-9 and letters A-Z; "
        "got 'a' at position 4."
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        ups_check_digit("999aa1012345678")
