"""A scrambled series' serial -> number mapping never changes once used.

The measured hole: a scrambled series with 800 of 1,000 serials issued had
its end moved from 999 to 1249, and 136 of the next 200 numbers equalled
numbers already issued. Changing TRACKING_SCRAMBLE_KEY did the same to every
scrambled series.
"""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse

from tests.factories import ScrambledSeriesFactory, SeriesFactory
from tracking import allocation, messages
from tracking import exceptions as exc
from tracking.models import Series, TrackingNumber
from tracking.services import tracking_number_issue

OTHER_KEY = "another-scramble-key-0123456789abcdef0123456789"


@pytest.fixture
def scrambled(db) -> Series:
    return ScrambledSeriesFactory(prefix="SC", serial_width=4, start=0, end=999)


def _issue_800(series: Series) -> None:
    for _ in range(8):
        tracking_number_issue(series=series, count=100)


def test_moving_the_end_of_a_used_scrambled_series_is_refused(admin_api, scrambled):
    _issue_800(scrambled)

    response = admin_api.patch("/tracking/series/scr/", {"end": 1249}, format="json")

    assert response.status_code == 409
    assert response.json()["errors"] == {"end": [allocation.MAPPING_FROZEN]}
    assert Series.objects.get(pk=scrambled.pk).end == 999
    # The last 200 serials still map to 200 new numbers.
    tracking_number_issue(series=scrambled, count=200)
    numbers = TrackingNumber.objects.filter(series=scrambled)
    assert numbers.count() == numbers.values("number").distinct().count() == 1000


def test_the_portal_form_refuses_it_beside_the_field(client, admin_user, scrambled):
    _issue_800(scrambled)
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:tracking_series_change", args=[scrambled.pk]),
        {"name": "Scrambled", "end": "1249", "active": "on"},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["end"] == [
        allocation.MAPPING_FROZEN
    ]
    assert Series.objects.get(pk=scrambled.pk).end == 999


def test_an_unused_scrambled_series_and_a_used_sequential_one_may_change_end(
    admin_api, scrambled
):
    plain = SeriesFactory(code="seq", name="Plain", prefix="SQ", serial_width=4)
    tracking_number_issue(series=plain, count=5)

    grown = admin_api.patch("/tracking/series/scr/", {"end": 1249}, format="json")
    shrunk = admin_api.patch("/tracking/series/seq/", {"end": 99}, format="json")

    assert (grown.status_code, grown.json()["end"]) == (200, 1249)
    assert (shrunk.status_code, shrunk.json()["end"]) == (200, 99)


def test_a_scrambled_series_stores_the_fingerprint_of_its_key(scrambled):
    assert scrambled.scramble_key_fingerprint == allocation.scramble_key_fingerprint()
    assert len(scrambled.scramble_key_fingerprint) == 16
    with override_settings(TRACKING_SCRAMBLE_KEY=OTHER_KEY):
        assert allocation.scramble_key_fingerprint() != (
            scrambled.scramble_key_fingerprint
        )


def test_under_another_key_it_refuses_to_issue_and_health_says_why(
    api, admin_api, client, scrambled
):
    issued = tracking_number_issue(series=scrambled, count=3)
    before = allocation.series_next_serial(scrambled)

    with override_settings(TRACKING_SCRAMBLE_KEY=OTHER_KEY):
        response = admin_api.post(
            "/tracking/generate/", {"series": "scr"}, format="json"
        )
        health = client.get("/healthz")
        with pytest.raises(exc.ScrambleKeyChanged):
            allocation.series_serial_parse(series=scrambled, number=issued[0].number)

    assert response.status_code == 503
    assert response.json()["detail"] == messages.SCRAMBLE_KEY_CHANGED.format(code="scr")
    assert "the key changed" in response.json()["detail"]
    assert health.status_code == 503
    assert "scr" in health.json()["checks"]["scramble_key"]
    assert "changed" in health.json()["checks"]["scramble_key"]
    # Nothing was drawn under the wrong key, and the right key still works.
    assert allocation.series_next_serial(scrambled) == before
    assert (
        admin_api.post(
            "/tracking/generate/", {"series": "scr"}, format="json"
        ).status_code
        == 201
    )
