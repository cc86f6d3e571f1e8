"""The serial space of every series, and its one owner.

How uniqueness is kept:

1. Each series draws serials from one allocator: on PostgreSQL its own
   sequence ``tracking_series_<id>_seq``, moved only by the SQL function
   ``tracking_allocate()`` in ``allocation.sql`` and by this module; on
   SQLite (the embedded default, one writer at a time) the row's
   ``next_serial`` counter. Sequences are never rolled back, so a serial
   once handed out is never handed out again; a failed caller leaves a gap.
2. A block of serials is contiguous: it is read and advanced under an
   exclusive advisory lock on ``(LOCK_NAMESPACE, series id)`` that single
   draws take shared. The locks are transaction locks: no error, cancel or
   timeout leaves one behind, and PgBouncer's transaction pooling is safe.
3. A number is the series' scheme applied to its serial; a scrambled series
   first passes the serial through a keyed bijection of ``[0, capacity)``.
   That mapping is fixed once a serial is drawn: range and mode are frozen
   from then on, and a scrambled series stores a fingerprint of the
   ``TRACKING_SCRAMBLE_KEY`` that made it and refuses to issue or read
   numbers under another key.
4. Two series never print the same string: ``series_save`` checks the
   other series and saves under ``series_edit_lock``.
5. The UNIQUE constraints on the number and on (series, serial) are the
   safety net, not the mechanism.

Everything else (API, portal, tasks, commands, dashboard) calls this
module. A per-period allocator would be one more sequence, named by
``sequence_name``.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import NoReturn
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from tracking import exceptions as exc
from tracking.domain import periods
from tracking.domain.permutation import FeistelPermutation
from tracking.domain.schemes import InvalidNumber
from tracking.log_context import log_bind
from tracking.messages import (
    ALLOCATOR_BUSY,
    MAPPING_FROZEN,
    MODE_FROZEN,
    SCRAMBLE_KEY_CHANGED,
    SERIES_EXHAUSTED,
    SERIES_INACTIVE,
    SERIES_PERIOD_EXHAUSTED,
)
from tracking.metrics import ALLOCATOR_SECONDS
from tracking.models import Series, SeriesPeriod

# Advisory lock namespace: (LOCK_NAMESPACE, series id) guards a series'
# allocator; (LOCK_NAMESPACE, 0) guards series edits (ids start at 1).
LOCK_NAMESPACE = 29810
_SERIES_EDIT_KEY = 0
_SQL = Path(__file__).with_name("allocation.sql")
_LOCK_NOT_AVAILABLE = "55P03"


def install(schema_editor) -> None:
    """Create or replace the SQL functions (a migration step)."""
    if schema_editor.connection.vendor == "postgresql":
        sql = _SQL.read_text().replace("LOCK_NAMESPACE", str(LOCK_NAMESPACE))
        schema_editor.execute(sql, params=None)


def sequence_name(series_id: int) -> str:
    return f"tracking_series_{int(series_id)}_seq"


def allocator_create(series: Series) -> None:
    """Give a newly saved series its allocator, starting at ``start``."""
    if connection.vendor != "postgresql":
        return
    # A new id cannot belong to a live series, so a sequence of that name
    # can only be left over from a deleted row (or a flushed test table).
    name = sequence_name(series.pk)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SEQUENCE IF EXISTS {name}")
        cursor.execute(f"CREATE SEQUENCE {name} MINVALUE 0 START {int(series.start)}")


# DRAW
# ------------------------------------------------------------------------------

_ALLOCATE_SQLITE = """
UPDATE tracking_series SET next_serial = next_serial + %s
WHERE id = %s AND active AND next_serial + %s - 1 <= "end"
RETURNING next_serial - %s
"""


def serial_block_allocate(*, series: Series, count: int) -> int:
    """Reserve ``count`` consecutive serials of ``series``; return the first.

    One call of ``tracking_allocate`` (or, on SQLite, one ``UPDATE ...
    RETURNING``). Every process and host draws from the same allocator, in
    increasing order. Its lock lasts until the caller's transaction ends, so
    call it outside long transactions; a wait for it longer than 5 s
    (allocation.sql) raises ``AllocatorBusy`` (HTTP 503).

    Past the end of the range nothing is reserved and ``SeriesExhausted``
    names the series.
    """
    series_key_check(series)
    log_bind(series=series.code)
    if series.domain_scheme.dated:
        return _dated_block_allocate(series=series, count=count)
    return serial_block_allocate_undated(series=series, count=count)


def serial_block_allocate_undated(*, series: Series, count: int) -> int:
    """Draw from the series' own allocator (see ``serial_block_allocate``)."""
    if connection.vendor == "postgresql":
        row = _draw(series, "SELECT tracking_allocate(%s, %s)", [series.pk, count])
    else:
        row = _draw(series, _ALLOCATE_SQLITE, [count, series.pk, count, count])
    if row is not None and row[0] is not None:
        return row[0]
    _refuse_draw(series, count, SERIES_EXHAUSTED, series_remaining)


def _draw(series: Series, sql: str, params: list) -> tuple | None:
    """Run one allocator statement; a lock wait past its timeout is busy."""
    try:
        with ALLOCATOR_SECONDS.time(), connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()
    except OperationalError as e:
        if getattr(e.__cause__, "pgcode", None) == _LOCK_NOT_AVAILABLE:
            raise exc.AllocatorBusy(ALLOCATOR_BUSY.format(code=series.code)) from e
        raise


def _refuse_draw(
    series: Series, count: int, message: str, remaining, **more
) -> NoReturn:
    """Say why the database refused a draw: inactive, or out of serials.

    Range and activity are checked in the database; this reads which.
    """
    current = Series.objects.get(pk=series.pk)
    if not current.active:
        raise exc.SeriesNotFound(SERIES_INACTIVE.format(code=current.code))
    raise exc.SeriesExhausted(
        message.format(
            code=current.code,
            count=count,
            remaining=remaining(current),
            capacity=current.capacity,
            **more,
        )
    )


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


# READ
# ------------------------------------------------------------------------------


def series_next_serials(series: list[Series]) -> dict[int, int]:
    """Next serial of every series (``end + 1`` at most), in one query."""
    if not series:
        return {}
    periodic = {}
    for s in series:
        start = series_period(s, series_today(s)) if s.domain_scheme.dated else None
        if start is not None:
            periodic[s.pk] = _period_next(s, start)
    series = [s for s in series if s.pk not in periodic]
    if not series:
        return periodic
    return periodic | _next_serials_undated(series)


def _next_serials_undated(series: list[Series]) -> dict[int, int]:
    if connection.vendor != "postgresql":
        return dict(
            Series.objects.filter(pk__in=[s.pk for s in series]).values_list(
                "id", "next_serial"
            )
        )
    # Sequence names are built from integer ids only.
    parts = [
        f"SELECT {int(s.pk)}, last_value, is_called "  # noqa: S608
        f"FROM {sequence_name(s.pk)}"
        for s in series
    ]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts))
        rows = cursor.fetchall()
    by_id = {s.pk: s for s in series}
    return {
        pk: min(last + 1 if called else last, by_id[pk].end + 1)
        for pk, last, called in rows
    }


def series_next_serial(series: Series) -> int:
    """The next serial the allocator would hand out (``end + 1`` at most)."""
    return series_next_serials([series])[series.pk]


def series_reservations_settle(series: Series) -> None:
    """Wait until blocks of ``series`` being reserved have committed.

    A block is reserved under the exclusive allocator lock, which lasts
    until its caller commits (a batch's row commits with its block); taking
    it shared makes what is read next see every block the allocator has
    passed. Held until the caller's transaction ends, it also holds back new
    block reservations of the series (never single draws) meanwhile.
    """
    if connection.vendor != "postgresql":
        return  # SQLite has one writer at a time
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock_shared(%s, %s)", [LOCK_NAMESPACE, series.pk]
        )


def series_remaining(series: Series) -> int:
    return series.end + 1 - series_next_serial(series)


def series_usage_annotate(series: list[Series]) -> list[Series]:
    """Set ``allocated`` and ``remaining`` on each series (one query).

    ``allocated`` counts serials handed out, gaps from failed requests
    included, since that is what uses up a range.
    """
    nexts = series_next_serials(series)
    for s in series:
        s.allocated = nexts[s.pk] - s.start
        s.remaining = s.end + 1 - nexts[s.pk]
    return series


def installed() -> bool:
    """Whether ``tracking_allocate`` exists (always, off PostgreSQL)."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regprocedure('tracking_allocate(bigint, bigint)')")
        return cursor.fetchone()[0] is not None


def series_without_allocator() -> list[str]:
    """Codes of active series whose sequence is missing (a partial restore)."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT code FROM tracking_series WHERE active AND "
            "to_regclass('tracking_series_' || id || '_seq') IS NULL "
            "ORDER BY code"
        )
        return [code for (code,) in cursor.fetchall()]


# MOVE
# ------------------------------------------------------------------------------


def allocator_move_up(series: Series, *, to: int, dry_run: bool = False) -> int | None:
    """Move the allocator forward to ``to`` if it stands behind; never back.

    Returns the next serial it had (None if its sequence was missing, as
    after a partial restore: it is then created at ``to``). Holds the
    series' block lock, so it is safe with the application running.
    """
    with transaction.atomic():
        if connection.vendor != "postgresql":
            current = (
                Series.objects.select_for_update()
                .values_list("next_serial", flat=True)
                .get(pk=series.pk)
            )
            if current < to and not dry_run:
                Series.objects.filter(pk=series.pk).update(next_serial=to)
            return current
        name = sequence_name(series.pk)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, series.pk]
            )
            cursor.execute("SELECT to_regclass(%s)", [name])
            if cursor.fetchone()[0] is None:
                current = None
            else:
                cursor.execute(f"SELECT last_value, is_called FROM {name}")  # noqa: S608
                last_value, is_called = cursor.fetchone()
                current = last_value + 1 if is_called else last_value
            if dry_run or (current is not None and current >= to):
                return current
            if current is None:
                cursor.execute(f"CREATE SEQUENCE {name} MINVALUE 0 START {int(to)}")
            else:
                # is_called = false: the next nextval() returns ``to`` itself.
                cursor.execute("SELECT setval(%s, %s, false)", [name, to])
        return current


# EDITS
# ------------------------------------------------------------------------------


@contextlib.contextmanager
def series_edit_lock() -> Iterator[None]:
    """A transaction in which no other series is checked or saved.

    Makes "check the other series, then save" one step: two edits at once
    would each pass the collision check against the other's old state.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(%s, %s)",
                    [LOCK_NAMESPACE, _SERIES_EDIT_KEY],
                )
        yield


def series_edit_errors(series: Series) -> dict[str, str]:
    """Range and mode edits the allocator cannot take, per field.

    A range must still hold every serial handed out; a scrambled series'
    range and any series' mode are fixed once a serial is handed out,
    because the serial -> number mapping depends on them.
    """
    if series.pk is None:
        return {}
    stored = Series.objects.get(pk=series.pk)
    next_serial = series_next_serial(stored)
    if next_serial == stored.start:
        return {}
    errors: dict[str, str] = {}
    if series.mode != stored.mode:
        errors["mode"] = MODE_FROZEN
    scrambled = Series.Mode.SCRAMBLED in (series.mode, stored.mode)
    if scrambled and (series.start, series.end) != (stored.start, stored.end):
        errors["end"] = MAPPING_FROZEN
    elif series.end < next_serial - 1:
        errors["end"] = (
            f"Serials up to {next_serial - 1} are already issued; the range "
            "must still contain them."
        )
    return errors


# SERIAL <-> NUMBER
# ------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _fingerprint(key: str) -> str:
    return hmac.new(key.encode(), b"tracking-scramble-key", hashlib.sha256).hexdigest()[
        :16
    ]


def scramble_key_fingerprint() -> str:
    """Names the configured TRACKING_SCRAMBLE_KEY without revealing it."""
    return _fingerprint(settings.TRACKING_SCRAMBLE_KEY)


def series_key_check(series: Series) -> None:
    """Refuse a scrambled series made with another TRACKING_SCRAMBLE_KEY."""
    if (
        series.mode == Series.Mode.SCRAMBLED
        and series.scramble_key_fingerprint != scramble_key_fingerprint()
    ):
        raise exc.ScrambleKeyChanged(SCRAMBLE_KEY_CHANGED.format(code=series.code))


def series_key_mismatches() -> list[str]:
    """Codes of the scrambled series the configured key did not make."""
    return list(
        Series.objects.filter(mode=Series.Mode.SCRAMBLED)
        .exclude(scramble_key_fingerprint=scramble_key_fingerprint())
        .values_list("code", flat=True)
    )


@lru_cache(maxsize=64)
def _permutation(domain: int, tweak: bytes, key: str) -> FeistelPermutation:
    return FeistelPermutation(key=key.encode(), domain=domain, tweak=tweak)


def series_permutation(series: Series) -> FeistelPermutation:
    """The keyed bijection on the series' range, fixed for its lifetime."""
    series_key_check(series)
    return _permutation(
        series.capacity, str(series.pk).encode(), settings.TRACKING_SCRAMBLE_KEY
    )


def series_number_format(*, series: Series, serial: int) -> str:
    """Format the number for an allocated serial.

    A scrambled series passes the serial through the keyed permutation of
    its range first: still one-to-one, so still unique, but not guessable.
    """
    scheme = series.domain_scheme
    if scheme.dated:
        days, serial = divmod(serial, scheme.capacity)
        return scheme.on(periods.DAY_ZERO + timedelta(days=days)).format(serial)
    if series.mode == Series.Mode.SCRAMBLED:
        serial = series.start + series_permutation(series).forward(
            serial - series.start
        )
    return scheme.format(serial)


def series_serial_parse(*, series: Series, number: str) -> int:
    """Inverse of ``series_number_format``: the allocated serial of a number.

    A dated series' number tells its day only as far as its tokens do, so
    this is the serial within its period (not the stored one).
    """
    shown = series.domain_scheme.parse(number)
    if not series.start <= shown <= series.end:
        raise InvalidNumber(f"serial {shown} is outside this series' range")
    if series.mode == Series.Mode.SCRAMBLED:
        return series.start + series_permutation(series).inverse(shown - series.start)
    return shown
