"""Barcodes (SVG, PNG) and labels (ZPL, PDF) of numbers and batches."""

from __future__ import annotations

from django.http import HttpResponse, StreamingHttpResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.views import APIView

from tracking import selectors, services
from tracking.api.batch_views import StreamNegotiation
from tracking.api.common import (
    BATCH_NOT_FOUND,
    ERRORS,
    NUMBER_NOT_FOUND,
    request_query_data,
)
from tracking.api.fields import QueryIntegerField
from tracking.api.serializers import ErrorSerializer
from tracking.domain.scheme_base import ZIP_INVALID
from tracking.labels import CONTENT_TYPES
from tracking.labels.images import barcode_png, barcode_svg
from tracking.messages import ZIP_EMPTY

# What the stored series decides, not the request: a ZIP for a number that
# is not USPS IMpb is a conflict (409), like printing a void number.
_NUMBER_ERRORS = {
    404: NUMBER_NOT_FOUND,
    409: OpenApiResponse(
        ErrorSerializer, description="zip was given; the number is not USPS IMpb."
    ),
}


def _zip_field():
    return serializers.RegexField(
        r"^[0-9]{5}([0-9]{4})?$",
        required=False,
        help_text="USPS IMpb only: the destination ZIP (5 or 9 digits), "
        "encoded as AI (420) before the number. Leave it out for no routing.",
        error_messages={"invalid": ZIP_INVALID, "blank": ZIP_EMPTY},
    )


class BarcodeQuerySerializer(serializers.Serializer):
    scale = QueryIntegerField(
        min_value=1, max_value=10, default=2, help_text="Pixels a module, 1-10."
    )
    height = QueryIntegerField(
        min_value=10, max_value=300, default=50, help_text="Bar height in modules."
    )
    text = serializers.ChoiceField(
        choices=["0", "1"], default="1", help_text="1 prints the number under it."
    )
    zip = _zip_field()


class LabelQuerySerializer(serializers.Serializer):
    zip = _zip_field()


class BatchLabelQuerySerializer(LabelQuerySerializer):
    layout = serializers.ChoiceField(
        choices=services.LABEL_LAYOUTS,
        default="4x6",
        help_text="PDF only: 4x6 (one label a page), a4 (8 a sheet), "
        "letter (10 a sheet).",
    )


def _file(content, kind: str, filename: str) -> HttpResponse:
    response_class = (
        HttpResponse if isinstance(content, bytes) else StreamingHttpResponse
    )
    response = response_class(content, content_type=CONTENT_TYPES[kind])
    disposition = "inline" if kind in ("svg", "png", "pdf") else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


def _schema(name: str, kind: str, description: str, *, parameters=(), errors=None):
    """The OpenAPI description of one route: its file type and its errors."""
    return extend_schema_view(
        get=extend_schema(
            operation_id=f"tracking_{name}_{kind}",
            parameters=list(parameters),
            responses={
                (200, CONTENT_TYPES[kind]): OpenApiResponse(
                    bytes, description=description
                ),
                **(errors or _NUMBER_ERRORS),
                **ERRORS,
            },
        )
    )


class _FileApi(APIView):
    """A route answering one kind of file (``kind``), errors as JSON."""

    content_negotiation_class = StreamNegotiation
    kind = ""


class _BarcodeApi(_FileApi):
    def get(self, request, number: str):
        options = request_query_data(request, BarcodeQuerySerializer)
        found = selectors.tracking_number_get(client=request.user, number=number)
        barcode = services.tracking_number_barcode(
            number=found, zip_code=options.get("zip", "")
        )
        draw = barcode_svg if self.kind == "svg" else barcode_png
        image = draw(
            barcode,
            scale=options["scale"],
            height=options["height"],
            text=options["text"] == "1",
        )
        return _file(image, self.kind, f"{found.number}.{self.kind}")


_BARCODE = "Code 128, or GS1-128 for GS1 numbers, with the number under it."


@_schema("number_barcode", "svg", _BARCODE, parameters=[BarcodeQuerySerializer])
class TrackingNumberBarcodeSvgApi(_BarcodeApi):
    """``GET /tracking/numbers/{number}/barcode.svg``."""

    kind = "svg"


@_schema("number_barcode", "png", _BARCODE, parameters=[BarcodeQuerySerializer])
class TrackingNumberBarcodePngApi(_BarcodeApi):
    """``GET /tracking/numbers/{number}/barcode.png``."""

    kind = "png"


class _LabelApi(_FileApi):
    def get(self, request, number: str):
        options = request_query_data(request, LabelQuerySerializer)
        found = selectors.tracking_number_get(client=request.user, number=number)
        label = services.tracking_number_label(
            number=found, zip_code=options.get("zip", "")
        )
        content = b"".join(services.labels_render(labels=[label], kind=self.kind))
        return _file(content, self.kind, f"{found.number}.{self.kind}")


_VOID = {
    404: NUMBER_NOT_FOUND,
    409: OpenApiResponse(
        ErrorSerializer,
        description="The number is void, or zip was given and the number "
        "is not USPS IMpb.",
    ),
}


@_schema(
    "number_label",
    "zpl",
    "ZPL II, 4 x 6 in at 203 dpi.",
    parameters=[LabelQuerySerializer],
    errors=_VOID,
)
class TrackingNumberLabelZplApi(_LabelApi):
    """``GET /tracking/numbers/{number}/label.zpl``."""

    kind = "zpl"


@_schema(
    "number_label",
    "pdf",
    "One 4 x 6 in page.",
    parameters=[LabelQuerySerializer],
    errors=_VOID,
)
class TrackingNumberLabelPdfApi(_LabelApi):
    """``GET /tracking/numbers/{number}/label.pdf``."""

    kind = "pdf"


class _BatchLabelsApi(_FileApi):
    query_serializer: type[serializers.Serializer] = LabelQuerySerializer

    def get(self, request, batch_id: int):
        options = request_query_data(request, self.query_serializer)
        batch = services.batch_get_visible(client=request.user, batch_id=batch_id)
        content = services.labels_render(
            labels=services.batch_labels(batch=batch, zip_code=options.get("zip", "")),
            kind=self.kind,
            layout=options.get("layout", "4x6"),
        )
        return _file(content, self.kind, f"batch-{batch.pk}-labels.{self.kind}")


_BATCH_ERRORS = {
    404: BATCH_NOT_FOUND,
    409: OpenApiResponse(
        ErrorSerializer,
        description="The batch has no numbers yet, or zip was given and its "
        "numbers are not USPS IMpb.",
    ),
}


@_schema(
    "batch_labels",
    "zpl",
    "One ZPL II 4 x 6 in label per number that is not void, streamed.",
    parameters=[LabelQuerySerializer],
    errors=_BATCH_ERRORS,
)
class BatchLabelsZplApi(_BatchLabelsApi):
    """``GET /tracking/batches/{id}/labels.zpl``."""

    kind = "zpl"


@_schema(
    "batch_labels",
    "pdf",
    "One label per number that is not void, in the layout, streamed.",
    parameters=[BatchLabelQuerySerializer],
    errors=_BATCH_ERRORS,
)
class BatchLabelsPdfApi(_BatchLabelsApi):
    """``GET /tracking/batches/{id}/labels.pdf``."""

    kind = "pdf"
    query_serializer = BatchLabelQuerySerializer
