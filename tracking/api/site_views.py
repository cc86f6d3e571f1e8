"""Outside the API proper: liveness, readiness, the index and JSON 404s."""

from __future__ import annotations

import functools
import ipaddress

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.urls import Resolver404, resolve, reverse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import (
    extend_schema,
)
from prometheus_client import CONTENT_TYPE_LATEST
from rest_framework import permissions
from rest_framework.views import APIView

from tracking.health import readiness
from tracking.messages import (
    METRICS_FORBIDDEN,
    NOT_FOUND,
    NOT_FOUND_SLASH,
    SITE_INDEX,
)
from tracking.metrics import metrics_text


class LiveApi(APIView):
    """``GET /livez``: 200 while the process serves; touches nothing else."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    throttle_classes: list = []

    @extend_schema(responses={200: dict})
    def get(self, request):
        return JsonResponse({"status": "ok"})


class HealthApi(APIView):
    """``GET /healthz``: readiness to issue numbers (tracking.health).

    503 when the database, the allocator or the scramble key is not right;
    the broker's state is in the body but never makes it 503.
    """

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    throttle_classes: list = []

    @extend_schema(responses={200: dict, 503: dict})
    def get(self, request):
        ready, checks = readiness()
        return JsonResponse(
            {"status": "ok" if ready else "unavailable", "checks": checks},
            status=200 if ready else 503,
        )


def metrics(request):
    """``GET /metrics``: Prometheus text, for allowed networks and admin tokens."""
    if not _metrics_allowed(request):
        return JsonResponse({"detail": METRICS_FORBIDDEN}, status=403)
    return HttpResponse(metrics_text(), content_type=CONTENT_TYPE_LATEST)


@functools.lru_cache(maxsize=4)
def _networks(allowed: tuple[str, ...]) -> list:
    return [ipaddress.ip_network(n, strict=False) for n in allowed]


def _metrics_allowed(request) -> bool:
    from tracking.api.authentication import api_client_for_token

    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        address = None
    allowed = _networks(tuple(settings.TRACKING_METRICS_ALLOWED_NETWORKS))
    if address is not None and any(address in net for net in allowed):
        return True
    parts = request.headers.get("Authorization", "").split()
    if len(parts) != 2 or parts[0].lower() not in ("token", "bearer"):
        return False
    client = api_client_for_token(parts[1])
    return client is not None and client.can_admin_series


_API_PATHS = ("/tracking/", "/api/", "/healthz", "/livez", "/metrics")


@csrf_exempt  # a POST to a wrong API path gets this JSON, not a CSRF page
def not_found(request, exception=None):
    """404 for the whole site: JSON under the API, Django's page elsewhere.

    Also routed explicitly for API paths (config.urls), so the answer is
    JSON with DEBUG on too. A path that exists with a final slash says so
    rather than redirecting: a redirected POST would lose its body.
    """
    path = request.path
    if not path.startswith(_API_PATHS):
        from django.views.defaults import page_not_found

        return page_not_found(request, exception)
    detail = NOT_FOUND.format(path=path)
    if not path.endswith("/"):
        try:
            if resolve(path + "/").func is not not_found:
                detail = NOT_FOUND_SLASH.format(path=path)
        except Resolver404:
            pass
    return JsonResponse({"detail": detail}, status=404)


@csrf_exempt
def index(request):
    """``/``: where to go (portal, API docs), as JSON."""
    return JsonResponse(
        {
            "detail": SITE_INDEX,
            "portal": reverse("admin:index"),
            "api_docs": reverse("api-docs"),
            "api_schema": reverse("api-schema"),
            "health": reverse("healthz"),
        }
    )
