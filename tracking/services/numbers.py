"""Issue, void and mark numbers; answer a request once per Idempotency-Key.

Serials come from ``tracking.allocation``, the one owner of the serial
space, and number formats from it and ``tracking.domain``.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.db.models.base import ModelState
from django.utils import timezone
from psycopg2.extras import Json

from tracking import exceptions as exc
from tracking.allocation import serial_block_allocate, series_number_format
from tracking.messages import (
    IDEMPOTENCY_IN_PROGRESS,
    IDEMPOTENCY_KEY_REUSED,
    NUMBER_ALREADY_VOID,
    NUMBER_COLLISION,
    NUMBER_VOID_CANNOT_BE_USED,
    VOID_REASON_REQUIRED,
)
from tracking.models import (
    ApiClient,
    IdempotencyRecord,
    PortalSubmission,
    Series,
    TrackingNumber,
)

# ISSUE
# ------------------------------------------------------------------------------


def tracking_number_issue(
    *,
    series: Series,
    count: int = 1,
    reference: str = "",
    metadata: dict[str, Any] | None = None,
    client: ApiClient | None = None,
    issued_by: AbstractBaseUser | None = None,
    first: int | None = None,
) -> list[TrackingNumber]:
    """Issue ``count`` new numbers from ``series`` and store them.

    Serials come from the series' shared allocator, so the numbers are
    unique across every process; the UNIQUE constraints on the number and
    on (series, serial) are the safety net. Either every number is stored
    or none is. ``first`` is a block this caller reserved earlier with
    ``serial_block_allocate`` for the same series and count (an idempotent
    request reserves before it takes its key's lock).
    """
    if first is None:
        first = serial_block_allocate(series=series, count=count)
    values = {
        "series_id": series.pk,
        "status": TrackingNumber.Status.ISSUED,
        "reference": reference,
        "metadata": metadata or {},
        "client_id": client.pk if client else None,
        "issued_by_id": issued_by.pk if issued_by else None,
        "batch_id": None,
        "created_at": timezone.now(),
        "used_at": None,
        "void_reason": "",
        "voided_at": None,
        "voided_by_id": None,
    }
    numbers = [
        series_number_format(series=series, serial=serial)
        for serial in range(first, first + count)
    ]
    try:
        if connection.vendor == "postgresql":
            stored = _numbers_insert(numbers=numbers, first=first, values=values)
        else:
            stored = [
                (n.serial, n.pk, n.uuid)
                for n in TrackingNumber.objects.bulk_create(
                    TrackingNumber(number=number, serial=first + i, **values)
                    for i, number in enumerate(numbers)
                )
            ]
    except IntegrityError as e:
        # The UNIQUE safety net fired: series_save keeps series apart, so
        # this is an imported number or a bug, never the client's fault.
        raise exc.NumberCollision(NUMBER_COLLISION) from e
    by_serial = {serial: (pk, uid) for serial, pk, uid in stored}
    return [
        _stored_instance(
            {
                "id": by_serial[serial][0],
                "number": number,
                "serial": serial,
                "uuid": by_serial[serial][1],
                **values,
            },
            series,
        )
        for serial, number in enumerate(numbers, start=first)
    ]


def _stored_instance(row: dict[str, Any], series: Series) -> TrackingNumber:
    # What Model.from_db does, minus __init__'s per-field descriptor work,
    # which costs more than the INSERT for a 1,000-number request. ``row``
    # holds every concrete field's attname.
    number = TrackingNumber.__new__(TrackingNumber)
    number.__dict__.update(row)
    number._state = ModelState()
    number._state.adding = False
    number._state.db = connection.alias
    number._state.fields_cache["series"] = series
    return number


# Serials of one issue are consecutive, so only the formatted numbers travel
# (one array parameter, adapted in C); PostgreSQL makes the UUIDs. Outside a
# transaction this one round trip also commits (bulk_create would add BEGIN
# and COMMIT: two more). All rows or none are written either way. A single
# number takes a plain VALUES row, which PostgreSQL plans faster.
_INSERT_MANY = """
INSERT INTO tracking_trackingnumber (
    number, serial, uuid, series_id, status, reference, metadata,
    client_id, issued_by_id, created_at, void_reason
)
SELECT issued.number, %(first)s::bigint + issued.position - 1, gen_random_uuid(),
       %(series_id)s, %(status)s, %(reference)s, %(metadata)s,
       %(client_id)s, %(issued_by_id)s, %(created_at)s, ''
FROM unnest(%(numbers)s::varchar[]) WITH ORDINALITY AS issued(number, position)
RETURNING serial, id, uuid
"""
_INSERT_ONE = """
INSERT INTO tracking_trackingnumber (
    number, serial, uuid, series_id, status, reference, metadata,
    client_id, issued_by_id, created_at, void_reason
)
VALUES (%(number)s, %(first)s, gen_random_uuid(),
        %(series_id)s, %(status)s, %(reference)s, %(metadata)s,
        %(client_id)s, %(issued_by_id)s, %(created_at)s, '')
RETURNING serial, id, uuid
"""


def _numbers_insert(
    *, numbers: list[str], first: int, values: dict[str, Any]
) -> list[tuple[int, int, uuid.UUID]]:
    params = {**values, "first": first, "metadata": Json(values["metadata"])}
    if len(numbers) == 1:
        sql, params["number"] = _INSERT_ONE, numbers[0]
    else:
        sql, params["numbers"] = _INSERT_MANY, numbers
    with connection.cursor() as cursor, connection.wrap_database_errors:
        cursor.cursor.execute(sql, params)
        return cursor.cursor.fetchall()


def tracking_number_void(
    *,
    number: TrackingNumber,
    reason: str,
    user: AbstractBaseUser | None = None,
) -> TrackingNumber:
    """Mark a number void with a reason; it is never issued again."""
    tracking_numbers_void_by_id(ids=[number.pk], reason=reason, user=user)
    number.refresh_from_db()
    return number


def tracking_numbers_void_by_id(
    *, ids: Iterable[int], reason: str, user: AbstractBaseUser | None = None
) -> int:
    """Void every number of ``ids`` or none, in one statement; return how many.

    No counter is updated: voids per series are counted from the partial
    index on status (``selectors.series_voided_counts``), so concurrent
    voids share no row. The rows are locked in id order, so two
    overlapping selections (or a selection and single voids) can never
    wait on each other in a cycle.
    """
    reason = (reason or "").strip()
    if not reason:
        raise exc.ValidationFailed({"reason": VOID_REASON_REQUIRED})
    ids = sorted(set(ids))
    void = TrackingNumber.Status.VOID
    with transaction.atomic():
        in_order = (
            TrackingNumber.objects.filter(pk__in=ids)
            .order_by("pk")
            .select_for_update()
            .values("pk")
        )
        updated = (
            TrackingNumber.objects.filter(pk__in=in_order)
            .exclude(status=void)
            .update(
                status=void,
                void_reason=reason[:200],
                voided_at=timezone.now(),
                voided_by=user,
            )
        )
        if updated != len(ids):
            transaction.set_rollback(True)  # every number or none
    if updated != len(ids):
        already = (
            TrackingNumber.objects.filter(pk__in=ids, status=void)
            .order_by("pk")
            .values_list("number", flat=True)
            .first()
        )
        raise exc.NumberStateError(NUMBER_ALREADY_VOID.format(number=already))
    return updated


def tracking_number_mark_used(*, number: TrackingNumber) -> TrackingNumber:
    """Mark an issued number as used (e.g. the label was scanned)."""
    updated = TrackingNumber.objects.filter(
        pk=number.pk, status=TrackingNumber.Status.ISSUED
    ).update(status=TrackingNumber.Status.USED, used_at=timezone.now())
    if not updated and number.status == TrackingNumber.Status.VOID:
        raise exc.NumberStateError(
            NUMBER_VOID_CANNOT_BE_USED.format(number=number.number)
        )
    number.refresh_from_db()
    return number


# IDEMPOTENCY
# ------------------------------------------------------------------------------


def _idempotency_lock_id(client: ApiClient, key: str) -> int:
    digest = hashlib.sha256(f"{client.pk}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _idempotency_replay(
    record: IdempotencyRecord, request_hash: str
) -> tuple[int, dict[str, Any]]:
    if record.request_hash != request_hash:
        raise exc.IdempotencyMismatch(IDEMPOTENCY_KEY_REUSED)
    return record.response_status, record.response_body


def idempotent_response(
    *,
    client: ApiClient,
    key: str,
    request_hash: str,
    respond: Callable[[Any], tuple[int, dict[str, Any]]],
    reserve: Callable[[], Any] = lambda: None,
) -> tuple[int, dict[str, Any]]:
    """Answer once per (client, Idempotency-Key); a retry gets the same answer.

    ``respond(reserved)`` does the work and returns (status, body). The
    stored response is written in the same transaction as that work, so a
    crash leaves either both or neither and a retry is always safe. The
    same key with another ``request_hash`` is ``IdempotencyMismatch``
    (HTTP 409). A transaction-scoped advisory lock on the key turns a
    request that overlaps a running one into ``IdempotencyInProgress``
    (HTTP 409) instead of a wait. ``reserve()`` runs before the transaction
    (generate reserves its serials there so no allocator lock is held
    during the insert); a request that then finds the key taken leaves a
    gap, never a duplicate.
    """
    stored = IdempotencyRecord.objects.filter(client=client, key=key)
    record = stored.first()
    if record is not None:
        return _idempotency_replay(record, request_hash)
    reserved = reserve()
    answer = IdempotencyRecord(client=client, key=key, request_hash=request_hash)
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT pg_try_advisory_xact_lock(%s)",
                        [_idempotency_lock_id(client, key)],
                    )
                    if not cursor.fetchone()[0]:
                        raise exc.IdempotencyInProgress(IDEMPOTENCY_IN_PROGRESS)
            record = stored.first()
            if record is not None:
                return _idempotency_replay(record, request_hash)
            answer.response_status, answer.response_body = respond(reserved)
            answer.save(force_insert=True)
    except IntegrityError as e:
        # Without advisory locks (SQLite) a concurrent twin shows up here.
        record = stored.first()
        if record is None:
            raise exc.IdempotencyInProgress(IDEMPOTENCY_IN_PROGRESS) from e
        return _idempotency_replay(record, request_hash)
    return answer.response_status, answer.response_body


def idempotency_records_purge(*, older_than_hours: int | None = None) -> int:
    """Delete once-per-token records past their retention; return how many.

    Idempotency-Key answers and portal form submissions (a submission is
    also its result page's address) are kept as long as each other.
    """
    hours = older_than_hours or settings.TRACKING_IDEMPOTENCY_TTL_HOURS
    cutoff = timezone.now() - timedelta(hours=hours)
    return sum(
        model.objects.filter(created_at__lt=cutoff).delete()[0]
        for model in (IdempotencyRecord, PortalSubmission)
    )
