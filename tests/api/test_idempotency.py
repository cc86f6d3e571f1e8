"""Idempotency-Key: a client that retries gets the same numbers, never new ones."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.helpers.servers import gunicorn
from tracking.messages import IDEMPOTENCY_KEY_EMPTY
from tracking.models import Batch, IdempotencyRecord, TrackingNumber
from tracking.services import api_client_create, series_ensure_default

URL = "/tracking/generate/"


def test_100_sequential_repeats_give_one_row_and_identical_bodies(api):
    bodies = []
    for _ in range(100):
        response = api.post(
            URL, {"count": 2}, format="json", HTTP_IDEMPOTENCY_KEY="order-42"
        )
        assert response.status_code == 201
        bodies.append(response.json())
    assert all(b == bodies[0] for b in bodies)
    assert TrackingNumber.objects.count() == 2
    assert IdempotencyRecord.objects.count() == 1


def test_the_same_key_with_another_body_answers_409(api):
    first = api.post(URL, {"reference": "a"}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert first.status_code == 201
    again = api.post(URL, {"reference": "b"}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert again.status_code == 409
    assert "different request body" in again.json()["detail"]
    assert TrackingNumber.objects.count() == 1


@pytest.mark.parametrize(
    ("url", "body"), [(URL, {"count": 2}), ("/tracking/batches/", {"quantity": 10})]
)
@pytest.mark.parametrize("key", ["", "   "])
def test_an_empty_key_is_refused_not_taken_for_no_key(make_client, url, body, key):
    # A client whose template left the key out would otherwise get new
    # numbers on every retry, believing itself protected.
    _, http = make_client("orders", can_create_batches=True)
    response = http.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=key)

    assert response.status_code == 400
    assert response.json()["errors"] == {"Idempotency-Key": [IDEMPOTENCY_KEY_EMPTY]}
    assert not TrackingNumber.objects.exists()
    assert not Batch.objects.exists()


def test_the_schema_states_the_keys_length(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    for path in ("/tracking/generate/", "/tracking/batches/"):
        (header,) = [
            p
            for p in schema["paths"][path]["post"]["parameters"]
            if p["name"] == "Idempotency-Key"
        ]
        assert header["schema"]["minLength"] == 1
        assert header["schema"]["maxLength"] == 255
        assert "409" in header["description"]


def test_the_schema_documents_a_reused_key_as_the_409_it_is(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    for path in ("/tracking/generate/", "/tracking/batches/"):
        responses = schema["paths"][path]["post"]["responses"]
        assert "422" not in responses
        assert "another body" in responses["409"]["description"]


def test_keys_are_scoped_per_client(make_client):
    _, one = make_client("one")
    _, two = make_client("two")
    a = one.post(URL, HTTP_IDEMPOTENCY_KEY="shared").json()
    b = two.post(URL, HTTP_IDEMPOTENCY_KEY="shared").json()
    assert a["tracking_number"] != b["tracking_number"]
    assert TrackingNumber.objects.count() == 2


def test_a_failed_request_stores_no_answer(api):
    bad = api.post(URL, {"series": "nope"}, format="json", HTTP_IDEMPOTENCY_KEY="k2")
    assert bad.status_code == 404
    assert IdempotencyRecord.objects.count() == 0
    good = api.post(URL, format="json", HTTP_IDEMPOTENCY_KEY="k2")
    assert good.status_code == 201


@pytest.mark.stack
@pytest.mark.django_db(transaction=True)
def test_32_concurrent_requests_with_one_key_give_one_row():
    series_ensure_default()
    _, token = api_client_create(name="racer")
    start = threading.Barrier(32)
    with gunicorn(workers=4, threads=8) as base, ThreadPoolExecutor(32) as pool:
        answers = list(pool.map(lambda _: call(base, token, start), range(32)))
    codes = {code for code, _ in answers}
    assert codes <= {201, 409}, answers
    created = [body for code, body in answers if code == 201]
    assert created, "at least one request must succeed"
    assert all(body == created[0] for body in created)
    assert TrackingNumber.objects.count() == 3
    assert IdempotencyRecord.objects.count() == 1
    for code, body in answers:
        if code == 409:
            assert "still being processed" in body["detail"]


def call(base: str, token: str, start: threading.Barrier):
    request = urllib.request.Request(
        base + URL,
        data=json.dumps({"count": 3}).encode(),
        method="POST",
        headers={
            "Authorization": f"Token {token}",
            "Content-Type": "application/json",
            "Idempotency-Key": "same-key",
        },
    )
    start.wait(timeout=30)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())
