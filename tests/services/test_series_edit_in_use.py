"""An edit of a series in use never touches its allocator, and the default
flag moves through the API as the portal moves it."""

from __future__ import annotations

import pytest

from tests.factories import ScrambledSeriesFactory
from tracking.allocation import series_next_serial
from tracking.models import Series
from tracking.services import series_save, tracking_number_issue


def test_an_edit_saved_after_numbers_were_drawn_keeps_the_counter(
    default_series, settings
):
    stale = Series.objects.get(pk=default_series.pk)  # read before the draws
    tracking_number_issue(series=default_series, count=5)
    drawn = series_next_serial(default_series)

    stale.name = "Renamed while in use"
    series_save(series=stale)

    assert series_next_serial(default_series) == drawn
    assert len(tracking_number_issue(series=default_series, count=3)) == 3


def test_patch_moves_the_default_flag(admin_api, default_series):
    admin_api.post(
        "/tracking/series/",
        {"code": "other", "name": "Other", "scheme": "custom", "prefix": "OT"},
        format="json",
    )
    answer = admin_api.patch(
        "/tracking/series/other/", {"is_default": True}, format="json"
    )

    assert answer.status_code == 200, answer.json()
    assert list(
        Series.objects.filter(is_default=True).values_list("code", flat=True)
    ) == ["other"]


def test_creating_a_default_series_moves_the_default_flag(admin_api, default_series):
    answer = admin_api.post(
        "/tracking/series/",
        {
            "code": "new-default",
            "name": "New default",
            "scheme": "custom",
            "prefix": "ND",
            "is_default": True,
        },
        format="json",
    )

    assert answer.status_code == 201, answer.json()
    assert list(
        Series.objects.filter(is_default=True).values_list("code", flat=True)
    ) == ["new-default"]


def test_an_exhausted_scrambled_series_is_not_told_to_extend_its_range(db):
    from tracking.exceptions import SeriesExhausted

    series = ScrambledSeriesFactory(
        code="tiny-scrambled", name="Tiny scrambled", prefix="TS", serial_width=2, end=3
    )
    tracking_number_issue(series=series, count=4)
    with pytest.raises(SeriesExhausted) as refused:
        tracking_number_issue(series=series, count=1)

    assert "extend its range" not in str(refused.value)
    assert "scrambled series' range is fixed" in str(refused.value)
