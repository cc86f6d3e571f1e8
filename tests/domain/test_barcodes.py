"""Each scheme's barcode: symbology, element string and printed line."""

from __future__ import annotations

import doctest
import re

import pytest

from tracking.domain import barcodes
from tracking.domain.barcodes import CODE128, GS1_128, Barcode, gs1_128
from tracking.domain.scheme_base import ZIP_INVALID, ZIP_NOT_ROUTED
from tracking.domain.schemes import (
    CustomScheme,
    GsinScheme,
    InvalidSchemeParams,
    S10Scheme,
    SSCC18Scheme,
    UspsImpbScheme,
)

IMPB = UspsImpbScheme("92", "001", "912345678")


@pytest.mark.parametrize(
    ("scheme", "serial", "symbology", "data", "text"),
    [
        # UPU S10: Code 128, printed in groups (UPU S10 annex, e.g. RB 123 456 785 GB).
        (
            S10Scheme("RB", "GB"),
            12345678,
            CODE128,
            "RB123456785GB",
            "RB 123 456 785 GB",
        ),
        # SSCC: GS1-128 with AI (00), printed as in the GS1 logistic label guideline.
        (
            SSCC18Scheme(3, "7613032"),
            110910342,
            GS1_128,
            "00376130321109103420",
            "(00) 3 7613032 110910342 0",
        ),
        (
            SSCC18Scheme(0, "1234567890"),
            42,
            GS1_128,
            "00012345678900000425",
            "(00) 0 1234567890 000042 5",
        ),
        # GSIN: GS1-128 with AI (402).
        (
            GsinScheme("0614141"),
            123456789,
            GS1_128,
            "40206141411234567890",
            "(402) 0614141 123456789 0",
        ),
        # USPS IMpb: GS1-128, the channel as AI, in groups of four (Pub. 199).
        (
            IMPB,
            1234567,
            GS1_128,
            "9200191234567812345671",
            "9200 1912 3456 7812 3456 71",
        ),
        (
            CustomScheme(prefix="99", serial_width=6, check="luhn"),
            42,
            CODE128,
            "990000422",
            "990000422",
        ),
    ],
)
def test_each_scheme_draws_the_symbology_its_standard_uses(
    scheme, serial, symbology, data, text
):
    barcode = scheme.barcode(scheme.format(serial))

    assert scheme.symbology == barcode.symbology == symbology
    assert barcode.element_string == data
    assert barcode.text == text
    assert barcode.symbology_identifier == ("]C1" if symbology == GS1_128 else "]C0")


def test_fnc1_separates_an_element_string_of_variable_length_only():
    barcode = gs1_128(
        (("420", "12345"), ("00", "376130321109103420"), ("402", "1" * 17)), ""
    )

    # (420) has no predefined length, (00) has: GS after the first only;
    # none after the last element.
    assert barcode.element_string == "42012345\x1d00376130321109103420" + "402" + (
        "1" * 17
    )
    assert barcode.bracketed == "[420]12345[00]376130321109103420[402]" + "1" * 17


def test_a_plain_code128_is_its_data():
    barcode = Barcode(CODE128, (("", "ABC123"),), "ABC123")

    assert barcode.bracketed == barcode.element_string == "ABC123"


@pytest.mark.parametrize("zip_code", ["20500", "205000003"])
def test_impb_routed_to_a_zip_puts_fnc1_after_it(zip_code):
    barcode = IMPB.barcode(IMPB.format(1234567), zip_code=zip_code)

    assert barcode.element_string == f"420{zip_code}\x1d9200191234567812345671"
    assert barcode.text == "9200 1912 3456 7812 3456 71"


@pytest.mark.parametrize("zip_code", ["2050", "205001", "2050000031", "20500-0003"])
def test_a_zip_of_the_wrong_length_is_refused(zip_code):
    with pytest.raises(InvalidSchemeParams, match=re.escape(ZIP_INVALID)):
        IMPB.barcode(IMPB.format(1), zip_code=zip_code)


@pytest.mark.parametrize(
    "scheme",
    [S10Scheme("RB", "GB"), SSCC18Scheme(3, "7613032"), CustomScheme()],
)
def test_only_impb_takes_a_zip(scheme):
    with pytest.raises(InvalidSchemeParams, match=re.escape(ZIP_NOT_ROUTED)):
        scheme.barcode(scheme.format(1), zip_code="20500")


def test_docstring_examples_hold():
    failed, _ = doctest.testmod(barcodes)
    assert failed == 0
