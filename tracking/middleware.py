"""Server-Timing: how long the server spent on each request."""

from __future__ import annotations

import time


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
