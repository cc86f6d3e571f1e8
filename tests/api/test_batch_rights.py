"""Who may create batches, how many at once, retries and the caller's list."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import override_settings
from rest_framework.test import APIClient

from tracking import messages
from tracking.allocation import series_remaining
from tracking.models import ApiClient, Batch, IdempotencyRecord, Series

URL = "/tracking/batches/"


def remaining() -> int:
    return series_remaining(Series.objects.get(code="default"))


def test_a_client_without_the_right_gets_403_saying_how_to_get_it(api):
    before = remaining()
    response = api.post(URL, {"quantity": 10}, format="json")
    assert response.status_code == 403
    assert response.json() == {"detail": messages.BATCH_FORBIDDEN}
    assert "create_api_client NAME --batches" in messages.BATCH_FORBIDDEN
    assert not Batch.objects.exists()
    assert remaining() == before
    # Reading is not creating: the (empty) list is open to every client.
    assert api.get(URL).json()["results"] == []


@pytest.mark.parametrize(
    ("switches", "allowed"), [([], False), (["--batches"], True), (["--admin"], True)]
)
def test_create_api_client_grants_batches_with_batches_or_admin(
    default_series, capsys, switches, allowed
):
    call_command("create_api_client", "cli-made", *switches)
    token = capsys.readouterr().out.strip().splitlines()[-1]
    http = APIClient()
    http.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = http.post(URL, {"quantity": 3}, format="json")
    assert response.status_code == (202 if allowed else 403)
    assert ApiClient.objects.get(name="cli-made").can_create_batches is allowed


def test_a_retried_batch_with_the_same_key_is_the_same_batch(make_client):
    _, http = make_client("retrier", can_create_batches=True)
    before = remaining()
    answers = [
        http.post(URL, {"quantity": 500}, format="json", HTTP_IDEMPOTENCY_KEY="lot-9")
        for _ in range(3)
    ]
    assert [a.status_code for a in answers] == [202, 202, 202]
    assert answers[0].json() == answers[1].json() == answers[2].json()
    assert Batch.objects.count() == 1
    assert remaining() == before - 500  # one block reserved, not three
    other = http.post(
        URL, {"quantity": 501}, format="json", HTTP_IDEMPOTENCY_KEY="lot-9"
    )
    assert other.status_code == 409
    assert other.json()["detail"] == messages.IDEMPOTENCY_KEY_REUSED
    assert Batch.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1


def test_a_refused_batch_stores_no_answer_for_its_key(make_client):
    _, http = make_client("retrier", can_create_batches=True)
    bad = http.post(
        URL, {"quantity": 5, "series": "nope"}, format="json", HTTP_IDEMPOTENCY_KEY="k"
    )
    assert bad.status_code == 404
    assert not IdempotencyRecord.objects.exists()


def test_the_list_shows_the_callers_batches_in_cursor_pages(make_client):
    _, mine = make_client("mine", can_create_batches=True)
    _, theirs = make_client("theirs", can_create_batches=True)
    own = [
        mine.post(URL, {"quantity": q}, format="json").json()["id"] for q in (1, 2, 3)
    ]
    theirs.post(URL, {"quantity": 4}, format="json")
    first = mine.get(URL, {"page_size": 2}).json()
    assert [b["id"] for b in first["results"]] == own[::-1][:2]
    assert first["results"][0]["quantity"] == 3
    second = mine.get(first["next"]).json()
    assert [b["id"] for b in second["results"]] == own[:1]
    assert second["next"] is None
    # A misspelt parameter is refused, not ignored.
    assert mine.get(URL, {"pagesize": 2}).status_code == 400
    assert mine.get(URL, {"cursor": "nonsense"}).status_code == 404


@override_settings(TRACKING_CLIENT_OPEN_BATCHES_MAX=2)
def test_a_client_may_have_only_so_many_unfinished_batches(make_client):
    _, http = make_client("greedy", can_create_batches=True)
    # Not run (no on-commit callbacks executed): both stay pending.
    first, _ = (http.post(URL, {"quantity": 10}, format="json") for _ in range(2))
    before = remaining()
    refused = http.post(URL, {"quantity": 10}, format="json")
    assert refused.status_code == 429
    assert refused.json() == {"detail": messages.BATCHES_OPEN_MAX.format(count=2)}
    assert remaining() == before
    assert http.post(f"{URL}{first.json()['id']}/cancel/").status_code == 200
    assert http.post(URL, {"quantity": 10}, format="json").status_code == 202
