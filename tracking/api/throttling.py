"""Per-client request limits that hold across processes and hosts."""

from __future__ import annotations

import logging
import time

import redis
from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

from tracking.services import api_rate_validate

logger = logging.getLogger(__name__)

# After a Redis failure, throttling is skipped for this long instead of
# making every request wait for a connect timeout.
_OUTAGE_BACKOFF = 5.0
_state: dict[str, object] = {"client": None, "down_until": 0.0}


def _redis() -> redis.Redis:
    client = _state["client"]
    if client is None:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=0.25, socket_timeout=0.25
        )
        _state["client"] = client
    return client  # type: ignore[return-value]


def _count(key: str, period: int) -> int:
    """Add one hit to ``key``; return the hits so far in this window."""
    if not settings.REDIS_URL:
        cache.add(key, 0, timeout=period + 1)
        return cache.incr(key)
    # One round trip: INCR is atomic, so every worker on every host counts
    # into the same key; EXPIRE NX sets the window's end once.
    pipe = _redis().pipeline(transaction=False)
    pipe.incr(key)
    pipe.expire(key, period + 1, nx=True)
    used, _ = pipe.execute()
    return used


class ApiClientRateThrottle(BaseThrottle):
    """Fixed-window counter in Redis, one key per client and window.

    DRF's own throttles read, modify and write a list in the cache, which
    races between workers; an atomic INCR does not. If Redis is unreachable
    requests are let through: issuing numbers matters more than limiting
    them, and the outage is logged.
    """

    def allow_request(self, request, view) -> bool:
        client = request.user
        if client is None or not getattr(client, "is_authenticated", False):
            return True
        if time.monotonic() < _state["down_until"]:  # type: ignore[operator]
            return True
        rate = client.rate or settings.TRACKING_DEFAULT_RATE
        limit, period = api_rate_validate(rate)
        window = int(time.time() // period)
        try:
            used = _count(f"throttle:{client.pk}:{period}:{window}", period)
        # Any failure of the store, including redis-py's ValueError for a
        # connection closed under another thread: limiting is not worth a 500.
        except Exception:
            logger.warning(
                "throttle store failed; not limiting for %ss",
                _OUTAGE_BACKOFF,
                exc_info=True,
            )
            _state["down_until"] = time.monotonic() + _OUTAGE_BACKOFF
            return True
        if used > limit:
            self._wait = (window + 1) * period - time.time()
            return False
        return True

    def wait(self) -> float | None:
        return getattr(self, "_wait", None)
