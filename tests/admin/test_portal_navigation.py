"""The portal's navigation, page names and times, as a user reads them."""

from __future__ import annotations

import re

from django.urls import reverse

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
