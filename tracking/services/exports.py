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
import json
import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import Func, QuerySet, TextField
from django.utils import timezone

from tracking.domain.spreadsheet import spreadsheet_safe, spreadsheet_safe_sql
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
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (int, float)):
        return value
    return spreadsheet_safe(str(value))


def _rows(queryset: QuerySet[TrackingNumber]) -> Iterator[list[Any]]:
    qs = queryset.values_list(*(path for _, path in EXPORT_COLUMNS))
    # .iterator() reads through a server-side cursor on PostgreSQL, one
    # chunk at a time, instead of loading the whole result.
    for row in qs.iterator(chunk_size=EXPORT_CHUNK_SIZE):
        yield [_cell(v) for v in row]


def _write_csv(path: Path, rows: Iterator[list[Any]]) -> int:
    count = 0
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow([h for h, _ in EXPORT_COLUMNS])
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def _write_json(path: Path, rows: Iterator[list[Any]]) -> int:
    headers = [h for h, _ in EXPORT_COLUMNS]
    count = 0
    with path.open("w", encoding="utf-8") as f:
        f.write("[")
        for row in rows:
            f.write(",\n" if count else "\n")
            f.write(json.dumps(dict(zip(headers, row, strict=True))))
            count += 1
        f.write("\n]\n")
    return count


def _write_xlsx(path: Path, rows: Iterator[list[Any]]) -> int:
    from openpyxl import Workbook

    # write_only streams rows to disk; a normal workbook keeps every cell.
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Tracking numbers")
    ws.append([h for h, _ in EXPORT_COLUMNS])
    count = 0
    for row in rows:
        ws.append(row)
        count += 1
    wb.save(path)
    return count


class _SpreadsheetSafe(Func):
    template = spreadsheet_safe_sql("%(expressions)s")
    output_field = TextField()


def _iso_sql(column: str) -> str:
    """``datetime.isoformat()`` of a UTC timestamp, as SQL."""
    return (
        f"to_char({column} AT TIME ZONE 'UTC', "
        '\'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"\')'
    )


def _write_csv_copy(path: Path, queryset: QuerySet[TrackingNumber]) -> int:
    """The CSV export written by PostgreSQL's COPY: same columns and cells.

    The columns follow EXPORT_COLUMNS; tests/services/test_exports.py
    checks the two writers give the same rows.

    About ten times the rate of the row-by-row writer (bench/export.py),
    still in constant memory: COPY streams into the file.
    """
    from django.db.models.expressions import RawSQL

    from tracking.services.copy_out import copy_csv_to_file

    table = '"tracking_trackingnumber"'

    qs = queryset.annotate(
        x_number=_SpreadsheetSafe("number"),
        x_series=_SpreadsheetSafe("series__code"),
        x_reference=_SpreadsheetSafe("reference"),
        x_void_reason=_SpreadsheetSafe("void_reason"),
        x_created=RawSQL(_iso_sql(f'{table}."created_at"'), []),  # noqa: S611
        x_voided=RawSQL(_iso_sql(f'{table}."voided_at"'), []),  # noqa: S611
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
    with path.open("wb") as f:
        f.write((",".join(h for h, _ in EXPORT_COLUMNS) + "\n").encode())
        return copy_csv_to_file(sql, list(params), f)


_WRITERS = {
    ExportJob.Format.CSV: _write_csv,
    ExportJob.Format.JSON: _write_json,
    ExportJob.Format.XLSX: _write_xlsx,
}


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
        if export.format == ExportJob.Format.CSV and connection.vendor == "postgresql":
            rows = _write_csv_copy(tmp, queryset)
        else:
            rows = _WRITERS[export.format](tmp, _rows(queryset))
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
