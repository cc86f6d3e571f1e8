"""Batches, and the schedules and pool rules that make them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from tracking.models.clients import ApiClient
from tracking.models.fields import optional_fk, unique
from tracking.models.series import Series


class Batch(models.Model):
    """One bulk run: a reserved serial block written in chunks."""

    class Status(models.TextChoices):
        PENDING = "pending"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"
        CANCELLED = "cancelled"

    class Source(models.TextChoices):
        PORTAL = "portal"
        API = "api", "API"
        SCHEDULE = "schedule"
        # Numbers kept in stock by a pool rule (tracking.tasks.pool_top_up).
        POOL = "pool"

    series = models.ForeignKey(Series, on_delete=models.PROTECT, related_name="batches")
    quantity = models.PositiveIntegerField()
    done = models.PositiveIntegerField(default=0)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING
    )
    source = models.CharField(max_length=10, choices=Source.choices)
    # The reserved block: serials first_serial .. first_serial + quantity - 1.
    first_serial = models.BigIntegerField()
    reference_prefix = models.CharField(max_length=80, blank=True)
    # True: a number's reference is reference_prefix + its 1-based position
    # (the API's batches); False: reference_prefix is stored as typed on
    # every number (the portal's form), so a search for it finds them all.
    reference_numbered = models.BooleanField(default=True)
    metadata = models.JSONField(default=dict, blank=True)
    client = optional_fk(ApiClient)
    requested_by = optional_fk(settings.AUTH_USER_MODEL)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # The runner at work and until when (database clock); each chunk renews
    # it. A runner only starts on a batch whose lease is free or expired.
    locked_by = models.CharField(max_length=100, blank=True, editable=False)
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name_plural = "batches"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "heartbeat_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(done__lte=models.F("quantity")),
                name="tracking_batch_done_le_quantity",
            ),
        ]

    def __str__(self) -> str:
        return f"Batch {self.pk}"

    @property
    def progress(self) -> float:
        return self.done / self.quantity if self.quantity else 1.0


class ScheduleRun(models.Model):
    """One slot of a schedule that made a batch; the unique key is the guard.

    Two beat processes, or a task delivered twice, both try to insert the
    same (schedule, slot) row; the database lets exactly one through.
    """

    schedule = models.CharField(max_length=200)
    slot = models.DateTimeField()
    batch = models.ForeignKey(
        Batch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-slot"]
        constraints = [unique("schedule", "slot", name="tracking_schedule_run_slot")]

    def __str__(self) -> str:
        return f"{self.schedule} @ {self.slot:%Y-%m-%d %H:%M:%S}"


class Schedule(PeriodicTask):
    """A recurring batch or a pool rule, as staff see it in the portal.

    The row is django-celery-beat's PeriodicTask (beat reads it); the
    portal lists only the two tasks staff may schedule
    (tracking.services.schedules), never internal ones.
    """

    # The registered names of the two tasks (tracking.tasks).
    BATCH_TASK = "tracking.tasks.schedule_batch"
    POOL_TASK = "tracking.tasks.pool_top_up"

    class Meta:
        proxy = True
        verbose_name = "schedule"

    def __str__(self) -> str:
        return self.name
