"""Per-client request limits that hold across processes and hosts."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

from tracking.services import api_rate_validate

logger = logging.getLogger(__name__)


class ApiClientRateThrottle(BaseThrottle):
    """Fixed-window counter in the shared cache, one key per client and window.

    ``cache.incr`` is atomic in Redis, so every gunicorn worker on every host
    counts into the same key and the limit holds across them (DRF's own
    throttles read, modify and write a list, which races between workers).
    If the cache is unreachable the request is let through: issuing numbers
    matters more than rate limiting, and the outage is logged.
    """

    def allow_request(self, request, view) -> bool:
        client = request.user
        if client is None or not getattr(client, "is_authenticated", False):
            return True
        rate = getattr(client, "rate", "") or settings.TRACKING_DEFAULT_RATE
        limit, period = api_rate_validate(rate)
        window = int(time.time() // period)
        key = f"throttle:{client.pk}:{period}:{window}"
        try:
            # add() is a no-op when the key exists; incr() is atomic.
            cache.add(key, 0, timeout=period + 1)
            used = cache.incr(key)
        except Exception:
            logger.warning("throttle cache unavailable; request let through")
            return True
        if used > limit:
            self._wait = (window + 1) * period - time.time()
            return False
        return True

    def wait(self) -> float | None:
        return getattr(self, "_wait", None)
