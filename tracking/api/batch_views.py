"""Batches over the API: create, list, progress, CSV of the numbers, cancel."""

from __future__ import annotations

from django.http import StreamingHttpResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.response import Response
from rest_framework.views import APIView

from tracking import selectors, services
from tracking.api.common import (
    BATCH_NOT_FOUND,
    ERRORS,
    request_body_data,
    request_query,
    state_change_schema,
)
from tracking.api.fields import StrictCharField, StrictIntegerField
from tracking.api.idempotency import IDEMPOTENCY_KEY_PARAMETER, respond_once
from tracking.api.pagination import NumberCursorPagination
from tracking.api.serializers import ErrorSerializer, metadata_field
from tracking.api.throttling import numbers_asked
from tracking.messages import BATCH_FORBIDDEN, QUANTITY_RANGE
from tracking.models import Batch


class BatchOutputSerializer(serializers.ModelSerializer):
    series = serializers.CharField(source="series.code")
    progress = serializers.FloatField()
    numbers_csv = serializers.SerializerMethodField()

    class Meta:
        model = Batch
        fields = [
            "id",
            "status",
            "quantity",
            "done",
            "progress",
            "series",
            "first_serial",
            "reference_prefix",
            "metadata",
            "source",
            "error",
            "created_at",
            "started_at",
            "finished_at",
            "heartbeat_at",
            "numbers_csv",
        ]

    def get_numbers_csv(self, obj: Batch) -> str:
        return f"/tracking/batches/{obj.pk}/numbers.csv"


class BatchPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = BatchOutputSerializer(many=True)


class MayCreateBatches(permissions.BasePermission):
    """Creating a batch is a right of its own (``ApiClient.can_create_batches``)."""

    message = BATCH_FORBIDDEN

    def has_permission(self, request, view) -> bool:
        return request.method != "POST" or selectors.api_client_may_batch(request.user)


class BatchListApi(APIView):
    """``POST /tracking/batches/``: reserve a block and queue its run;
    ``GET``: the caller's batches, newest first, in cursor pages."""

    permission_classes = [permissions.IsAuthenticated, MayCreateBatches]

    def throttle_cost(self, request) -> int:
        """A batch costs its quantity (tracking.api.throttling)."""
        if request.method != "POST":
            return 1
        return numbers_asked(request, "quantity", services.BATCH_QUANTITY_MAX)

    class InputSerializer(serializers.Serializer):
        quantity = StrictIntegerField(
            min_value=1,
            max_value=services.BATCH_QUANTITY_MAX,
            help_text="How many numbers (1-10,000,000).",
            error_messages={
                "min_value": QUANTITY_RANGE.format(max=services.BATCH_QUANTITY_MAX),
                "max_value": QUANTITY_RANGE.format(max=services.BATCH_QUANTITY_MAX),
            },
        )
        series = StrictCharField(
            required=False,
            max_length=32,
            help_text="Series code; the default if absent.",
        )
        reference_prefix = StrictCharField(
            required=False,
            max_length=80,
            allow_blank=True,
            default="",
            help_text="Each number's reference is this prefix + its position "
            "in the batch (1, 2, ...); empty leaves references empty.",
        )
        metadata = metadata_field()

    @extend_schema(
        operation_id="tracking_batch_create",
        request=InputSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={
            202: BatchOutputSerializer,
            **ERRORS,
            403: OpenApiResponse(
                ErrorSerializer,
                description="The client may not create batches, or not in this series.",
            ),
            409: OpenApiResponse(
                ErrorSerializer,
                description="The series' range cannot hold it, or the "
                "Idempotency-Key is in use or was used with another body.",
            ),
            429: OpenApiResponse(
                ErrorSerializer,
                description="Rate limit reached (a batch costs its quantity), or "
                "too many unfinished batches.",
            ),
            503: OpenApiResponse(
                ErrorSerializer,
                description="The task queue is down; nothing was reserved.",
            ),
        },
    )
    def post(self, request):
        values = request_body_data(request, self.InputSerializer)
        series = services.series_get(code=values.get("series"), client=request.user)

        def create(_) -> tuple[int, dict]:
            batch = services.batch_create(
                series=series,
                quantity=values["quantity"],
                reference_prefix=values["reference_prefix"],
                metadata=values["metadata"],
                source=Batch.Source.API,
                client=request.user,
            )
            batch.refresh_from_db()  # an in-process run may have finished it
            return status.HTTP_202_ACCEPTED, BatchOutputSerializer(batch).data

        return respond_once(request, create)

    @extend_schema(
        operation_id="tracking_batch_list",
        parameters=NumberCursorPagination.schema_parameters,
        responses={200: BatchPageSerializer, **ERRORS},
    )
    def get(self, request):
        request_query(request, NumberCursorPagination.query_parameters)
        paginator = NumberCursorPagination()
        page = paginator.paginate_queryset(
            selectors.batch_list(client=request.user), request, view=self
        )
        return paginator.get_paginated_response(
            BatchOutputSerializer(page, many=True).data
        )


class BatchDetailApi(APIView):
    """``GET /tracking/batches/{id}/``: status and progress."""

    @extend_schema(
        responses={200: BatchOutputSerializer, 404: BATCH_NOT_FOUND, **ERRORS},
    )
    def get(self, request, batch_id: int):
        batch = services.batch_get_visible(client=request.user, batch_id=batch_id)
        return Response(BatchOutputSerializer(batch).data)


class StreamNegotiation(BaseContentNegotiation):
    """The CSV is a streamed response, not rendered: accept any ``Accept``.

    Errors before streaming starts are still JSON.
    """

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class BatchNumbersCsvApi(APIView):
    """``GET /tracking/batches/{id}/numbers.csv``: every number, streamed."""

    content_negotiation_class = StreamNegotiation

    @extend_schema(
        responses={
            (200, "text/csv"): OpenApiResponse(
                str, description="Header row, then one number per row."
            ),
            404: BATCH_NOT_FOUND,
            409: OpenApiResponse(
                ErrorSerializer, description="The batch is still being written."
            ),
            **ERRORS,
        },
    )
    def get(self, request, batch_id: int):
        batch = services.batch_get_visible(client=request.user, batch_id=batch_id)
        services.batch_require_finished(batch=batch)
        response = StreamingHttpResponse(
            services.batch_numbers_csv(batch=batch), content_type="text/csv"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="batch-{batch.pk}-numbers.csv"'
        )
        return response


class BatchCancelApi(APIView):
    """``POST /tracking/batches/{id}/cancel/``: stop a pending or running batch."""

    @state_change_schema(
        answer=BatchOutputSerializer,
        not_found=BATCH_NOT_FOUND,
        conflict="Already finished.",
    )
    def post(self, request, batch_id: int):
        batch = services.batch_get_visible(client=request.user, batch_id=batch_id)
        batch = services.batch_cancel(batch=batch)
        return Response(BatchOutputSerializer(batch).data)
