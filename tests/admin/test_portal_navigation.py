"""The portal's navigation, page names and times, as a user reads them."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import time_machine
from django.urls import reverse

from tracking.messages import SERIES_TIMEZONE_INVALID
from tracking.services import tracking_number_issue


def _sidebar(page: str) -> list[str]:
    # unfold draws each sidebar link as an icon span, then a label span.
    return re.findall(
        r'<a href="[^"]*" class="flex h-\[38px\].*?<span>([^<]+)</span>', page, re.S
    )


def test_operations_come_first_and_the_libraries_last(client, staff_user):
    client.force_login(staff_user)
    page = client.get(reverse("admin:index")).content.decode()

    operations = [
        "Dashboard",
        "Tracking numbers",
        "Batches",
        "Series",
        "Schedules",
        "API clients",
        "Exports",
    ]
    administration = [
        "Users",
        "Groups",
        "Login attempts (Axes)",
        "Login failures (Axes)",
        "Access log (Axes)",
        "Periodic tasks (internal)",
        "Crontabs (internal)",
        "Intervals (internal)",
    ]
    assert _sidebar(page) == operations + administration


def test_a_viewer_sees_only_what_they_may_open(client, viewer_user):
    client.force_login(viewer_user)
    page = client.get(reverse("admin:index")).content.decode()
    assert _sidebar(page) == [
        "Dashboard",
        "Tracking numbers",
        "Batches",
        "Series",
        "Schedules",
        "Exports",
    ]


def test_the_portals_own_pages_are_named_in_the_breadcrumbs(client, operator_user):
    client.force_login(operator_user)
    page = client.get(reverse("admin:tracking_trackingnumber_issue_numbers"))
    crumbs = re.search(r"<h1[^>]*>(.*?)</h1>", page.content.decode(), re.S)[1]
    text = " > ".join(re.sub(r"<[^>]+>|chevron_right", "\n", crumbs).split("\n"))
    names = [t.strip() for t in text.split(">") if t.strip()]
    assert names == ["Operations", "Tracking numbers", "Issue tracking numbers"]


def test_times_are_shown_with_their_zone(client, viewer_user, default_series):
    client.force_login(viewer_user)
    number = tracking_number_issue(series=default_series)[0]
    stamp = number.created_at.strftime("%Y-%m-%d %H:%M")

    listed = client.get(reverse("admin:tracking_trackingnumber_changelist"))
    detail = client.get(
        reverse("admin:tracking_trackingnumber_change", args=[number.pk])
    )

    assert re.search(rf"{stamp}:\d\d UTC", listed.content.decode())
    assert re.search(rf"{stamp}:\d\d UTC", detail.content.decode())


def test_a_numbers_page_labels_its_uuid_as_people_write_it(
    client, viewer_user, default_series
):
    client.force_login(viewer_user)
    number = tracking_number_issue(series=default_series)[0]

    page = client.get(reverse("admin:tracking_trackingnumber_change", args=[number.pk]))

    text = re.sub(r"<[^>]+>", " ", page.content.decode())
    assert re.search(rf"UUID\s+{number.uuid}", text)
    assert "Uuid" not in text


def test_the_number_list_shows_who_issued_and_filters_by_client_user_and_batch(
    client, operator_user, default_series, django_capture_on_commit_callbacks
):
    from tracking.services import api_client_create, batch_create

    printer, _ = api_client_create(name="printer-7")
    tracking_number_issue(series=default_series, count=2, client=printer)
    tracking_number_issue(series=default_series, count=3, issued_by=operator_user)
    with django_capture_on_commit_callbacks(execute=True):
        batch = batch_create(series=default_series, quantity=4, source="api")
    client.force_login(operator_user)
    url = reverse("admin:tracking_trackingnumber_changelist")

    page = client.get(url).content.decode()
    assert "Issued by" in page
    assert page.count("API: printer-7") == 2
    assert page.count("Portal: olga") == 3

    def listed(**params) -> int:
        response = client.get(url, params)
        assert response.status_code == 200
        return len(response.context["cl"].result_list)

    assert listed(client__id__exact=printer.pk) == 2
    assert listed(issued_by__id__exact=operator_user.pk) == 3
    assert listed(batch=batch.pk) == 4
    assert client.get(url, {"batch": "twelve"}).status_code in (200, 302)


def test_a_list_past_the_count_cap_says_more_than_and_pages_on_by_keyset(
    client, viewer_user, default_series, monkeypatch
):
    import tracking.admin.changelist as changelist
    import tracking.admin.numbers as numbers_admin

    monkeypatch.setattr(changelist, "CHANGELIST_COUNT_CAP", 20)
    monkeypatch.setattr(numbers_admin.TrackingNumberAdmin, "list_per_page", 8)
    issued = tracking_number_issue(series=default_series, count=45)
    client.force_login(viewer_user)
    url = reverse("admin:tracking_trackingnumber_changelist")

    response = client.get(url, {"status__exact": "issued"})
    page = response.content.decode()
    assert "more than 20 tracking numbers" in page
    assert "more than 20 results" in page
    seen = []
    query = "?status__exact=issued"
    for _ in range(10):
        seen += [n.number for n in response.context["cl"].result_list]
        following = re.search(r'href="([^"]+)" data-testid="keyset-next"', page)
        if following is None:
            break
        query = following[1].replace("&amp;", "&")
        response = client.get(url + query)
        assert response.status_code == 200
        page = response.content.decode()
    # Below the cap the rest is counted and paged by number.
    for p in range(1, response.context["cl"].paginator.num_pages):
        response = client.get(f"{url}{query}&p={p + 1}")
        seen += [n.number for n in response.context["cl"].result_list]
    # Every number was reached, newest first, each once.
    assert seen == [n.number for n in reversed(issued)]


def test_the_series_form_refuses_fields_the_scheme_does_not_use(client, staff_user):
    from tracking.messages import SERIES_FIELD_NOT_APPLICABLE
    from tracking.models import Series

    client.force_login(staff_user)
    add = reverse("admin:tracking_series_add")
    page = client.get(add).content.decode()
    assert "data-scheme-fields" in page

    response = client.post(
        add,
        {
            "code": "rb-gb",
            "name": "Registered GB",
            "scheme": "s10",
            "mode": "sequential",
            "active": "on",
            "service_indicator": "RB",
            "country_code": "GB",
            "prefix": "PORTAL",
            "alphabet": "digits",
            "check_char": "none",
            "start": "0",
        },
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["prefix"] == [
        SERIES_FIELD_NOT_APPLICABLE.format(scheme="UPU S10 (postal item)")
    ]
    assert not Series.objects.filter(code="rb-gb").exists()


def test_the_series_form_previews_a_dated_series_as_issued_today(client, staff_user):
    client.force_login(staff_user)
    url = reverse("admin:tracking_series_draft_preview")
    dated = {
        "scheme": "custom",
        "prefix": "WH-{YY}{MM}-",
        "serial_width": "6",
        "counter_reset": "monthly",
        "start": "5",
    }

    with time_machine.travel(datetime(2026, 11, 30, 12, tzinfo=UTC), tick=False):
        first = client.get(url, dated)

    assert first.json() == {"first": "WH-2611-000005", "scrambled": False}
    for zone in ("Mars/Base", "../etc"):
        unknown = client.get(url, dated | {"timezone": zone})
        assert unknown.status_code == 400
        assert unknown.json() == {"errors": {"timezone": SERIES_TIMEZONE_INVALID}}


def test_the_series_form_previews_the_first_number_without_saving(
    client, staff_user, viewer_user
):
    from tracking.models import Series

    client.force_login(staff_user)
    url = reverse("admin:tracking_series_draft_preview")
    s10 = {"scheme": "s10", "mode": "sequential", "service_indicator": "RB"}

    first = client.get(url, s10 | {"country_code": "GB", "start": "12345678"})
    incomplete = client.get(url, s10)
    bad_start = client.get(url, s10 | {"country_code": "GB", "start": "x"})

    assert first.json() == {"first": "RB123456785GB", "scrambled": False}
    assert incomplete.status_code == 400
    assert "country_code" in incomplete.json()["errors"]
    assert bad_start.status_code == 400
    assert not Series.objects.filter(scheme="s10").exists()
    client.force_login(viewer_user)
    assert client.get(url, s10).status_code == 403
