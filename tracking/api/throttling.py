"""Per-client request limits that hold across processes and hosts."""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

from tracking.redis_pool import redis_client
from tracking.services import api_rate_validate

logger = logging.getLogger(__name__)

# After a Redis failure, throttling is skipped for this long instead of
# making every request wait for a connect timeout.
_OUTAGE_BACKOFF = 5.0
_state: dict[str, float] = {"down_until": 0.0}

# Requests this process has reserved in the shared counter and not used yet,
# per window key. A client allowed N per window reserves
# max(1, N // TRACKING_THROTTLE_RESERVE_FRACTION) at a time, so a busy
# client costs one Redis command per that many requests; the counter never
# lets more than N through in all, and at most (block - 1) reserved requests
# per process go unused when the window ends.
_reserved: dict[str, int] = {}
_reserved_lock = threading.Lock()


def _redis():
    return redis_client(settings.REDIS_URL, timeout=0.25)


def _count(key: str, period: int, hits: int = 1) -> int:
    """Add ``hits`` to ``key``; return the hits so far in this window."""
    if not settings.REDIS_URL:
        cache.add(key, 0, timeout=period + 1)
        return cache.incr(key, hits)
    # One round trip: INCRBY is atomic, so every worker on every host counts
    # into the same key; EXPIRE NX sets the window's end once.
    pipe = _redis().pipeline(transaction=False)
    pipe.incrby(key, hits)
    pipe.expire(key, period + 1, nx=True)
    used, _ = pipe.execute()
    return used


def _take_reserved(key: str) -> bool:
    with _reserved_lock:
        left = _reserved.get(key, 0)
        if left > 0:
            _reserved[key] = left - 1
            return True
    return False


def _keep_reserved(key: str, count: int) -> None:
    with _reserved_lock:
        if len(_reserved) > 1000:  # keys of past windows
            _reserved.clear()
        _reserved[key] = _reserved.get(key, 0) + count


class ApiClientRateThrottle(BaseThrottle):
    """Fixed-window counter in Redis, one key per client and window.

    DRF's own throttles read, modify and write a list in the cache, which
    races between workers; an atomic INCRBY does not. A busy client's
    process reserves a small block of its allowance at a time (see
    ``TRACKING_THROTTLE_RESERVE_FRACTION``), so not every request is a
    round trip, and the counter never admits more than the limit. If Redis
    is unreachable
    requests are let through: issuing numbers matters more than limiting
    them, and the outage is logged.
    """

    def allow_request(self, request, view) -> bool:
        client = request.user
        if client is None or not getattr(client, "is_authenticated", False):
            return True
        if time.monotonic() < _state["down_until"]:
            return True
        rate = client.rate or settings.TRACKING_DEFAULT_RATE
        limit, period = api_rate_validate(rate)
        window = int(time.time() // period)
        key = f"throttle:{client.pk}:{period}:{window}"
        if _take_reserved(key):
            return True
        block = max(1, limit // settings.TRACKING_THROTTLE_RESERVE_FRACTION)
        try:
            used = _count(key, period, block)
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
        # This reservation is hits used - block + 1 .. used; grant those
        # within the limit: this request and the rest for later ones.
        granted = min(block, limit - (used - block))
        if granted <= 0:
            self._wait = (window + 1) * period - time.time()
            return False
        if granted > 1:
            _keep_reserved(key, granted - 1)
        return True

    def wait(self) -> float | None:
        return getattr(self, "_wait", None)
