"""Per-client request limits that hold across processes and hosts."""

from __future__ import annotations

import logging
import math
import threading
import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.exceptions import Throttled
from rest_framework.throttling import BaseThrottle

from tracking import exceptions as exc
from tracking.api.fields import json_integer
from tracking.messages import RATE_COST_TOO_HIGH, RATE_LIMITED
from tracking.metrics import THROTTLE_FAIL_OPEN
from tracking.redis_pool import redis_client
from tracking.selectors import idempotency_key_answered
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


def _take_reserved(key: str, cost: int) -> bool:
    with _reserved_lock:
        left = _reserved.get(key, 0)
        if left >= cost:
            _reserved[key] = left - cost
            return True
    return False


def _keep_reserved(key: str, count: int) -> None:
    with _reserved_lock:
        if len(_reserved) > 1000:  # keys of past windows
            _reserved.clear()
        _reserved[key] = _reserved.get(key, 0) + count


def numbers_asked(request, field: str, maximum: int) -> int:
    """What a request costs: the numbers it asks for in ``field``.

    A value the view will refuse anyway (not an integer from 1 to
    ``maximum``) costs 1, so a bad request is answered by validation; so
    does a retry whose Idempotency-Key already has its answer stored, which
    reserves nothing (a client retrying a timed-out batch must get it back).
    """
    key = request.headers.get("Idempotency-Key")
    if key and idempotency_key_answered(client=request.user, key=key):
        return 1
    data = request.data
    value = json_integer(data.get(field)) if isinstance(data, dict) else None
    return value if value is not None and 1 <= value <= maximum else 1


class ApiClientRateThrottle(BaseThrottle):
    """Fixed-window counter in Redis, one key per client and window.

    DRF's own throttles read, modify and write a list in the cache, which
    races between workers; an atomic INCRBY does not. A busy client's
    process reserves a small block of its allowance at a time (see
    ``TRACKING_THROTTLE_RESERVE_FRACTION``), so not every request is a
    round trip, and the counter never admits more than the limit. If Redis
    is unreachable requests are let through: issuing numbers matters more
    than limiting them, and the outage is logged.

    The limit counts numbers, not requests: a view with a
    ``throttle_cost(request)`` method (generate's ``count``, a batch's
    ``quantity``) charges what it returns, so no client reserves more of a
    series per window than its rate, however it asks.
    """

    def allow_request(self, request, view) -> bool:
        client = request.user
        if client is None or not getattr(client, "is_authenticated", False):
            return True
        if time.monotonic() < _state["down_until"]:
            THROTTLE_FAIL_OPEN.inc()
            return True
        rate = client.rate or settings.TRACKING_DEFAULT_RATE
        limit, period = api_rate_validate(rate)
        cost_of = getattr(view, "throttle_cost", None)
        cost = cost_of(request) if cost_of else 1
        if cost > limit:
            raise exc.RateCostTooHigh(RATE_COST_TOO_HIGH.format(cost=cost, rate=rate))
        window = int(time.time() // period)
        key = f"throttle:{client.pk}:{period}:{window}"
        if _take_reserved(key, cost):
            return True
        block = max(cost, limit // settings.TRACKING_THROTTLE_RESERVE_FRACTION)
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
            THROTTLE_FAIL_OPEN.inc()
            return True
        # This reservation is hits used - block + 1 .. used; those within
        # the limit pay for this request, the rest is kept for later ones
        # (also when too few are left for this one: smaller ones may fit).
        granted = min(block, limit - (used - block))
        if granted < cost:
            if granted > 0:
                _keep_reserved(key, granted)
            wait = math.ceil((window + 1) * period - time.time())
            # DRF's own 429 text says nothing of numbers; this one says why.
            refusal = Throttled(
                detail=RATE_LIMITED.format(rate=rate, cost=cost, wait=wait)
            )
            refusal.wait = wait
            raise refusal
        if granted > cost:
            _keep_reserved(key, granted - cost)
        return True

    def wait(self) -> None:
        return None
