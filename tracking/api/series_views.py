"""Series endpoints: list, create, read, change and preview."""

from __future__ import annotations

from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
)
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from tracking import selectors, services
from tracking.allocation import series_usage_annotate
from tracking.api.common import (
    ERRORS,
    SERIES_NOT_FOUND,
    request_body,
    request_body_data,
    request_query_data,
)
from tracking.api.serializers import (
    ErrorSerializer,
    SeriesPreviewInputSerializer,
    SeriesPreviewOutputSerializer,
    SeriesSerializer,
    SeriesUpdateSerializer,
)
from tracking.exceptions import SeriesForbidden, ValidationFailed
from tracking.messages import (
    SERIES_ADMIN_ONLY,
    SERIES_FIXED_FIELDS,
)
from tracking.models import Series

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
            409: OpenApiResponse(
                ErrorSerializer,
                description="The code is taken, or the series' numbers could "
                "equal another series' or a carrier's (accept_carrier_overlap).",
            ),
            **ERRORS,
        },
    )
    def post(self, request):
        _require_series_admin(request.user)
        data = dict(request_body_data(request, SeriesSerializer))
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
            404: SERIES_NOT_FOUND,
            **ERRORS,
        },
    )
    def get(self, request, code: str):
        query = request_query_data(request, SeriesPreviewInputSerializer)
        series = selectors.series_get_visible(client=request.user, code=code)
        preview = selectors.series_preview(series=series, count=query["count"])
        return Response(SeriesPreviewOutputSerializer(preview).data)


class SeriesDetailApi(APIView):
    @extend_schema(responses={200: SeriesSerializer, 404: SERIES_NOT_FOUND, **ERRORS})
    def get(self, request, code: str):
        series = selectors.series_get_visible(client=request.user, code=code)
        return Response(SeriesSerializer(series).data)

    @extend_schema(
        request=SeriesUpdateSerializer,
        responses={
            200: SeriesSerializer,
            403: OpenApiResponse(ErrorSerializer),
            404: SERIES_NOT_FOUND,
            **ERRORS,
        },
    )
    def patch(self, request, code: str):
        _require_series_admin(request.user)
        series = selectors.series_get_visible(client=request.user, code=code)
        data = request_body(request)
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
