"""Reads behind the portal's lists and dashboard.

Everything here must stay cheap on a table of 10 million numbers: indexed
lookups, range counts on an index, cached history; never a COUNT(*) over
the whole table per page view.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, QuerySet
from django.utils import timezone

from tracking.allocation import (
    series_current_period,
    series_usage_annotate,
)
from tracking.models import (
    Batch,
    Series,
    TrackingNumber,
)


def tracking_number_count_capped(qs: QuerySet, cap: int) -> int:
    """How many rows ``qs`` has, counting no further than ``cap``.

    Unfiltered, the planner's estimate (``pg_class.reltuples``) is used
    once the table is larger than ``cap``; filtered, ``COUNT`` runs over a
    ``LIMIT cap`` subquery, so it stops early on a big match.
    """
    if not qs.query.where and connection.vendor == "postgresql":
        table = qs.model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                [table],
            )
            row = cursor.fetchone()
        estimate = row[0] if row else -1
        if estimate > cap:
            return estimate
    return qs.order_by()[:cap].count()


@dataclass
class SeriesUsage:
    series: Series
    allocated: int
    voided: int
    used_percent: float
    level: str  # "ok", "warning" (>= 80 %), "danger" (>= 95 %)
    rate_per_day: float | None
    exhaustion: date | None
    # A series whose counter resets: the current period (capacity, usage
    # and forecast are that period's).
    period: str | None = None


def series_voided_counts(series_ids: list[int] | None = None) -> dict[int, int]:
    """Void numbers per series id (of ``series_ids``, or all), counted on the
    partial index of numbers that are not ``issued``; voiding then writes
    to no shared row."""
    # The exclude repeats the index's predicate: SQLite uses a partial index
    # only for a WHERE that names it (PostgreSQL infers it from "= void").
    qs = TrackingNumber.objects.filter(status=TrackingNumber.Status.VOID).exclude(
        status=TrackingNumber.Status.ISSUED
    )
    if series_ids is not None:
        qs = qs.filter(series_id__in=series_ids)
    return dict(qs.order_by().values_list("series_id").annotate(n=Count("id")))


def _allocation_rate(series: Series, allocated: int, now: datetime) -> float | None:
    """Serials allocated per day recently, from daily snapshots in the cache.

    The first dashboard view of each day stores the allocator's position;
    the rate is measured against the oldest snapshot of the last 7 days.
    Without one at least an hour old, the series' lifetime average is used.
    """
    today = now.date()
    key = f"portal:alloc:{series.pk}:{today.isoformat()}"
    cache.add(key, (now.timestamp(), allocated), timeout=8 * 86400)
    keys = [
        f"portal:alloc:{series.pk}:{(today - timedelta(days=d)).isoformat()}"
        for d in range(7, -1, -1)
    ]
    for snap in cache.get_many(keys).values():
        stamp, then = snap
        elapsed = now.timestamp() - stamp
        if elapsed >= 3600:
            return max(allocated - then, 0) / (elapsed / 86400)
        break
    age = (now - series.created_at).total_seconds()
    if age >= 3600:
        return allocated / (age / 86400)
    return None


def _period_rate(allocated: int, start: datetime, now: datetime) -> float | None:
    """Serials per day since the period began (after its first hour)."""
    elapsed = (now - start).total_seconds()
    return allocated / (elapsed / 86400) if elapsed >= 3600 else None


def series_usage_list(*, now: datetime | None = None) -> list[SeriesUsage]:
    """Capacity used per series from the allocators: O(1) per series."""
    now = now or timezone.now()
    series = series_usage_annotate(list(Series.objects.order_by("-active", "code")))
    voided = series_voided_counts()
    usages = []
    for s in series:
        allocated = s.allocated
        percent = 100.0 * allocated / s.capacity if s.capacity else 100.0
        level = "danger" if percent >= 95 else "warning" if percent >= 80 else "ok"
        period = series_current_period(s)
        if period is None:
            rate = _allocation_rate(s, allocated, now)
            horizon = now + timedelta(days=365 * 100)
        else:
            rate = _period_rate(allocated, period.start, now)
            horizon = period.end
        exhaustion = None
        if rate and rate > 0 and s.remaining > 0:
            at = now + timedelta(days=s.remaining / rate)
            if at < horizon:
                exhaustion = at.date()
        usages.append(
            SeriesUsage(
                series=s,
                allocated=allocated,
                voided=voided.get(s.pk, 0),
                used_percent=percent,
                level=level,
                rate_per_day=rate,
                exhaustion=exhaustion,
                period=None if period is None else period.label,
            )
        )
    return usages


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


def tracking_number_daily_counts(
    *, days: int = 30, now: datetime | None = None
) -> list[tuple[date, int]]:
    """Numbers created per day for the last ``days`` days, today included.

    Numbers are never deleted and ``created_at`` is set once, so the count
    of a finished day never changes: it is computed once, as a range count
    on the ``created_at`` index (an index-only count; a ``GROUP BY`` of the
    date would compute it per row, seconds for a million rows on SQLite),
    and kept in the cache. A day is
    cached only an hour after it ended, so rows committed just after
    midnight still land in it. Each view then counts only today (and, in
    the first hour, yesterday) on the index. This avoids both a full-table
    scan per view and a rollup table that every writer would have to
    update.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    wanted = [today - timedelta(days=d) for d in range(days - 1, -1, -1)]
    keys = {d: f"portal:daily:{d.isoformat()}" for d in wanted}
    cached = cache.get_many(list(keys.values()))
    counts: dict[date, int] = {d: cached[k] for d, k in keys.items() if k in cached}
    missing = [d for d in wanted if d not in counts]
    if missing:
        to_cache = {}
        for d in missing:
            counts[d] = TrackingNumber.objects.filter(
                created_at__gte=_day_start(d),
                created_at__lt=_day_start(d + timedelta(days=1)),
            ).count()
            if now - _day_start(d + timedelta(days=1)) >= timedelta(hours=1):
                to_cache[keys[d]] = counts[d]
        if to_cache:
            cache.set_many(to_cache, timeout=40 * 86400)
    return [(d, counts[d]) for d in wanted]


def portal_dashboard(*, now: datetime | None = None) -> dict[str, Any]:
    """Everything the dashboard shows, in a handful of indexed queries."""
    now = now or timezone.now()
    usages = series_usage_list(now=now)
    daily = tracking_number_daily_counts(days=30, now=now)
    today = timezone.localdate(now)
    week_start = today - timedelta(days=today.weekday())
    return {
        "issued_today": daily[-1][1],
        "issued_week": sum(n for d, n in daily if d >= week_start),
        "allocated_total": sum(u.allocated for u in usages),
        "voided_total": sum(u.voided for u in usages),
        "series_usage": usages,
        "daily": daily,
        "batches": list(
            Batch.objects.select_related("series").order_by("-created_at")[:6]
        ),
    }
