"""Reads of batches and of what schedules made."""

from __future__ import annotations

from django.db.models import QuerySet

from tracking.models import (
    ApiClient,
    Batch,
    IdempotencyRecord,
    Schedule,
    ScheduleRun,
)


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


def idempotency_key_answered(*, client: ApiClient, key: str) -> bool:
    """Whether a response is stored for the client's Idempotency-Key."""
    return IdempotencyRecord.objects.filter(client=client, key=key).exists()


def batch_list(*, client: ApiClient) -> QuerySet[Batch]:
    """The batches a client created, newest first."""
    return Batch.objects.filter(client=client).select_related("series").order_by("-id")
