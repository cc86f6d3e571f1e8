"""The journeys of issue 11 section 3, clicked in real Chromium.

One browser for the module; each test gets a fresh context (cookies) and
a flushed database. Screenshots at 1440x900 land in test-artifacts/.
"""

from __future__ import annotations

import json

import pytest
from django_celery_beat.models import PeriodicTask
from playwright.sync_api import expect

from tests.helpers.browser import ARTIFACTS
from tests.helpers.browser import login as _login
from tracking.models import TrackingNumber
from tracking.services import tracking_number_issue, tracking_number_void

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _shot(page, name: str) -> None:
    """Screenshot the page and check nothing is cut off sideways."""
    page.screenshot(path=str(ARTIFACTS / f"journey-{name}.png"))
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{name}: {overflow}px cut off at 1440x900"


def test_issue_reload_back_and_double_click_issue_once(
    page, live_server, operator_user, default_series
):
    base = live_server.url
    _login(page, base, operator_user)
    page.goto(f"{base}/admin/tracking/trackingnumber/")
    page.get_by_role("link", name="Issue numbers").click()
    page.wait_for_url("**/trackingnumber/issue/")
    form_url = page.url

    page.select_option("#id_series", label="default")
    page.fill("#id_quantity", "25")
    page.fill("#id_reference", "Wave-7")
    page.get_by_role("button", name="Issue numbers").click()
    page.wait_for_url("**/trackingnumber/issue/*-*/")
    result_url = page.url
    rows = page.get_by_test_id("issued-numbers").locator("tbody tr")
    expect(rows).to_have_count(25)
    _shot(page, "02-issue-result")

    page.reload()
    expect(rows).to_have_count(25)
    page.go_back()
    page.wait_for_url(form_url)
    page.go_forward()
    page.wait_for_url(result_url)
    assert TrackingNumber.objects.count() == 25

    # Every number carries the reference as typed; case is ignored.
    page.goto(f"{base}/admin/tracking/trackingnumber/?q=wave-7")
    expect(page.locator("#result_list tbody tr")).to_have_count(25)

    # A required field left blank: a form error, nothing issued.
    page.goto(form_url)
    page.select_option("#id_series", label="default")
    page.get_by_role("button", name="Issue numbers").click()
    expect(page.get_by_text("This field is required.")).to_be_visible()
    _shot(page, "01-issue-required-field")
    assert TrackingNumber.objects.count() == 25

    # A double click on submit issues once.
    page.goto(form_url)
    page.select_option("#id_series", label="default")
    page.fill("#id_quantity", "10")
    page.get_by_role("button", name="Issue numbers").dblclick()
    page.wait_for_url("**/trackingnumber/issue/*-*/")
    expect(page.get_by_test_id("issued-numbers").locator("tbody tr")).to_have_count(10)
    assert TrackingNumber.objects.count() == 35


def test_a_scanned_sscc_is_found_and_a_mixed_selection_is_voided(
    page, live_server, operator_user, sscc_series
):
    base = live_server.url
    numbers = tracking_number_issue(series=sscc_series, count=3)
    tracking_number_void(number=numbers[0], reason="torn")
    _login(page, base, operator_user)

    # A scanner types GS1-128 with its symbology identifier into the box.
    page.goto(f"{base}/admin/tracking/trackingnumber/")
    search = page.locator("#searchbar")
    search.fill("]C100306141410000000006")
    search.press("Enter")
    listed = page.locator("#result_list tbody tr")
    expect(listed).to_have_count(1)
    expect(listed.first).to_contain_text("306141410000000006")
    _shot(page, "03-scan-search")

    # Void all three: one is void already.
    page.goto(f"{base}/admin/tracking/trackingnumber/")
    page.locator("#action-toggle").check()
    page.select_option("select[name=action]", "void_selected")
    page.locator("button[name=index]").click()
    page.fill("#id_reason", "pallet lost")
    _shot(page, "04-void-confirm")
    page.get_by_role("button", name="Void").click()
    expect(page.get_by_text("Voided 2 numbers.")).to_be_visible()
    expect(
        page.get_by_text(f"{numbers[0].number}: already void (torn)")
    ).to_be_visible()
    _shot(page, "05-void-mixed-result")
    reasons = dict(TrackingNumber.objects.values_list("number", "void_reason"))
    assert sorted(reasons.values()) == ["pallet lost", "pallet lost", "torn"]


def test_staff_create_a_schedule_from_the_sidebar(
    page, live_server, staff_user, default_series
):
    base = live_server.url
    _login(page, base, staff_user)
    _shot(page, "06-dashboard")

    # Operations come first in the sidebar, the libraries' pages last.
    titles = page.evaluate(
        "Array.from(document.querySelectorAll('a'),"
        " a => a.textContent.trim().split('\\n').pop().trim())"
    )
    assert titles.index("Schedules") < titles.index("Users")
    assert titles.index("Exports") < titles.index("Login attempts (Axes)")
    assert titles.index("Exports") < titles.index("Periodic tasks (internal)")

    page.get_by_role("link", name="Schedules").first.click()
    page.wait_for_url("**/tracking/schedule/")
    page.locator('a[href$="/tracking/schedule/add/"]').first.click()
    page.fill("#id_name", "nightly-default")
    page.select_option("#id_kind", "batch")
    page.select_option("#id_series", "default")
    page.fill("#id_cron", "0 2 * * *")
    page.locator("button[name=_save]").click()
    expect(page.get_by_text("Ask for between 1 and 10,000,000 numbers")).to_be_visible()
    _shot(page, "07-schedule-form-error")
    page.fill("#id_quantity", "500")
    page.locator("button[name=_save]").click()
    page.wait_for_url("**/tracking/schedule/")
    row = page.locator("#result_list tbody tr").first
    expect(row).to_contain_text("nightly-default")
    expect(row).to_contain_text("Recurring batch")
    expect(row).to_contain_text("0 2 * * * (UTC)")
    expect(row).to_contain_text("02:00 UTC")
    _shot(page, "08-schedules")
    task = PeriodicTask.objects.get(name="nightly-default")
    assert json.loads(task.kwargs) == {"series": "default", "quantity": 500}


def test_a_batch_page_follows_progress_without_a_reload(
    page, live_server, operator_user, default_series
):
    from django.utils import timezone

    from tracking.models import Batch

    batch = Batch.objects.create(
        series=default_series,
        quantity=1000,
        first_serial=0,
        source="portal",
        status="running",
        heartbeat_at=timezone.now(),
    )
    base = live_server.url
    _login(page, base, operator_user)
    page.goto(f"{base}/admin/tracking/batch/{batch.pk}/change/")
    progress = page.get_by_test_id("batch-progress")
    expect(progress).to_contain_text("0 / 1,000")
    page.evaluate("window.sameDocument = true")

    # The worker writes 400 numbers: the bar follows, the page stays.
    Batch.objects.filter(pk=batch.pk).update(done=400, heartbeat_at=timezone.now())
    expect(progress).to_contain_text("400 / 1,000", timeout=10_000)
    expect(page.get_by_test_id("batch-state")).to_have_text("Running")
    assert page.evaluate("window.sameDocument") is True
    _shot(page, "09-batch-live-progress")

    # Finished: the page shows the final state.
    Batch.objects.filter(pk=batch.pk).update(done=1000, status="done")
    expect(page.get_by_test_id("batch-progress")).to_contain_text(
        "1,000 / 1,000", timeout=10_000
    )
    expect(page.get_by_test_id("batch-state")).to_have_text("Done")


def test_the_series_form_shows_the_chosen_schemes_fields_only(
    page, live_server, staff_user
):
    base = live_server.url
    _login(page, base, staff_user)
    page.goto(f"{base}/admin/tracking/series/add/")

    page.select_option("#id_scheme", "s10")
    expect(page.locator("#id_service_indicator")).to_be_visible()
    expect(page.locator("#id_prefix")).to_be_hidden()
    expect(page.locator("#id_company_prefix")).to_be_hidden()

    # The first number shows as the fields are typed.
    page.fill("#id_service_indicator", "RB")
    page.fill("#id_country_code", "GB")
    page.fill("#id_start", "12345678")
    expect(page.get_by_test_id("series-draft-preview")).to_have_text(
        "First number: RB123456785GB"
    )
    _shot(page, "10-series-form-s10")

    page.select_option("#id_scheme", "custom")
    expect(page.locator("#id_prefix")).to_be_visible()
    expect(page.locator("#id_service_indicator")).to_be_hidden()
