"""Batches: one reserved serial block, written in resumable chunks.

A batch reserves its whole block ``[first_serial, first_serial + quantity)``
with one call of the allocator when it is created, so nothing else can ever
draw those serials. ``batch_runs.batch_run`` then writes the block in
chunks; ``batch_csv`` streams the numbers back. This module creates batches,
changes their state and reads them.

A number's ``reference`` is ``reference_prefix`` followed by the number's
1-based position in the batch (``ORDER-1`` ... ``ORDER-500000``), or empty
when the batch has no prefix: positions stay meaningful to the person who
asked for the batch whatever the series' serials (or scrambling) look like.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tracking import exceptions as exc
from tracking.allocation import serial_block_allocate
from tracking.log_context import log_bind
from tracking.messages import (
    BATCH_BROKER_UNAVAILABLE,
    BATCH_FORBIDDEN,
    BATCH_NOT_CANCELLABLE,
    BATCH_NOT_FINISHED,
    BATCH_NOT_FOUND,
    BATCH_NOT_RETRYABLE,
    BATCH_NOT_STALLED,
    BATCH_REFERENCE_PREFIX_TOO_LONG,
    BATCHES_OPEN_MAX,
    METADATA_NOT_OBJECT,
    QUANTITY_RANGE,
    SERIES_FORBIDDEN,
    SERIES_INACTIVE,
)
from tracking.models import ApiClient, Batch, Series
from tracking.selectors import api_client_may_batch, api_client_may_use
from tracking.services.batch_runs import LEASE_FREE

logger = logging.getLogger(__name__)

BATCH_QUANTITY_MAX = 10_000_000


# CREATE
# ------------------------------------------------------------------------------


def batch_create(
    *,
    series: Series,
    quantity: int,
    reference_prefix: str = "",
    reference_numbered: bool = True,
    metadata: dict[str, Any] | None = None,
    source: str = "portal",
    requested_by: AbstractBaseUser | None = None,
    client: ApiClient | None = None,
) -> Batch:
    """Reserve ``quantity`` serials of ``series`` and queue the batch's run.

    The whole block is reserved by one allocator call: past the series'
    range ``SeriesExhausted`` (HTTP 409) is raised and nothing is reserved.
    With a broker configured but unreachable ``exc.BrokerUnavailable`` (HTTP
    503) is raised before anything is reserved. The run is enqueued after
    the caller's transaction commits; if that enqueue fails all the same,
    the batch stays pending and ``batch_reconcile`` enqueues it later.
    """
    if isinstance(quantity, bool) or not 1 <= quantity <= BATCH_QUANTITY_MAX:
        raise exc.ValidationFailed(
            {"quantity": QUANTITY_RANGE.format(max=BATCH_QUANTITY_MAX)}
        )
    reference_prefix = reference_prefix or ""
    if len(reference_prefix) > 80:
        raise exc.ValidationFailed(
            {"reference_prefix": BATCH_REFERENCE_PREFIX_TOO_LONG}
        )
    if metadata is not None and not isinstance(metadata, dict):
        raise exc.ValidationFailed({"metadata": METADATA_NOT_OBJECT})
    if client is not None and not api_client_may_batch(client):
        raise exc.BatchForbidden(BATCH_FORBIDDEN)
    if client is not None and not api_client_may_use(client=client, series=series):
        raise exc.SeriesForbidden(SERIES_FORBIDDEN.format(code=series.code))
    if not series.active:
        raise exc.SeriesNotFound(SERIES_INACTIVE.format(code=series.code))
    if not broker_available():
        raise exc.BrokerUnavailable(BATCH_BROKER_UNAVAILABLE)
    with transaction.atomic():
        if client is not None:
            _open_batches_check(client)
        # The allocator's sequence is not transactional: a failure below
        # leaves a gap in the series, never a block reserved twice.
        first = serial_block_allocate(series=series, count=quantity)
        batch = Batch.objects.create(
            series=series,
            quantity=quantity,
            first_serial=first,
            reference_prefix=reference_prefix,
            reference_numbered=reference_numbered,
            metadata=metadata or {},
            source=source,
            requested_by=requested_by,
            client=client,
        )
        transaction.on_commit(lambda: _batch_enqueue(batch.pk))
    log_bind(batch=batch.pk, series=series.code)
    return batch


def _open_batches_check(client: ApiClient) -> None:
    """Refuse a client's batch past ``TRACKING_CLIENT_OPEN_BATCHES_MAX``
    unfinished ones; the client's row lock makes two concurrent requests
    count one after the other."""
    ApiClient.objects.select_for_update().filter(pk=client.pk).first()
    count = Batch.objects.filter(
        client=client, status__in=[Batch.Status.PENDING, Batch.Status.RUNNING]
    ).count()
    if count >= settings.TRACKING_CLIENT_OPEN_BATCHES_MAX:
        raise exc.TooManyOpenBatches(BATCHES_OPEN_MAX.format(count=count))


def broker_available() -> bool:
    """False when a broker is configured and does not answer within a second.

    Without a broker (the embedded default) tasks run in-process, so the
    answer is True.
    """
    from tracking.health import check_broker

    return check_broker() in (None, "ok")


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
        raise exc.BatchStateError(
            BATCH_NOT_CANCELLABLE.format(id=batch.pk, status=batch.status)
        )
    return batch


def batch_retry(*, batch: Batch) -> Batch:
    """Queue a failed or cancelled batch again; it resumes at ``done``."""
    if not broker_available():
        raise exc.BrokerUnavailable(BATCH_BROKER_UNAVAILABLE)
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
        raise exc.BatchStateError(
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


def batch_stalled_q(*, now, stale_seconds: int | None = None) -> Q:
    """Unfinished batches nobody has worked on for ``stale_seconds``.

    No heartbeat within the period (or none at all since creation) and no
    live lease: no runner is at work, whether the worker died or its
    message was lost. A batch waiting in the queue has a fresh heartbeat
    (touched at each enqueue), so it reads as queued, not stalled.
    """
    if stale_seconds is None:
        stale_seconds = settings.TRACKING_BATCH_STALE_SECONDS
    cutoff = now - timedelta(seconds=stale_seconds)
    quiet = Q(heartbeat_at__lt=cutoff) | Q(
        heartbeat_at__isnull=True, created_at__lt=cutoff
    )
    active = Q(status__in=[Batch.Status.PENDING, Batch.Status.RUNNING])
    return quiet & active & LEASE_FREE  # a live lease means a runner is at work


def batch_resume(*, batch: Batch) -> Batch:
    """Enqueue a stalled batch now; it resumes at ``done``."""
    if not broker_available():
        raise exc.BrokerUnavailable(BATCH_BROKER_UNAVAILABLE)
    stalled = batch_stalled_q(now=timezone.now())
    # Conditional update: a runner that just woke up, or a second click,
    # makes this a no-op instead of a second message.
    if not Batch.objects.filter(stalled, pk=batch.pk).update(
        heartbeat_at=timezone.now()
    ):
        batch.refresh_from_db()
        raise exc.BatchStateError(BATCH_NOT_STALLED.format(id=batch.pk))
    _batch_enqueue(batch.pk)
    batch.refresh_from_db()
    return batch


def batch_reconcile(*, stale_seconds: int | None = None) -> list[int]:
    """Enqueue pending or running batches nobody has touched for a while.

    A batch whose worker died keeps its broker message unacknowledged until
    Redis' visibility timeout (an hour) runs out; this brings it back
    within ``TRACKING_BATCH_STALE_SECONDS`` plus the beat interval. The
    heartbeat is touched when enqueueing, so a batch still waiting in the
    queue is enqueued again at most once per stale period; extra messages
    are harmless (``batch_run`` is idempotent). ``stale_seconds`` (default
    ``TRACKING_BATCH_STALE_SECONDS``) 0 enqueues every unfinished batch, as
    the embedded run's worker does when it starts. Returns the ids enqueued.
    """
    now = timezone.now()
    stale = batch_stalled_q(now=now, stale_seconds=stale_seconds)
    active = [Batch.Status.PENDING, Batch.Status.RUNNING]
    enqueued = []
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


def batch_resume_all() -> list[int]:
    """Free every unfinished batch's lease and enqueue them all.

    For a process that runs every batch itself, when it starts (the
    embedded run's worker, tracking.embedded): a lease then belongs to a
    process that is gone, and waiting for it to expire would stall the
    batch after every restart. Safe even if another process still ran
    one: chunks re-read ``done`` under the row lock, and a runner whose
    lease was taken stops at its next chunk. Returns the ids enqueued.
    """
    Batch.objects.filter(
        status__in=[Batch.Status.PENDING, Batch.Status.RUNNING]
    ).exclude(locked_by="").update(locked_by="", lease_until=None)
    return batch_reconcile(stale_seconds=0)


# READ
# ------------------------------------------------------------------------------


def batch_get_visible(*, client: ApiClient | None, batch_id: int) -> Batch:
    """A batch the client created; any batch for series administrators."""
    qs = Batch.objects.select_related("series")
    if client is not None and not client.can_admin_series:
        qs = qs.filter(client=client)
    batch = qs.filter(pk=batch_id).first()
    if batch is None:
        raise exc.BatchNotFound(BATCH_NOT_FOUND.format(id=batch_id))
    return batch


def batch_require_finished(*, batch: Batch) -> None:
    """Refuse (409) to list a batch still being written, rather than answer
    a partial CSV that reads as complete."""
    if batch.status in (Batch.Status.PENDING, Batch.Status.RUNNING):
        raise exc.BatchStateError(
            BATCH_NOT_FINISHED.format(
                id=batch.pk,
                status=batch.status,
                done=batch.done,
                quantity=batch.quantity,
            )
        )
