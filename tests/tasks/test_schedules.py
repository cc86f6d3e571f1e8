"""Recurring batches and pool rules: real beat processes and a real worker."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import redis
from django.test import override_settings
from django_celery_beat.models import PeriodicTask

from stack.workers import send_task
from tests.helpers.servers import celery_beat, celery_worker, stack_env, wait_for
from tracking import services
from tracking.exceptions import ValidationFailed
from tracking.messages import BEAT_NEVER_RAN, POOL_MINIMUM_INVALID
from tracking.models import Batch, ScheduleRun, TrackingNumber


def all_batches_finished() -> bool:
    return not Batch.objects.filter(status__in=["pending", "running"]).exists()


# SLOTS (in-process)
# ------------------------------------------------------------------------------


def test_a_crontab_slot_is_the_latest_tick_at_or_before_the_time(default_series):
    services.schedule_batch_save(
        name="nightly", series_code="default", quantity=5, crontab="0 2 * * *"
    )
    at = datetime(2026, 3, 10, 1, 59, 59, tzinfo=UTC)
    assert services.schedule_slot(schedule="nightly", at=at) == datetime(
        2026, 3, 9, 2, 0, tzinfo=UTC
    )
    for late in (timedelta(0), timedelta(hours=5), timedelta(hours=23, minutes=59)):
        at = datetime(2026, 3, 10, 2, 0, tzinfo=UTC) + late
        assert services.schedule_slot(schedule="nightly", at=at) == datetime(
            2026, 3, 10, 2, 0, tzinfo=UTC
        )


def test_an_interval_slot_is_on_a_grid_every_process_shares(default_series):
    services.schedule_batch_save(
        name="often", series_code="default", quantity=5, every_seconds=5
    )
    base = datetime(2026, 3, 10, 12, 0, 0, tzinfo=UTC)
    slots = {
        services.schedule_slot(schedule="often", at=base + timedelta(seconds=s / 10))
        for s in range(50)
    }
    assert slots == {base}


def test_one_slot_makes_one_batch_however_often_it_is_delivered(
    default_series, django_capture_on_commit_callbacks
):
    services.schedule_batch_save(
        name="nightly", series_code="default", quantity=7, crontab="0 2 * * *"
    )
    sent = datetime(2026, 3, 10, 2, 0, 1, tzinfo=UTC)
    with django_capture_on_commit_callbacks(execute=True):
        first = services.schedule_batch_run(
            schedule="nightly", series_code="default", quantity=7, sent_at=sent
        )
        again = services.schedule_batch_run(
            schedule="nightly",
            series_code="default",
            quantity=7,
            sent_at=sent + timedelta(hours=3),
        )
    assert first is not None
    assert again is None
    assert Batch.objects.count() == 1
    assert ScheduleRun.objects.get().batch == first
    assert TrackingNumber.objects.filter(batch=first).count() == 7


def test_a_pool_minimum_must_be_sensible(default_series):
    with pytest.raises(
        ValidationFailed,
        match=POOL_MINIMUM_INVALID.format(max=services.BATCH_QUANTITY_MAX),
    ):
        services.pool_top_up(series_code="default", minimum=0)


def test_the_system_schedules_are_registered_without_a_manual_step(db):
    from django.conf import settings

    names = services.periodic_tasks_sync()
    assert set(names) == set(settings.CELERY_BEAT_SCHEDULE)
    reconcile = PeriodicTask.objects.get(name="batch-reconcile")
    assert reconcile.task == "tracking.tasks.batch_reconcile"
    assert reconcile.interval.every <= 60


# REAL BEAT AND WORKER
# ------------------------------------------------------------------------------


@pytest.mark.stack
@pytest.mark.django_db(transaction=True)
def test_two_beats_make_one_batch_per_slot(default_series, broker, tmp_path):
    every = 2
    services.periodic_tasks_sync()  # as the first beat would; avoids a create race
    services.schedule_batch_save(
        name="every-2s", series_code="default", quantity=50, every_seconds=every
    )
    env = stack_env(broker)
    logs = [tmp_path / "beat-a.log", tmp_path / "beat-b.log"]
    with celery_worker(env, concurrency=2):
        with (
            celery_beat(env, str(tmp_path), str(logs[0])),
            celery_beat(env, str(tmp_path), str(logs[1])),
        ):
            started = time.time()
            time.sleep(11)
        stopped = time.time()
        wait_for(lambda: not redis.Redis.from_url(broker).llen("celery"), timeout=30)
        wait_for(all_batches_finished, timeout=30)
    runs = list(ScheduleRun.objects.filter(schedule="every-2s"))
    slots = [run.slot for run in runs]
    assert len(slots) == len(set(slots))
    assert all(slot.timestamp() % every == 0 for slot in slots)
    # At most one batch per 2-second slot of the time beat was running,
    # and beat did run: at least three slots got their batch.
    possible = int(stopped // every) - int(started // every) + 1
    assert 3 <= len(runs) <= possible
    batches = Batch.objects.filter(source=Batch.Source.SCHEDULE)
    assert batches.count() == len(runs)
    assert {run.batch_id for run in runs} == set(batches.values_list("pk", flat=True))
    assert TrackingNumber.objects.count() == 50 * len(runs)
    # Both beats sent the schedule, so about half the messages found their
    # slot taken.
    sends = [log.read_text().count("Sending due task every-2s") for log in logs]
    assert min(sends) >= 3
    assert sum(sends) > len(runs)


@pytest.mark.stack
@pytest.mark.django_db(transaction=True)
def test_a_late_delivery_keeps_the_slot_beat_sent_it_for(default_series, broker):
    from config.celery_app import _stamp_beat_send_time

    headers = {"periodic_task_name": "hourly"}
    _stamp_beat_send_time(headers=headers)  # what beat's publish does
    assert abs(headers["beat_sent_at"] - time.time()) < 5
    services.schedule_batch_save(
        name="hourly", series_code="default", quantity=3, crontab="0 * * * *"
    )
    sent = datetime.now(UTC) - timedelta(hours=2)
    env = stack_env(broker)
    with celery_worker(env):
        send_task(
            broker,
            "tracking.tasks.schedule_batch",
            headers={"periodic_task_name": "hourly", "beat_sent_at": sent.timestamp()},
            series="default",
            quantity=3,
        )
        run = wait_for(lambda: ScheduleRun.objects.first(), timeout=20)
        wait_for(all_batches_finished, timeout=20)
    assert run.schedule == "hourly"
    assert run.slot == sent.replace(minute=0, second=0, microsecond=0)


@pytest.mark.stack
@pytest.mark.django_db(transaction=True)
def test_a_pool_rule_tops_up_to_its_level_and_not_beyond(default_series, broker):
    services.pool_rule_save(
        name="keep-5000", series_code="default", minimum=5000, crontab="*/5 * * * *"
    )
    env = stack_env(broker, TRACKING_BATCH_CHUNK_SIZE="2000")
    with celery_worker(env, concurrency=2):
        # Delivered twice at once (two beats, or a redelivery).
        for _ in range(2):
            send_task(
                broker, "tracking.tasks.pool_top_up", series="default", minimum=5000
            )
        wait_for(lambda: Batch.objects.exists(), timeout=20)
        wait_for(all_batches_finished, timeout=30)
        assert Batch.objects.filter(source=Batch.Source.POOL).count() == 1
        assert services.pool_unassigned(series=default_series) == 5000
        # 1,200 numbers get used; the next run tops up exactly those.
        used = TrackingNumber.objects.order_by("serial").values_list("pk", flat=True)
        TrackingNumber.objects.filter(pk__in=list(used[:1200])).update(
            status=TrackingNumber.Status.USED
        )
        assert services.pool_unassigned(series=default_series) == 3800
        send_task(broker, "tracking.tasks.pool_top_up", series="default", minimum=5000)
        wait_for(
            lambda: Batch.objects.filter(source=Batch.Source.POOL).count() == 2,
            timeout=20,
        )
        wait_for(all_batches_finished, timeout=30)
        # Full: a further run makes nothing.
        send_task(broker, "tracking.tasks.pool_top_up", series="default", minimum=5000)
        wait_for(lambda: not redis.Redis.from_url(broker).llen("celery"), timeout=20)
        time.sleep(1.5)
    pool = Batch.objects.filter(source=Batch.Source.POOL).order_by("pk")
    assert [b.quantity for b in pool] == [5000, 1200]
    assert services.pool_unassigned(series=default_series) == 5000
    assert TrackingNumber.objects.count() == 6200


def test_the_command_registers_schedules_and_saves_a_recurring_batch(default_series):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command(
        "setup_periodic_tasks",
        "--batch",
        "nightly",
        "--series",
        "default",
        "--quantity",
        "500000",
        "--crontab",
        "0 2 * * *",
        stdout=out,
    )
    assert "Recurring batch 'nightly' saved." in out.getvalue()
    task = PeriodicTask.objects.get(name="nightly")
    assert task.task == "tracking.tasks.schedule_batch"
    assert task.kwargs == '{"series": "default", "quantity": 500000}'
    assert (task.crontab.minute, task.crontab.hour) == ("0", "2")
    assert PeriodicTask.objects.filter(name="batch-reconcile").exists()


@pytest.mark.stack
@pytest.mark.django_db(transaction=True)
def test_beats_health_check_follows_its_heartbeat(broker, tmp_path):
    from django.core.management import CommandError, call_command

    heartbeat = tmp_path / "heartbeat"
    env = stack_env(broker, CELERY_BEAT_HEARTBEAT_FILE=str(heartbeat))
    with override_settings(CELERY_BEAT_HEARTBEAT_FILE=str(heartbeat)):
        with pytest.raises(CommandError, match=re.escape(BEAT_NEVER_RAN[:20])):
            call_command("beat_health", stdout=StringIO())
        with celery_beat(env, str(tmp_path)):
            wait_for(heartbeat.exists, timeout=30)
            first = heartbeat.stat().st_mtime
            wait_for(lambda: heartbeat.stat().st_mtime > first, timeout=10)
            call_command("beat_health", "--max-age", "3", stdout=StringIO())
        time.sleep(4)
        with pytest.raises(CommandError, match="Beat's last tick was"):
            call_command("beat_health", "--max-age", "3", stdout=StringIO())
