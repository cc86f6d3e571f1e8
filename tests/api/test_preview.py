"""GET /tracking/series/{code}/preview/: the next numbers, nothing allocated."""

from __future__ import annotations

from tests.factories import ScrambledSeriesFactory, SeriesFactory
from tracking.allocation import series_next_serial
from tracking.messages import PREVIEW_EXHAUSTED, PREVIEW_SCRAMBLED, PREVIEW_SEQUENTIAL
from tracking.models import Series


def test_preview_shows_the_next_numbers_without_allocating(api, default_series):
    before = series_next_serial(default_series)

    first = api.get("/tracking/series/default/preview/?count=3").json()
    again = api.get("/tracking/series/default/preview/?count=3").json()

    assert first == again
    assert first["predictable"] is True
    assert first["note"] == PREVIEW_SEQUENTIAL
    assert len(first["numbers"]) == 3
    assert series_next_serial(default_series) == before
    issued = [
        api.post("/tracking/generate/").json()["tracking_number"] for _ in range(3)
    ]
    assert issued == first["numbers"]


def test_preview_count_is_at_most_ten(api):
    for count in ("0", "11", "ten", ""):
        response = api.get(f"/tracking/series/default/preview/?count={count}")
        assert response.status_code == 400, count
        assert "count" in response.json()["errors"]
    assert (
        len(api.get("/tracking/series/default/preview/?count=10").json()["numbers"])
        == 10
    )


def test_a_scrambled_series_explains_instead_of_revealing(admin_api):
    ScrambledSeriesFactory(
        code="secret",
        name="Secret",
        prefix="SC",
        serial_width=9,
        check_char=Series.Check.LUHN,
    )
    body = admin_api.get("/tracking/series/secret/preview/?count=5").json()
    assert body == {
        "series": "secret",
        "predictable": False,
        "numbers": [],
        "remaining": 10**9,
        "note": PREVIEW_SCRAMBLED,
    }


def test_a_nearly_exhausted_series_says_how_many_are_left(admin_api):
    SeriesFactory(code="tiny", prefix="TY", serial_width=4, start=9998)
    body = admin_api.get("/tracking/series/tiny/preview/?count=5").json()
    assert body["numbers"] == ["TY9998", "TY9999"]
    assert body["note"] == " ".join(
        [PREVIEW_SEQUENTIAL, PREVIEW_EXHAUSTED.format(remaining="2 serials")]
    )


def test_a_series_the_client_may_not_use_has_no_preview(api, admin_api):
    SeriesFactory(code="other", prefix="OT")
    assert api.get("/tracking/series/other/preview/").status_code == 404
