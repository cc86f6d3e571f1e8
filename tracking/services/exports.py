"""Background exports of the tracking number list, streamed to a file.

django-import-export builds a whole file in memory, which is fine for the
small exports the admin does in the request. Above
``PORTAL_EXPORT_SYNC_MAX_ROWS`` the admin creates an ``ExportJob`` instead
and ``export_run`` streams the changelist's rows from a server-side cursor
(or PostgreSQL's COPY) straight into a file under MEDIA_ROOT: memory stays
constant however many rows there are.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import Func, QuerySet, TextField
from django.utils import timezone

from tracking.domain.spreadsheet import spreadsheet_safe, spreadsheet_safe_sql
from tracking.domain.timestamps import iso_utc, iso_utc_sql
from tracking.models import ExportJob, TrackingNumber

# (column header, field path) of every export, in order. The
# import-export resource (tracking.resources) uses the same list, so a file
# looks the same whichever path made it.
EXPORT_COLUMNS: list[tuple[str, str]] = [
    ("number", "number"),
    ("series", "series__code"),
    ("serial", "serial"),
    ("status", "status"),
    ("reference", "reference"),
    ("created_at", "created_at"),
    ("uuid", "uuid"),
    ("void_reason", "void_reason"),
    ("voided_at", "voided_at"),
]
EXPORT_CHUNK_SIZE = 5000


def export_create(
    *, format: str, filters: dict[str, Any], user: AbstractBaseUser
) -> ExportJob:
    """Record an export of the filtered list and run it after commit."""
    from tracking.tasks import export_run_task

    export = ExportJob(format=format, filters=filters, requested_by=user)
    export.full_clean(exclude=["file"])
    export.save()
    transaction.on_commit(lambda: export_run_task.delay(export.pk))
    return export


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, (int, float)):
        return value
    return spreadsheet_safe(str(value))


def export_rows(queryset: QuerySet[TrackingNumber]) -> Iterator[list[Any]]:
    """The cells of EXPORT_COLUMNS, row by row, as every export writes them."""
    qs = queryset.values_list(*(path for _, path in EXPORT_COLUMNS))
    # .iterator() reads through a server-side cursor on PostgreSQL, one
    # chunk at a time, instead of loading the whole result.
    for row in qs.iterator(chunk_size=EXPORT_CHUNK_SIZE):
        yield [_cell(v) for v in row]


EXPORT_HEADER = [header for header, _ in EXPORT_COLUMNS]


def _write_csv(out: IO[bytes], rows: Iterator[list[Any]]) -> int:
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text)
    writer.writerow(EXPORT_HEADER)
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    text.detach()  # leave ``out`` open for the caller
    return count


def _write_json(out: IO[bytes], rows: Iterator[list[Any]]) -> int:
    count = 0
    out.write(b"[")
    for row in rows:
        out.write(b",\n" if count else b"\n")
        out.write(json.dumps(dict(zip(EXPORT_HEADER, row, strict=True))).encode())
        count += 1
    out.write(b"\n]\n")
    return count


def _write_xlsx(out: IO[bytes], rows: Iterator[list[Any]]) -> int:
    from openpyxl import Workbook

    # write_only streams rows to disk; a normal workbook keeps every cell.
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Tracking numbers")
    ws.append(EXPORT_HEADER)
    count = 0
    for row in rows:
        ws.append(row)
        count += 1
    wb.save(out)
    return count


class _SpreadsheetSafe(Func):
    template = spreadsheet_safe_sql("%(expressions)s")
    output_field = TextField()


class _IsoUtc(Func):
    template = iso_utc_sql("%(expressions)s")
    output_field = TextField()


def _write_csv_copy(out: IO[bytes], queryset: QuerySet[TrackingNumber]) -> int:
    """The CSV written by PostgreSQL's COPY: the same columns and cells.

    tests/services/test_exports.py checks it gives the rows of _write_csv.
    COPY streams into ``out``, so memory stays constant.
    """
    from tracking.services.copy_out import copy_csv_to_file

    qs = queryset.annotate(
        x_number=_SpreadsheetSafe("number"),
        x_series=_SpreadsheetSafe("series__code"),
        x_reference=_SpreadsheetSafe("reference"),
        x_void_reason=_SpreadsheetSafe("void_reason"),
        x_created=_IsoUtc("created_at"),
        x_voided=_IsoUtc("voided_at"),
    ).values_list(
        "x_number",
        "x_series",
        "serial",
        "status",
        "x_reference",
        "x_created",
        "uuid",
        "x_void_reason",
        "x_voided",
    )
    sql, params = qs.query.sql_with_params()
    out.write((",".join(EXPORT_HEADER) + "\n").encode())
    return copy_csv_to_file(sql, list(params), out)


_WRITERS = {
    ExportJob.Format.CSV: _write_csv,
    ExportJob.Format.JSON: _write_json,
    ExportJob.Format.XLSX: _write_xlsx,
}


def export_write(
    *, format: str, queryset: QuerySet[TrackingNumber], out: IO[bytes]
) -> int:
    """Write ``queryset`` as a ``format`` file to ``out``; return the rows.

    The one writer of every export: background jobs, the portal's export in
    the request and the issue form's CSV. CSV is written by COPY on
    PostgreSQL, by the csv module elsewhere; both give the same file.
    """
    if format == ExportJob.Format.CSV and connection.vendor == "postgresql":
        return _write_csv_copy(out, queryset)
    return _WRITERS[format](out, export_rows(queryset))


def export_file_path(export: ExportJob) -> Path:
    return Path(settings.MEDIA_ROOT) / "exports" / f"export-{export.pk}.{export.format}"


def export_fail(*, export: ExportJob, error: str) -> ExportJob:
    """Record that the export failed, with a message staff can read."""
    export.status = ExportJob.Status.FAILED
    export.error = error[:2000]
    export.finished_at = timezone.now()
    export.save(update_fields=["status", "error", "finished_at"])
    return export


def export_run(*, export: ExportJob, queryset: QuerySet[TrackingNumber]) -> ExportJob:
    """Write ``queryset`` (the job's rows) to its file in constant memory.

    The rows are the portal changelist's for the job's saved query string
    (tracking.admin.exports.export_queryset): the caller passes them in.
    Running it again rewrites the file from scratch, so a retried task is
    harmless. A failure is recorded on the job with its message.
    """
    ExportJob.objects.filter(pk=export.pk).update(status=ExportJob.Status.RUNNING)
    path = export_file_path(export)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    try:
        with tmp.open("wb") as out:
            rows = export_write(format=export.format, queryset=queryset, out=out)
        os.replace(tmp, path)
    except Exception as e:
        tmp.unlink(missing_ok=True)
        export_fail(export=export, error=str(e))
        raise
    export.status = ExportJob.Status.DONE
    export.rows = rows
    export.file.name = str(path.relative_to(Path(settings.MEDIA_ROOT)))
    export.error = ""
    export.finished_at = timezone.now()
    export.save(update_fields=["status", "rows", "file", "error", "finished_at"])
    return export


def export_files_purge(*, older_than_days: int | None = None) -> int:
    """Delete export jobs created before the retention, and their files.

    Files live on storage shared by web and worker (MEDIA_ROOT); without a
    purge every background export would stay there for good. Returns how
    many jobs were deleted.
    """
    days = older_than_days or settings.TRACKING_EXPORT_RETENTION_DAYS
    old = ExportJob.objects.filter(created_at__lt=timezone.now() - timedelta(days=days))
    for export in old.only("pk", "format"):
        path = export_file_path(export)
        path.unlink(missing_ok=True)
        path.with_name(path.name + ".part").unlink(missing_ok=True)
    deleted, _ = old.delete()
    return deleted
