"""Every read of the tracking app."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from tracking import exceptions as exc
from tracking.domain.recognize import normalize, recognize
from tracking.domain.schemes import InvalidNumber
from tracking.filters import TrackingNumberFilter
from tracking.models import ApiClient, Series, TrackingNumber
from tracking.services import api_client_may_use, series_serial_parse


def tracking_number_visible(*, client: ApiClient | None) -> QuerySet[TrackingNumber]:
    """Numbers a client may see: its own, or all for series administrators."""
    qs = TrackingNumber.objects.select_related("series")
    if client is not None and not client.can_admin_series:
        qs = qs.filter(client=client)
    return qs


def tracking_number_list(
    *, client: ApiClient | None, filters: dict[str, Any] | None = None
) -> QuerySet[TrackingNumber]:
    qs = tracking_number_visible(client=client)
    filterset = TrackingNumberFilter(filters or {}, qs)
    if not filterset.is_valid():
        raise exc.ValidationFailed(
            {k: " ".join(v) for k, v in filterset.errors.items()}
        )
    return filterset.qs


def tracking_number_get(*, client: ApiClient | None, number: str) -> TrackingNumber:
    wanted = normalize(number)
    found = tracking_number_visible(client=client).filter(number=wanted).first()
    if found is None:
        raise exc.NumberNotFound(exc.NUMBER_NOT_FOUND.format(number=wanted))
    return found


def series_list(*, client: ApiClient | None) -> list[Series]:
    series = list(Series.objects.all())
    if client is None:
        return series
    return [s for s in series if api_client_may_use(client=client, series=s)]


def series_get_visible(*, client: ApiClient | None, code: str) -> Series:
    for s in series_list(client=client):
        if s.code == code:
            return s
    raise exc.NumberNotFound(f"No series {code!r} is visible to this client.")


def tracking_number_validate(
    *, client: ApiClient | None, number: str
) -> dict[str, Any]:
    """Check a string against the standard formats and our own series.

    Needs no stored number: format and check character (and the inverse
    permutation of scrambled series) say whether a series could have made
    it; ``issued`` then says whether it was issued (to this client).
    """
    value = normalize(number)
    formats = recognize(value)
    errors: list[str] = []
    matched: Series | None = None
    for series in Series.objects.all():
        try:
            series_serial_parse(series=series, number=value)
        except (InvalidNumber, ValueError):
            continue
        matched = series
        break
    if not formats and matched is None:
        errors.append(
            "Not a valid S10, SSCC-18, UPS 1Z or USPS IMpb number, and no "
            "series of ours has this format and check character."
        )
    issued = tracking_number_visible(client=client).filter(number=value).exists()
    return {
        "tracking_number": value,
        "valid": bool(formats) or matched is not None,
        "formats": formats,
        "issued": issued,
        "series": matched.code if matched else None,
        "errors": errors,
    }
