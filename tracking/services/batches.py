"""Batches: one reserved serial block, written in resumable chunks.

A batch reserves its whole block ``[first_serial, first_serial + quantity)``
with one call of the allocator when it is created, so nothing else can ever
draw those serials. ``batch_run`` then writes the block in chunks; each
chunk's rows and the batch's ``done`` counter are committed in the same
transaction, so ``done`` always equals the number of rows written and a run
killed at any instant resumes at ``done`` with no duplicate and no hole.

On PostgreSQL a chunk is streamed with ``COPY FROM STDIN`` from rows made on
the fly (memory stays flat whatever the batch size); on SQLite, the embedded
default, it falls back to ``bulk_create``.

A number's ``reference`` is ``reference_prefix`` followed by the number's
1-based position in the batch (``ORDER-1`` ... ``ORDER-500000``), or empty
when the batch has no prefix: positions stay meaningful to the person who
asked for the batch whatever the series' serials (or scrambling) look like.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import logging
import os
import socket
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import DateTimeField, ExpressionWrapper, Q, Value
from django.db.models.functions import Now
from django.utils import timezone

from tracking import exceptions as exc
from tracking.domain.spreadsheet import spreadsheet_safe, spreadsheet_safe_sql
from tracking.models import ApiClient, Batch, Series, TrackingNumber
from tracking.services.numbers import (
    api_client_may_use,
    serial_block_allocate,
    series_number_format,
)

logger = logging.getLogger(__name__)

BATCH_QUANTITY_MAX = 10_000_000
BATCH_QUANTITY_INVALID = "Ask for between 1 and 10,000,000 numbers in one batch."
BATCH_REFERENCE_PREFIX_TOO_LONG = "Keep the reference prefix to 80 characters."
BATCH_METADATA_INVALID = 'Send metadata as a JSON object, e.g. {"order": "A-1"}.'
BATCH_BROKER_UNAVAILABLE = (
    "The task queue (Redis) is not reachable, so the batch was not created and "
    "no serials were reserved. Retry in a minute; single numbers from POST "
    "/tracking/generate/ still work."
)
BATCH_NOT_FOUND = "No batch {id} was created by this client."
BATCH_NOT_CANCELLABLE = (
    "Batch {id} is {status}; only pending or running batches can be cancelled."
)
BATCH_NOT_RETRYABLE = (
    "Batch {id} is {status}; only failed or cancelled batches can be retried."
)
BATCH_COLLISION = (
    "A number of this batch's reserved block already exists, so the batch "
    "stopped with {done} of {quantity} numbers written and skipped nothing. "
    "Another series may format serials to the same numbers (give each series "
    "its own prefix or suffix); otherwise report it as a bug."
)

# Rows joined into one string handed to COPY per read() call (~60 KB, about
# psycopg2's own buffer): small enough that PostgreSQL works through one slab
# while the next is formatted, instead of waiting for a large one to arrive.
_SLAB_ROWS = 500
CSV_COLUMNS = ["tracking_number", "serial", "uuid", "status", "reference", "created_at"]
_CSV_PAGE = 20000


class BatchNotFound(exc.TrackingError):
    status_code = 404


class BatchStateError(exc.TrackingError):
    status_code = 409


class BrokerUnavailable(exc.TrackingError):
    status_code = 503


# CREATE
# ------------------------------------------------------------------------------


def batch_create(
    *,
    series: Series,
    quantity: int,
    reference_prefix: str = "",
    metadata: dict[str, Any] | None = None,
    source: str = "portal",
    requested_by: AbstractBaseUser | None = None,
    client: ApiClient | None = None,
) -> Batch:
    """Reserve ``quantity`` serials of ``series`` and queue the batch's run.

    The whole block is reserved by one allocator call: past the series'
    range ``SeriesExhausted`` (HTTP 409) is raised and nothing is reserved.
    With a broker configured but unreachable ``BrokerUnavailable`` (HTTP
    503) is raised before anything is reserved. The run is enqueued after
    the caller's transaction commits; if that enqueue fails all the same,
    the batch stays pending and ``batch_reconcile`` enqueues it later.
    """
    if isinstance(quantity, bool) or not 1 <= quantity <= BATCH_QUANTITY_MAX:
        raise exc.ValidationFailed({"quantity": BATCH_QUANTITY_INVALID})
    reference_prefix = reference_prefix or ""
    if len(reference_prefix) > 80:
        raise exc.ValidationFailed(
            {"reference_prefix": BATCH_REFERENCE_PREFIX_TOO_LONG}
        )
    if metadata is not None and not isinstance(metadata, dict):
        raise exc.ValidationFailed({"metadata": BATCH_METADATA_INVALID})
    if client is not None and not api_client_may_use(client=client, series=series):
        raise exc.SeriesForbidden(exc.SERIES_FORBIDDEN.format(code=series.code))
    if not series.active:
        raise exc.SeriesNotFound(exc.SERIES_INACTIVE.format(code=series.code))
    if not broker_available():
        raise BrokerUnavailable(BATCH_BROKER_UNAVAILABLE)
    with transaction.atomic():
        # The allocator's sequence is not transactional: a failure below
        # leaves a gap in the series, never a block reserved twice.
        first = serial_block_allocate(series=series, count=quantity)
        batch = Batch.objects.create(
            series=series,
            quantity=quantity,
            first_serial=first,
            reference_prefix=reference_prefix,
            metadata=metadata or {},
            source=source,
            requested_by=requested_by,
            client=client,
        )
        transaction.on_commit(lambda: _batch_enqueue(batch.pk))
    return batch


def broker_available() -> bool:
    """False when a broker is configured and does not answer within a second.

    Without a broker (the embedded default) tasks run in-process, so the
    answer is True.
    """
    url = settings.CELERY_BROKER_URL
    if settings.CELERY_TASK_ALWAYS_EAGER or not url:
        return True
    try:
        if url.startswith(("redis://", "rediss://", "unix://")):
            import redis

            redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
        else:
            from config.celery_app import app

            with app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=1)
    except Exception as e:
        logger.warning("broker unreachable: %s", e)
        return False
    return True


def _batch_enqueue(batch_id: int) -> None:
    from tracking.tasks import batch_run_task

    if settings.CELERY_TASK_ALWAYS_EAGER:
        batch_run_task.delay(batch_id)
        return
    try:
        batch_run_task.delay(batch_id)
    except Exception:
        # The row is committed and pending: the reconciler enqueues it once
        # the broker is back, so nothing is lost.
        logger.exception("batch %s not enqueued; left to the reconciler", batch_id)


# RUN
# ------------------------------------------------------------------------------


def batch_run(*, batch: Batch, max_seconds: float | None = None) -> Batch | None:
    """Write the batch's remaining numbers chunk by chunk; resume at ``done``.

    Safe to call any number of times, from any number of processes: the
    caller first claims the batch's lease (``locked_by``/``lease_until``)
    in one short statement, so one runner works at a time; a second one
    returns None at once and must not requeue itself (the holder, or the
    reconciler once the lease has expired, finishes the batch). Every chunk
    re-reads ``done`` under a row lock and advances it, and renews the
    lease, in the same transaction as its rows, so a chunk is written once
    or not at all. Stops when the batch is done, cancelled or failed, when
    the lease was lost, or after ``max_seconds`` (the batch then stays
    running and the caller enqueues the rest). Returns the batch as stored.
    """
    series = Series.objects.get(pk=batch.series_id)
    deadline = None if max_seconds is None else time.monotonic() + max_seconds
    owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    if not _lease_claim(batch_id=batch.pk, owner=owner):
        logger.info("batch %s already has a runner", batch.pk)
        return None
    try:
        while _batch_run_chunk(batch_id=batch.pk, series=series, owner=owner):
            if deadline is not None and time.monotonic() > deadline:
                break
    finally:
        # A runner that dies before this leaves the lease to expire.
        with contextlib.suppress(DatabaseError):
            Batch.objects.filter(pk=batch.pk, locked_by=owner).update(
                locked_by="", lease_until=None
            )
    batch.refresh_from_db()
    return batch


def _lease_end() -> ExpressionWrapper:
    """The database's clock plus the lease: runners on hosts whose clocks
    differ still agree on when a lease has expired."""
    seconds = settings.TRACKING_BATCH_STALE_SECONDS
    return ExpressionWrapper(
        Now() + Value(timedelta(seconds=seconds)), output_field=DateTimeField()
    )


_LEASE_FREE = Q(lease_until__isnull=True) | Q(lease_until__lt=Now())


def _lease_claim(*, batch_id: int, owner: str) -> bool:
    """Take the batch's lease if nobody holds a live one; one statement.

    Unlike a session advisory lock, the lease lives in the row, so it
    works behind a transaction-pooling PgBouncer and cannot be left held
    by a connection: a killed runner's lease simply expires.
    """
    return bool(
        Batch.objects.filter(
            _LEASE_FREE,
            pk=batch_id,
            status__in=[Batch.Status.PENDING, Batch.Status.RUNNING],
        ).update(locked_by=owner, lease_until=_lease_end())
    )


def _batch_run_chunk(*, batch_id: int, series: Series, owner: str) -> bool:
    """Write the next chunk; return True while the batch has more to do."""
    chunk_size = settings.TRACKING_BATCH_CHUNK_SIZE
    with transaction.atomic():
        # The row lock serialises chunks of one batch across processes:
        # ``done`` read here is the number of rows committed, and it is
        # advanced in this same transaction, so a crash anywhere before the
        # commit loses the whole chunk, rows and counter alike.
        batch = Batch.objects.select_for_update().get(pk=batch_id)
        if batch.status not in (Batch.Status.PENDING, Batch.Status.RUNNING):
            return False
        if batch.locked_by != owner:
            # The lease expired (a stalled runner) and another runner took
            # the batch over: leave it to that one.
            return False
        now = timezone.now()
        count = min(chunk_size, batch.quantity - batch.done)
        if count > 0:
            try:
                with transaction.atomic():
                    _batch_chunk_write(
                        batch=batch,
                        series=series,
                        start=batch.done,
                        count=count,
                        now=now,
                    )
            except IntegrityError as e:
                # The driver's detail names the key, e.g. "Key (number)=(...)".
                diag = getattr(e.__cause__, "diag", None)
                detail = getattr(diag, "message_detail", None) or ""
                message = BATCH_COLLISION.format(
                    done=batch.done, quantity=batch.quantity
                )
                raise exc.TrackingError(f"{message} {detail}".strip()) from e
            batch.done += count
        batch.heartbeat_at = now
        batch.lease_until = _lease_end()
        fields = ["done", "heartbeat_at", "status", "lease_until"]
        if batch.started_at is None:
            batch.started_at = now
            fields.append("started_at")
        if batch.done >= batch.quantity:
            batch.status = Batch.Status.DONE
            batch.finished_at = now
            fields.append("finished_at")
        else:
            batch.status = Batch.Status.RUNNING
        batch.save(update_fields=fields)
        return batch.status == Batch.Status.RUNNING


_COPY_COLUMNS = (
    "series_id, status, metadata, client_id, issued_by_id, batch_id, "
    "created_at, void_reason, number, serial, uuid, reference"
)


def _copy_text(value: str) -> str:
    """Escape a value for COPY's text format."""
    return (
        value.replace("\\", "\\\\")
        .replace("\t", "\\t")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
    )


def _copy_rows(
    *, batch: Batch, series: Series, start: int, count: int, now
) -> Iterator[str]:
    """COPY text rows of batch positions ``start .. start + count - 1``.

    Yields slabs of ``_SLAB_ROWS`` rows so a million rows never sit in
    memory at once. The columns that are the same for every row of the
    batch are formatted once.
    """

    def nullable(value) -> str:
        return "\\N" if value is None else str(value)

    fixed = "\t".join(
        [
            str(series.pk),
            TrackingNumber.Status.ISSUED,
            _copy_text(json.dumps(batch.metadata or {})),
            nullable(batch.client_id),
            nullable(batch.requested_by_id),
            str(batch.pk),
            now.isoformat(),
            "",  # void_reason
            "",
        ]
    )
    prefix = _copy_text(batch.reference_prefix)
    first = batch.first_serial
    uuid4 = uuid.uuid4
    end = start + count
    for slab_start in range(start, end, _SLAB_ROWS):
        rows = []
        for position in range(slab_start, min(slab_start + _SLAB_ROWS, end)):
            serial = first + position
            reference = f"{prefix}{position + 1}" if prefix else ""
            rows.append(
                f"{fixed}{series_number_format(series=series, serial=serial)}"
                f"\t{serial}\t{uuid4().hex}\t{reference}\n"
            )
        yield "".join(rows)


class _RowStream(io.RawIOBase):
    """A read()-able file over a generator of strings, for ``copy_expert``."""

    def __init__(self, chunks: Iterator[str]) -> None:
        self._chunks = chunks

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> str:  # psycopg2 sends what it gets
        return next(self._chunks, "")


def _batch_chunk_write(
    *, batch: Batch, series: Series, start: int, count: int, now
) -> None:
    rows = _copy_rows(batch=batch, series=series, start=start, count=count, now=now)
    if connection.vendor == "postgresql":
        sql = f"COPY tracking_trackingnumber ({_COPY_COLUMNS}) FROM STDIN"
        # wrap_database_errors turns the driver's errors into Django's
        # (IntegrityError...), as cursor.execute() would.
        with connection.cursor() as cursor, connection.wrap_database_errors:
            raw = cursor.cursor  # the driver's own cursor
            if hasattr(raw, "copy_expert"):  # psycopg2
                raw.copy_expert(sql, _RowStream(rows), size=65536)
            else:  # psycopg 3
                with raw.copy(sql) as copy:
                    for slab in rows:
                        copy.write(slab)
        return
    TrackingNumber.objects.bulk_create(
        (
            TrackingNumber(
                number=series_number_format(series=series, serial=serial),
                series_id=series.pk,
                serial=serial,
                reference=(
                    f"{batch.reference_prefix}{serial - batch.first_serial + 1}"
                    if batch.reference_prefix
                    else ""
                ),
                metadata=batch.metadata or {},
                client_id=batch.client_id,
                issued_by_id=batch.requested_by_id,
                batch_id=batch.pk,
                created_at=now,
            )
            for serial in range(
                batch.first_serial + start, batch.first_serial + start + count
            )
        ),
        batch_size=500,
    )


# STATE
# ------------------------------------------------------------------------------


def batch_cancel(*, batch: Batch) -> Batch:
    """Stop a pending or running batch; numbers already written stay issued.

    The rest of its reserved block is never issued (a gap, as with any
    abandoned reservation). A running chunk finishes first: the update
    waits for that chunk's row lock.
    """
    updated = Batch.objects.filter(
        pk=batch.pk, status__in=[Batch.Status.PENDING, Batch.Status.RUNNING]
    ).update(status=Batch.Status.CANCELLED, finished_at=timezone.now())
    batch.refresh_from_db()
    if not updated:
        raise BatchStateError(
            BATCH_NOT_CANCELLABLE.format(id=batch.pk, status=batch.status)
        )
    return batch


def batch_retry(*, batch: Batch) -> Batch:
    """Queue a failed or cancelled batch again; it resumes at ``done``."""
    if not broker_available():
        raise BrokerUnavailable(BATCH_BROKER_UNAVAILABLE)
    with transaction.atomic():
        updated = Batch.objects.filter(
            pk=batch.pk, status__in=[Batch.Status.FAILED, Batch.Status.CANCELLED]
        ).update(
            status=Batch.Status.PENDING, error="", finished_at=None, heartbeat_at=None
        )
        if updated:
            transaction.on_commit(lambda: _batch_enqueue(batch.pk))
    batch.refresh_from_db()
    if not updated:
        raise BatchStateError(
            BATCH_NOT_RETRYABLE.format(id=batch.pk, status=batch.status)
        )
    return batch


def batch_fail(*, batch: Batch, error: str) -> Batch:
    """Record why a batch stopped; a later ``batch_retry`` resumes it."""
    Batch.objects.filter(
        pk=batch.pk, status__in=[Batch.Status.PENDING, Batch.Status.RUNNING]
    ).update(status=Batch.Status.FAILED, error=error[:2000], finished_at=timezone.now())
    batch.refresh_from_db()
    return batch


def batch_reconcile() -> list[int]:
    """Enqueue pending or running batches nobody has touched for a while.

    A batch whose worker died keeps its broker message unacknowledged until
    Redis' visibility timeout (an hour) runs out; this brings it back
    within ``TRACKING_BATCH_STALE_SECONDS`` plus the beat interval. The
    heartbeat is touched when enqueueing, so a batch still waiting in the
    queue is enqueued again at most once per stale period; extra messages
    are harmless (``batch_run`` is idempotent). Returns the ids enqueued.
    """
    now = timezone.now()
    cutoff = now - timedelta(seconds=settings.TRACKING_BATCH_STALE_SECONDS)
    stale = Q(heartbeat_at__lt=cutoff) | Q(
        heartbeat_at__isnull=True, created_at__lt=cutoff
    )
    active = [Batch.Status.PENDING, Batch.Status.RUNNING]
    enqueued = []
    stale &= _LEASE_FREE  # a live lease means a runner is at work
    for batch_id in Batch.objects.filter(stale, status__in=active).values_list(
        "pk", flat=True
    ):
        # Conditional update: two reconcilers never both enqueue one batch.
        if Batch.objects.filter(stale, pk=batch_id, status__in=active).update(
            heartbeat_at=now
        ):
            _batch_enqueue(batch_id)
            enqueued.append(batch_id)
    if enqueued:
        logger.info("reconciler enqueued stalled batches %s", enqueued)
    return enqueued


# READ
# ------------------------------------------------------------------------------


def batch_get_visible(*, client: ApiClient | None, batch_id: int) -> Batch:
    """A batch the client created; any batch for series administrators."""
    qs = Batch.objects.select_related("series")
    if client is not None and not client.can_admin_series:
        qs = qs.filter(client=client)
    batch = qs.filter(pk=batch_id).first()
    if batch is None:
        raise BatchNotFound(BATCH_NOT_FOUND.format(id=batch_id))
    return batch


class _Echo:
    def write(self, value: str) -> str:
        return value


# One page of CSV lines, built by PostgreSQL as one text: the reference (the
# only free text) is always quoted, quotes doubled, formula-defused; the
# other cells never contain a comma, quote or line break. Same cells as
# csv.writer. One value per page, not per row: Python only passes it on.
_BATCH_CSV_SQL = (
    "SELECT max(serial), string_agg(line, E'\\r\\n' ORDER BY serial) || E'\\r\\n' "
    "FROM (SELECT serial, number || ',' || serial || ',' || uuid || ',' || status "
    "|| ',\"' || replace({reference}, '\"', '\"\"') || '\",' "
    "|| to_char(created_at AT TIME ZONE 'UTC', "
    '\'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"\') AS line '
    "FROM tracking_trackingnumber "
    "WHERE series_id = %s AND serial > %s AND serial < %s AND batch_id = %s "
    "ORDER BY serial LIMIT %s) AS page"
)


def batch_numbers_csv(*, batch: Batch) -> Iterator[str]:
    """CSV lines of the batch's numbers in serial order, header first.

    Keyset pages on (series, serial) - the unique index - so memory stays
    flat and every page is one short indexed query, whatever the size. On
    PostgreSQL the database formats the lines, several times faster than
    csv.writer over fetched rows (bench/export.py).
    """
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    last = batch.first_serial - 1
    end = batch.first_serial + batch.quantity
    if connection.vendor == "postgresql":
        sql = _BATCH_CSV_SQL.format(reference=spreadsheet_safe_sql("reference"))
        while True:
            with connection.cursor() as cursor:
                cursor.execute(sql, [batch.series_id, last, end, batch.pk, _CSV_PAGE])
                last, lines = cursor.fetchone()
            if lines is None:
                return
            yield lines
    while True:
        page = list(
            TrackingNumber.objects.filter(
                series_id=batch.series_id,
                serial__gt=last,
                serial__lt=end,
                batch_id=batch.pk,
            )
            .order_by("serial")
            .values_list(
                "number", "serial", "uuid", "status", "reference", "created_at"
            )[:_CSV_PAGE]
        )
        if not page:
            return
        yield "".join(
            writer.writerow(
                [
                    number,
                    serial,
                    uuid_,
                    status,
                    spreadsheet_safe(reference),
                    created.isoformat(),
                ]
            )
            for number, serial, uuid_, status, reference, created in page
        )
        last = page[-1][1]
