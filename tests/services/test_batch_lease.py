"""The batch runner's lease: one runner at a time, taken over once it expires."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from tracking import allocation
from tracking.models import Batch, TrackingNumber
from tracking.services import batch_reconcile, batch_run


@pytest.fixture
def batch(default_series) -> Batch:
    return Batch.objects.create(
        series=default_series, quantity=250, first_serial=500_000, source="portal"
    )


def hold_lease(batch: Batch, seconds: float) -> None:
    """Leave the lease as a runner on another host would (or a killed one)."""
    Batch.objects.filter(pk=batch.pk).update(
        status=Batch.Status.RUNNING,
        locked_by="worker-7:4242:dead",
        lease_until=timezone.now() + timedelta(seconds=seconds),
    )


@override_settings(TRACKING_BATCH_STALE_SECONDS=0)
def test_a_live_lease_keeps_every_other_runner_and_the_reconciler_out(batch):
    hold_lease(batch, 60)
    assert batch_run(batch=batch) is None
    assert batch_reconcile() == []
    assert not TrackingNumber.objects.filter(batch=batch).exists()
    assert Batch.objects.get(pk=batch.pk).locked_by == "worker-7:4242:dead"


@override_settings(TRACKING_BATCH_CHUNK_SIZE=100)
def test_an_expired_lease_is_taken_over_and_the_batch_finished(batch):
    hold_lease(batch, -1)
    finished = batch_run(batch=batch)
    assert (finished.status, finished.done) == (Batch.Status.DONE, 250)
    serials = TrackingNumber.objects.filter(batch=batch).values_list(
        "serial", flat=True
    )
    assert sorted(serials) == list(range(500_000, 500_250))


@override_settings(TRACKING_BATCH_CHUNK_SIZE=100, TRACKING_BATCH_STALE_SECONDS=0)
def test_the_reconciler_resumes_a_batch_whose_lease_expired(batch):
    hold_lease(batch, -1)
    assert batch_reconcile() == [batch.pk]
    assert Batch.objects.get(pk=batch.pk).status == Batch.Status.DONE


@override_settings(TRACKING_BATCH_CHUNK_SIZE=100)
def test_a_run_leaves_neither_a_lease_nor_a_lock_behind(batch):
    stopped = batch_run(batch=batch, max_seconds=0)  # one chunk, then stop
    assert (stopped.status, stopped.done) == (Batch.Status.RUNNING, 100)
    assert (stopped.locked_by, stopped.lease_until) == ("", None)
    with connection.cursor() as cursor:
        # Only this database's: other test runs may share the server. The
        # allocator's own lock is a transaction lock: it ends with the test's
        # transaction, which wraps the batch's creation.
        cursor.execute(
            "SELECT count(*) FROM pg_locks JOIN pg_database d ON d.oid = database"
            " WHERE locktype = 'advisory' AND d.datname = current_database()"
            " AND classid <> %s",
            [allocation.LOCK_NAMESPACE],
        )
        assert cursor.fetchone()[0] == 0
    # The next message resumes at once: nothing waits for a lease to expire.
    assert batch_run(batch=batch).status == Batch.Status.DONE
