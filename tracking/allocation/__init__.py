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
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

from django.db import OperationalError, connection, transaction

from tracking import exceptions as exc
from tracking.log_context import log_bind
from tracking.messages import (
    ALLOCATOR_BUSY,
    MAPPING_FROZEN,
    MODE_FROZEN,
    SERIES_EXHAUSTED,
    SERIES_INACTIVE,
    counted,
)
from tracking.metrics import ALLOCATOR_SECONDS
from tracking.models import Series

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
            count=counted(count, "number"),
            remaining=remaining(current),
            capacity=current.capacity,
            **more,
        )
    )


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


# The serial -> number mapping and the counter periods live in modules of
# their own; imported last, as they build on the allocator above.
from tracking.allocation.mapping import (  # noqa: E402, F401
    scramble_key_fingerprint,
    series_key_check,
    series_key_mismatches,
    series_number_format,
    series_permutation,
    series_serial_parse,
)
from tracking.allocation.periods import (  # noqa: E402, F401
    Period,
    _dated_block_allocate,
    _period_next,
    period_label,
    series_current_period,
    series_draw_serial,
    series_period,
    series_today,
)
