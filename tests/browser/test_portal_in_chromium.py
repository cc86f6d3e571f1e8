"""The operator's day in real Chromium (Playwright) against a live server.

Screenshots of every page land in test-artifacts/ (gitignored).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.conftest import PORTAL_PASSWORD
from tracking.messages import QUANTITY_RANGE
from tracking.models import TrackingNumber

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the ORM calls
    # the test makes between steps are still plain synchronous calls. Set
    # for this test only: child processes of later tests must not see it.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()


def _page(browser):
    context = browser.new_context(
        accept_downloads=True, viewport={"width": 1400, "height": 900}
    )
    context.set_default_timeout(15_000)
    return context.new_page()


def _shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _login(page, base: str, username: str) -> None:
    page.goto(f"{base}/admin/login/")
    _shot(page, f"00-login-{username}")
    page.fill("#id_username", username)
    page.fill("#id_password", PORTAL_PASSWORD)
    page.locator(
        "#login-form button[type=submit], form button[type=submit]"
    ).first.click()
    page.wait_for_url(f"{base}/admin/")


def test_an_operator_issues_finds_voids_and_exports_and_roles_hold(
    browser, live_server, operator_user, viewer_user, default_series, tmp_path
):
    base = live_server.url
    page = _page(browser)
    _login(page, base, operator_user.username)

    # Dashboard: KPIs and the 30-day chart.
    expect(page.get_by_test_id("dashboard")).to_be_visible()
    for kpi in ("today", "week", "total", "voided"):
        expect(page.locator(f'[data-kpi="{kpi}"]')).to_be_visible()
    expect(page.get_by_test_id("issuance-chart").locator("rect")).to_have_count(30)
    _shot(page, "01-dashboard")

    # Bulk issue 25 numbers from the changelist's button.
    page.goto(f"{base}/admin/tracking/trackingnumber/")
    page.get_by_role("link", name="Issue numbers").click()
    page.wait_for_url("**/trackingnumber/issue/")
    page.select_option("#id_series", label="default")
    page.fill("#id_quantity", "0")
    page.get_by_role("button", name="Issue numbers").click()
    expect(page.get_by_text(QUANTITY_RANGE.format(max=10_000_000))).to_be_visible()
    _shot(page, "02-bulk-issue-error")
    page.fill("#id_quantity", "25")
    page.fill("#id_reference", "WAVE-42")
    page.get_by_role("button", name="Issue numbers").click()
    table = page.get_by_test_id("issued-numbers")
    expect(table.locator("tbody tr")).to_have_count(25)
    _shot(page, "03-bulk-issue-done")
    issued = sorted(TrackingNumber.objects.values_list("number", flat=True))
    assert len(issued) == 25
    target = table.locator("tbody tr").nth(4).locator("td").nth(1).inner_text().strip()

    # Find it by pasting it with spaces, in lower case.
    page.goto(f"{base}/admin/tracking/trackingnumber/")
    pasted = f"  {target[:2].lower()} {target[2:7]} {target[7:].lower()} "
    search = page.locator("#searchbar")
    search.fill(pasted)
    search.press("Enter")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(target)
    _shot(page, "04-search")

    # Void it with a reason from its detail page.
    rows.first.get_by_role("link", name=target).click()
    page.get_by_role("link", name="Void…").click()
    page.get_by_role("button", name="Void").click()
    expect(page.get_by_text("Give a reason for voiding")).to_be_visible()
    _shot(page, "05-void-reason-required")
    page.fill("#id_reason", "label damaged")
    page.get_by_role("button", name="Void").click()
    expect(page.get_by_text("Voided 1 number.")).to_be_visible()
    _shot(page, "06-voided-detail")
    voided = TrackingNumber.objects.get(number=target)
    assert (voided.status, voided.void_reason, voided.voided_by) == (
        "void",
        "label damaged",
        operator_user,
    )

    # Export the list to CSV and read the file.
    page.goto(f"{base}/admin/tracking/trackingnumber/")
    _shot(page, "07-changelist")
    page.get_by_role("link", name="Export", exact=False).and_(
        page.locator('[href*="trackingnumber/export/"]')
    ).click()
    page.select_option("#id_format", label="csv")
    _shot(page, "08-export-form")
    with page.expect_download() as download_info:
        page.locator("form button[type=submit]").last.click()
    path = tmp_path / "export.csv"
    download_info.value.save_as(path)
    with path.open(encoding="utf-8-sig") as f:
        exported = sorted(row["number"] for row in csv.DictReader(f))
    assert exported == issued

    # The dashboard counts today's numbers and draws them in the chart.
    page.goto(f"{base}/admin/")
    expect(page.locator('[data-kpi="today"] strong')).to_have_text("25")
    expect(page.locator('[data-kpi="voided"] strong')).to_have_text("1")
    _shot(page, "09-dashboard-after-issue")

    # An Operator cannot edit a series: read-only page, and the server
    # refuses a POST with 403.
    series_url = f"{base}/admin/tracking/series/{default_series.pk}/change/"
    page.goto(series_url)
    expect(page.locator('input[name="name"]')).to_have_count(0)
    _shot(page, "10-operator-series-read-only")
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    refused = page.request.post(
        series_url,
        form={"csrfmiddlewaretoken": csrf, "name": "Renamed"},
        headers={"Referer": series_url},
    )
    assert refused.status == 403
    page.context.close()

    # A Viewer cannot issue.
    page = _page(browser)
    _login(page, base, viewer_user.username)
    _shot(page, "11-viewer-dashboard")
    expect(page.get_by_role("link", name="Issue numbers")).to_have_count(0)
    response = page.goto(f"{base}/admin/tracking/trackingnumber/issue/")
    assert response.status == 403
    expect(page.get_by_test_id("forbidden")).to_be_visible()
    _shot(page, "12-viewer-issue-403")
    page.context.close()
