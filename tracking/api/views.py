"""Tracking number endpoints: issue, list, read, void and validate."""

from __future__ import annotations

import functools

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from tracking import selectors, services
from tracking.allocation import serial_block_allocate
from tracking.api.common import (
    ERRORS,
    NUMBER_NOT_FOUND,
    request_body,
    request_body_data,
    request_query,
    state_change_schema,
)
from tracking.api.idempotency import IDEMPOTENCY_KEY_PARAMETER, respond_once
from tracking.api.pagination import NumberCursorPagination
from tracking.api.serializers import (
    ErrorSerializer,
    GenerateInputSerializer,
    GenerateManyOutputSerializer,
    TrackingNumberOutputSerializer,
    TrackingNumberPageSerializer,
    ValidateInputSerializer,
    ValidateOutputSerializer,
    VoidInputSerializer,
    tracking_number_data,
)
from tracking.api.throttling import numbers_asked
from tracking.filters import TrackingNumberFilter

NUMBER_LIST_PARAMETERS = (
    frozenset(TrackingNumberFilter.base_filters)
    | NumberCursorPagination.query_parameters
)


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
                description="Series exhausted, or the Idempotency-Key is in use "
                "or was used with another body.",
            ),
        },
    )
    def post(self, request):
        data = request_body(request, GenerateInputSerializer)
        values = _generate_input(data)
        many = "count" in values
        series = services.series_get(code=values.get("series"), client=request.user)
        count = values.get("count", 1)

        def issue(first: int | None) -> tuple[int, dict]:
            numbers = services.tracking_number_issue(
                series=series,
                count=count,
                reference=values["reference"],
                metadata=values["metadata"],
                client=request.user,
                first=first,
            )
            out = [tracking_number_data(n) for n in numbers]
            return status.HTTP_201_CREATED, {"results": out} if many else out[0]

        return respond_once(
            request,
            issue,
            reserve=lambda: serial_block_allocate(series=series, count=count),
        )


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
            *NumberCursorPagination.schema_parameters,
        ],
        operation_id="tracking_numbers_list",
        responses={
            200: TrackingNumberPageSerializer,
            **ERRORS,
        },
    )
    def get(self, request):
        filters = request_query(request, NUMBER_LIST_PARAMETERS)
        qs = selectors.tracking_number_list(client=request.user, filters=filters)
        paginator = NumberCursorPagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response([tracking_number_data(n) for n in page])


class TrackingNumberDetailApi(APIView):
    @extend_schema(
        responses={200: TrackingNumberOutputSerializer, 404: NUMBER_NOT_FOUND, **ERRORS}
    )
    def get(self, request, number: str):
        found = selectors.tracking_number_get(client=request.user, number=number)
        return Response(tracking_number_data(found))


class TrackingNumberVoidApi(APIView):
    @state_change_schema(
        answer=TrackingNumberOutputSerializer,
        not_found=NUMBER_NOT_FOUND,
        conflict="Already void.",
        request=VoidInputSerializer,
    )
    def post(self, request, number: str):
        reason = request_body_data(request, VoidInputSerializer)["reason"]
        found = selectors.tracking_number_get(client=request.user, number=number)
        voided = services.tracking_number_void(number=found, reason=reason)
        return Response(tracking_number_data(voided))


class TrackingNumberValidateApi(APIView):
    @extend_schema(
        request=ValidateInputSerializer,
        responses={200: ValidateOutputSerializer, **ERRORS},
    )
    def post(self, request):
        values = request_body_data(request, ValidateInputSerializer)
        result = selectors.tracking_number_validate(client=request.user, **values)
        return Response(ValidateOutputSerializer(result).data)
