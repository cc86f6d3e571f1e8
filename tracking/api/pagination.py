from rest_framework.pagination import CursorPagination


class NumberCursorPagination(CursorPagination):
    """Stable, index-backed pages however many numbers there are."""

    ordering = "-id"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
