"""The embedded default, run the way `make run` does: SQLite, no other service."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter

import pytest

from tests.helpers.embedded import embedded_server, kill, manage, setup
from tests.helpers.servers import wait_for

# Each test starts the embedded server in its own process.
pytestmark = pytest.mark.stack


def test_make_run_steps_serve_a_number_on_sqlite(tmp_path):
    with embedded_server(tmp_path / "db.sqlite3") as server:
        assert "Portal login: admin / " in server.setup_output
        code, body = server.call("GET", "/healthz")
        health = json.loads(body)
        assert (code, health["status"], health["checks"]["database"]) == (
            200,
            "ok",
            "ok",
        )
        code, body = server.call("POST", "/tracking/generate/")
        assert code == 201
        number = json.loads(body)
        assert number["tracking_number"].startswith("TN")
        assert {"id", "uuid", "created_at"} <= set(number)
        # Nothing alarming on the terminal of someone who just ran `make run`.
        assert "Warning:" not in server.log_text()
        # A wrong URL is the product's answer, never Django's debug page.
        code, body = server.call("GET", "/no-such-page")
        assert code == 404
        assert b"DEBUG = True" not in body
        code, body = server.call("GET", "/static/admin/css/base.css")
        assert code == 200


def _generate_until(server, stop: threading.Event, codes: Counter):
    """POST /tracking/generate/ until told to stop (at most 2,000 times).

    Three of these and the polls stay under the demo client's 100/second.
    """
    for _ in range(2000):
        if stop.wait(0.05):
            return
        code, _ = server.call("POST", "/tracking/generate/")
        codes[code] += 1


def test_a_batch_runs_in_the_background_while_generate_writes(tmp_path):
    quantity = 20_000
    with embedded_server(tmp_path / "db.sqlite3") as server:
        stop = threading.Event()
        codes: Counter = Counter()
        writers = [
            threading.Thread(target=_generate_until, args=(server, stop, codes))
            for _ in range(3)
        ]
        for writer in writers:
            writer.start()
        try:
            time.sleep(0.5)  # the writers are writing
            started = time.monotonic()
            code, body = server.call(
                "POST", "/tracking/batches/", {"quantity": quantity}
            )
            answered_in = time.monotonic() - started
            assert code == 202, body
            batch = json.loads(body)
            assert batch["status"] in ("pending", "running")
            assert batch["done"] < quantity
            # "At once": queued, not written in the request.
            assert answered_in < 3, answered_in

            polls: Counter = Counter()
            progress = set()

            def finished():
                code, body = server.call("GET", f"/tracking/batches/{batch['id']}/")
                polls[code] += 1
                seen = json.loads(body) if code == 200 else {}
                if seen.get("status") == "running":
                    progress.add(seen["done"])
                return seen if seen.get("status") in ("done", "failed") else None

            final = wait_for(finished, timeout=180, interval=0.05)
        finally:
            stop.set()
            for writer in writers:
                writer.join(timeout=60)
        assert final["status"] == "done", final
        assert final["done"] == quantity
        assert set(polls) == {200}, polls
        # Progress was visible between start and finish.
        assert progress - {0, quantity}, progress
        assert set(codes) == {201}, codes
        assert codes[201] > 0
        code, body = server.call("GET", f"/tracking/batches/{batch['id']}/numbers.csv")
        rows = body.decode().splitlines()[1:]
        assert code == 200
        assert len(rows) == len(set(rows)) == quantity


def test_a_batch_cut_off_by_a_crash_is_finished_at_the_next_start(tmp_path):
    database = tmp_path / "db.sqlite3"
    quantity = 40_000
    with embedded_server(database) as server:
        code, body = server.call("POST", "/tracking/batches/", {"quantity": quantity})
        assert code == 202, body
        batch_id = json.loads(body)["id"]

        def running():
            _, body = server.call("GET", f"/tracking/batches/{batch_id}/")
            seen = json.loads(body)
            return 0 < seen["done"] < quantity and seen

        wait_for(running, timeout=120, interval=0.05)
        kill(server)
        token = server.token
    with embedded_server(database, setup_first=False) as server:
        server.token = token

        def batch():
            code, body = server.call("GET", f"/tracking/batches/{batch_id}/")
            assert code == 200, body
            return json.loads(body)

        # Resumed at once: not after the dead run's lease expires (60 s).
        at_start = batch()["done"]
        wait_for(lambda: batch()["done"] > at_start, timeout=30, interval=0.2)
        final = wait_for(
            lambda: (seen := batch())["status"] == "done" and seen,
            timeout=300,
            interval=0.5,
        )
        assert final["done"] == quantity
        code, body = server.call("GET", f"/tracking/batches/{batch_id}/numbers.csv")
        numbers = [line.split(",")[0] for line in body.decode().splitlines()[1:]]
        assert len(numbers) == len(set(numbers)) == quantity


def test_a_schedule_runs_on_the_embedded_server(tmp_path):
    database = tmp_path / "db.sqlite3"
    _, token = setup(database)
    manage(
        database,
        "setup_periodic_tasks",
        "--batch",
        "every-2s",
        "--series",
        "default",
        "--quantity",
        "5",
        "--every",
        "2",
    )
    with embedded_server(database, setup_first=False) as server:
        server.token = token  # the demo client administers: sees every batch

        def scheduled_batch_done():
            code, body = server.call("GET", "/tracking/batches/1/")
            batch = json.loads(body) if code == 200 else {}
            return batch.get("status") == "done" and batch

        batch = wait_for(scheduled_batch_done, timeout=60, interval=0.5)
        assert (batch["source"], batch["quantity"]) == ("schedule", 5)
    # Recorded under the schedule's own name, as the portal looks it up.
    runs = manage(
        database,
        "shell",
        "-c",
        "from tracking.models import ScheduleRun; "
        "print(set(ScheduleRun.objects.values_list('schedule', flat=True)))",
    )
    assert runs.strip().splitlines()[-1] == "{'every-2s'}"
