"""A batch's run: one runner at a time (a lease), chunks written once.

Each chunk's rows and the batch's ``done`` counter are committed in the same
transaction, so ``done`` always equals the number of rows written and a run
killed at any instant resumes at ``done`` with no duplicate and no hole.

On PostgreSQL a chunk is streamed with ``COPY FROM STDIN`` from rows made on
the fly (memory stays flat whatever the batch size); on SQLite, the embedded
default, it falls back to ``bulk_create``.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import socket
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import DateTimeField, ExpressionWrapper, Q, Value
from django.db.models.functions import Now
from django.utils import timezone

from tracking import exceptions as exc
from tracking.allocation import series_number_format
from tracking.log_context import log_bind
from tracking.messages import BATCH_COLLISION
from tracking.models import Batch, Series, TrackingNumber

logger = logging.getLogger(__name__)


# Rows joined into one string handed to COPY per read() call (~60 KB, about
# psycopg2's own buffer): small enough that PostgreSQL works through one slab
# while the next is formatted, instead of waiting for a large one to arrive.
_SLAB_ROWS = 500


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
    log_bind(batch=batch.pk, series=series.code)
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


LEASE_FREE = Q(lease_until__isnull=True) | Q(lease_until__lt=Now())


def _lease_claim(*, batch_id: int, owner: str) -> bool:
    """Take the batch's lease if nobody holds a live one; one statement.

    Unlike a session advisory lock, the lease lives in the row, so it
    works behind a transaction-pooling PgBouncer and cannot be left held
    by a connection: a killed runner's lease simply expires.
    """
    return bool(
        Batch.objects.filter(
            LEASE_FREE,
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
            "{}",  # metadata: kept once, on the batch
            nullable(batch.client_id),
            nullable(batch.requested_by_id),
            str(batch.pk),
            now.isoformat(),
            "",  # void_reason
            "",
        ]
    )
    prefix = _copy_text(batch.reference_prefix)
    numbered = batch.reference_numbered
    first = batch.first_serial
    uuid4 = uuid.uuid4
    end = start + count
    for slab_start in range(start, end, _SLAB_ROWS):
        rows = []
        for position in range(slab_start, min(slab_start + _SLAB_ROWS, end)):
            serial = first + position
            reference = batch_reference(prefix, numbered=numbered, position=position)
            rows.append(
                f"{fixed}{series_number_format(series=series, serial=serial)}"
                f"\t{serial}\t{uuid4().hex}\t{reference}\n"
            )
        yield "".join(rows)


def batch_reference(prefix: str, *, numbered: bool, position: int) -> str:
    """The reference of the number at 0-based ``position`` of a batch.

    ``reference_prefix`` and its position (the API's batches), or the
    prefix unchanged when the batch is not ``reference_numbered`` (the
    portal's form). ``prefix`` may come escaped for COPY: positions are
    digits only.
    """
    if not prefix or not numbered:
        return prefix
    return f"{prefix}{position + 1}"


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
                reference=batch_reference(
                    batch.reference_prefix,
                    numbered=batch.reference_numbered,
                    position=serial - batch.first_serial,
                ),
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
