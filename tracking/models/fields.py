"""Field and constraint helpers more than one model uses."""

from __future__ import annotations

from django.db import models


def optional_fk(to, **options) -> models.ForeignKey:
    """A foreign key that may be empty, keeps its target (PROTECT) and adds
    no reverse accessor: who or what a row came from, where known."""
    return models.ForeignKey(
        to, null=True, blank=True, on_delete=models.PROTECT, related_name="+", **options
    )


def unique(*fields: str, name: str, **options) -> models.UniqueConstraint:
    """A UNIQUE constraint over ``fields``, named as the database knows it."""
    return models.UniqueConstraint(fields=list(fields), name=name, **options)
