"""Admin buttons that change things ask first, clicked in real Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.helpers.browser import login
from tracking.models import TrackingNumber
from tracking.services import tracking_number_issue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_mark_as_used_on_a_numbers_page_asks_then_marks(
    page, live_server, operator_user, default_series
):
    (number,) = tracking_number_issue(series=default_series)
    base = live_server.url
    login(page, base, operator_user)
    page.goto(f"{base}/admin/tracking/trackingnumber/{number.pk}/change/")

    page.get_by_role("link", name="Mark as used").click()
    page.wait_for_url("**/mark-used/")
    expect(
        page.get_by_role("heading", name=f"Mark {number.number} as used", exact=True)
    ).to_be_visible()
    number.refresh_from_db()
    assert number.status == "issued"

    page.get_by_test_id("confirm").click()
    page.wait_for_url(f"**/trackingnumber/{number.pk}/change/")
    expect(page.get_by_text("Marked 1 number as used.")).to_be_visible()
    number.refresh_from_db()
    assert number.status == "used"
    assert TrackingNumber.objects.filter(status="used").count() == 1
