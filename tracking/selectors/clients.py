"""Reads about API clients: what each may use and do."""

from __future__ import annotations

from tracking.models import (
    ApiClient,
    Batch,
    Series,
    TrackingNumber,
)


def api_client_may_use(*, client: ApiClient, series: Series) -> bool:
    """Admin clients use every series; others the default or those granted."""
    if client.can_admin_series:
        return True
    granted = api_client_series_ids(client)
    if not granted:
        return series.is_default
    return series.pk in granted


def api_client_may_batch(client: ApiClient) -> bool:
    """Batches reserve up to 10M serials at once: an explicit right."""
    return client.can_admin_series or client.can_create_batches


def api_client_series_ids(client: ApiClient) -> frozenset[int]:
    cached = getattr(client, "_series_ids", None)
    if cached is None:
        cached = frozenset(client.series.values_list("id", flat=True))
        client._series_ids = cached
    return cached


def api_client_in_use(*, client: ApiClient) -> bool:
    """Whether numbers or batches name the client, so it must stay.

    Both lookups use an index on the client column.
    """
    return (
        TrackingNumber.objects.filter(client=client).exists()
        or Batch.objects.filter(client=client).exists()
    )
