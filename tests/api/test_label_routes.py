"""Barcode and label routes: what a client downloads scans as its number."""

from __future__ import annotations

import pytest

from tests.factories import SeriesFactory, SsccSeriesFactory
from tests.helpers.scanning import (
    decode_pdf_page,
    decode_png,
    pdf_pages,
    zpl_barcodes,
    zpl_labels,
)
from tracking.domain.scheme_base import ZIP_INVALID
from tracking.messages import (
    BATCH_HAS_NO_LABELS,
    NUMBER_VOID_NOT_PRINTED,
    ZIP_EMPTY,
    ZIP_NOT_FOR_SERIES,
)
from tracking.models import Batch, Series, TrackingNumber
from tracking.services import (
    batch_create,
    tracking_number_issue,
    tracking_number_void,
)


@pytest.fixture
def sscc(db) -> Series:
    return SsccSeriesFactory(company_prefix="7613032")


@pytest.fixture
def printer(make_client, sscc):
    """An API client allowed to use the SSCC series, and its HTTP client."""
    client, http = make_client("dock-printer", can_create_batches=True)
    client.series.add(sscc)
    return client, http


@pytest.fixture
def pallet(printer, sscc) -> TrackingNumber:
    return tracking_number_issue(series=sscc, reference="PO-77", client=printer[0])[0]


_NOT_ROUTED = ZIP_NOT_FOR_SERIES.format(
    series="pallets", scheme="GS1 SSCC-18 (logistic unit)"
)


def _scanned(number: TrackingNumber) -> tuple[str, bytes]:
    return ("]C1", b"00" + number.number.encode())


def test_barcode_png_of_an_sscc_scans_as_gs1_128(printer, pallet):
    response = printer[1].get(f"/tracking/numbers/{pallet.number}/barcode.png")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert decode_png(response.content) == [_scanned(pallet)]


def test_barcode_svg_prints_the_sscc_in_its_parts(printer, pallet):
    n = pallet.number
    response = printer[1].get(f"/tracking/numbers/{n}/barcode.svg?scale=3&height=40")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert f">(00) {n[0]} {n[1:8]} {n[8:17]} {n[17]}</text>".encode() in (
        response.content
    )
    no_text = printer[1].get(f"/tracking/numbers/{n}/barcode.svg?text=0")
    assert b"<text" not in no_text.content


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("scale=0", "scale"),
        ("scale=11", "scale"),
        ("height=x", "height"),
        ("text=yes", "text"),
    ],
)
def test_barcode_options_out_of_range_are_a_400(printer, pallet, query, field):
    response = printer[1].get(f"/tracking/numbers/{pallet.number}/barcode.png?{query}")

    assert response.status_code == 400
    assert field in response.json()["errors"]


@pytest.mark.parametrize("route", ["barcode.svg", "label.zpl", "label.pdf"])
def test_a_zip_is_for_usps_impb_only(printer, pallet, route):
    n = pallet.number

    bad = printer[1].get(f"/tracking/numbers/{n}/{route}?zip=2050")
    not_routed = printer[1].get(f"/tracking/numbers/{n}/{route}?zip=20500")

    assert bad.status_code == 400
    assert bad.json()["errors"]["zip"] == [ZIP_INVALID]
    # A well-formed ZIP: the stored number's series is what refuses it.
    assert not_routed.status_code == 409
    assert not_routed.json()["errors"]["zip"] == [_NOT_ROUTED]


@pytest.mark.parametrize(
    "route",
    ["numbers/{n}/barcode.png", "numbers/{n}/label.pdf", "batches/{b}/labels.zpl"],
)
def test_an_empty_zip_is_a_400_saying_to_leave_it_out(printer, pallet, batch, route):
    path = route.format(n=pallet.number, b=batch.pk)
    response = printer[1].get(f"/tracking/{path}?zip=")

    assert response.status_code == 400
    assert response.json()["errors"] == {"zip": [ZIP_EMPTY]}


@pytest.mark.parametrize("name", ["scale", "height", "text"])
def test_an_empty_barcode_option_is_a_400_not_its_default(printer, pallet, name):
    response = printer[1].get(f"/tracking/numbers/{pallet.number}/barcode.svg?{name}=")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == [name]


def test_an_impb_routed_to_a_zip_scans_with_ai_420_then_fnc1(make_client):
    impb = SeriesFactory(
        code="usps",
        name="USPS parcels",
        scheme=Series.Scheme.USPS_IMPB,
        channel="92",
        service_type_code="001",
        mailer_id="912345678",
    )
    client, http = make_client("usps-printer")
    client.series.add(impb)
    number = tracking_number_issue(series=impb, client=client)[0].number

    plain = http.get(f"/tracking/numbers/{number}/barcode.png")
    routed = http.get(f"/tracking/numbers/{number}/barcode.png?zip=205000003")
    label = http.get(f"/tracking/numbers/{number}/label.zpl?zip=20500")

    assert decode_png(plain.content) == [("]C1", number.encode())]
    assert decode_png(routed.content) == [("]C1", f"420205000003\x1d{number}".encode())]
    assert zpl_barcodes(label.content.decode()) == [
        ("]C1", f"42020500\x1d{number}".encode())
    ]


def test_another_clients_number_has_no_barcode(make_client, pallet):
    _, stranger = make_client("stranger")

    for route in ("barcode.svg", "barcode.png", "label.zpl", "label.pdf"):
        response = stranger.get(f"/tracking/numbers/{pallet.number}/{route}")
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"


def test_a_number_label_in_zpl_and_pdf(printer, pallet, tmp_path):
    zpl = printer[1].get(f"/tracking/numbers/{pallet.number}/label.zpl")
    pdf = printer[1].get(f"/tracking/numbers/{pallet.number}/label.pdf")

    assert zpl.status_code == pdf.status_code == 200
    (label,) = zpl_labels(zpl.content.decode())
    assert zpl_barcodes(label) == [_scanned(pallet)]
    assert "^FDRef: PO-77^FS" in label
    assert "^FDPallets^FS" in label
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf_pages(pdf.content, tmp_path) == 1
    assert decode_pdf_page(pdf.content, tmp_path) == [_scanned(pallet)]


def test_a_void_number_gets_no_label(printer, pallet):
    tracking_number_void(number=pallet, reason="damaged")

    response = printer[1].get(f"/tracking/numbers/{pallet.number}/label.zpl")

    assert response.status_code == 409
    assert response.json()["detail"] == NUMBER_VOID_NOT_PRINTED.format(
        number=pallet.number
    )


@pytest.fixture
def batch(printer, sscc, django_capture_on_commit_callbacks) -> Batch:
    """A batch of 23 run in-process, one of its numbers voided."""
    with django_capture_on_commit_callbacks(execute=True):
        made = batch_create(
            series=sscc, quantity=23, reference_prefix="PO-", client=printer[0]
        )
    void = TrackingNumber.objects.get(batch=made, serial=made.first_serial + 5)
    tracking_number_void(number=void, reason="lost")
    return made


def _printable(batch: Batch) -> list[TrackingNumber]:
    return list(
        TrackingNumber.objects.filter(batch=batch)
        .exclude(status=TrackingNumber.Status.VOID)
        .order_by("serial")
    )


def test_batch_labels_zpl_stream_every_number_not_void(printer, batch):
    response = printer[1].get(f"/tracking/batches/{batch.pk}/labels.zpl")

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "application/zpl"
    zpl = b"".join(response.streaming_content).decode()
    labels = zpl_labels(zpl)
    assert [zpl_barcodes(text)[0] for text in labels] == [
        _scanned(n) for n in _printable(batch)
    ]
    assert len(labels) == 22
    assert "^FDRef: PO-1^FS" in labels[0]


@pytest.mark.parametrize(("layout", "pages", "first"), [("4x6", 22, 1), ("a4", 3, 8)])
def test_batch_labels_pdf_in_a_layout(printer, batch, tmp_path, layout, pages, first):
    response = printer[1].get(
        f"/tracking/batches/{batch.pk}/labels.pdf?layout={layout}"
    )

    assert response.status_code == 200
    assert response.streaming
    pdf = b"".join(response.streaming_content)
    assert pdf_pages(pdf, tmp_path) == pages
    expected = [_scanned(n) for n in _printable(batch)[:first]]
    assert sorted(decode_pdf_page(pdf, tmp_path)) == sorted(expected)


def test_a_zip_for_a_batch_of_ssccs_is_a_409_before_any_label(printer, batch):
    response = printer[1].get(f"/tracking/batches/{batch.pk}/labels.zpl?zip=20500")

    assert response.status_code == 409
    assert response.json()["errors"]["zip"] == [_NOT_ROUTED]


def test_an_unknown_layout_is_a_400(printer, batch):
    response = printer[1].get(f"/tracking/batches/{batch.pk}/labels.pdf?layout=a5")

    assert response.status_code == 400
    assert "layout" in response.json()["errors"]


def test_a_batch_without_numbers_has_no_labels_yet(printer, sscc):
    # Created but not run: its on-commit task is never executed here.
    pending = batch_create(series=sscc, quantity=5, client=printer[0])

    response = printer[1].get(f"/tracking/batches/{pending.pk}/labels.zpl")

    assert response.status_code == 409
    assert response.json()["detail"] == BATCH_HAS_NO_LABELS.format(id=pending.pk)


def test_another_clients_batch_has_no_labels(make_client, batch):
    _, stranger = make_client("stranger")

    assert stranger.get(f"/tracking/batches/{batch.pk}/labels.pdf").status_code == 404
