"""Counter periods of dated series, under ``tracking.allocation``.

A series whose prefix or suffix prints the date of issue ("dated") stores
each serial with its day; one whose counter resets draws from one allocator
per period (see below).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from tracking.allocation import (
    LOCK_NAMESPACE,
    _draw,
    _refuse_draw,
    serial_block_allocate_undated,
)
from tracking.domain import periods
from tracking.messages import SERIES_PERIOD_EXHAUSTED
from tracking.models import Series, SeriesPeriod

# PERIODS
# ------------------------------------------------------------------------------
# A series whose prefix or suffix prints the date of issue ("dated") stores
# each serial with its day: day index * capacity + serial. The day is the
# date of issue in the series' time zone, read once; it gives both the
# tokens and the counter period. A series whose counter resets draws from
# one allocator per period, made on first use: on PostgreSQL a sequence of
# its own, tracking_series_<id>_<yyyymmdd>_seq, moved only by
# tracking_allocate_from(); on SQLite the SeriesPeriod row's counter.

_ALLOCATE_PERIOD_SQLITE = """
UPDATE tracking_seriesperiod SET next_serial = next_serial + %s
WHERE series_id = %s AND start = %s AND next_serial + %s - 1 <= %s
AND (SELECT active FROM tracking_series WHERE id = %s)
RETURNING next_serial - %s
"""


def series_zone(series: Series) -> str:
    return series.timezone or settings.TIME_ZONE


def series_today(series: Series) -> date:
    """The date of issue now, in the series' own time zone."""
    return periods.local_day(timezone.now(), series_zone(series))


def period_sequence_name(series_id: int, start: date) -> str:
    return f"tracking_series_{int(series_id)}_{start:%Y%m%d}_seq"


def series_period(series: Series, day: date) -> date | None:
    """The first day of ``day``'s counter period (None: it never resets)."""
    scheme = series.domain_scheme
    return periods.period_start(scheme.counter_reset, day, scheme.fiscal_start_month)


def period_label(series: Series, start: date) -> str:
    scheme = series.domain_scheme
    return periods.period_label(scheme.counter_reset, start, scheme.fiscal_start_month)


def _period_allocator(series: Series, start: date) -> None:
    """Make the period's allocator unless it exists (first use)."""
    if SeriesPeriod.objects.filter(series=series, start=start).exists():
        return
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Two first draws of a period must not both create it.
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, series.pk]
            )
            name = period_sequence_name(series.pk, start)
            cursor.execute(
                f"CREATE SEQUENCE IF NOT EXISTS {name} "
                f"MINVALUE 0 START {int(series.start)}"
            )
        SeriesPeriod.objects.get_or_create(
            series=series, start=start, defaults={"next_serial": series.start}
        )


def _dated_block_allocate(*, series: Series, count: int) -> int:
    day = series_today(series)
    start = series_period(series, day)
    capacity = series.domain_scheme.capacity
    offset = (day - periods.DAY_ZERO).days * capacity
    if start is None:
        # Never reset: the series' own allocator, the day kept beside it.
        undated = serial_block_allocate_undated(series=series, count=count)
        return offset + undated
    _period_allocator(series, start)
    if connection.vendor == "postgresql":
        name = period_sequence_name(series.pk, start)
        row = _draw(
            series,
            "SELECT tracking_allocate_from(%s, %s, %s)",
            [series.pk, name, count],
        )
    else:
        params = [count, series.pk, start, count, series.end, series.pk, count]
        row = _draw(series, _ALLOCATE_PERIOD_SQLITE, params)
    if row is not None and row[0] is not None:
        return offset + row[0]
    _refuse_draw(
        series,
        count,
        SERIES_PERIOD_EXHAUSTED,
        lambda current: current.end + 1 - _period_next(current, start),
        period=period_label(series, start),
    )


def _period_next(series: Series, start: date) -> int:
    """The next serial of a period's allocator (``start`` before first use)."""
    if connection.vendor != "postgresql":
        found = SeriesPeriod.objects.filter(series=series, start=start).first()
        return series.start if found is None else found.next_serial
    name = period_sequence_name(series.pk, start)
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [name])
        if cursor.fetchone()[0] is None:
            return series.start
        cursor.execute(f"SELECT last_value, is_called FROM {name}")  # noqa: S608
        last, called = cursor.fetchone()
    return min(last + 1 if called else last, series.end + 1)


@dataclass(frozen=True)
class Period:
    label: str
    start: datetime
    end: datetime


def series_current_period(series: Series) -> Period | None:
    """The counter period running now, as instants (None: never resets)."""
    if not series.domain_scheme.dated:
        return None
    start = series_period(series, series_today(series))
    if start is None:
        return None
    zone = ZoneInfo(series_zone(series))
    following = periods.next_period_start(series.domain_scheme.counter_reset, start)
    return Period(
        label=period_label(series, start),
        start=datetime.combine(start, time.min, zone),
        end=datetime.combine(following, time.min, zone),
    )


def series_draw_serial(series: Series, serial: int, day: date | None = None) -> int:
    """The stored serial a draw of ``serial`` on ``day`` (today) gives."""
    if not series.domain_scheme.dated:
        return serial
    day = day or series_today(series)
    return (day - periods.DAY_ZERO).days * series.domain_scheme.capacity + serial
