import binascii

from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination

from tracking.api.fields import query_integer
from tracking.exceptions import CursorInvalid, ValidationFailed
from tracking.messages import CURSOR_INVALID, PAGE_SIZE_INVALID


class NumberCursorPagination(CursorPagination):
    """Stable, index-backed pages however many numbers there are."""

    ordering = "-id"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
    # What a paged list's query may hold, and its OpenAPI description.
    query_parameters = frozenset(
        [CursorPagination.cursor_query_param, page_size_query_param]
    )
    schema_parameters = [
        OpenApiParameter(
            CursorPagination.cursor_query_param,
            str,
            description="From next/previous.",
        ),
        OpenApiParameter(
            page_size_query_param,
            {"type": "integer", "minimum": 1, "maximum": max_page_size},
            description=f"1 to {max_page_size}; {page_size} by default.",
        ),
    ]

    def decode_cursor(self, request):
        # DRF's answer (404: no such page), with the message saying what to do.
        # DRF decodes leniently: characters outside base64 are dropped, so
        # "%%%" would be served the first page again.
        encoded = request.query_params.get(self.cursor_query_param)
        try:
            if encoded:
                binascii.a2b_base64(encoded, strict_mode=True)
            return super().decode_cursor(request)
        except (ValueError, NotFound) as e:
            raise CursorInvalid(CURSOR_INVALID) from e

    def get_page_size(self, request):
        # DRF quietly falls back to the default for a bad value; say so.
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        size = query_integer(raw)
        if size is None or not 1 <= size <= self.max_page_size:
            raise ValidationFailed(
                {"page_size": PAGE_SIZE_INVALID.format(maximum=self.max_page_size)}
            )
        return size
