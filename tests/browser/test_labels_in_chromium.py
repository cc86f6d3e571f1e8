"""Labels in the portal, clicked in Chromium: the barcode on a number's page
and a batch's labels downloaded from its page."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.helpers.browser import ARTIFACTS, login
from tests.helpers.scanning import decode_svg, zpl_barcodes
from tracking.models import TrackingNumber
from tracking.services import batch_create, batch_run

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_viewer_sees_a_barcode_and_prints_a_batchs_labels(
    page, live_server, viewer_user, s10_series
):
    batch = batch_create(series=s10_series, quantity=7, source="portal")
    batch_run(batch=batch)
    number = TrackingNumber.objects.filter(batch=batch).order_by("serial").first()
    base = live_server.url
    login(page, base, viewer_user)

    page.goto(f"{base}/admin/tracking/trackingnumber/{number.pk}/change/")
    svg = page.locator("svg:has(path)").first
    expect(svg).to_be_visible()
    assert decode_svg(svg.evaluate("e => e.outerHTML")) == [
        ("]C0", number.number.encode())
    ]
    page.screenshot(path=str(ARTIFACTS / "labels-01-number-barcode.png"))

    page.goto(f"{base}/admin/tracking/batch/{batch.pk}/change/")
    page.get_by_role("link", name="Print labels…").click()
    page.wait_for_url("**/labels/")
    page.select_option("#id_format", "zpl")
    page.screenshot(path=str(ARTIFACTS / "labels-02-print-form.png"))
    with page.expect_download() as download:
        page.get_by_test_id("print-labels").click()
    assert download.value.suggested_filename == f"batch-{batch.pk}-labels.zpl"
    zpl = Path(download.value.path()).read_text()
    numbers = TrackingNumber.objects.filter(batch=batch).order_by("serial")
    assert zpl_barcodes(zpl) == [("]C0", n.number.encode()) for n in numbers]
