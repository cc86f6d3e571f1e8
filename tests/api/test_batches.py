"""Batches over the API: create, progress, CSV, cancel; faults and isolation.

Most tests run the batch in-process (the test settings' eager Celery); the
Redis-down test runs gunicorn against a broker on a closed port.
"""

from __future__ import annotations

import csv
import io
import json
import re
import urllib.error
import urllib.request

import pytest
from django.test import override_settings

from stack.processes import free_port
from tests.factories import BatchFactory
from tests.helpers.servers import gunicorn, stack_env
from tracking.allocation import series_remaining
from tracking.domain.timestamps import iso_utc
from tracking.messages import (
    BATCH_BROKER_UNAVAILABLE,
    BATCH_COLLISION,
    BATCH_NOT_CANCELLABLE,
    BATCH_NOT_FOUND,
    QUANTITY_RANGE,
    SERIES_EXHAUSTED,
    SERIES_INACTIVE,
    SERIES_UNKNOWN,
)
from tracking.models import Batch, Series, TrackingNumber
from tracking.services import (
    BATCH_QUANTITY_MAX,
    api_client_create,
    batch_reconcile,
    batch_run,
    series_save,
)
from tracking.services.exports import EXPORT_HEADER

URL = "/tracking/batches/"


@pytest.fixture
def api(make_client):
    """An ordinary API client given the right to create batches."""
    return make_client("label-printer", can_create_batches=True)[1]


@pytest.fixture
def create(django_capture_on_commit_callbacks):
    """POST a batch and run what its commit enqueued (the eager task)."""

    def post(http, body):
        with django_capture_on_commit_callbacks(execute=True):
            return http.post(URL, body, format="json")

    return post


def _series(code: str, *, end_offset: int | None = None, **kwargs) -> Series:
    series = Series(
        code=code,
        name=code,
        scheme=Series.Scheme.CUSTOM,
        prefix="BT",
        serial_width=8,
        check_char=Series.Check.LUHN,
        start=1000,
        **kwargs,
    )
    if end_offset is not None:
        series.end = series.start + end_offset
    return series_save(series=series)


def test_it_issues_a_batch_and_reports_progress(api, create):
    response = create(
        api, {"quantity": 1234, "reference_prefix": "ORDER-", "metadata": {"dock": 3}}
    )
    assert response.status_code == 202
    body = response.json()
    assert body["quantity"] == 1234
    assert body["series"] == "default"
    assert body["status"] == "pending"
    assert body["done"] == 0
    assert re.match(r"\d{4}-\d\d-\d\dT", body["created_at"])
    batch = Batch.objects.get(pk=body["id"])
    assert batch.source == Batch.Source.API
    numbers = TrackingNumber.objects.filter(batch=batch)
    assert numbers.count() == 1234
    serials = set(numbers.values_list("serial", flat=True))
    assert serials == set(range(batch.first_serial, batch.first_serial + 1234))
    first = numbers.get(serial=batch.first_serial)
    assert first.reference == "ORDER-1"
    assert first.effective_metadata == {"dock": 3}
    assert first.status == TrackingNumber.Status.ISSUED
    assert first.client_id == batch.client_id
    assert numbers.get(serial=batch.first_serial + 1233).reference == "ORDER-1234"
    progress = api.get(f"{URL}{batch.pk}/").json()
    assert (progress["done"], progress["status"], progress["progress"]) == (
        1234,
        "done",
        1.0,
    )


def test_the_csv_streams_every_number_in_serial_order(api, create):
    batch_id = create(api, {"quantity": 12_345}).json()["id"]
    response = api.get(f"{URL}{batch_id}/numbers.csv")
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == EXPORT_HEADER  # every CSV's layout
    assert len(rows) == 12_346
    stored = list(
        TrackingNumber.objects.filter(batch_id=batch_id)
        .order_by("serial")
        .values_list("number", flat=True)
    )
    assert [r[0] for r in rows[1:]] == stored


@pytest.mark.parametrize("prefix", ["=CMD|", "+CMD|", "-CMD|", "@CMD|"])
def test_a_spreadsheet_formula_in_a_reference_is_defused_in_the_csv(
    api, create, prefix
):
    batch_id = create(api, {"quantity": 2, "reference_prefix": prefix}).json()["id"]
    body = b"".join(api.get(f"{URL}{batch_id}/numbers.csv").streaming_content)
    rows = list(csv.reader(io.StringIO(body.decode())))
    assert rows[1][EXPORT_HEADER.index("reference")] == f"'{prefix}1"


@pytest.mark.parametrize("quantity", [0, -1, 10_000_001])
def test_it_rejects_a_quantity_out_of_range(api, quantity):
    response = api.post(URL, {"quantity": quantity}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["quantity"] == [
        QUANTITY_RANGE.format(max=BATCH_QUANTITY_MAX)
    ]
    assert not Batch.objects.exists()


def test_it_rejects_unknown_and_inactive_series(admin_api):
    response = admin_api.post(URL, {"quantity": 5, "series": "nope"}, format="json")
    assert response.status_code == 404
    assert response.json()["detail"] == SERIES_UNKNOWN.format(code="nope")
    _series("sleepy", active=False)
    response = admin_api.post(URL, {"quantity": 5, "series": "sleepy"}, format="json")
    assert response.status_code == 404
    assert response.json()["detail"] == SERIES_INACTIVE.format(code="sleepy")
    assert not Batch.objects.exists()


def test_a_batch_that_overruns_the_range_is_409_and_reserves_nothing(admin_api):
    small = _series("small", end_offset=99)
    response = admin_api.post(URL, {"quantity": 101, "series": "small"}, format="json")
    assert response.status_code == 409
    assert response.json()["detail"] == SERIES_EXHAUSTED.format(
        code="small", count="101 numbers", remaining=100, capacity=100
    )
    assert not Batch.objects.exists()
    # The whole range is still there: exactly 100 fit.
    response = admin_api.post(URL, {"quantity": 100, "series": "small"}, format="json")
    assert response.status_code == 202
    assert response.json()["first_serial"] == small.start


def test_a_client_sees_only_its_own_batches(make_client, admin_api, create):
    _, alice = make_client("alice", can_create_batches=True)
    _, bob = make_client("bob", can_create_batches=True)
    batch_id = create(alice, {"quantity": 3}).json()["id"]
    for path in ("", "numbers.csv"):
        response = bob.get(f"{URL}{batch_id}/{path}")
        assert response.status_code == 404
        assert response.json()["detail"] == BATCH_NOT_FOUND.format(id=batch_id)
    assert bob.post(f"{URL}{batch_id}/cancel/").status_code == 404
    assert admin_api.get(f"{URL}{batch_id}/").status_code == 200


def test_a_client_may_not_batch_a_series_it_was_not_granted(api):
    _series("private")
    response = api.post(URL, {"quantity": 3, "series": "private"}, format="json")
    assert response.status_code == 403
    assert not Batch.objects.exists()


def test_cancel_stops_a_pending_batch_and_refuses_a_finished_one(make_client):
    client, http = make_client("canceller")
    series = Series.objects.get(code="default")
    pending = Batch.objects.create(
        series=series, quantity=10, first_serial=900_000, source="api", client=client
    )
    response = http.post(f"{URL}{pending.pk}/cancel/")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    batch_run(batch=pending)  # a late delivery writes nothing
    assert not TrackingNumber.objects.filter(batch=pending).exists()
    response = http.post(f"{URL}{pending.pk}/cancel/")
    assert response.status_code == 409
    assert response.json()["detail"] == BATCH_NOT_CANCELLABLE.format(
        id=pending.pk, status="cancelled"
    )


@override_settings(TRACKING_BATCH_CHUNK_SIZE=100)
def test_a_run_resumes_at_done_and_a_second_run_adds_nothing(api):
    series = Series.objects.get(code="default")
    batch = BatchFactory(series=series, quantity=350)
    batch_run(batch=batch, max_seconds=0)  # one chunk, then stop
    batch.refresh_from_db()
    assert (batch.done, batch.status) == (100, Batch.Status.RUNNING)
    assert TrackingNumber.objects.filter(batch=batch).count() == 100
    batch_run(batch=batch)
    batch_run(batch=batch)
    batch.refresh_from_db()
    assert (batch.done, batch.status) == (350, Batch.Status.DONE)
    serials = list(
        TrackingNumber.objects.filter(batch=batch).values_list("serial", flat=True)
    )
    assert sorted(serials) == list(range(batch.first_serial, batch.first_serial + 350))


def test_a_row_already_in_the_block_fails_the_batch_loudly(db, default_series):
    # The done counter is the mechanism; the unique constraint only catches
    # a bug, and then the batch stops with a message instead of skipping.
    from tracking.tasks import batch_run_task

    batch = BatchFactory(series=default_series, quantity=5)
    batch_run(batch=batch)
    Batch.objects.filter(pk=batch.pk).update(done=2, status=Batch.Status.RUNNING)
    batch_run_task.delay(batch.pk)
    batch.refresh_from_db()
    assert batch.status == Batch.Status.FAILED
    assert batch.error.startswith(
        "TrackingError: " + BATCH_COLLISION.format(done=2, quantity=5)
    )
    assert "Key (" in batch.error  # the database names the colliding key
    assert TrackingNumber.objects.filter(batch=batch).count() == 5


@override_settings(TRACKING_BATCH_STALE_SECONDS=0)
def test_the_reconciler_finishes_a_stalled_batch(default_series):
    batch = BatchFactory(series=default_series, status=Batch.Status.RUNNING)
    assert batch_reconcile() == [batch.pk]
    batch.refresh_from_db()
    assert (batch.status, batch.done) == (Batch.Status.DONE, 40)


@pytest.mark.stack
@pytest.mark.django_db(transaction=True)
def test_with_redis_down_generate_works_and_batches_answer_503(default_series):
    _, token = api_client_create(name="outage", can_create_batches=True)
    closed = f"redis://127.0.0.1:{free_port()}/0"
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    remaining = series_remaining(default_series)
    with gunicorn(workers=1, env=stack_env(closed), ready_path="/api/schema/") as base:
        request = urllib.request.Request(
            base + "/tracking/generate/", method="POST", headers=headers
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 201
            assert json.load(response)["tracking_number"].startswith("TN")
        request = urllib.request.Request(
            base + URL,
            data=json.dumps({"quantity": 1000}).encode(),
            method="POST",
            headers=headers,
        )
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(request, timeout=10)
        assert caught.value.code == 503
        assert json.load(caught.value) == {"detail": BATCH_BROKER_UNAVAILABLE}
    assert not Batch.objects.exists()
    # One serial went to the generated number, none to the refused batch.
    assert series_remaining(default_series) == remaining - 1


def test_csv_cells_match_the_stored_values(api, create):
    batch_id = create(api, {"quantity": 3, "reference_prefix": 'R,"x'}).json()["id"]
    body = b"".join(api.get(f"{URL}{batch_id}/numbers.csv").streaming_content)
    rows = list(csv.reader(io.StringIO(body.decode())))
    stored = TrackingNumber.objects.filter(batch_id=batch_id).order_by("serial")
    for row, number in zip(rows[1:], stored, strict=True):
        assert row == [
            number.number,
            "default",
            str(number.serial),
            number.status,
            number.reference,
            iso_utc(number.created_at),
            str(number.uuid),
            "",
            "",
        ]


def test_batch_metadata_is_stored_once_and_shown_on_every_number(
    api, create, admin_client
):
    batch_id = create(
        api, {"quantity": 30, "metadata": {"order": "PO-77", "dock": 3}}
    ).json()["id"]
    numbers = TrackingNumber.objects.filter(batch_id=batch_id)
    # Not copied into each of up to 10,000,000 rows...
    assert numbers.count() == 30
    assert not numbers.exclude(metadata={}).exists()
    # ...yet every way of reading a number shows it.
    number = numbers.order_by("serial").last().number
    expected = {"order": "PO-77", "dock": 3}
    assert api.get(f"/tracking/numbers/{number}/").json()["metadata"] == expected
    listed = api.get("/tracking/numbers/", {"page_size": 30}).json()["results"]
    assert [n["metadata"] for n in listed] == [expected] * 30
    page = admin_client.get(
        f"/admin/tracking/trackingnumber/{numbers.get(number=number).pk}/change/"
    )
    assert "PO-77" in page.content.decode()


def test_the_batch_csv_is_every_exports_layout_voids_included(api, create):
    from tracking.services import tracking_number_void
    from tracking.services.exports import export_write

    batch_id = create(api, {"quantity": 3, "reference_prefix": "R"}).json()["id"]
    numbers = TrackingNumber.objects.filter(batch_id=batch_id).order_by("serial")
    tracking_number_void(number=numbers[1], reason='torn, "badly"')

    body = b"".join(api.get(f"{URL}{batch_id}/numbers.csv").streaming_content)
    exported = io.BytesIO()
    export_write(format="csv", queryset=numbers, out=exported)

    rows = list(csv.reader(io.StringIO(body.decode())))
    assert rows == list(csv.reader(io.StringIO(exported.getvalue().decode())))
    assert rows[2][EXPORT_HEADER.index("void_reason")] == 'torn, "badly"'
    assert rows[2][EXPORT_HEADER.index("voided_at")].endswith("Z")
