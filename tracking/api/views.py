"""One APIView per operation: validate the shape, call a service, serialize."""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import json

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.urls import Resolver404, resolve, reverse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from prometheus_client import CONTENT_TYPE_LATEST
from rest_framework import permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from tracking import selectors, services
from tracking.allocation import series_usage_annotate
from tracking.api.pagination import NumberCursorPagination
from tracking.api.serializers import (
    ErrorSerializer,
    GenerateInputSerializer,
    GenerateManyOutputSerializer,
    SeriesPreviewInputSerializer,
    SeriesPreviewOutputSerializer,
    SeriesSerializer,
    SeriesUpdateSerializer,
    TrackingNumberOutputSerializer,
    TrackingNumberPageSerializer,
    ValidateInputSerializer,
    ValidateOutputSerializer,
    VoidInputSerializer,
    tracking_number_data,
)
from tracking.api.throttling import numbers_asked
from tracking.exceptions import SeriesForbidden, ValidationFailed
from tracking.filters import TrackingNumberFilter
from tracking.health import readiness
from tracking.messages import (
    BODY_NOT_OBJECT,
    IDEMPOTENCY_KEY_TOO_LONG,
    METRICS_FORBIDDEN,
    NOT_FOUND,
    NOT_FOUND_SLASH,
    SERIES_ADMIN_ONLY,
    SERIES_FIXED_FIELDS,
    SITE_INDEX,
    UNKNOWN_FIELD,
    UNKNOWN_PARAMETER,
)
from tracking.metrics import metrics_text
from tracking.models import Series

ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Bad input; see detail."),
    401: OpenApiResponse(ErrorSerializer, description="Missing or bad token."),
    429: OpenApiResponse(ErrorSerializer, description="Rate limit reached."),
    503: OpenApiResponse(
        ErrorSerializer,
        description="The database is unavailable (see Retry-After); retry "
        "with the same Idempotency-Key.",
    ),
}


@functools.cache
def _writable_fields(serializer_class) -> frozenset[str]:
    fields = serializer_class().fields.items()
    return frozenset(name for name, field in fields if not field.read_only)


def _body(request, serializer_class=None) -> dict:
    """The JSON object sent, refusing fields the operation does not take.

    A misspelt or read-only field (``refernce``, ``status``, ``number``)
    is an error rather than silently dropped, so a client learns at once
    that it did not set what it meant to.
    """
    data = request.data
    if not isinstance(data, dict):
        raise ValidationFailed({"non_field_errors": BODY_NOT_OBJECT})
    if serializer_class is not None:
        writable = _writable_fields(serializer_class)
        unknown = sorted(set(data) - writable)
        if unknown:
            message = UNKNOWN_FIELD.format(allowed=", ".join(sorted(writable)))
            raise ValidationFailed(dict.fromkeys(unknown, message))
    return data


PAGE_PARAMETERS = frozenset(
    [
        NumberCursorPagination.cursor_query_param,
        NumberCursorPagination.page_size_query_param,
    ]
)
NUMBER_LIST_PARAMETERS = frozenset(TrackingNumberFilter.base_filters) | PAGE_PARAMETERS
# The OpenAPI description of PAGE_PARAMETERS.
PAGE_PARAMETERS_SCHEMA = [
    OpenApiParameter("cursor", str, description="From next/previous."),
    OpenApiParameter(
        "page_size",
        {"type": "integer", "minimum": 1, "maximum": 1000},
        description="1 to 1000; 100 by default.",
    ),
]


def _query(request, allowed: frozenset[str]):
    """The query parameters, refusing any the operation does not take.

    A misspelt filter (``?refrence=``) would otherwise be ignored and
    answer every number, as if it had matched.
    """
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        message = UNKNOWN_PARAMETER.format(allowed=", ".join(sorted(allowed)))
        raise ValidationFailed(dict.fromkeys(unknown, message))
    return request.query_params


@functools.cache
def _generate_defaults() -> dict:
    serializer = GenerateInputSerializer(data={})
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _generate_input(data: dict) -> dict:
    """The validated generate body; the bare POST skips building a serializer.

    Label printers send no body at all, and building the serializer's
    fields cost more than the rest of the request's Python; what an empty
    body validates to is computed once, by the same serializer.
    """
    if not data:
        defaults = _generate_defaults()
        return {**defaults, "metadata": dict(defaults["metadata"])}
    serializer = GenerateInputSerializer(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    description="Retry-safe key: a repeat with the same key and "
    "body returns the stored response (kept 48 hours); the same key with "
    "another body is a 422.",
)


def idempotency_of(request, data: dict) -> tuple[str, str] | None:
    """The request's Idempotency-Key and a hash of its body, or None."""
    key = request.headers.get("Idempotency-Key")
    if not key:
        return None
    if len(key) > 255:
        raise ValidationFailed({"Idempotency-Key": IDEMPOTENCY_KEY_TOO_LONG})
    body = json.dumps(data, sort_keys=True, default=str).encode()
    return key, hashlib.sha256(body).hexdigest()


class TrackingNumberIssueApi(APIView):
    """``POST /tracking/generate/``: issue one or ``count`` numbers."""

    def throttle_cost(self, request) -> int:
        """A request costs its ``count`` (tracking.api.throttling)."""
        return numbers_asked(request, "count", settings.TRACKING_MAX_COUNT)

    @extend_schema(
        operation_id="tracking_generate",
        request=GenerateInputSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={
            201: PolymorphicProxySerializer(
                component_name="GenerateResponse",
                serializers=[
                    TrackingNumberOutputSerializer,
                    GenerateManyOutputSerializer,
                ],
                resource_type_field_name=None,
            ),
            **ERRORS,
            403: OpenApiResponse(ErrorSerializer, description="Series not allowed."),
            409: OpenApiResponse(
                ErrorSerializer,
                description="Series exhausted, or the Idempotency-Key is in use.",
            ),
            422: OpenApiResponse(
                ErrorSerializer, description="Idempotency-Key reused with another body."
            ),
        },
    )
    def post(self, request):
        data = _body(request, GenerateInputSerializer)
        values = _generate_input(data)
        many = "count" in values
        series = services.series_get(code=values.get("series"), client=request.user)
        idempotency = idempotency_of(request, data)

        def render(numbers):
            out = [tracking_number_data(n) for n in numbers]
            return {"results": out} if many else out[0]

        if idempotency:
            key, request_hash = idempotency
            code, body = services.tracking_number_issue_idempotent(
                client=request.user,
                key=key,
                request_hash=request_hash,
                series=series,
                count=values.get("count", 1),
                reference=values["reference"],
                metadata=values["metadata"],
                render=render,
            )
            return Response(body, status=code)
        numbers = services.tracking_number_issue(
            series=series,
            count=values.get("count", 1),
            reference=values["reference"],
            metadata=values["metadata"],
            client=request.user,
        )
        return Response(render(numbers), status=status.HTTP_201_CREATED)


class TrackingNumberListApi(APIView):
    """``GET /tracking/numbers/``: search with filters, cursor pages."""

    @extend_schema(
        parameters=[
            OpenApiParameter("series", str),
            OpenApiParameter("status", str, enum=["issued", "used", "void"]),
            OpenApiParameter("reference", str),
            OpenApiParameter("number_prefix", str),
            OpenApiParameter("created_after", OpenApiTypes.DATETIME),
            OpenApiParameter("created_before", OpenApiTypes.DATETIME),
            *PAGE_PARAMETERS_SCHEMA,
        ],
        operation_id="tracking_numbers_list",
        responses={
            200: TrackingNumberPageSerializer,
            **ERRORS,
        },
    )
    def get(self, request):
        filters = _query(request, NUMBER_LIST_PARAMETERS)
        qs = selectors.tracking_number_list(client=request.user, filters=filters)
        paginator = NumberCursorPagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response([tracking_number_data(n) for n in page])


class TrackingNumberDetailApi(APIView):
    @extend_schema(
        responses={
            200: TrackingNumberOutputSerializer,
            404: OpenApiResponse(ErrorSerializer),
            **ERRORS,
        }
    )
    def get(self, request, number: str):
        found = selectors.tracking_number_get(client=request.user, number=number)
        return Response(tracking_number_data(found))


class TrackingNumberVoidApi(APIView):
    @extend_schema(
        request=VoidInputSerializer,
        responses={
            200: TrackingNumberOutputSerializer,
            404: OpenApiResponse(ErrorSerializer),
            409: OpenApiResponse(ErrorSerializer, description="Already void."),
            **ERRORS,
        },
    )
    def post(self, request, number: str):
        serializer = VoidInputSerializer(data=_body(request, VoidInputSerializer))
        serializer.is_valid(raise_exception=True)
        found = selectors.tracking_number_get(client=request.user, number=number)
        voided = services.tracking_number_void(
            number=found, reason=serializer.validated_data["reason"]
        )
        return Response(tracking_number_data(voided))


class TrackingNumberValidateApi(APIView):
    @extend_schema(
        request=ValidateInputSerializer,
        responses={200: ValidateOutputSerializer, **ERRORS},
    )
    def post(self, request):
        serializer = ValidateInputSerializer(
            data=_body(request, ValidateInputSerializer)
        )
        serializer.is_valid(raise_exception=True)
        result = selectors.tracking_number_validate(
            client=request.user, **serializer.validated_data
        )
        return Response(ValidateOutputSerializer(result).data)


SERIES_EDITABLE = {"name", "active", "is_default", "end"}  # SeriesUpdateSerializer


def _require_series_admin(client) -> None:
    if not client.can_admin_series:
        raise SeriesForbidden(SERIES_ADMIN_ONLY)


class SeriesListApi(APIView):
    @extend_schema(responses={200: SeriesSerializer(many=True), **ERRORS})
    def get(self, request):
        return Response(
            SeriesSerializer(selectors.series_list(client=request.user), many=True).data
        )

    @extend_schema(
        request=SeriesSerializer,
        responses={
            201: SeriesSerializer,
            403: OpenApiResponse(ErrorSerializer),
            **ERRORS,
        },
    )
    def post(self, request):
        _require_series_admin(request.user)
        serializer = SeriesSerializer(data=_body(request, SeriesSerializer))
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        accept = data.pop("accept_carrier_overlap", False)
        series = services.series_save(
            series=Series(**data), accept_carrier_overlap=accept
        )
        series_usage_annotate([series])
        return Response(SeriesSerializer(series).data, status=status.HTTP_201_CREATED)


class SeriesPreviewApi(APIView):
    """``GET /tracking/series/{code}/preview/?count=N``: allocates nothing."""

    @extend_schema(
        parameters=[SeriesPreviewInputSerializer],
        responses={
            200: SeriesPreviewOutputSerializer,
            404: OpenApiResponse(ErrorSerializer),
            **ERRORS,
        },
    )
    def get(self, request, code: str):
        serializer = SeriesPreviewInputSerializer(data=request.query_params)
        serializer.is_valid(raise_exception=True)
        series = selectors.series_get_visible(client=request.user, code=code)
        preview = selectors.series_preview(
            series=series, count=serializer.validated_data["count"]
        )
        return Response(SeriesPreviewOutputSerializer(preview).data)


class SeriesDetailApi(APIView):
    @extend_schema(
        responses={
            200: SeriesSerializer,
            404: OpenApiResponse(ErrorSerializer),
            **ERRORS,
        }
    )
    def get(self, request, code: str):
        series = selectors.series_get_visible(client=request.user, code=code)
        return Response(SeriesSerializer(series).data)

    @extend_schema(
        request=SeriesUpdateSerializer,
        responses={
            200: SeriesSerializer,
            403: OpenApiResponse(ErrorSerializer),
            404: OpenApiResponse(ErrorSerializer),
            **ERRORS,
        },
    )
    def patch(self, request, code: str):
        _require_series_admin(request.user)
        series = selectors.series_get_visible(client=request.user, code=code)
        data = _body(request)
        fixed = sorted(set(data) - SERIES_EDITABLE)
        if fixed:
            raise ValidationFailed(dict.fromkeys(fixed, SERIES_FIXED_FIELDS))
        serializer = SeriesUpdateSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        for name, value in serializer.validated_data.items():
            setattr(series, name, value)
        series = services.series_save(series=series)
        series_usage_annotate([series])
        return Response(SeriesSerializer(series).data)


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
