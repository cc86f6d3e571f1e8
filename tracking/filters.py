"""Search filters for tracking numbers, shared by the API and the portal."""

from __future__ import annotations

import django_filters

from tracking.domain.recognize import normalize
from tracking.models import TrackingNumber


class TrackingNumberFilter(django_filters.FilterSet):
    series = django_filters.CharFilter(field_name="series__code")
    status = django_filters.ChoiceFilter(choices=TrackingNumber.Status.choices)
    reference = django_filters.CharFilter(field_name="reference")
    created_after = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte"
    )
    created_before = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="lt"
    )
    number_prefix = django_filters.CharFilter(method="filter_number_prefix")

    class Meta:
        model = TrackingNumber
        fields = ["series", "status", "reference"]

    def filter_number_prefix(self, queryset, name, value):
        # Stored numbers are upper case without spaces; the index on
        # ``number`` with pattern ops serves this LIKE 'PREFIX%'.
        return queryset.filter(number__startswith=normalize(value))
