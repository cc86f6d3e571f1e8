"""Schedules: recurring batches and pool rules run by Celery beat.

Staff edit them in the portal as django-celery-beat ``PeriodicTask`` rows:

- a recurring batch runs ``tracking.tasks.schedule_batch`` with kwargs
  ``{"series": "<code>", "quantity": N}`` on a crontab or an interval;
- a pool rule runs ``tracking.tasks.pool_top_up`` with kwargs
  ``{"series": "<code>", "minimum": M}``.

A slot of a schedule makes at most one batch: ``ScheduleRun`` has a unique
(schedule, slot) key, so two beat processes, or a message delivered twice,
race for one row and the loser does nothing.

**Unassigned numbers** of a pool are the numbers of the series' pool
batches (``Batch.source == "pool"``) still ``issued`` - not yet marked used
or void - plus the part of a pool batch not written yet. Counting them uses
the ``batch_id`` index over the pool's own rows only, never the whole
numbers table, so its cost follows the pool's size (about M), not the
table's. Numbers issued by other means never count towards a pool.
"""

from __future__ import annotations

import logging
import math
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone

from tracking import exceptions as exc
from tracking.messages import (
    CRONTAB_FIVE_FIELDS,
    CRONTAB_INVALID,
    POOL_MINIMUM_INVALID,
    QUANTITY_RANGE,
    SCHEDULE_EVERY_INVALID,
    SCHEDULE_NEEDS_ONE_TIMING,
    SERIES_UNKNOWN,
)
from tracking.models import Batch, Schedule, ScheduleRun, Series, TrackingNumber
from tracking.services.batches import BATCH_QUANTITY_MAX, batch_create

logger = logging.getLogger(__name__)

SCHEDULE_EVERY_MAX_SECONDS = 366 * 86400


# SLOTS
# ------------------------------------------------------------------------------


def schedule_slot(*, schedule: str, at: datetime) -> datetime:
    """The slot of ``schedule`` (a PeriodicTask name) that time ``at`` is in.

    - interval of N seconds: ``at`` floored to a multiple of N since the
      epoch, so every process computes the same grid;
    - crontab: the latest tick at or before ``at`` (beat never sends
      early, so a late or repeated delivery maps to the same tick);
    - clocked (one-off): its time; anything else: ``at`` to the minute.
    """
    from django_celery_beat.models import PeriodicTask

    task = (
        PeriodicTask.objects.select_related("interval", "crontab", "clocked")
        .filter(name=schedule)
        .first()
    )
    if task is not None and task.interval is not None:
        every = task.interval.schedule.run_every.total_seconds()
        if every >= 1:
            floored = math.floor(at.timestamp() / every) * every
            return datetime.fromtimestamp(floored, tz=UTC)
    if task is not None and task.crontab is not None:
        return _crontab_previous(task.crontab, at)
    if task is not None and task.clocked is not None:
        return task.clocked.clocked_time
    return at.replace(second=0, microsecond=0)


def _crontab_previous(model, at: datetime) -> datetime:
    """Latest time at or before ``at`` matching the crontab, in its zone."""
    from celery.schedules import crontab

    cron = crontab(
        minute=model.minute,
        hour=model.hour,
        day_of_week=model.day_of_week,
        day_of_month=model.day_of_month,
        month_of_year=model.month_of_year,
    )
    tz = model.timezone or UTC
    local = at.astimezone(tz).replace(second=0, microsecond=0)
    hours = sorted(cron.hour, reverse=True)
    minutes = sorted(cron.minute, reverse=True)
    day = local
    for _ in range(366 * 5):
        if (
            day.month in cron.month_of_year
            and day.day in cron.day_of_month
            and day.isoweekday() % 7 in cron.day_of_week
        ):
            for hour in hours:
                for minute in minutes:
                    candidate = day.replace(hour=hour, minute=minute)
                    if candidate <= local:
                        return candidate.astimezone(UTC)
        day = (day - timedelta(days=1)).replace(hour=23, minute=59)
    return local.astimezone(UTC)


# RECURRING BATCHES
# ------------------------------------------------------------------------------


def schedule_batch_run(
    *,
    schedule: str,
    series_code: str,
    quantity: int,
    sent_at: datetime | None = None,
    reference_prefix: str = "",
    metadata: dict[str, Any] | None = None,
) -> Batch | None:
    """Create the batch of one schedule slot, unless that slot has one.

    ``sent_at`` is when beat sent the task (the task's own time if
    unknown); it fixes the slot however late the message is delivered.
    Returns the new batch, or None when the slot was taken.
    """
    slot = schedule_slot(schedule=schedule, at=sent_at or timezone.now())
    series = Series.objects.filter(code=series_code).first()
    if series is None:
        raise exc.SeriesNotFound(SERIES_UNKNOWN.format(code=series_code))
    try:
        with transaction.atomic():
            # A concurrent twin blocks on the unique index until this
            # transaction ends, then fails: one batch per slot.
            run = ScheduleRun.objects.create(schedule=schedule, slot=slot)
            batch = batch_create(
                series=series,
                quantity=quantity,
                reference_prefix=reference_prefix,
                metadata=metadata,
                source=Batch.Source.SCHEDULE,
            )
            run.batch = batch
            run.save(update_fields=["batch"])
    except IntegrityError:
        logger.info("schedule %s slot %s already ran", schedule, slot)
        return None
    return batch


def schedule_run_now(*, schedule) -> Batch | None:
    """Run a recurring batch or pool rule (a PeriodicTask) once, now.

    A recurring batch takes the slot of this moment, so beat's own run of
    that slot makes nothing more. Errors (an unknown series, a bad amount)
    raise TrackingError for the caller to show.
    """
    import json

    kwargs = json.loads(schedule.kwargs or "{}")
    if schedule.task == Schedule.POOL_TASK:
        return pool_top_up(
            series_code=kwargs.get("series", ""), minimum=kwargs.get("minimum") or 0
        )
    quantity = kwargs.get("quantity")
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise exc.ValidationFailed(
            {"quantity": QUANTITY_RANGE.format(max=BATCH_QUANTITY_MAX)}
        )
    return schedule_batch_run(
        schedule=schedule.name,
        series_code=kwargs.get("series", ""),
        quantity=quantity,
        sent_at=timezone.now(),
    )


# POOLS
# ------------------------------------------------------------------------------


def pool_unassigned(*, series: Series) -> int:
    """Unassigned numbers of the series' pool (see the module docstring)."""
    pool = Batch.objects.filter(series=series, source=Batch.Source.POOL)
    issued = TrackingNumber.objects.filter(
        batch__in=pool.exclude(status=Batch.Status.PENDING),
        status=TrackingNumber.Status.ISSUED,
    ).count()
    unwritten = (
        pool.filter(status__in=[Batch.Status.PENDING, Batch.Status.RUNNING]).aggregate(
            n=Sum(F("quantity") - F("done"))
        )["n"]
        or 0
    )
    return issued + unwritten


def pool_top_up(*, series_code: str, minimum: int) -> Batch | None:
    """Create a pool batch that brings the unassigned count up to ``minimum``.

    Runs under a lock on the series row, so two top-ups of one series (two
    beats, a redelivery) never both see the same shortfall: the second one
    counts the first one's batch and does nothing. Returns the new batch,
    or None when the pool is full.
    """
    if not 1 <= minimum <= BATCH_QUANTITY_MAX:
        raise exc.ValidationFailed(
            {"minimum": POOL_MINIMUM_INVALID.format(max=BATCH_QUANTITY_MAX)}
        )
    with transaction.atomic():
        series = Series.objects.select_for_update().filter(code=series_code).first()
        if series is None:
            raise exc.SeriesNotFound(SERIES_UNKNOWN.format(code=series_code))
        missing = minimum - pool_unassigned(series=series)
        if missing <= 0:
            return None
        return batch_create(
            series=series,
            quantity=missing,
            source=Batch.Source.POOL,
            metadata={"pool": True},
        )


# DEFINITIONS
# ------------------------------------------------------------------------------


def schedule_check(
    *,
    task: str,
    series_code: str,
    amount: Any,
    crontab: str | None,
    every_seconds: int | None,
) -> None:
    """Refuse a schedule that could not run; report every bad field.

    ``amount`` is a recurring batch's ``quantity`` or a pool's ``minimum``.
    The portal's schedule form and ``setup_periodic_tasks`` both save
    through here, so they accept the same schedules.
    """
    from celery.schedules import ParseException
    from celery.schedules import crontab as celery_crontab

    errors: dict[str, str] = {}
    if not Series.objects.filter(code=series_code or "").exists():
        errors["series"] = SERIES_UNKNOWN.format(code=series_code)
    if isinstance(amount, bool) or not isinstance(amount, int):
        amount = 0
    if not 1 <= amount <= BATCH_QUANTITY_MAX:
        if task == Schedule.POOL_TASK:
            errors["minimum"] = POOL_MINIMUM_INVALID.format(max=BATCH_QUANTITY_MAX)
        else:
            errors["quantity"] = QUANTITY_RANGE.format(max=BATCH_QUANTITY_MAX)
    if (crontab is None) == (every_seconds is None):
        errors["schedule"] = SCHEDULE_NEEDS_ONE_TIMING
    elif crontab is not None:
        fields = crontab.split()
        try:
            if len(fields) != 5:
                raise ValueError(CRONTAB_FIVE_FIELDS)
            minute, hour, day_of_month, month_of_year, day_of_week = fields
            celery_crontab(
                minute=minute,
                hour=hour,
                day_of_month=day_of_month,
                month_of_year=month_of_year,
                day_of_week=day_of_week,
            )
        except (ValueError, ParseException) as e:
            errors["crontab"] = CRONTAB_INVALID.format(error=e)
    elif not 1 <= every_seconds <= SCHEDULE_EVERY_MAX_SECONDS:
        errors["every"] = SCHEDULE_EVERY_INVALID
    if errors:
        raise exc.ValidationFailed(errors)


def _periodic_task_save(
    *,
    name: str,
    task: str,
    series_code: str,
    kwargs: dict[str, Any],
    crontab: str | None,
    every_seconds: int | None,
    enabled: bool,
):
    """Create or change the PeriodicTask ``name`` running ``task`` for a series."""
    import json

    from django_celery_beat.models import (
        CrontabSchedule,
        IntervalSchedule,
        PeriodicTask,
    )

    schedule_check(
        task=task,
        series_code=series_code,
        amount=kwargs.get("quantity", kwargs.get("minimum")),
        crontab=crontab,
        every_seconds=every_seconds,
    )
    timing: dict[str, Any] = {"interval": None, "crontab": None}
    if crontab is not None:
        minute, hour, day_of_month, month_of_year, day_of_week = crontab.split()
        timing["crontab"], _ = CrontabSchedule.objects.get_or_create(
            minute=minute,
            hour=hour,
            day_of_month=day_of_month,
            month_of_year=month_of_year,
            day_of_week=day_of_week,
            timezone="UTC",
        )
    else:
        timing["interval"], _ = IntervalSchedule.objects.get_or_create(
            every=every_seconds, period=IntervalSchedule.SECONDS
        )
    periodic, _ = PeriodicTask.objects.update_or_create(
        name=name,
        defaults={
            "task": task,
            "kwargs": json.dumps(kwargs),
            "enabled": enabled,
            **timing,
        },
    )
    return periodic


def schedule_batch_save(
    *,
    name: str,
    series_code: str,
    quantity: int,
    crontab: str | None = None,
    every_seconds: int | None = None,
    enabled: bool = True,
):
    """Create or change a recurring batch (a PeriodicTask) by name."""
    return _periodic_task_save(
        name=name,
        task=Schedule.BATCH_TASK,
        series_code=series_code,
        kwargs={"series": series_code, "quantity": quantity},
        crontab=crontab,
        every_seconds=every_seconds,
        enabled=enabled,
    )


def pool_rule_save(
    *,
    name: str,
    series_code: str,
    minimum: int,
    crontab: str | None = None,
    every_seconds: int | None = None,
    enabled: bool = True,
):
    """Create or change a pool rule (a PeriodicTask) by name."""
    return _periodic_task_save(
        name=name,
        task=Schedule.POOL_TASK,
        series_code=series_code,
        kwargs={"series": series_code, "minimum": minimum},
        crontab=crontab,
        every_seconds=every_seconds,
        enabled=enabled,
    )


def periodic_tasks_sync() -> list[str]:
    """Store ``CELERY_BEAT_SCHEDULE`` (the system schedules) as PeriodicTasks.

    Beat's DatabaseScheduler does the same when it starts; this lets a
    deploy register them before beat runs. Returns the names.
    """
    from django.conf import settings
    from django_celery_beat.schedulers import ModelEntry

    names = []
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        ModelEntry.from_entry(name, **entry)
        names.append(name)
    return names
