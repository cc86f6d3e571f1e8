"""Date tokens and per-period counters through the API, on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import time_machine

from tracking.domain.periods import TOKENS_MISS_PERIOD
from tracking.models import SeriesPeriod, TrackingNumber

NOV = datetime(2026, 11, 30, 12, tzinfo=UTC)
DEC = datetime(2026, 12, 1, 12, tzinfo=UTC)


def _series(admin_api, **fields):
    body = {
        "code": "wh",
        "name": "Warehouse",
        "scheme": "custom",
        "prefix": "WH-{YY}{MM}-",
        "serial_width": 6,
        "counter_reset": "monthly",
        **fields,
    }
    return admin_api.post("/tracking/series/", body, format="json")


def _issue(admin_api, count=None):
    body = {"series": "wh"} if count is None else {"series": "wh", "count": count}
    return admin_api.post("/tracking/generate/", body, format="json")


def test_two_periods_issue_the_same_serial_as_different_numbers(admin_api):
    assert _series(admin_api).status_code == 201
    with time_machine.travel(NOV, tick=False):
        november = [
            n["tracking_number"] for n in _issue(admin_api, 2).json()["results"]
        ]
    with time_machine.travel(DEC, tick=False):
        december = [
            n["tracking_number"] for n in _issue(admin_api, 2).json()["results"]
        ]

    assert november == ["WH-2611-000000", "WH-2611-000001"]
    assert december == ["WH-2612-000000", "WH-2612-000001"]
    rows = TrackingNumber.objects.filter(series__code="wh").order_by("number")
    assert rows.count() == 4
    assert len({r.serial for r in rows}) == 4  # stored with their day
    periods = SeriesPeriod.objects.filter(series__code="wh").order_by("start")
    assert [str(p.start) for p in periods] == ["2026-11-01", "2026-12-01"]


def test_a_period_runs_out_on_its_own_and_says_which(admin_api):
    assert _series(admin_api, serial_width=1, start=8).status_code == 201
    with time_machine.travel(NOV, tick=False):
        assert _issue(admin_api, 2).status_code == 201
        exhausted = _issue(admin_api)
        assert exhausted.status_code == 409
        assert "in period 2026-11" in exhausted.json()["detail"]
    with time_machine.travel(DEC, tick=False):
        fresh = _issue(admin_api)
    assert fresh.status_code == 201
    assert fresh.json()["tracking_number"] == "WH-2612-8"


def test_the_series_time_zone_decides_day_and_period(admin_api):
    assert (
        _series(
            admin_api,
            prefix="K{YYYY}{JJJ}-",
            counter_reset="yearly",
            timezone="Pacific/Kiritimati",
        ).status_code
        == 201
    )
    # 10:00 UTC on New Year's Eve is already 1 January 2027 in Kiritimati.
    with time_machine.travel(datetime(2026, 12, 31, 10, tzinfo=UTC), tick=False):
        number = _issue(admin_api).json()["tracking_number"]
        preview = admin_api.get("/tracking/series/wh/preview/?count=2").json()
    assert number == "K2027001-000000"
    assert preview["numbers"] == ["K2027001-000001", "K2027001-000002"]


def test_tokens_that_miss_the_period_are_refused(admin_api):
    response = _series(admin_api, prefix="W{YYYY}{WW}", counter_reset="weekly")
    assert response.status_code == 400
    assert response.json()["errors"]["counter_reset"][0].startswith(
        TOKENS_MISS_PERIOD.split("{reset}")[0]
    )


def test_an_unknown_time_zone_is_refused(admin_api):
    response = _series(admin_api, timezone="Mars/Olympus_Mons")
    assert response.status_code == 400
    assert "timezone" in response.json()["errors"]


def test_validate_names_the_dated_series(admin_api):
    assert _series(admin_api).status_code == 201
    with time_machine.travel(NOV, tick=False):
        number = _issue(admin_api).json()["tracking_number"]
    body = admin_api.post("/tracking/validate/", {"tracking_number": number}).json()
    assert (body["series"], body["issued"]) == ("wh", True)


def test_capacity_and_forecast_are_per_period(admin_api):
    from tracking.selectors import series_usage_list

    assert _series(admin_api, serial_width=1).status_code == 201
    early = datetime(2026, 11, 1, 3, tzinfo=UTC)
    with time_machine.travel(early, tick=False):
        assert _issue(admin_api, 5).status_code == 201
        usage = next(u for u in series_usage_list() if u.series.code == "wh")
    # 5 of 10 in three hours: the other 5 go in three more, this period.
    assert (usage.period, usage.allocated, usage.series.remaining) == ("2026-11", 5, 5)
    assert usage.exhaustion == early.date()
    with time_machine.travel(NOV, tick=False):
        usage = next(u for u in series_usage_list() if u.series.code == "wh")
    # At the month's rate the counter resets on 1 December before it runs out.
    assert usage.exhaustion is None
    with time_machine.travel(DEC, tick=False):
        usage = next(u for u in series_usage_list() if u.series.code == "wh")
    assert (usage.period, usage.allocated) == ("2026-12", 0)


def test_a_dated_series_example_is_todays_first_number(admin_api):
    with time_machine.travel(NOV, tick=False):
        created = _series(admin_api, start=5)
        shown = admin_api.get("/tracking/series/wh/")

    assert created.json()["example"] == "WH-2611-000005"
    assert shown.json()["example"] == "WH-2611-000005"
