"""API clients: create, rotate a token, check a rate."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable

from django.db import transaction

from tracking import exceptions as exc
from tracking.messages import RATE_INVALID, SERIES_UNKNOWN
from tracking.models import ApiClient, Series


def api_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def api_client_create(
    *,
    name: str,
    series_codes: Iterable[str] = (),
    can_admin_series: bool = False,
    can_create_batches: bool = False,
    rate: str = "",
) -> tuple[ApiClient, str]:
    """Create a client; return it with its token, which is stored hashed.

    A client that administers series may also create batches.
    """
    if ApiClient.objects.filter(name=name).exists():
        raise exc.ValidationFailed({"name": f"An API client named {name!r} exists."})
    token = secrets.token_hex(20)
    series = []
    for code in series_codes:
        found = Series.objects.filter(code=code).first()
        if found is None:
            raise exc.SeriesNotFound(SERIES_UNKNOWN.format(code=code))
        series.append(found)
    if rate:
        api_rate_validate(rate)
    with transaction.atomic():
        client = ApiClient.objects.create(
            name=name,
            token_hash=api_token_hash(token),
            token_prefix=token[:8],
            can_admin_series=can_admin_series,
            can_create_batches=can_create_batches or can_admin_series,
            rate=rate,
        )
        client.series.set(series)
    return client, token


def api_client_rotate_token(*, client: ApiClient) -> str:
    """Give a client a new token; the old one stops working at once."""
    token = secrets.token_hex(20)
    client.token_hash = api_token_hash(token)
    client.token_prefix = token[:8]
    client.save(update_fields=["token_hash", "token_prefix"])
    return token


def api_rate_validate(rate: str) -> tuple[int, int]:
    """Parse ``N/period`` into (requests, seconds) or raise."""
    try:
        num, period = rate.split("/")
        seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400}[period.strip()[0]]
        requests = int(num)
    except (ValueError, KeyError, IndexError) as e:
        raise exc.ValidationFailed({"rate": RATE_INVALID}) from e
    if requests < 1:
        raise exc.ValidationFailed({"rate": RATE_INVALID})
    return requests, seconds
