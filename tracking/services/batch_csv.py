"""A batch's numbers as CSV, streamed in constant memory.

The columns and cells are every export's (services.exports.EXPORT_COLUMNS):
one CSV layout, whichever path wrote the file.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.db import connection

from tracking.domain.spreadsheet import spreadsheet_safe_sql
from tracking.domain.timestamps import iso_utc_sql
from tracking.models import Batch, TrackingNumber
from tracking.services.exports import EXPORT_HEADER, export_rows

_CSV_PAGE = 20000


class _Echo:
    def write(self, value: str) -> str:
        return value


# One page of CSV lines, built by PostgreSQL as one text: the free texts
# (reference, void reason) are always quoted, quotes doubled,
# formula-defused; the other cells never contain a comma, quote or line
# break. Same cells as csv.writer over export_rows. One value per page, not
# per row: Python only passes it on.
_BATCH_CSV_SQL = (
    "SELECT max(serial), string_agg(line, E'\\r\\n' ORDER BY serial) || E'\\r\\n' "
    "FROM (SELECT serial, number || ',' || %s || ',' || serial || ',' || status "
    "|| ',\"' || replace({reference}, '\"', '\"\"') || '\",' "
    "|| {created_at} || ',' || uuid "
    "|| ',\"' || replace({void_reason}, '\"', '\"\"') || '\",' "
    "|| coalesce({voided_at}, '') AS line "
    "FROM tracking_trackingnumber "
    "WHERE series_id = %s AND serial > %s AND serial < %s AND batch_id = %s "
    "ORDER BY serial LIMIT %s) AS page"
)


def batch_numbers_csv(*, batch: Batch) -> Iterator[str]:
    """CSV lines of the batch's numbers in serial order, header first.

    Keyset pages on (series, serial) - the unique index - so memory stays
    flat and every page is one short indexed query, whatever the size. On
    PostgreSQL the database formats the lines, several times faster than
    csv.writer over fetched rows (bench/export.py).
    """
    writer = csv.writer(_Echo())
    yield writer.writerow(EXPORT_HEADER)
    last = batch.first_serial - 1
    end = batch.first_serial + batch.quantity
    if connection.vendor == "postgresql":
        sql = _BATCH_CSV_SQL.format(
            reference=spreadsheet_safe_sql("reference"),
            void_reason=spreadsheet_safe_sql("void_reason"),
            created_at=iso_utc_sql("created_at"),
            voided_at=iso_utc_sql("voided_at"),
        )
        code = batch.series.code  # lower-case letters, digits, hyphens
        while True:
            with connection.cursor() as cursor:
                cursor.execute(
                    sql, [code, batch.series_id, last, end, batch.pk, _CSV_PAGE]
                )
                last, lines = cursor.fetchone()
            if lines is None:
                return
            yield lines
    while True:
        page = TrackingNumber.objects.filter(
            series_id=batch.series_id,
            serial__gt=last,
            serial__lt=end,
            batch_id=batch.pk,
        ).order_by("serial")[:_CSV_PAGE]
        serials = list(page.values_list("serial", flat=True))
        if not serials:
            return
        yield "".join(writer.writerow(row) for row in export_rows(page))
        last = serials[-1]
