"""Tracking numbers and the stored answers of idempotent requests."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils import timezone

from tracking.models.batches import Batch
from tracking.models.clients import ApiClient
from tracking.models.fields import optional_fk, unique
from tracking.models.series import Series


def _unchecked(to, *, related_name: str = "+", null: bool = True):
    """A protected foreign key without a database constraint or an index of
    its own (see TrackingNumber's fields for why)."""
    return models.ForeignKey(
        to,
        null=null,
        blank=null,
        on_delete=models.PROTECT,
        related_name=related_name,
        db_index=False,
        db_constraint=False,
    )


def _where_set(field: str) -> models.Index:
    """A partial index on a rarely set column, over the rows that set it."""
    return models.Index(
        fields=[field],
        name=f"tracking_number_{field}",
        condition=Q((f"{field}__isnull", False)),
    )


class TrackingNumber(models.Model):
    """One issued number."""

    class Status(models.TextChoices):
        ISSUED = "issued"
        USED = "used"
        VOID = "void"

    # Unique through Meta.constraints, with one index serving both exact and
    # prefix lookups. Every index costs each insert; see Meta.indexes.
    number = models.CharField(max_length=48)
    # Foreign keys below are served by the composite and partial indexes in
    # Meta (series: series+serial, client: client+id), not by their own.
    # The four set when a number is issued have no database constraint: its
    # per-row check (a locking lookup of the parent row at commit) is a large
    # part of an insert's cost. Every parent is PROTECTed here and, on
    # PostgreSQL, by a delete guard (migration 0009), and numbers are only
    # written by tracking.services with ids of rows it has just read.
    series = _unchecked(Series, related_name="numbers", null=False)
    serial = models.BigIntegerField()
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    status = models.CharField(
        max_length=6, choices=Status.choices, default=Status.ISSUED
    )
    reference = models.CharField(max_length=100, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    client = _unchecked(ApiClient)
    issued_by = _unchecked(settings.AUTH_USER_MODEL)
    batch = _unchecked(Batch, related_name="numbers")
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.CharField(max_length=200, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = optional_fk(settings.AUTH_USER_MODEL, db_index=False)

    class Meta:
        ordering = ["-id"]
        constraints = [
            # Pattern ops let the same unique index serve LIKE 'ABC%' under a
            # non-C collation as well as equality (PostgreSQL; elsewhere a
            # plain unique index).
            unique(
                "number",
                name="tracking_number_unique",
                opclasses=["varchar_pattern_ops"],
            ),
            unique("series", "serial", name="tracking_number_series_serial"),
        ]
        # Each index is written on every insert, so a batch runs at the rate
        # of its indexes. Rarely set columns get partial indexes, which rows
        # outside their condition do not pay for.
        indexes = [
            # Serves the portal's case-insensitive reference search
            # (reference__iexact). Built concurrently by migration 0014.
            models.Index(
                Upper("reference"),
                name="tracking_number_reference_ci",
                condition=~Q(reference=""),
            ),
            models.Index(fields=["created_at"], name="tracking_number_created"),
            models.Index(fields=["client", "id"], name="tracking_number_client"),
            _where_set("batch"),
            models.Index(
                fields=["status"],
                name="tracking_number_not_issued",
                condition=~Q(status="issued"),
            ),
            _where_set("issued_by"),
            _where_set("voided_by"),
        ]
        permissions = [
            ("void_trackingnumber", "Can void tracking numbers"),
            ("use_trackingnumber", "Can mark tracking numbers as used"),
            ("export_trackingnumber", "Can export tracking numbers"),
            ("import_trackingnumber", "Can import tracking numbers"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def effective_metadata(self) -> dict:
        """A batch's metadata is stored once, on the batch, not on its rows."""
        return self.batch.metadata if self.batch_id else self.metadata


class IdempotencyRecord(models.Model):
    """The stored answer to a request made with an Idempotency-Key."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [unique("client", "key", name="tracking_idempotency_client_key")]

    def __str__(self) -> str:
        return f"{self.client_id}:{self.key}"
