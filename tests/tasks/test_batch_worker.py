"""Batches on a real Celery worker over Redis, killed and redelivered.

Each test runs real child processes (gunicorn, ``celery worker``) against
the test database, with Redis database 14 (flushed first) as the broker.
"""

from __future__ import annotations

import json
import re
import time
import urllib.request

import pytest
import redis

from stack.workers import CeleryWorker, send_task
from tests.helpers.servers import celery_worker, gunicorn, stack_env, wait_for
from tracking.models import Batch, TrackingNumber
from tracking.services import api_client_create

pytestmark = [pytest.mark.stack, pytest.mark.django_db(transaction=True)]


def batch_state(batch_id: int) -> Batch:
    return Batch.objects.get(pk=batch_id)


def post_batch(base: str, token: str, quantity: int) -> int:
    request = urllib.request.Request(
        base + "/tracking/batches/",
        data=json.dumps({"quantity": quantity}).encode(),
        method="POST",
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 202
        return json.load(response)["id"]


def assert_block_filled(batch: Batch) -> None:
    rows = TrackingNumber.objects.filter(batch=batch)
    assert rows.count() == batch.quantity
    serials = list(rows.values_list("serial", flat=True))
    assert sorted(serials) == list(
        range(batch.first_serial, batch.first_serial + batch.quantity)
    )
    assert rows.values("number").distinct().count() == batch.quantity
    assert rows.values("uuid").distinct().count() == batch.quantity


def test_a_batch_survives_its_worker_killed_twice(default_series, broker):
    quantity = 200_000
    env = stack_env(
        broker, TRACKING_BATCH_CHUNK_SIZE="10000", TRACKING_BATCH_STALE_SECONDS="2"
    )
    _, token = api_client_create(name="bulk", can_create_batches=True)
    with gunicorn(workers=1, env=env) as base:
        worker = CeleryWorker(env).start()
        try:
            batch_id = post_batch(base, token, quantity)
            kills = []
            for _ in range(2):
                floor = kills[-1] if kills else 0
                # Kill mid-run: after at least three more chunks.
                wait_for(
                    lambda f=floor: batch_state(batch_id).done >= f + 30_000,
                    timeout=60,
                )
                worker.kill()
                done = batch_state(batch_id).done
                assert 0 < done < quantity
                kills.append(done)
                # The dead worker's message stays unacknowledged in Redis for
                # the visibility timeout; the reconciler (as beat would run
                # it) re-enqueues the batch once its heartbeat is stale.
                worker = CeleryWorker(env).start()
                time.sleep(2.5)
                assert batch_state(batch_id).done == done  # nothing ran it
                send_task(broker, "tracking.tasks.batch_reconcile")
            batch = wait_for(
                lambda: (b := batch_state(batch_id)).status == Batch.Status.DONE and b,
                timeout=90,
            )
        finally:
            worker.stop()
    assert len(kills) == 2
    assert batch.done == quantity
    assert_block_filled(batch)


def test_the_same_batch_delivered_twice_adds_nothing(default_series, broker):
    quantity = 30_000
    env = stack_env(broker, TRACKING_BATCH_CHUNK_SIZE="5000")
    _, token = api_client_create(name="twice", can_create_batches=True)
    with gunicorn(workers=1, env=env) as base:
        # Queued before any worker runs: the API's message plus a duplicate,
        # so a two-process worker takes both at once.
        batch_id = post_batch(base, token, quantity)
        send_task(broker, "tracking.tasks.batch_run", batch_id)
        with celery_worker(env, concurrency=2):
            batch = wait_for(
                lambda: (b := batch_state(batch_id)).status == Batch.Status.DONE and b,
                timeout=60,
            )
            # A third, late delivery of a finished batch.
            send_task(broker, "tracking.tasks.batch_run", batch_id)
            wait_for(
                lambda: not redis.Redis.from_url(broker).llen("celery"), timeout=20
            )
            time.sleep(1)
    assert batch.done == quantity
    assert_block_filled(batch)
    assert batch_state(batch_id).done == quantity
    assert TrackingNumber.objects.count() == quantity


def test_a_second_message_for_a_running_batch_does_not_spin(
    default_series, broker, tmp_path
):
    # Two messages for one batch on a two-process worker: one runs the whole
    # batch (one time slice), the other finds the lease taken and ends. It
    # must not requeue itself for as long as the batch runs.
    quantity = 60_000
    env = stack_env(broker, TRACKING_BATCH_CHUNK_SIZE="1000")
    _, token = api_client_create(name="spin", can_create_batches=True)
    log = tmp_path / "worker.log"
    with gunicorn(workers=1, env=env) as base:
        batch_id = post_batch(base, token, quantity)
        send_task(broker, "tracking.tasks.batch_run", batch_id)
        with celery_worker(env, concurrency=2, logfile=str(log)):
            wait_for(
                lambda: batch_state(batch_id).status == Batch.Status.DONE, timeout=120
            )
            wait_for(
                lambda: not redis.Redis.from_url(broker).llen("celery"), timeout=20
            )
            time.sleep(1)
    runs = re.findall(r"Task \S*batch_run\S*\[[^\]]+\] succeeded", log.read_text())
    assert len(runs) == 2, f"{len(runs)} executions of batch_run for one batch"
    assert_block_filled(batch_state(batch_id))


def test_batches_run_behind_pgbouncer_and_leave_no_lock(default_series, broker):
    # Transaction pooling with fewer server connections than clients: one
    # runner's transactions land on different server connections, so a lock
    # held across transactions would be left behind on one of them.
    from django.db import connection

    from tests.helpers.pgbouncer import pgbouncer

    _, token = api_client_create(name="pooled-bulk", can_create_batches=True)
    with pgbouncer(pool_size=2) as url:
        env = stack_env(
            broker,
            DATABASE_URL=url,
            DATABASE_PGBOUNCER="True",
            TRACKING_BATCH_CHUNK_SIZE="1000",
            TRACKING_BATCH_SLICE_SECONDS="0.2",
        )
        with gunicorn(workers=2, env=env) as base:
            ids = [post_batch(base, token, 15_000) for _ in range(3)]
            for batch_id in ids:  # a duplicate message for each
                send_task(broker, "tracking.tasks.batch_run", batch_id)
            with celery_worker(env, concurrency=3):
                wait_for(
                    lambda: all(
                        batch_state(i).status == Batch.Status.DONE for i in ids
                    ),
                    timeout=180,
                )
        # Still behind PgBouncer: its server connections are open.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_locks JOIN pg_database d ON d.oid = database"
                " WHERE locktype = 'advisory' AND d.datname = current_database()"
            )
            assert cursor.fetchone()[0] == 0
    for batch_id in ids:
        batch = batch_state(batch_id)
        assert (batch.locked_by, batch.lease_until) == ("", None)
        assert_block_filled(batch)
