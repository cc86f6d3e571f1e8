"""The numbers list at 10 million rows: a capped count, keyset pages and
the batch filter."""

from __future__ import annotations

from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ORDER_VAR, PAGE_VAR
from django.core.paginator import Paginator
from django.utils.functional import cached_property
from unfold.contrib.filters.admin import TextFilter
from unfold.views import ChangeList

from tracking import selectors
from tracking.messages import BATCH_FILTER_INVALID, BEFORE_INVALID

# Changelist counts stop here; above it the page says "more than".
CHANGELIST_COUNT_CAP = 10_000


BEFORE_VAR = "before"


class CappedCountPaginator(Paginator):
    """Never counts 10 million rows: an estimate or a count up to a cap.

    At the cap the list says "more than 10,000" (or "about N" for the
    planner's estimate) and pages on by keyset: KeysetChangeList's link
    lists the rows older than the page's last one (``?before=<id>``).
    """

    template_name = "admin/tracking/trackingnumber/pagination_capped.html"

    @cached_property
    def count(self) -> int:
        return selectors.tracking_number_count_capped(
            self.object_list, CHANGELIST_COUNT_CAP
        )

    @property
    def cap(self) -> int:
        return CHANGELIST_COUNT_CAP

    @property
    def capped(self) -> bool:
        return self.count >= CHANGELIST_COUNT_CAP

    @property
    def estimated(self) -> bool:
        return self.count > CHANGELIST_COUNT_CAP


class KeysetChangeList(ChangeList):
    """The changelist, plus ``?before=<id>``: the rows older than a row."""

    def get_filters_params(self, params=None):
        lookup_params = super().get_filters_params(params)
        lookup_params.pop(BEFORE_VAR, None)
        return lookup_params

    def get_queryset(self, request, exclude_parameters=None):
        qs = super().get_queryset(request, exclude_parameters)
        before = request.GET.get(BEFORE_VAR)
        if before is None:
            return qs
        if not before.isdigit():
            raise IncorrectLookupParameters(BEFORE_INVALID)
        return qs.filter(pk__lt=int(before))

    @property
    def keyset_next_url(self) -> str | None:
        """The next page by keyset, where counting stopped at the cap."""
        if not self.paginator.capped or ORDER_VAR in self.params:
            return None
        rows = list(self.result_list)  # the page, already fetched
        if len(rows) < self.list_per_page:
            return None
        return self.get_query_string({BEFORE_VAR: rows[-1].pk}, remove=[PAGE_VAR])


class BatchFilter(TextFilter):
    """Numbers of one batch, by its id (the batch index serves it)."""

    title = "batch"
    parameter_name = "batch"

    def queryset(self, request, queryset):
        value = (self.value() or "").strip()
        if not value:
            return queryset
        if not value.isdigit():
            raise IncorrectLookupParameters(BATCH_FILTER_INVALID)
        return queryset.filter(batch_id=int(value))
