"""Celery tasks: thin wrappers that fetch by id and call a service.

Arguments are ids and primitives (JSON). Services enqueue these after commit.
Each task is named ``<service>_task``; its registered name stays
``tracking.tasks.<service>``, which beat schedules stored in the database and
messages already queued refer to.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import InterfaceError, OperationalError

logger = logging.getLogger(__name__)

# BATCHES AND SCHEDULES
# ------------------------------------------------------------------------------
# Batch work acknowledges late (a message is removed from Redis only after
# the run returns) and is requeued if the pool child dies; every one of these
# tasks is idempotent, so a second delivery is harmless. A worker killed
# outright leaves its message unacknowledged until Redis' visibility timeout;
# batch_reconcile (beat, every 30 s) brings such a batch back sooner.


@shared_task(
    name="tracking.tasks.batch_run",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
)
def batch_run_task(self, batch_id: int) -> None:
    from tracking.models import Batch
    from tracking.services import batch_fail, batch_run

    batch = Batch.objects.filter(pk=batch_id).first()
    if batch is None:
        return
    try:
        batch = batch_run(
            batch=batch, max_seconds=settings.TRACKING_BATCH_SLICE_SECONDS
        )
    except SoftTimeLimitExceeded:
        # The interrupted chunk rolled back; the next run resumes at done.
        self.apply_async(args=[batch_id])
        return
    except (OperationalError, InterfaceError) as e:
        # The database went away; the batch is untouched past its last chunk.
        raise self.retry(exc=e, countdown=10, max_retries=30) from e
    except Exception as e:
        logger.exception("batch %s failed", batch_id)
        batch_fail(batch=batch, error=f"{type(e).__name__}: {e}")
        return
    # None: another runner holds the lease. Requeueing would only spin
    # through the broker; the holder, or the reconciler once its lease has
    # expired, finishes the batch.
    if batch is not None and batch.status == Batch.Status.RUNNING:
        # Time slice used up: queue the rest behind other work.
        self.apply_async(args=[batch_id])


@shared_task(name="tracking.tasks.batch_reconcile", acks_late=True)
def batch_reconcile_task() -> list[int]:
    from tracking.services import batch_reconcile

    return batch_reconcile()


def _header(request, name: str):
    """A message header: a worker makes it a request attribute; a task run
    in-process (tracking.embedded) finds it in ``request.headers``."""
    if not request:
        return None
    return request.get(name) or (request.get("headers") or {}).get(name)


def _beat_sent_at(request) -> datetime | None:
    stamp = _header(request, "beat_sent_at")
    return datetime.fromtimestamp(float(stamp), tz=UTC) if stamp else None


@shared_task(name="tracking.tasks.schedule_batch", bind=True, acks_late=True)
def schedule_batch_task(
    self,
    series: str,
    quantity: int,
    reference_prefix: str = "",
    metadata: dict | None = None,
    schedule: str = "",
) -> int | None:
    from tracking.services import schedule_batch_run

    name = (
        schedule
        or _header(self.request, "periodic_task_name")
        or f"schedule_batch:{series}:{quantity}"
    )
    batch = schedule_batch_run(
        schedule=name,
        series_code=series,
        quantity=quantity,
        sent_at=_beat_sent_at(self.request),
        reference_prefix=reference_prefix,
        metadata=metadata,
    )
    return batch.pk if batch else None


@shared_task(name="tracking.tasks.pool_top_up", acks_late=True)
def pool_top_up_task(series: str, minimum: int) -> int | None:
    from tracking.services import pool_top_up

    batch = pool_top_up(series_code=series, minimum=minimum)
    return batch.pk if batch else None


@shared_task(name="tracking.tasks.idempotency_records_purge", acks_late=True)
def idempotency_records_purge_task() -> int:
    from tracking.services import idempotency_records_purge

    return idempotency_records_purge()


# EXPORTS
# ------------------------------------------------------------------------------


@shared_task(name="tracking.tasks.export_files_purge", acks_late=True)
def export_files_purge_task() -> int:
    from tracking.services import export_files_purge

    return export_files_purge()


@shared_task(name="tracking.tasks.export_run", acks_late=True)
def export_run_task(export_id: int) -> None:
    from tracking.admin.exports import export_queryset
    from tracking.models import ExportJob
    from tracking.services import export_fail, export_run

    export = ExportJob.objects.filter(pk=export_id).first()
    if export is None:
        return
    try:
        queryset = export_queryset(export)
    except Exception as e:
        # Its saved query string no longer fits the changelist's filters.
        logger.exception("export %s failed", export_id)
        export_fail(export=export, error=f"{type(e).__name__}: {e}")
        return
    try:
        export_run(export=export, queryset=queryset)
    except Exception:
        # export_run recorded the failure on the job for staff to see.
        logger.exception("export %s failed", export_id)
