"""Roles enforced on the server, the dashboard and the other admin pages."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.helpers.portal import series_form
from tracking.allocation import (
    serial_block_allocate,
    series_number_format,
    series_usage_annotate,
)
from tracking.models import Series
from tracking.services import tracking_number_issue


def test_the_dashboard_shows_kpis_chart_capacity_and_batches(
    client, staff_user, default_series
):
    tracking_number_issue(series=default_series, count=7)
    client.force_login(staff_user)
    # The first view counts the finished days once and caches them; the
    # bound below is every later view's (and no longer depends on whether
    # an earlier test already warmed the cache).
    client.get("/admin/")

    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/admin/")

    body = response.content.decode()
    assert response.status_code == 200
    assert response.context["issued_today"] == 7
    # Allocated counts serials handed out, gaps included; sequences are
    # never rolled back, so earlier tests' serials count too.
    assert response.context["allocated_total"] == sum(
        s.allocated for s in series_usage_annotate(list(Series.objects.all()))
    )
    assert 'data-testid="issuance-chart"' in body
    assert body.count('class="tn-chart-bar"') == 30
    assert 'data-kpi="voided"' in body
    assert len(ctx) <= 12
    # Counts only run on an index: numbers of a day range (created_at) or
    # void numbers (the partial index of numbers not issued).
    assert not any(
        "COUNT(" in q["sql"].upper()
        and "created_at" not in q["sql"]
        and "\"status\" = 'void'" not in q["sql"]
        for q in ctx.captured_queries
    )


def test_the_dashboard_warns_at_80_and_95_percent(client, staff_user, tiny_series):
    tiny = tiny_series(end=99)
    serial_block_allocate(series=tiny, count=96)
    client.force_login(staff_user)

    usage = {u.series.code: u for u in client.get("/admin/").context["series_usage"]}

    assert (usage["tiny"].level, usage["default"].level) == ("danger", "ok")


def test_an_operator_cannot_change_a_series(client, operator_user, default_series):
    client.force_login(operator_user)
    url = reverse("admin:tracking_series_change", args=[default_series.pk])

    page = client.get(url)
    posted = client.post(url, {"name": "Renamed"})

    assert page.status_code == 200  # read-only view
    assert 'name="name"' not in page.content.decode()
    assert posted.status_code == 403
    assert Series.objects.get(pk=default_series.pk).name == "Default"
    assert client.get(reverse("admin:tracking_series_add")).status_code == 403


@pytest.mark.parametrize(
    "url",
    [
        "/admin/tracking/apiclient/",
        "/admin/django_celery_beat/periodictask/",
        "/admin/django_celery_beat/crontabschedule/",
    ],
)
def test_only_administrators_see_clients_and_schedules(
    client, operator_user, admin_user, url
):
    client.force_login(operator_user)
    assert client.get(url).status_code == 403
    client.force_login(admin_user)
    assert client.get(url).status_code == 200


def _add_registered_series(client, **fields: str):
    """Post the series add form for an S10 series of registered mail (RB)."""
    return client.post(
        reverse("admin:tracking_series_add"),
        series_form(scheme="s10", service_indicator="RB", **fields),
    )


def test_an_administrator_creates_a_series_with_its_allocator(administrator):
    response = _add_registered_series(
        administrator,
        code="rb-fr",
        name="Registered FR",
        country_code="FR",
        start="100",
        active="on",
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    series = Series.objects.get(code="rb-fr")
    assert series.end == 99_999_999
    assert tracking_number_issue(series=series)[0].number == series_number_format(
        series=series, serial=100
    )


def test_a_bad_series_is_a_field_error(administrator):
    response = _add_registered_series(
        administrator, code="bad", name="Bad", country_code="ZZ"
    )

    assert response.status_code == 200
    assert "country_code" in response.context["adminform"].form.errors
    assert not Series.objects.filter(code="bad").exists()


def test_an_administrator_creates_an_api_client_and_sees_its_token_once(
    client, admin_user, default_series
):
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:tracking_apiclient_add"),
        {
            "name": "printer-9",
            "active": "on",
            "series": [default_series.pk],
            "rate": "",
        },
        follow=True,
    )

    from tracking.models import ApiClient
    from tracking.services import api_token_hash

    created = ApiClient.objects.get(name="printer-9")
    ((name, token),) = response.context["tokens"]
    assert (name, api_token_hash(token)) == ("printer-9", created.token_hash)
    assert token in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    # Shown in the page only: not in a message, a cookie or the session.
    assert list(response.context["messages"]) == []
    assert token not in str(client.cookies)
    assert token not in str(dict(client.session))
    assert list(created.series.all()) == [default_series]
    assert len(created.token_hash) == 64


def test_rotating_tokens_asks_first_and_shows_the_new_ones_once(
    client, admin_user, default_series
):
    from tracking.api.authentication import api_client_for_token
    from tracking.services import api_client_create

    printer, old = api_client_create(name="printer-10")
    client.force_login(admin_user)
    changelist = reverse("admin:tracking_apiclient_changelist")
    action = {"action": "rotate_token", "_selected_action": [printer.pk]}

    asked = client.post(changelist, action)

    assert asked.templates[0].name == "admin/tracking/confirm.html"
    assert api_client_for_token(old) is not None
    done = client.post(changelist, {**action, "post": "yes"})
    ((name, new),) = done.context["tokens"]
    assert name == "printer-10"
    assert api_client_for_token(old) is None
    assert api_client_for_token(new).pk == printer.pk
    assert list(done.context["messages"]) == []
    assert new not in str(dict(client.session))


@pytest.mark.parametrize(
    "url",
    [
        "/admin/tracking/batch/",
        "/admin/tracking/exportjob/",
        "/admin/tracking/trackingnumber/",
        "/admin/tracking/series/",
        "/admin/tracking/trackingnumber/issue/",
        "/admin/tracking/trackingnumber/import/",
        "/admin/django_celery_beat/intervalschedule/",
        "/admin/auth/user/",
    ],
)
def test_every_portal_page_renders_for_a_superuser(client, staff_user, url):
    client.force_login(staff_user)

    assert client.get(url).status_code == 200


def test_an_empty_chart_claims_no_peak(client, staff_user):
    client.force_login(staff_user)
    page = client.get(reverse("admin:index")).content.decode()

    assert "No numbers were issued in the last 30 days." in page
    assert "peak" not in page
