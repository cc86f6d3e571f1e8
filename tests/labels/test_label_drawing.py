"""What the product draws, scanned back: every scheme, every output.

PNG and SVG are decoded with zxing-cpp; PDF pages after poppler renders
them; ZPL is read as a printer reads ^BC field data.
"""

from __future__ import annotations

import doctest
import io
import re
import xml.etree.ElementTree as ET
from datetime import date

import pytest
from PIL import Image

from tests.helpers.scanning import (
    decode_pdf_page,
    decode_png,
    decode_svg,
    pdf_pages,
    zpl_barcodes,
    zpl_labels,
)
from tracking.domain.schemes import SCHEMES, build_scheme
from tracking.labels import Label
from tracking.labels import zpl as zpl_module
from tracking.labels.images import barcode_png, barcode_svg
from tracking.labels.pdf import LAYOUTS, labels_pdf
from tracking.labels.zpl import labels_zpl

# One series of each scheme; a new scheme must add its example here.
EXAMPLES = {
    "s10": {"service_indicator": "RB", "country_code": "GB"},
    "sscc18": {"extension_digit": 3, "company_prefix": "7613032"},
    "gsin": {"company_prefix": "0614141"},
    "usps_impb": {
        "channel": "92",
        "service_type_code": "001",
        "mailer_id": "912345678",
    },
    "custom": {"prefix": "99", "serial_width": 6, "check": "luhn"},
}
# Plain Code 128 beyond digits: base32 with a check character.
BASE32 = {"prefix": "TRK", "serial_width": 8, "alphabet": "base32", "check": "mod37"}
# IMpb routed to a ZIP (AI 420, then FNC1), long form, 6-digit Mailer ID.
IMPB_LONG = {**EXAMPLES["usps_impb"], "number_length": 26}
IMPB_93 = {"channel": "93", "service_type_code": "023", "mailer_id": "123456"}
CASES = [
    *((name, params, "") for name, params in EXAMPLES.items()),
    ("custom", BASE32, ""),
    ("usps_impb", EXAMPLES["usps_impb"], "20500"),
    ("usps_impb", IMPB_LONG, "205000003"),
    ("usps_impb", IMPB_93, "07001"),
]
IDS = [*EXAMPLES, "custom-base32", "impb-zip5", "impb26-zip9", "impb93-zip5"]


def _barcodes(name: str, params: dict, zip_code="", serials=(0, 12345, 98765432)):
    scheme = build_scheme(name, params)
    return [
        scheme.barcode(scheme.format(s % scheme.capacity), zip_code=zip_code)
        for s in serials
    ]


def _scanned(barcode) -> tuple[str, bytes]:
    return (barcode.symbology_identifier, barcode.element_string.encode())


def test_every_scheme_has_an_example():
    assert set(EXAMPLES) == set(SCHEMES)


@pytest.mark.parametrize(("name", "params", "zip_code"), CASES, ids=IDS)
@pytest.mark.parametrize("scale", [1, 2, 4])
def test_png_scans_as_the_number(name, params, zip_code, scale):
    for barcode in _barcodes(name, params, zip_code):
        png = barcode_png(barcode, scale=scale, height=50, text=True)

        assert decode_png(png) == [_scanned(barcode)]


@pytest.mark.parametrize(("name", "params", "zip_code"), CASES, ids=IDS)
def test_svg_scans_as_the_number_and_prints_its_text(name, params, zip_code):
    for barcode in _barcodes(name, params, zip_code):
        svg = barcode_svg(barcode, scale=2, height=50, text=True)

        assert decode_svg(svg) == [_scanned(barcode)]
        root = ET.fromstring(svg)  # noqa: S314 - the product's own output
        assert root.find("{http://www.w3.org/2000/svg}text").text == barcode.text


def test_text_off_leaves_the_line_out_and_scale_widens():
    barcode = _barcodes("s10", EXAMPLES["s10"])[0]

    assert b"<text" not in barcode_svg(barcode, scale=2, height=50, text=False)
    small = Image.open(io.BytesIO(barcode_png(barcode, scale=1, height=50, text=True)))
    large = Image.open(io.BytesIO(barcode_png(barcode, scale=3, height=50, text=True)))
    assert large.width == 3 * small.width


def _labels(name: str, params: dict, count: int, zip_code="") -> list[Label]:
    return [
        Label(barcode, "Pallets Zürich (Nord)", f"PO-{i}", date(2026, 11, 30))
        for i, barcode in enumerate(
            _barcodes(name, params, zip_code, serials=range(1000, 1000 + count))
        )
    ]


@pytest.mark.parametrize(("name", "params", "zip_code"), CASES, ids=IDS)
def test_pdf_4x6_page_scans_as_its_number(name, params, zip_code, tmp_path):
    labels = _labels(name, params, 2, zip_code)
    pdf = b"".join(labels_pdf(labels, LAYOUTS["4x6"]))

    assert pdf_pages(pdf, tmp_path) == 2
    for page, label in enumerate(labels, start=1):
        assert decode_pdf_page(pdf, tmp_path, page) == [_scanned(label.barcode)]


@pytest.mark.parametrize(("layout", "per_page"), [("a4", 8), ("letter", 10)])
def test_pdf_sheets_hold_several_labels_that_all_scan(layout, per_page, tmp_path):
    labels = _labels("sscc18", EXAMPLES["sscc18"], per_page + 3)
    pdf = b"".join(labels_pdf(labels, LAYOUTS[layout]))

    assert pdf_pages(pdf, tmp_path) == 2
    first = sorted(decode_pdf_page(pdf, tmp_path, 1))
    assert first == sorted(_scanned(label.barcode) for label in labels[:per_page])
    last = sorted(decode_pdf_page(pdf, tmp_path, 2))
    assert last == sorted(_scanned(label.barcode) for label in labels[per_page:])


def test_pdf_streams_in_chunks_as_it_draws():
    labels = _labels("s10", EXAMPLES["s10"], 300)
    chunks = labels_pdf(iter(labels), LAYOUTS["4x6"])

    first = next(chunks)
    assert first.startswith(b"%PDF-1.4")
    assert b"%%EOF" not in first
    assert b"".join(chunks).endswith(b"%%EOF\n")


def test_an_empty_pdf_is_one_blank_page(tmp_path):
    assert pdf_pages(b"".join(labels_pdf([], LAYOUTS["4x6"])), tmp_path) == 1


@pytest.mark.parametrize(("name", "params", "zip_code"), CASES, ids=IDS)
def test_zpl_labels_are_4x6_at_203_dpi_with_the_right_code128(name, params, zip_code):
    labels = _labels(name, params, 3, zip_code)
    zpl = b"".join(labels_zpl(labels)).decode()

    printed = zpl_labels(zpl)
    assert len(printed) == 3
    for text, label in zip(printed, labels, strict=True):
        assert "^PW812^LL1218" in text
        assert zpl_barcodes(text) == [_scanned(label.barcode)]
        assert f"^FD{label.barcode.text}^FS" in text
    gs1 = name in ("sscc18", "gsin", "usps_impb")
    assert all(("^FD>;>8" in text) == gs1 for text in printed)


def test_zpl_escapes_what_would_end_a_field():
    label = _labels("s10", EXAMPLES["s10"], 1)[0]
    label = Label(label.barcode, "A^XZ~JA_é", "R^1", label.issued)

    zpl = b"".join(labels_zpl([label])).decode()

    (printed,) = zpl_labels(zpl)
    assert "^FDA_5EXZ_7EJA_5F_C3_A9^FS" in printed
    assert "^FDRef: R_5E1^FS" in printed


def test_docstring_examples_hold():
    failed, _ = doctest.testmod(zpl_module)
    assert failed == 0


def test_a_routed_impb_keeps_uspss_13_mil_bars_on_a_4x6_label():
    # Publication 199: X-dimension 0.013 in or more; at 203 dpi that is 3
    # dots. A 22-digit IMpb routed to a ZIP+4 must still fit 4 in with its
    # quiet zones of 10 modules (the 26-digit form cannot: docs/labels.md).
    (label,) = _labels("usps_impb", EXAMPLES["usps_impb"], 1, "205000003")
    zpl = b"".join(labels_zpl([label])).decode()

    module = int(re.search(r"\^BY(\d+)", zpl)[1])
    left = int(re.search(r"\^FO(\d+),\d+\^BY", zpl)[1])
    assert module >= 3
    assert left >= 10 * module
