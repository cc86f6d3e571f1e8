"""Every read of the tracking app."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from tracking import exceptions as exc
from tracking.allocation import (
    series_next_serials,
    series_number_format,
    series_serial_parse,
    series_usage_annotate,
)
from tracking.domain.gs1 import sscc_from_element_string
from tracking.domain.recognize import first_non_ascii, normalize, recognize_matches
from tracking.domain.schemes import (
    InvalidNumber,
    InvalidSchemeParams,
    WrongCheckCharacter,
)
from tracking.filters import TrackingNumberFilter, reference_matches
from tracking.messages import (
    NO_FORMAT,
    NOT_ASCII,
    NUMBER_NOT_FOUND,
    NUMBER_WRONG_CHECK,
    PREVIEW_EXHAUSTED,
    PREVIEW_SCRAMBLED,
    PREVIEW_SEQUENTIAL,
)
from tracking.models import (
    ApiClient,
    Batch,
    IdempotencyRecord,
    Schedule,
    ScheduleRun,
    Series,
    TrackingNumber,
)

# CLIENTS
# ------------------------------------------------------------------------------


def api_client_may_use(*, client: ApiClient, series: Series) -> bool:
    """Admin clients use every series; others the default or those granted."""
    if client.can_admin_series:
        return True
    granted = api_client_series_ids(client)
    if not granted:
        return series.is_default
    return series.pk in granted


def api_client_may_batch(client: ApiClient) -> bool:
    """Batches reserve up to 10M serials at once: an explicit right."""
    return client.can_admin_series or client.can_create_batches


def api_client_series_ids(client: ApiClient) -> frozenset[int]:
    cached = getattr(client, "_series_ids", None)
    if cached is None:
        cached = frozenset(client.series.values_list("id", flat=True))
        client._series_ids = cached
    return cached


# NUMBERS AND SERIES
# ------------------------------------------------------------------------------


def tracking_number_visible(*, client: ApiClient | None) -> QuerySet[TrackingNumber]:
    """Numbers a client may see: its own, or all for series administrators."""
    qs = TrackingNumber.objects.select_related("series", "batch")
    if client is not None and not client.can_admin_series:
        qs = qs.filter(client=client)
    return qs


def tracking_number_list(
    *, client: ApiClient | None, filters: dict[str, Any] | None = None
) -> QuerySet[TrackingNumber]:
    qs = tracking_number_visible(client=client)
    filterset = TrackingNumberFilter(filters or {}, qs)
    if not filterset.is_valid():
        raise exc.ValidationFailed(
            {k: " ".join(v) for k, v in filterset.errors.items()}
        )
    try:
        return filterset.qs
    except DjangoValidationError as e:
        raise exc.ValidationFailed(
            {k: " ".join(v) for k, v in e.message_dict.items()}
        ) from e


def tracking_number_typed(raw: str) -> tuple[str, str | None]:
    """The number as typed (normalized) and the SSCC a GS1 scan of it holds.

    A scanner sends an SSCC as a GS1 element string (``]C100...``, FNC1,
    ``(00)...``); the stored SSCC is its 18 digits.
    """
    return normalize(raw), sscc_from_element_string(raw)


def tracking_number_get(*, client: ApiClient | None, number: str) -> TrackingNumber:
    wanted, sscc = tracking_number_typed(number)
    # number is unique: no ORDER BY (first() would sort by the model's ordering).
    found = next(
        iter(
            tracking_number_visible(client=client)
            .filter(number__in={wanted, sscc or wanted})
            .order_by()
        ),
        None,
    )
    if found is None:
        # A typo in the check character is worth naming as such.
        _, _, wrong_check = _series_parse(client=client, number=wanted)
        raise exc.NumberNotFound(
            wrong_check[0] if wrong_check else NUMBER_NOT_FOUND.format(number=wanted)
        )
    return found


def _series_parse(
    *, client: ApiClient | None, number: str
) -> tuple[Series | None, int | None, list[str]]:
    """The first of the client's series that could have made ``number``
    and its serial; else, for each series whose format fits all but the
    check character, a message naming that check character."""
    wrong_check = []
    for series in series_list(client=client):
        try:
            serial = series_serial_parse(series=series, number=number)
        except WrongCheckCharacter as e:
            wrong_check.append(NUMBER_WRONG_CHECK.format(code=series.code, error=e))
        except (InvalidNumber, ValueError, exc.ScrambleKeyChanged):
            pass
        else:
            return series, serial, []
    return None, None, wrong_check


def series_list(*, client: ApiClient | None) -> list[Series]:
    """The series a client may use, with their ``allocated`` and ``remaining``."""
    series = list(Series.objects.all())
    if client is not None:
        series = [s for s in series if api_client_may_use(client=client, series=s)]
    return series_usage_annotate(series)


def api_client_in_use(*, client: ApiClient) -> bool:
    """Whether numbers or batches name the client, so it must stay.

    Both lookups use an index on the client column.
    """
    return (
        TrackingNumber.objects.filter(client=client).exists()
        or Batch.objects.filter(client=client).exists()
    )


def series_get_visible(*, client: ApiClient | None, code: str) -> Series:
    wanted = Series._meta.get_field("code").to_python(code)  # case ignored
    for s in series_list(client=client):
        if s.code == wanted:
            return s
    raise exc.NumberNotFound(f"No series {code!r} is visible to this client.")


PREVIEW_MAX = 10


@dataclass(frozen=True)
class SeriesPreview:
    """The numbers a series' next draws would give, or why not shown."""

    series: str
    predictable: bool
    numbers: list[str]
    remaining: int
    note: str


def series_previews(*, series: list[Series], count: int) -> dict[int, SeriesPreview]:
    """Preview the next ``count`` numbers of each series, allocating nothing.

    One query reads every allocator. A scrambled series shows no numbers:
    showing them would give away the order its permutation hides.
    """
    nexts = series_next_serials(series)
    previews = {}
    for s in series:
        remaining = s.end + 1 - nexts[s.pk]
        serials = range(nexts[s.pk], nexts[s.pk] + min(count, remaining))
        predictable = s.mode != Series.Mode.SCRAMBLED
        notes = [PREVIEW_SEQUENTIAL if predictable else PREVIEW_SCRAMBLED]
        if remaining < count:
            notes.append(PREVIEW_EXHAUSTED.format(remaining=remaining))
        previews[s.pk] = SeriesPreview(
            series=s.code,
            predictable=predictable,
            numbers=[series_number_format(series=s, serial=n) for n in serials]
            if predictable
            else [],
            remaining=remaining,
            note=" ".join(notes),
        )
    return previews


def series_draft_first_number(*, series: Series) -> str:
    """The first number a series being created would issue, saving nothing.

    For the portal's form, as staff type. A scrambled series' first number
    depends on its key, so its number shows the format only.
    """
    try:
        scheme = series.domain_scheme
    except InvalidSchemeParams as e:
        raise exc.ValidationFailed(e.errors) from e
    start = series.start or 0
    if not 0 <= start <= scheme.max_serial:
        raise exc.ValidationFailed(
            {"start": f"This scheme's serials run from 0 to {scheme.max_serial}."}
        )
    return scheme.format(start)


def series_preview(*, series: Series, count: int) -> SeriesPreview:
    """Preview the next ``count`` numbers of one series (see above)."""
    return series_previews(series=[series], count=count)[series.pk]


def tracking_number_validate(
    *, client: ApiClient | None, tracking_number: str, strict: bool = False
) -> dict[str, Any]:
    """Check a string against the standard formats and our own series.

    Needs no stored number: format and check character (and the inverse
    permutation of scrambled series) say whether a series could have made
    it. Only series the client may use are tried, so an answer never names
    another's series. ``issued`` is True for the client's own numbers; for
    any other number an ordinary client gets None whether or not someone
    else holds it, so validate cannot probe other clients' numbers. Series
    administrators see every number, so they get True or False. A number
    read leniently (Crockford's I, L, O) is answered as printed. ``strict``
    keeps only formats whose check character was verified.
    """
    value, sscc = tracking_number_typed(tracking_number)
    if sscc is not None and not value.isdigit():
        value = sscc  # "(00)...", "]C1...": only the SSCC is a number
    matches = recognize_matches(value, strict=strict)
    errors: list[str] = []
    matched: Series | None = None
    non_ascii = first_non_ascii(value)
    if non_ascii is not None:
        position, char = non_ascii
        errors.append(NOT_ASCII.format(position=position, char=char))
    else:
        matched, serial, wrong_check = _series_parse(client=client, number=value)
        if matched is not None:
            value = series_number_format(series=matched, serial=serial)
        if not matches and matched is None:
            errors.extend(wrong_check or [NO_FORMAT])
    issued: bool | None = (
        tracking_number_visible(client=client)
        .filter(number__in={value, sscc or value})
        .exists()
    )
    if not issued and client is not None and not client.can_admin_series:
        issued = None
    return {
        "tracking_number": value,
        "valid": bool(matches) or matched is not None,
        "formats": [m.format for m in matches],
        "matches": [dataclasses.asdict(m) for m in matches],
        "issued": issued,
        "series": matched.code if matched else None,
        "errors": errors,
    }


def schedule_last_batch(*, schedule) -> Batch | None:
    """The latest batch a recurring batch or pool rule (PeriodicTask) made."""
    import json

    if schedule.task == Schedule.POOL_TASK:
        code = json.loads(schedule.kwargs or "{}").get("series")
        return (
            Batch.objects.filter(series__code=code, source=Batch.Source.POOL)
            .order_by("-created_at")
            .first()
        )
    run = (
        ScheduleRun.objects.filter(schedule=schedule.name, batch__isnull=False)
        .select_related("batch")
        .order_by("-slot")
        .first()
    )
    return run.batch if run else None


# PORTAL
# ------------------------------------------------------------------------------
# Reads behind the admin portal. Everything here must stay cheap on a table
# of 10 million numbers: indexed lookups, range counts on an index, cached
# history; never a COUNT(*) over the whole table per page view.


def tracking_number_search(
    qs: QuerySet[TrackingNumber], term: str
) -> QuerySet[TrackingNumber]:
    """Filter by number prefix, a scanned SSCC or exact reference.

    The number is normalized (case and spaces ignored, as typed from a
    label), so ``number LIKE 'X%'`` uses the pattern-ops index; a GS1 scan
    (``]C100...``, ``(00)...``) also finds its SSCC by ``number = X``. The
    reference is compared ignoring case on the ``UPPER(reference)`` index
    (migration 0014). No ``icontains``: it would scan the whole table.
    """
    term = (term or "").strip()
    if not term:
        return qs
    wanted, sscc = tracking_number_typed(term)
    found = Q(number__startswith=wanted) | reference_matches(term)
    if sscc is not None:
        found |= Q(number=sscc)
    return qs.filter(found)


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


def idempotency_key_answered(*, client: ApiClient, key: str) -> bool:
    """Whether a response is stored for the client's Idempotency-Key."""
    return IdempotencyRecord.objects.filter(client=client, key=key).exists()


def batch_list(*, client: ApiClient) -> QuerySet[Batch]:
    """The batches a client created, newest first."""
    return Batch.objects.filter(client=client).select_related("series").order_by("-id")


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
        rate = _allocation_rate(s, allocated, now)
        exhaustion = None
        if rate and rate > 0 and s.remaining > 0:
            days = s.remaining / rate
            if days < 365 * 100:
                exhaustion = (now + timedelta(days=days)).date()
        usages.append(
            SeriesUsage(
                series=s,
                allocated=allocated,
                voided=voided.get(s.pk, 0),
                used_percent=percent,
                level=level,
                rate_per_day=rate,
                exhaustion=exhaustion,
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
