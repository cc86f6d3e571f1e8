"""The embedded run's worker (tracking.embedded) as it starts: whatever a
crash or a restart left unfinished resumes at once. The live server is
tests/test_embedded_smoke.py."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from tests.factories import BatchFactory
from tracking.models import Batch
from tracking.services import batch_resume_all


def test_at_start_a_dead_runners_lease_is_freed_and_the_batch_finished(
    default_series,
):
    # Killed mid-chunk a minute ago: its lease would hold for one more.
    batch = BatchFactory(
        series=default_series,
        status=Batch.Status.RUNNING,
        locked_by="laptop:4242:dead",
        lease_until=timezone.now() + timedelta(seconds=60),
        heartbeat_at=timezone.now(),
    )
    assert batch_resume_all() == [batch.pk]
    batch.refresh_from_db()
    assert (batch.status, batch.done, batch.locked_by) == (Batch.Status.DONE, 40, "")
