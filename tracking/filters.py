"""Search filters for tracking numbers, shared by the API and the portal."""

from __future__ import annotations

from datetime import UTC, timedelta

import django_filters
from django.db.models import Q

from tracking.domain.recognize import normalize
from tracking.models import TrackingNumber


def reference_matches(reference: str) -> Q:
    """Numbers whose reference is ``reference``, ignoring case.

    ``UPPER(reference) = UPPER(x) AND reference <> ''`` is what the partial
    index ``tracking_number_reference_ci`` serves.
    """
    return Q(reference__iexact=reference) & ~Q(reference="")


class UtcDateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 bound (``gte`` or ``lt``), compared in UTC.

    Python accepts UTC offsets PostgreSQL does not (beyond 15:59), and an
    empty value is a mistake rather than "no bound". A bound whose UTC
    instant falls outside years 1-9999 is still a valid date-time: before
    or after every number.
    """

    def filter(self, qs, value):
        if value is None:
            return qs
        try:
            value = value.astimezone(UTC)
        except OverflowError:
            before_all = value.utcoffset() > timedelta(0)
            return qs if before_all == (self.lookup_expr == "gte") else qs.none()
        return super().filter(qs, value)


class TrackingNumberFilter(django_filters.FilterSet):
    series = django_filters.CharFilter(field_name="series__code")
    status = django_filters.ChoiceFilter(choices=TrackingNumber.Status.choices)
    reference = django_filters.CharFilter(method="filter_reference")
    created_after = UtcDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UtcDateTimeFilter(field_name="created_at", lookup_expr="lt")
    number_prefix = django_filters.CharFilter(method="filter_number_prefix")

    class Meta:
        model = TrackingNumber
        fields = ["series", "status", "reference"]

    def is_valid(self) -> bool:
        # A parameter sent empty (?created_before=) is refused, not ignored.
        for name in ("created_after", "created_before", "status"):
            if name in self.data and self.data[name] == "":
                self.form.is_valid()
                self.form.add_error(name, "This parameter may not be empty.")
        return super().is_valid()

    def filter_reference(self, queryset, name, value):
        return queryset.filter(reference_matches(value))

    def filter_number_prefix(self, queryset, name, value):
        # Stored numbers are upper case without spaces; the index on
        # ``number`` with pattern ops serves this LIKE 'PREFIX%'.
        return queryset.filter(number__startswith=normalize(value))
