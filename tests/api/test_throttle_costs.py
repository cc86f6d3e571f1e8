"""The rate limit counts numbers: `count` N and a batch of quantity N cost N."""

from __future__ import annotations

import pytest

from tracking import messages
from tracking.api import throttling
from tracking.models import Batch, TrackingNumber

GENERATE = "/tracking/generate/"
BATCHES = "/tracking/batches/"


@pytest.fixture
def limited(make_client, monkeypatch):
    """A client allowed 1,000 numbers an hour, with a fresh window."""
    monkeypatch.setattr(throttling, "_reserved", {})
    client, http = make_client("metered", rate="1000/hour", can_create_batches=True)
    redis = throttling._redis()

    def clear():
        # Ids restart with a new test database: a window left by an earlier
        # run (or read by a later test) must not count.
        for key in redis.scan_iter(f"throttle:{client.pk}:*"):
            redis.delete(key)

    clear()
    yield http
    clear()


def test_generate_is_charged_its_count(limited):
    assert limited.post(GENERATE, {"count": 600}, format="json").status_code == 201
    over = limited.post(GENERATE, {"count": 600}, format="json")
    assert over.status_code == 429
    assert limited.post(GENERATE, {"count": 400}, format="json").status_code == 201
    assert limited.post(GENERATE).status_code == 429
    assert TrackingNumber.objects.count() == 1000


def test_a_429_says_the_rate_counts_numbers_and_when_to_retry(limited):
    assert limited.post(GENERATE, {"count": 900}, format="json").status_code == 201
    over = limited.post(GENERATE, {"count": 200}, format="json")
    assert over.status_code == 429
    wait = int(over["Retry-After"])
    assert 0 < wait <= 3600
    assert over.json() == {
        "detail": messages.RATE_LIMITED.format(cost=200, rate="1000/hour", wait=wait)
    }


def test_a_batch_is_charged_its_quantity(limited):
    assert limited.post(BATCHES, {"quantity": 700}, format="json").status_code == 202
    assert limited.post(BATCHES, {"quantity": 400}, format="json").status_code == 429
    # What is left still serves a smaller request.
    assert limited.post(GENERATE, {"count": 300}, format="json").status_code == 201
    assert Batch.objects.count() == 1


def test_a_request_larger_than_the_whole_rate_says_so(limited):
    response = limited.post(BATCHES, {"quantity": 5000}, format="json")
    assert response.status_code == 429
    assert response.json() == {
        "detail": messages.RATE_COST_TOO_HIGH.format(cost=5000, rate="1000/hour")
    }
    assert not Batch.objects.exists()
    # Nothing was charged for it.
    assert limited.post(GENERATE, {"count": 1000}, format="json").status_code == 201


def test_an_invalid_count_is_a_400_charged_as_one_request(limited):
    response = limited.post(GENERATE, {"count": 10**9}, format="json")
    assert response.status_code == 400
    assert limited.post(GENERATE, {"count": 999}, format="json").status_code == 201
    assert limited.post(GENERATE).status_code == 429


def test_a_retry_with_a_stored_idempotency_key_is_not_charged_again(limited):
    def post():
        return limited.post(
            BATCHES, {"quantity": 700}, format="json", HTTP_IDEMPOTENCY_KEY="lot-1"
        )

    first = post()
    assert first.status_code == 202
    # 300 numbers are left in the window: the retry reserves nothing, so it
    # gets its batch back instead of a 429, charged as one request.
    again = post()
    assert again.status_code == 202
    assert again.json()["id"] == first.json()["id"]
    assert limited.post(GENERATE, {"count": 299}, format="json").status_code == 201
    assert limited.post(GENERATE).status_code == 429
