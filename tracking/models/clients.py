"""API clients: who calls the API, with which series and rate."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from tracking.models.series import Series


class ApiClient(models.Model):
    """A machine caller: a label printer, an order pipeline, a carrier."""

    name = models.CharField(max_length=100, unique=True)
    # Only a SHA-256 of the token is stored; the token is shown once.
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    token_prefix = models.CharField(max_length=8, editable=False)
    series = models.ManyToManyField(Series, blank=True, related_name="clients")
    can_admin_series = models.BooleanField(
        default=False, help_text="May use and administer every series."
    )
    can_create_batches = models.BooleanField(
        "may create batches",
        default=False,
        help_text="May reserve blocks of up to 10,000,000 numbers with POST "
        "/tracking/batches/. Clients that administer series always may.",
    )
    rate = models.CharField(
        max_length=32,
        blank=True,
        help_text="Request rate such as 100/second; empty uses the default.",
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = "API client"

    def __str__(self) -> str:
        return self.name

    # DRF's IsAuthenticated asks request.user this.
    is_authenticated = True
    is_anonymous = False
