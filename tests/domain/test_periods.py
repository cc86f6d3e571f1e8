"""Date tokens and counter periods at their boundaries (pure, no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tracking.domain.custom import CustomScheme
from tracking.domain.periods import (
    expand,
    local_day,
    period_label,
    period_start,
    tokens_tell_periods_apart,
)
from tracking.domain.schemes import InvalidSchemeParams, build_scheme


def _issue(instant: datetime, zone: str, reset: str, template: str, fy: int = 1):
    """The (period label, printed tokens) of one instant, as a series sees it."""
    day = local_day(instant, zone)
    start = period_start(reset, day, fy)
    return period_label(reset, start, fy), expand(template, day, fy)


BERLIN, NEW_YORK = "Europe/Berlin", "America/New_York"
KIRITIMATI, PAGO_PAGO = "Pacific/Kiritimati", "Pacific/Pago_Pago"

# (instant in UTC, zone, counter reset, template, period label, tokens printed)
BOUNDARIES = [
    # Year end: Berlin is an hour ahead of UTC.
    ("2026-12-31T23:30", BERLIN, "yearly", "{YYYY}", "2027", "2027"),
    ("2026-12-31T22:59", BERLIN, "yearly", "{YYYY}", "2026", "2026"),
    # Fall back in New York: 03:30 UTC on 1 November is 23:30 EDT on 31
    # October; period and tokens both stay in October.
    ("2026-11-01T03:30", NEW_YORK, "monthly", "{YY}{MM}", "2026-10", "2610"),
    # After the change (EST, UTC-5), 05:30 UTC is 00:30 on 1 November.
    ("2026-11-01T05:30", NEW_YORK, "monthly", "{YY}{MM}", "2026-11", "2611"),
    # Spring forward in Berlin (02:00 CET -> 03:00 CEST on 29 March).
    ("2026-03-28T23:30", BERLIN, "daily", "{YYYY}{JJJ}", "2026-03-29", "2026088"),
    # ISO week 53: 2026 has one; 1 January 2027 still belongs to it.
    ("2027-01-01T12:00", "UTC", "weekly", "{YYYY}{MM}{DD}", "2026-W53", "20270101"),
    ("2027-01-04T00:00", "UTC", "weekly", "{YYYY}{MM}{DD}", "2027-W01", "20270104"),
    # Kiritimati (UTC+14) is a day ahead of UTC; Pago Pago (UTC-11) behind.
    ("2026-12-31T10:00", KIRITIMATI, "yearly", "{YYYY}-{JJJ}", "2027", "2027-001"),
    ("2027-01-01T10:00", PAGO_PAGO, "yearly", "{YYYY}-{JJJ}", "2026", "2026-365"),
    # A fiscal year from April, named by the year it ends in.
    ("2026-04-01T12:00", "UTC", "yearly", "FY{FY}", "FY2027", "FY2027"),
]


@pytest.mark.parametrize(
    ("utc", "zone", "reset", "template", "label", "tokens"), BOUNDARIES
)
def test_period_and_tokens_come_from_one_local_day(
    utc, zone, reset, template, label, tokens
) -> None:
    instant = datetime.fromisoformat(utc).replace(tzinfo=UTC)
    fy = 4 if "FY" in template else 1
    assert _issue(instant, zone, reset, template, fy) == (label, tokens)


@pytest.mark.parametrize(
    ("template", "reset", "fy"),
    [
        ("{YYYY}", "yearly", 1),
        ("{YY}", "yearly", 1),
        ("{FY}", "yearly", 4),
        ("{YYYY}{MM}", "yearly", 4),
        ("{YY}{MM}", "monthly", 1),
        ("{YYYY}{JJJ}", "weekly", 1),
        ("{YYYY}{MM}{DD}", "daily", 1),
        ("", "never", 1),
    ],
)
def test_tokens_that_tell_periods_apart(template, reset, fy) -> None:
    assert tokens_tell_periods_apart(template, reset, fy) is True


@pytest.mark.parametrize(
    ("template", "reset", "fy"),
    [
        # A fiscal year from April spans two calendar years.
        ("{YYYY}", "yearly", 4),
        ("{MM}", "monthly", 1),
        # ISO week 1 may start in December: 30 Dec 2024 prints 202401.
        ("{YYYY}{WW}", "weekly", 1),
        ("{YYYY}{MM}", "daily", 1),
        ("", "monthly", 1),
    ],
)
def test_tokens_that_miss_a_period(template, reset, fy) -> None:
    assert tokens_tell_periods_apart(template, reset, fy) is False


def test_a_series_whose_tokens_miss_the_period_is_refused() -> None:
    with pytest.raises(InvalidSchemeParams) as raised:
        build_scheme(
            "custom",
            {"prefix": "W{YYYY}{WW}", "serial_width": 5, "counter_reset": "weekly"},
        )
    assert "{YYYY}{WW} repeats across New Year" in raised.value.errors["counter_reset"]


def test_two_periods_print_the_same_serial_as_different_numbers() -> None:
    scheme = CustomScheme(
        prefix="WH-{YY}{MM}-", serial_width=6, counter_reset="monthly"
    )
    november = scheme.on(date(2026, 11, 30)).format(0)
    december = scheme.on(date(2026, 12, 1)).format(0)
    assert (november, december) == ("WH-2611-000000", "WH-2612-000000")
    assert scheme.parse(november) == scheme.parse(december) == 0


def test_a_dated_scheme_needs_the_day_of_issue() -> None:
    scheme = CustomScheme(prefix="{YYYY}", serial_width=4)
    with pytest.raises(ValueError, match="need the day of issue"):
        scheme.format(1)
    assert scheme.length == 8
    assert scheme.example == "20000000"


def test_dated_serials_are_limited_to_what_64_bits_hold_with_the_day() -> None:
    with pytest.raises(InvalidSchemeParams) as raised:
        build_scheme("custom", {"prefix": "{YYYY}", "serial_width": 15})
    assert "at most 14 characters" in raised.value.errors["serial_width"]
