"""Server-Timing, request ids, request log lines and response counts."""

from __future__ import annotations

import logging
import re
import time
import uuid

from tracking.log_context import log_context
from tracking.metrics import HTTP_RESPONSES

logger = logging.getLogger("tracking.requests")


class ServerTimingMiddleware:
    """Adds ``Server-Timing: app;dur=<ms>`` to every response.

    Browsers' developer tools and the lookup benchmark read it; it measures
    the application alone, without the network or the client.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = (time.perf_counter() - started) * 1000
        response["Server-Timing"] = f"app;dur={elapsed:.2f}"
        return response


_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class RequestContextMiddleware:
    """One request id per request, its log fields, and one log line.

    The id comes from ``X-Request-ID`` when a proxy sent a sane one, else a
    new one; it is echoed in the response. Every response is counted by
    status for ``/metrics``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        sent = request.headers.get("X-Request-ID", "")
        request_id = sent if _REQUEST_ID.fullmatch(sent) else uuid.uuid4().hex
        started = time.perf_counter()
        with log_context(
            request_id=request_id,
            idempotency_key=request.headers.get("Idempotency-Key", "")[:255],
        ) as fields:
            response = self.get_response(request)
            user = getattr(request, "user", None)
            if getattr(user, "is_authenticated", False):
                fields["client"] = getattr(user, "name", None) or user.get_username()
            HTTP_RESPONSES.labels(status=str(response.status_code)).inc()
            logger.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )
        response["X-Request-ID"] = request_id
        return response
