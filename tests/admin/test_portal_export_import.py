"""Export (in the request and in the background) and import with a preview."""

from __future__ import annotations

import csv
import io
import json
from unittest.mock import patch

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from tracking.allocation import series_number_format
from tracking.messages import (
    EXPORT_QUEUED,
    IMPORT_NUMBER_EXISTS,
    IMPORT_SERIAL_IN_BATCH,
    IMPORT_SERIAL_UNISSUED,
)
from tracking.models import Batch, ExportJob, TrackingNumber
from tracking.services import (
    api_client_create,
    batch_create,
    batch_run,
    series_reserve_for_import,
    tracking_number_issue,
    tracking_number_void,
)

CHANGELIST = "/admin/tracking/trackingnumber/"
EXPORT_URL = "/admin/tracking/trackingnumber/export/"
IMPORT_URL = "/admin/tracking/trackingnumber/import/"
PROCESS_URL = "/admin/tracking/trackingnumber/process_import/"
CSV_FORMAT, XLSX_FORMAT, JSON_FORMAT = "0", "1", "2"


def _csv(response) -> list[dict[str, str]]:
    body = (
        b"".join(response.streaming_content) if response.streaming else response.content
    )
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def test_a_viewer_exports_the_filtered_list_as_csv(viewer, default_series, s10_series):
    tracking_number_issue(series=default_series, count=4)
    s10 = tracking_number_issue(series=s10_series, count=3, reference="=HYPERLINK(1)")

    response = viewer.post(
        f"{EXPORT_URL}?series__id__exact={s10_series.pk}", {"format": CSV_FORMAT}
    )

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    rows = _csv(response)
    assert sorted(r["number"] for r in rows) == sorted(n.number for n in s10)
    assert {r["series"] for r in rows} == {"rb-gb"}
    assert {r["reference"] for r in rows} == {"'=HYPERLINK(1)"}


FORMULAE = ['==HYPERLINK("http://x")', "+1+1", "-1+1", "@SUM(A1)", "\t=1"]


@pytest.mark.parametrize("fmt", [CSV_FORMAT, XLSX_FORMAT, JSON_FORMAT])
def test_no_cell_of_an_export_starts_a_formula(viewer, default_series, fmt):
    for ref in FORMULAE:
        tracking_number_issue(series=default_series, reference=ref)

    response = viewer.post(EXPORT_URL, {"format": fmt})

    assert response.status_code == 200
    body = (
        b"".join(response.streaming_content) if response.streaming else response.content
    )
    if fmt == CSV_FORMAT:
        refs = [r["reference"] for r in _csv(response)]
    elif fmt == JSON_FORMAT:
        refs = [r["reference"] for r in json.loads(body)]
    else:
        sheet = load_workbook(io.BytesIO(body)).active
        assert "f" not in {c.data_type for row in sheet.iter_rows() for c in row}
        column = [c.value for c in next(sheet.iter_rows())].index("reference")
        refs = [r[column] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert sorted(refs) == sorted("'" + f for f in FORMULAE)


def test_the_export_action_exports_the_selection(viewer, default_series):
    numbers = tracking_number_issue(series=default_series, count=5)
    chosen = [numbers[0].pk, numbers[3].pk]

    form = viewer.post(
        CHANGELIST, {"action": "export_admin_action", "_selected_action": chosen}
    )
    response = viewer.post(EXPORT_URL, {"format": CSV_FORMAT, "export_items": chosen})

    assert form.status_code == 200
    assert sorted(r["number"] for r in _csv(response)) == sorted(
        [numbers[0].number, numbers[3].number]
    )


@pytest.mark.parametrize(("fmt", "ext"), [(XLSX_FORMAT, "xlsx"), (JSON_FORMAT, "json")])
def test_it_exports_xlsx_and_json(viewer, default_series, fmt, ext):
    tracking_number_issue(series=default_series, count=2)

    response = viewer.post(EXPORT_URL, {"format": fmt})

    assert response.status_code == 200
    assert f'.{ext}"' in response["Content-Disposition"]


def test_a_large_export_runs_in_the_background_and_downloads(
    viewer,
    viewer_user,
    default_series,
    settings,
    django_capture_on_commit_callbacks,
    tmp_path,
):
    settings.PORTAL_EXPORT_SYNC_MAX_ROWS = 5
    settings.MEDIA_ROOT = str(tmp_path)
    numbers = tracking_number_issue(series=default_series, count=12)

    with django_capture_on_commit_callbacks(execute=True):
        response = viewer.post(
            f"{EXPORT_URL}?q=TN", {"format": CSV_FORMAT}, follow=True
        )

    job = ExportJob.objects.get()
    assert response.redirect_chain[-1][0] == reverse(
        "admin:tracking_exportjob_change", args=[job.pk]
    )
    assert EXPORT_QUEUED.format(rows=5) in [
        str(m) for m in response.context["messages"]
    ]
    assert (job.status, job.rows, job.requested_by, job.filters) == (
        "done",
        12,
        viewer_user,
        {"q": "TN"},
    )
    download = viewer.get(reverse("admin:tracking_exportjob_download", args=[job.pk]))
    assert download.status_code == 200
    assert sorted(r["number"] for r in _csv(download)) == sorted(
        n.number for n in numbers
    )


def test_a_list_filter_added_to_the_admin_is_honoured_by_a_background_export(
    viewer, default_series, settings, django_capture_on_commit_callbacks, tmp_path
):
    # A filter the admin gains later (here: by API client) needs no change
    # to the export: the job rebuilds the changelist's own queryset.
    settings.PORTAL_EXPORT_SYNC_MAX_ROWS = 2
    settings.MEDIA_ROOT = str(tmp_path)
    numbers_admin = admin.site.get_model_admin(TrackingNumber)
    shop, _ = api_client_create(name="shop")
    other, _ = api_client_create(name="other")
    wanted = tracking_number_issue(series=default_series, count=4, client=shop)
    tracking_number_issue(series=default_series, count=3, client=other)

    with (
        patch.object(
            numbers_admin, "list_filter", (*numbers_admin.list_filter, "client")
        ),
        django_capture_on_commit_callbacks(execute=True),
    ):
        viewer.post(f"{EXPORT_URL}?client__id__exact={shop.pk}", {"format": CSV_FORMAT})

    job = ExportJob.objects.get()
    assert (job.status, job.rows) == ("done", 4)
    download = viewer.get(reverse("admin:tracking_exportjob_download", args=[job.pk]))
    assert sorted(r["number"] for r in _csv(download)) == sorted(
        n.number for n in wanted
    )


def _content(response, fmt: str):
    body = (
        b"".join(response.streaming_content) if response.streaming else response.content
    )
    if fmt != XLSX_FORMAT:
        return body
    # A workbook's zip carries its creation time; compare the cells.
    return list(load_workbook(io.BytesIO(body)).active.iter_rows(values_only=True))


@pytest.mark.parametrize("fmt", [CSV_FORMAT, XLSX_FORMAT, JSON_FORMAT])
def test_an_export_is_the_same_file_in_the_request_and_in_the_background(
    viewer, default_series, settings, django_capture_on_commit_callbacks, tmp_path, fmt
):
    settings.MEDIA_ROOT = str(tmp_path)
    numbers = tracking_number_issue(series=default_series, count=3, reference="=1")
    tracking_number_void(number=numbers[0], reason="@label")

    in_request = viewer.post(EXPORT_URL, {"format": fmt})
    settings.PORTAL_EXPORT_SYNC_MAX_ROWS = 2
    with django_capture_on_commit_callbacks(execute=True):
        viewer.post(EXPORT_URL, {"format": fmt})
    job = ExportJob.objects.get()
    background = viewer.get(reverse("admin:tracking_exportjob_download", args=[job.pk]))

    assert _content(in_request, fmt) == _content(background, fmt)


def test_an_export_file_is_served_only_to_its_owner(
    client, viewer_user, operator_user, default_series, tmp_path, settings
):
    from tracking.admin.exports import export_queryset
    from tracking.services import export_create, export_run

    settings.MEDIA_ROOT = str(tmp_path)
    tracking_number_issue(series=default_series, count=2)
    job = export_create(format="csv", filters={}, user=viewer_user)
    job = export_run(export=job, queryset=export_queryset(job))
    url = reverse("admin:tracking_exportjob_download", args=[job.pk])

    client.force_login(operator_user)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the login page
    assert "/media/" not in url


def test_a_user_without_export_permission_gets_403(client, default_series, db):
    from django.contrib.auth.models import User

    user = User.objects.create_user("nobody", password="x", is_staff=True)
    client.force_login(user)

    assert client.post(EXPORT_URL, {"format": CSV_FORMAT}).status_code == 403


# IMPORT
# ------------------------------------------------------------------------------


def _upload(client, rows: list[list[str]]):
    body = io.StringIO()
    csv.writer(body).writerows([["number", "series", "reference"], *rows])
    upload = SimpleUploadedFile("numbers.csv", body.getvalue().encode(), "text/csv")
    return client.post(IMPORT_URL, {"import_file": upload, "format": CSV_FORMAT})


def _row_errors(response) -> dict[int, list[str]]:
    result = response.context["result"]
    return {
        row.number: [str(m) for msgs in row.error_dict.values() for m in msgs]
        for row in result.invalid_rows
    }


def test_import_preview_reports_bad_rows_and_writes_nothing(
    administrator, carrier_block
):
    series_reserve_for_import(series=carrier_block)
    good = series_number_format(series=carrier_block, serial=50_000_001)
    typo = good[:5] + str((int(good[5]) + 1) % 10) + good[6:]
    _upload_response = _upload(
        administrator,
        [
            [good.lower().replace("rr", "rr "), "carrier-block", "A"],
            [typo, "carrier-block", "B"],
            ["RR12", "no-such-series", "C"],
            [good, "carrier-block", "dup"],
        ],
    )

    errors = _row_errors(_upload_response)
    assert sorted(errors) == [2, 3, 4]
    assert errors[2][0].startswith("Not a number of series 'carrier-block'")
    assert errors[3] == ["Unknown series 'no-such-series'."]
    assert IMPORT_NUMBER_EXISTS.format(number=good) in errors[4]
    assert (
        "confirm_form" not in _upload_response.context
        or not _upload_response.context["confirm_form"]
    )
    assert not TrackingNumber.objects.exists()


def test_import_refuses_serials_the_allocator_has_not_passed(
    administrator, carrier_block
):
    number = series_number_format(series=carrier_block, serial=50_000_005)

    response = _upload(administrator, [[number, "carrier-block", ""]])

    assert _row_errors(response) == {
        1: [IMPORT_SERIAL_UNISSUED.format(serial=50_000_005, code="carrier-block")]
    }
    assert not TrackingNumber.objects.exists()


def test_import_refuses_serials_of_a_batch_not_yet_written(
    administrator, carrier_block, django_capture_on_commit_callbacks
):
    # Created, not yet run: its block is behind the allocator, still empty.
    with django_capture_on_commit_callbacks(execute=False):
        batch = batch_create(series=carrier_block, quantity=20)
    inside = series_number_format(series=carrier_block, serial=batch.first_serial + 7)

    response = _upload(administrator, [[inside, "carrier-block", ""]])

    assert _row_errors(response) == {
        1: [
            IMPORT_SERIAL_IN_BATCH.format(
                serial=batch.first_serial + 7, batch=batch.pk, status="Pending"
            )
        ]
    }
    assert not TrackingNumber.objects.exists()
    # The batch then writes its whole block without a collision.
    assert batch_run(batch=batch).status == Batch.Status.DONE


def test_import_writes_only_after_confirmation(
    administrator, admin_user, carrier_block
):
    series_reserve_for_import(series=carrier_block)
    numbers = [
        series_number_format(series=carrier_block, serial=s)
        for s in (50_000_000, 50_000_042)
    ]

    preview = _upload(administrator, [[n, "carrier-block", "IN-1"] for n in numbers])
    assert not TrackingNumber.objects.exists()
    confirm = preview.context["confirm_form"]
    response = administrator.post(PROCESS_URL, {**confirm.initial})

    assert response.status_code == 302
    stored = TrackingNumber.objects.filter(series=carrier_block).order_by("serial")
    assert [(n.number, n.serial, n.reference, n.issued_by) for n in stored] == [
        (numbers[0], 50_000_000, "IN-1", admin_user),
        (numbers[1], 50_000_042, "IN-1", admin_user),
    ]


def test_an_operator_cannot_import(client, operator_user):
    client.force_login(operator_user)

    assert client.get(IMPORT_URL).status_code == 403
    assert client.post(PROCESS_URL, {}).status_code == 403
