"""The batch page: live progress, queued versus stalled, and resume."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

from django.urls import reverse
from django.utils import timezone

from tracking.messages import BATCH_NOT_STALLED
from tracking.models import Batch

CHANGELIST = reverse("admin:tracking_batch_changelist")


def _batch(series, *, heartbeat_ago: int | None, created_ago: int = 600, **fields):
    now = timezone.now()
    return Batch.objects.create(
        series=series,
        quantity=1000,
        first_serial=0,
        source="portal",
        created_at=now - timedelta(seconds=created_ago),
        heartbeat_at=None
        if heartbeat_ago is None
        else now - timedelta(seconds=heartbeat_ago),
        **fields,
    )


def _state(client, batch) -> dict:
    response = client.get(reverse("admin:tracking_batch_progress", args=[batch.pk]))
    assert response.status_code == 200
    return response.json()


def test_a_queued_batch_and_a_stalled_one_read_differently(operator, default_series):
    queued = _batch(default_series, heartbeat_ago=5)
    stalled = _batch(default_series, heartbeat_ago=3600, status="running", done=300)
    never_started = _batch(default_series, heartbeat_ago=None)
    leased = _batch(
        default_series,
        heartbeat_ago=3600,
        status="running",
        lease_until=timezone.now() + timedelta(minutes=5),
    )

    assert _state(operator, queued)["label"] == "Queued"
    assert _state(operator, stalled) == {
        "done": 300,
        "done_text": "300",
        "quantity": 1000,
        "percent": 30.0,
        "state": "stalled",
        "label": "Stalled: no heartbeat",
        "finished": False,
    }
    assert _state(operator, never_started)["state"] == "stalled"
    assert _state(operator, leased)["label"] == "Running"
    page = operator.get(CHANGELIST).content.decode()
    assert page.count("Stalled: no heartbeat") == 2
    assert "Queued" in page


def test_resume_enqueues_a_stalled_batch_and_refuses_a_queued_one(
    operator, default_series
):
    stalled = _batch(default_series, heartbeat_ago=3600)
    queued = _batch(default_series, heartbeat_ago=5)

    with mock.patch("tracking.services.batches._batch_enqueue") as enqueue:
        response = operator.post(
            CHANGELIST,
            {"action": "resume_selected", "_selected_action": [stalled.pk, queued.pk]},
            follow=True,
        )

    enqueue.assert_called_once_with(stalled.pk)
    messages = [str(m) for m in response.context["messages"]]
    assert BATCH_NOT_STALLED.format(id=queued.pk) in messages
    assert _state(operator, stalled)["label"] == "Queued"  # fresh heartbeat


def test_a_running_batch_page_carries_its_progress_url_a_finished_one_not(
    operator, default_series
):
    running = _batch(default_series, heartbeat_ago=1, status="running", done=10)
    done = _batch(default_series, heartbeat_ago=1, status="done", done=1000)
    url = reverse("admin:tracking_batch_progress", args=[running.pk])

    page = operator.get(reverse("admin:tracking_batch_change", args=[running.pk]))
    assert f'data-progress-url="{url}"' in page.content.decode()
    page = operator.get(reverse("admin:tracking_batch_change", args=[done.pk]))
    assert "data-progress-url" not in page.content.decode()
