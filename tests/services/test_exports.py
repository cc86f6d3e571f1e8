"""export_run streams the filtered list to a file in every format."""

from __future__ import annotations

import csv
import json

import pytest
from django.db import DatabaseError
from openpyxl import load_workbook

from tracking.admin.exports import export_queryset
from tracking.domain.spreadsheet import spreadsheet_safe, spreadsheet_safe_sql
from tracking.domain.timestamps import iso_utc, iso_utc_sql
from tracking.models import ExportJob, TrackingNumber
from tracking.services import (
    EXPORT_COLUMNS,
    export_create,
    export_file_path,
    export_run,
    tracking_number_issue,
)
from tracking.services.numbers import tracking_number_void
from tracking.tasks import export_run_task

# Text a spreadsheet runs as a formula, each start the rule knows.
FORMULAE = ['==HYPERLINK("http://x")', "+1+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1"]


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


@pytest.fixture
def user(db):
    from django.contrib.auth.models import User

    return User.objects.create_user("exporter", is_staff=True)


@pytest.fixture
def numbers(default_series, s10_series):
    tracking_number_issue(
        series=default_series, count=3, reference="=cmd|' /C calc'!A0"
    )
    return tracking_number_issue(series=s10_series, count=4, reference="R-1")


def _run(fmt: str, user, filters=None) -> ExportJob:
    job = export_create(format=fmt, filters=filters or {}, user=user)
    return export_run(export=job, queryset=export_queryset(job))


def test_it_writes_csv_with_the_resource_columns_and_escapes_formulae(
    media, user, numbers
):
    job = _run("csv", user)

    with export_file_path(job).open() as f:
        rows = list(csv.reader(f))
    assert (job.status, job.rows, job.file.name) == (
        "done",
        7,
        f"exports/export-{job.pk}.csv",
    )
    assert rows[0] == [h for h, _ in EXPORT_COLUMNS]
    assert {r[4] for r in rows[1:]} == {"'=cmd|' /C calc'!A0", "R-1"}


def test_it_applies_the_changelist_filters(media, user, numbers, s10_series):
    job = _run("json", user, {"series__id__exact": str(s10_series.pk), "q": "rb"})

    data = json.loads(export_file_path(job).read_text())
    assert sorted(d["number"] for d in data) == sorted(n.number for n in numbers)
    assert set(data[0]) == {h for h, _ in EXPORT_COLUMNS}


def test_it_writes_xlsx_in_write_only_mode(media, user, numbers):
    job = _run("xlsx", user, {"q": "R-1"})

    sheet = load_workbook(export_file_path(job), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 5
    assert rows[1][1] == "rb-gb"


@pytest.mark.django_db(transaction=True)
def test_a_failure_is_recorded_on_the_job(media, user, numbers):
    # Autocommit, as in the worker: the failed query aborts no transaction.
    job = export_create(format="csv", filters={}, user=user)
    failing = TrackingNumber.objects.extra(where=["1 / (serial - serial) = 1"])

    with pytest.raises(DatabaseError, match="division by zero"):
        export_run(export=job, queryset=failing)

    job.refresh_from_db()
    assert job.status == "failed"
    assert "division by zero" in job.error


def test_a_saved_filter_the_changelist_refuses_fails_the_job(media, user, numbers):
    job = export_create(
        format="csv", filters={"series__id__exact": "not-a-number"}, user=user
    )

    export_run_task(job.pk)

    job.refresh_from_db()
    assert job.status == "failed"
    assert "not-a-number" in job.error


@pytest.mark.django_db
def test_the_sql_twin_of_the_spreadsheet_rule_gives_the_same_cells():
    from django.db import connection

    values = [*FORMULAE, "a=b", "R-1", " =1", "'=1", "", "\n=1", "it's"]
    sql = spreadsheet_safe_sql("v")
    with connection.cursor() as cursor:
        for value in values:
            cursor.execute(f"SELECT {sql} FROM (SELECT %s::text AS v) AS t", [value])  # noqa: S608
            assert cursor.fetchone()[0] == spreadsheet_safe(value), value


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
def test_no_exported_cell_starts_a_formula(media, user, default_series, fmt, settings):
    numbers = [
        tracking_number_issue(series=default_series, reference=ref)[0]
        for ref in FORMULAE
    ]
    tracking_number_void(number=numbers[0], reason="=bad, label")

    job = _run(fmt, user)

    path = export_file_path(job)
    if fmt == "csv":
        with path.open(newline="") as f:
            rows = list(csv.DictReader(f))
    elif fmt == "json":
        rows = json.loads(path.read_text())
    else:
        sheet = load_workbook(path).active
        assert "f" not in {c.data_type for row in sheet.iter_rows() for c in row}
        header, *cells = sheet.iter_rows(values_only=True)
        rows = [dict(zip(header, r, strict=True)) for r in cells]
        for r in rows:  # XML reads a stored CR back as LF.
            r["reference"] = r["reference"].replace("\n", "\r")
    assert sorted(r["reference"] for r in rows) == sorted("'" + f for f in FORMULAE)
    assert "'=bad, label" in {r["void_reason"] for r in rows}


def test_the_row_writer_applies_the_same_rule_as_copy(tmp_path, user, default_series):
    from tracking.services.exports import _write_csv, export_rows

    for ref in FORMULAE:
        tracking_number_issue(series=default_series, reference=ref)
    export = ExportJob.objects.create(format="csv", filters={}, requested_by=user)

    with (tmp_path / "rows.csv").open("wb") as out:
        _write_csv(out, export_rows(export_queryset(export)))

    with (tmp_path / "rows.csv").open(newline="") as f:
        refs = [r["reference"] for r in csv.DictReader(f)]
    assert sorted(refs) == sorted("'" + f for f in FORMULAE)


def test_the_copy_writer_gives_the_same_rows_as_the_python_writer(
    tmp_path, default_series, django_user_model
):
    import csv

    from tracking.models import ExportJob
    from tracking.services import tracking_number_issue, tracking_number_void
    from tracking.services.exports import _write_csv, _write_csv_copy, export_rows

    numbers = tracking_number_issue(
        series=default_series, count=5, reference='=HYPERLINK("x"),\n"q"'
    )
    tracking_number_void(number=numbers[0], reason="=bad, label")
    user = django_user_model.objects.create_user("exporter")
    export = ExportJob.objects.create(format="csv", filters={}, requested_by=user)
    by_copy, by_python = tmp_path / "copy.csv", tmp_path / "python.csv"
    with by_copy.open("wb") as out:
        assert _write_csv_copy(out, export_queryset(export)) == 5
    with by_python.open("wb") as out:
        assert _write_csv(out, export_rows(export_queryset(export))) == 5
    with by_copy.open(newline="") as a, by_python.open(newline="") as b:
        assert list(csv.reader(a)) == list(csv.reader(b))


def test_the_purge_deletes_old_jobs_and_their_files_only(media, user, numbers):
    from datetime import timedelta

    from django.utils import timezone

    from tracking.services import export_files_purge
    from tracking.tasks import export_files_purge_task

    old, recent = _run("csv", user), _run("json", user)
    ExportJob.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(days=8)
    )
    assert export_file_path(old).exists()

    assert export_files_purge_task.delay().get() == 1

    assert not export_file_path(old).exists()
    assert export_file_path(recent).exists()
    assert list(ExportJob.objects.values_list("pk", flat=True)) == [recent.pk]
    assert export_files_purge(older_than_days=1) == 0


@pytest.mark.django_db
def test_the_sql_twin_of_the_timestamp_format_gives_the_same_text():
    from datetime import UTC, datetime, timedelta, timezone

    from django.db import connection

    moments = [
        datetime(2026, 11, 24, 8, 0, tzinfo=UTC),
        datetime(2026, 11, 24, 8, 0, 0, 120, tzinfo=UTC),
        datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(2026, 3, 29, 2, 30, 1, tzinfo=timezone(timedelta(hours=5))),
    ]
    sql = iso_utc_sql("v")
    with connection.cursor() as cursor:
        for moment in [*moments, None]:
            cursor.execute(
                f"SELECT {sql} FROM (SELECT %s::timestamptz AS v) AS t",  # noqa: S608
                [moment],
            )
            assert cursor.fetchone()[0] == iso_utc(moment), moment
