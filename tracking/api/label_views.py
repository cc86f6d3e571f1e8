"""Barcodes (SVG, PNG) and labels (ZPL, PDF) of numbers and batches."""

from __future__ import annotations

import re
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from django.urls import path
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


def _errors(not_found: OpenApiResponse, conflict: str) -> dict:
    # What the stored series decides, not the request: a ZIP for a number
    # that is not USPS IMpb is a conflict (409), like printing a void number.
    return {404: not_found, 409: OpenApiResponse(ErrorSerializer, description=conflict)}


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


def _schema(name: str, kind: str, description: str, query_serializer, errors):
    """The OpenAPI description of one route: its file type and its errors."""
    return extend_schema_view(
        get=extend_schema(
            operation_id=f"tracking_{name}_{kind}",
            parameters=[query_serializer],
            responses={
                (200, CONTENT_TYPES[kind]): OpenApiResponse(
                    bytes, description=description
                ),
                **errors,
                **ERRORS,
            },
        )
    )


class _FileApi(APIView):
    """The routes of one file family, ``{route}.{kind}``, errors as JSON.

    A family answers several kinds; ``route_for`` makes the documented
    route of one kind.
    """

    content_negotiation_class = StreamNegotiation
    kind = ""
    route = ""
    operation = ""
    query_serializer: type[serializers.Serializer] = LabelQuerySerializer
    query_serializers: dict[str, type[serializers.Serializer]] = {}  # by kind
    errors = _errors(NUMBER_NOT_FOUND, "zip was given; the number is not USPS IMpb.")

    @classmethod
    def route_for(cls, kind: str, description: str):
        query_serializer = cls.query_serializers.get(kind, cls.query_serializer)
        url = re.sub(r"<\w+:(\w+)>", r"{\1}", f"{cls.route}.{kind}")
        view = _schema(cls.operation, kind, description, query_serializer, cls.errors)(
            type(
                f"{cls.__name__.lstrip('_')}{kind.title()}",
                (cls,),
                {
                    "kind": kind,
                    "query_serializer": query_serializer,
                    "__doc__": f"``GET /tracking/{url}``.",
                },
            )
        )
        name = f"{cls.operation}-{kind}".replace("_", "-")
        return path(f"{cls.route}.{kind}", view.as_view(), name=name)

    def get(self, request, **route):
        options = request_query_data(request, self.query_serializer)
        content, name = self.render(request.user, options, **route)
        return _file(content, self.kind, f"{name}.{self.kind}")

    def render(self, client, options: dict, **route) -> tuple[Any, str]:
        """The file's content (bytes or an iterator) and its name."""
        raise NotImplementedError


class _BarcodeApi(_FileApi):
    route = "numbers/<str:number>/barcode"
    operation = "number_barcode"
    query_serializer = BarcodeQuerySerializer

    def render(self, client, options, number: str):
        found = selectors.tracking_number_get(client=client, number=number)
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
        return image, found.number


class _LabelApi(_FileApi):
    route = "numbers/<str:number>/label"
    operation = "number_label"
    errors = _errors(
        NUMBER_NOT_FOUND,
        "The number is void, or zip was given and the number is not USPS IMpb.",
    )

    def render(self, client, options, number: str):
        found = selectors.tracking_number_get(client=client, number=number)
        label = services.tracking_number_label(
            number=found, zip_code=options.get("zip", "")
        )
        content = b"".join(services.labels_render(labels=[label], kind=self.kind))
        return content, found.number


class _BatchLabelsApi(_FileApi):
    route = "batches/<int:batch_id>/labels"
    operation = "batch_labels"
    query_serializers = {"pdf": BatchLabelQuerySerializer}
    errors = _errors(
        BATCH_NOT_FOUND,
        "The batch has no numbers yet, or zip was given and its numbers are not "
        "USPS IMpb.",
    )

    def render(self, client, options, batch_id: int):
        batch = services.batch_get_visible(client=client, batch_id=batch_id)
        content = services.labels_render(
            labels=services.batch_labels(batch=batch, zip_code=options.get("zip", "")),
            kind=self.kind,
            layout=options.get("layout", "4x6"),
        )
        return content, f"batch-{batch.pk}-labels"


_BARCODE = "Code 128, or GS1-128 for GS1 numbers, with the number under it."
_BATCH_ZPL = "One ZPL II 4 x 6 in label per number that is not void, streamed."
_BATCH_PDF = "One label per number that is not void, in the layout, streamed."

# The URL patterns of every barcode and label route (tracking.api.urls).
FILE_ROUTES = [
    _BarcodeApi.route_for("svg", _BARCODE),
    _BarcodeApi.route_for("png", _BARCODE),
    _LabelApi.route_for("zpl", "ZPL II, 4 x 6 in at 203 dpi."),
    _LabelApi.route_for("pdf", "One 4 x 6 in page."),
    _BatchLabelsApi.route_for("zpl", _BATCH_ZPL),
    _BatchLabelsApi.route_for("pdf", _BATCH_PDF),
]
