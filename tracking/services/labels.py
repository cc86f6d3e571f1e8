"""Barcodes and labels of issued numbers, read in keyset pages.

The drawing is in ``tracking.labels``; this module turns rows into what it
draws. Void numbers are not printed: a batch's or a selection's labels
leave them out, and a void number's own label is refused.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import QuerySet
from django.utils import timezone

from tracking.domain.barcodes import Barcode
from tracking.domain.scheme_base import InvalidSchemeParams, ZipNotRouted
from tracking.exceptions import (
    BatchStateError,
    NumberStateError,
    ValidationConflict,
    ValidationFailed,
)
from tracking.labels import Label
from tracking.labels.pdf import LAYOUTS, labels_pdf
from tracking.labels.zpl import labels_zpl
from tracking.messages import (
    BATCH_HAS_NO_LABELS,
    NUMBER_VOID_NOT_PRINTED,
    ZIP_NOT_FOR_SERIES,
)
from tracking.models import Batch, Series, TrackingNumber

LABEL_LAYOUTS = tuple(LAYOUTS)
_PAGE = 5000


def _barcode(series: Series, number: str, zip_code: str) -> Barcode:
    try:
        return series.domain_scheme.barcode(number, zip_code=zip_code)
    except ZipNotRouted as e:
        # The request is well formed; the stored series decides (409).
        message = ZIP_NOT_FOR_SERIES.format(
            series=series.code, scheme=series.get_scheme_display()
        )
        raise ValidationConflict({"zip": message}) from e
    except InvalidSchemeParams as e:
        raise ValidationFailed(e.errors) from e


def tracking_number_barcode(*, number: TrackingNumber, zip_code: str = "") -> Barcode:
    """The barcode of a number, in its series' symbology.

    ``zip_code`` routes a USPS IMpb barcode (AI 420); other schemes refuse it
    (``ValidationConflict``: the number's series, not the value, is at fault).
    """
    return _barcode(number.series, number.number, zip_code)


def tracking_number_label(*, number: TrackingNumber, zip_code: str = "") -> Label:
    if number.status == TrackingNumber.Status.VOID:
        raise NumberStateError(NUMBER_VOID_NOT_PRINTED.format(number=number.number))
    return Label(
        tracking_number_barcode(number=number, zip_code=zip_code),
        number.series.name,
        number.reference,
        timezone.localdate(number.created_at),
    )


def _labels(
    numbers: QuerySet[TrackingNumber], key: str, zip_code: str = ""
) -> Iterator[Label]:
    """Labels of the numbers in ``key`` order, ``_PAGE`` rows a query."""
    numbers = numbers.exclude(status=TrackingNumber.Status.VOID).order_by(key)
    series: dict[int, Series] = {}
    zone = timezone.get_current_timezone()
    last = None
    while True:
        page = numbers if last is None else numbers.filter(**{f"{key}__gt": last})
        rows = list(
            page.values_list(key, "series_id", "number", "reference", "created_at")[
                :_PAGE
            ]
        )
        for _, series_id, number, reference, created_at in rows:
            if series_id not in series:
                series[series_id] = Series.objects.get(pk=series_id)
            one = series[series_id]
            yield Label(
                one.domain_scheme.barcode(number, zip_code=zip_code),
                one.name,
                reference,
                created_at.astimezone(zone).date(),
            )
        if len(rows) < _PAGE:
            return
        last = rows[-1][0]


def batch_labels(*, batch: Batch, zip_code: str = "") -> Iterator[Label]:
    """The labels of a batch's numbers in serial order.

    Raises before the first label when the batch has none or ``zip_code``
    does not fit its scheme, so an API or a portal page can still answer
    with an error rather than a broken file.
    """
    if batch.done == 0:
        raise BatchStateError(BATCH_HAS_NO_LABELS.format(id=batch.pk))
    _barcode(batch.series, batch.series.domain_scheme.example, zip_code)
    numbers = TrackingNumber.objects.filter(
        series_id=batch.series_id,
        serial__gte=batch.first_serial,
        serial__lt=batch.first_serial + batch.quantity,
        batch_id=batch.pk,
    )
    return _labels(numbers, "serial", zip_code)


def tracking_number_labels(*, numbers: QuerySet[TrackingNumber]) -> Iterator[Label]:
    """The labels of a selection of numbers, oldest first."""
    return _labels(numbers, "id")


def labels_render(*, labels, kind: str, layout: str = "4x6") -> Iterator[bytes]:
    """Yield ``labels`` as ZPL (4x6 only) or as a PDF in ``layout``."""
    if kind == "zpl":
        return labels_zpl(labels)
    return labels_pdf(labels, LAYOUTS[layout])
