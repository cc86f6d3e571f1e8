"""The series form with the new schemes and the carrier overlap warning."""

from __future__ import annotations

from django.urls import reverse

from tests.helpers.portal import series_form
from tracking.messages import CARRIER_OVERLAP
from tracking.models import Series

FORM = series_form(name="Plain", active="on")


def test_the_series_form_creates_an_impb_series(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:tracking_series_add"),
        {
            **FORM,
            "code": "usps",
            "scheme": "usps_impb",
            "channel": "93",
            "service_type_code": "612",
            "mailer_id": "898787",
            "number_length": "26",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    series = Series.objects.get(code="usps")
    assert series.domain_scheme.format(1) == "93612898787" + "0" * 13 + "19"


def test_the_series_form_warns_of_a_carrier_overlap_until_accepted(client, admin_user):
    client.force_login(admin_user)
    fields = {**FORM, "code": "plain", "scheme": "custom", "serial_width": "10"}
    url = reverse("admin:tracking_series_add")

    warned = client.post(url, fields)

    assert warned.status_code == 200
    errors = warned.context["adminform"].form.errors
    assert errors["accept_carrier_overlap"] == [
        CARRIER_OVERLAP.format(formats="DHL Express", example="0000000000")
    ]
    assert "also valid DHL Express numbers" in warned.content.decode()
    assert not Series.objects.filter(code="plain").exists()

    accepted = client.post(url, {**fields, "accept_carrier_overlap": "on"})

    assert accepted.status_code == 302
    series = Series.objects.get(code="plain")
    assert series.carrier_overlap == "DHL Express"
    page = client.get(reverse("admin:tracking_series_change", args=[series.pk]))
    assert "DHL Express" in page.content.decode()


def test_the_series_page_and_the_issue_form_preview_the_next_numbers(
    client, admin_user, default_series
):
    from tracking.allocation import series_next_serial, series_number_format

    client.force_login(admin_user)
    serial = series_next_serial(default_series)
    expected = series_number_format(series=default_series, serial=serial)

    page = client.get(
        reverse("admin:tracking_series_change", args=[default_series.pk])
    ).content.decode()
    issue = client.get(
        reverse("admin:tracking_trackingnumber_issue_numbers")
    ).content.decode()

    assert 'data-testid="series-preview"' in page
    assert f"<code>{expected}</code>" in page
    assert 'data-testid="issue-preview"' in issue
    assert f"<code>{expected}</code>" in issue
    assert series_next_serial(default_series) == serial


def test_the_series_form_says_a_code_is_taken_beside_the_code(
    client, admin_user, s10_series
):
    client.force_login(admin_user)
    fields = {**FORM, "code": "RB-GB", "scheme": "s10"}
    fields.update(service_indicator="RC", country_code="GB")

    response = client.post(reverse("admin:tracking_series_add"), fields)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["code"]
    assert "already exists" in errors["code"][0]
    assert Series.objects.filter(code="rb-gb").count() == 1
