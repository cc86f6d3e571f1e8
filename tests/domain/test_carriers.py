"""Carrier recognizers against published vectors, and their precision."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from tracking.domain.carriers import fedex_check_digit
from tracking.domain.check_digits import gs1_mod10
from tracking.domain.recognize import (
    FORMAT_NAMES,
    PATTERN,
    VERIFIED,
    first_non_ascii,
    normalize,
    recognize,
    recognize_matches,
)

# Copied from jkeen/tracking_number_data couriers/*.json (the file and the
# commit are named inside): each entry's valid and invalid test numbers.
JKEEN = json.loads(
    (Path(__file__).parent / "data" / "jkeen_tracking_number_data.json").read_text()
)
CASES = [
    (entry["format"], number, valid)
    for entry in JKEEN["vectors"]
    for valid, numbers in ((True, entry["valid"]), (False, entry["invalid"]))
    for number in numbers
]


def test_the_vectors_cover_every_new_carrier() -> None:
    assert len(CASES) == 140
    assert {fmt for fmt, _, _ in CASES} == set(FORMAT_NAMES) - {"gsin"}


@pytest.mark.parametrize(("fmt", "number", "valid"), CASES)
def test_it_agrees_with_jkeens_vectors(fmt: str, number: str, valid: bool) -> None:
    assert (fmt in recognize(normalize(number))) is valid


def _random_digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(count))


def _fedex_ground_96(rng: random.Random) -> str:
    body = "96" + _random_digits(rng, 19)
    return body + gs1_mod10(body[7:21])


def _fedex_express_34(rng: random.Random) -> str:
    # Those starting 420 look like a USPS routing code and ZIP.
    body = "420" + _random_digits(rng, 30)
    return body + fedex_check_digit(body[20:33], (1, 7, 3))


def test_valid_fedex_ground_96_numbers_are_not_taken_for_usps() -> None:
    # Before Publication 199's channel rules, 10 % of these read as IMpb.
    rng = random.Random(15)
    numbers = [_fedex_ground_96(rng) for _ in range(5000)]
    assert all("fedex_ground_96" in recognize(n) for n in numbers)
    assert [n for n in numbers if "usps_impb" in recognize(n)] == []


def test_fedex_34_numbers_read_as_usps_only_when_they_fit_its_rules() -> None:
    # FedEx 34s led by 420 look routed; before the channel and Mailer ID
    # rules 2 % of them read as IMpb, now only those whose digits after
    # the ZIP are a real channel and MID (and whose check holds by chance).
    rng = random.Random(15)
    numbers = [_fedex_express_34(rng) for _ in range(5000)]
    assert all("fedex_express_34" in recognize(n) for n in numbers)
    as_usps = [n for n in numbers if "usps_impb" in recognize(n)]
    assert len(as_usps) < 50
    for number in as_usps:
        channels = {number[8:10], number[12:14]}
        assert channels & {"92", "93", "94", "95"}


@pytest.mark.parametrize(
    ("body", "is_impb"),
    [
        # Channel 92 wants a 9-digit MID starting with 9, 93 a 6-digit MID
        # starting with 0-8; 94 and 95 take either.
        ("920018123456781234567", False),
        ("930019123456781234567", False),
        ("920019123456781234567", True),
        ("930011234560000000001", True),
        ("940019123456781234567", True),
        ("950011234560000000001", True),
        ("9200191234567812345678901", True),
        # Channels other than 92 to 95 are not IMpb.
        ("900019123456781234567", False),
        ("960019123456781234567", False),
    ],
)
def test_impb_follows_channel_and_mailer_id_rules(body: str, is_impb: bool) -> None:
    number = body + gs1_mod10(body)
    assert ("usps_impb" in recognize(number)) is is_impb
    assert ("usps_impb" in recognize("42012345" + number)) is is_impb


def test_legacy_20_digits_carry_an_implied_91() -> None:
    # jkeen's usps_legacy: 7196 9010 7560 0307 7385 checks only with "91"
    # in front; the same number with the check over its own digits is not.
    assert recognize("71969010756003077385") == ["usps_legacy"]
    assert recognize("9171969010756003077385") == ["usps_legacy"]


@pytest.mark.parametrize(
    "typed",
    [
        "RB123456785U\u017f",  # long s, str.upper() gives "S"
        "RB123456785G\u0299",  # small capital B
        "\u0131Z999AA10123456784",  # dotless i, upper() gives "I"
        "RB123456785\ufb00",  # ligature ff, upper() gives "FF"
        "RB12345678\u00df",  # sharp s, upper() gives "SS"
    ],
)
def test_normalize_refuses_non_ascii_letters(typed: str) -> None:
    value = normalize(typed)
    assert value.upper() != value or not value.isascii()
    assert recognize(value) == []
    assert first_non_ascii(value) is not None


def test_normalize_does_not_fold_into_a_valid_s10() -> None:
    # str.upper() turns the long s into S: RB123456785US, a valid S10.
    assert recognize("RB123456785US") == ["s10"]
    assert normalize("rb123456785u\u017f") == "RB123456785U\u017f"
    assert recognize(normalize("rb123456785u\u017f")) == []


def test_matches_say_how_sure_they_are() -> None:
    assert [(m.format, m.confidence) for m in recognize_matches("320595463938")] == [
        ("purolator", VERIFIED)
    ]
    assert [(m.format, m.confidence) for m in recognize_matches("JJD0099999999")] == [
        ("dhl_express_piece_id", PATTERN)
    ]
    assert recognize_matches("JJD0099999999", strict=True) == []


def test_overlaps_are_all_listed_with_labels() -> None:
    # A 12-digit number can be both FedEx Express and Purolator.
    rng = random.Random(3)
    for _ in range(2000):
        body = rng.choice("012345") + _random_digits(rng, 10)
        number = body + fedex_check_digit(body)
        names = recognize(number)
        if "purolator" in names:
            labels = [m.label for m in recognize_matches(number)]
            assert labels[:2] == ["FedEx Express (12)", "Purolator (12)"]
            return
    pytest.fail("no number in the sample is both FedEx Express and Purolator")
