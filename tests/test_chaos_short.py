"""The short fault-injection run (``python -m scripts.chaos --short``) passes.

The script starts its own PostgreSQL cluster, Redis, proxy, gunicorn and
Celery worker on free loopback ports (nothing shared is touched), loads the
API while it kills and restarts them, and checks the results; ``make
chaos`` runs the full form.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.stack

ROOT = Path(__file__).resolve().parents[1]


def test_short_chaos_run_loses_and_duplicates_nothing(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "scripts.chaos", "--short", "--results-dir", tmp_path],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    print(done.stdout[-6000:], done.stderr[-3000:])
    metrics = dict(
        line.split(" ", 2)[1:]
        for line in done.stdout.splitlines()
        if line.startswith("CHAOS ")
    )
    assert done.returncode == 0
    assert metrics["result"] == "PASS"
    assert int(metrics["acknowledged"]) > 100
    assert metrics["duplicated"] == metrics["lost"] == metrics["db_duplicates"] == "0"
    assert metrics["http_500"] == metrics["replay_mismatches"] == "0"
    assert metrics["batch_status"] == "done"
    assert metrics["batch_block_filled"] == "True"
    for fault in (
        "kill_web_worker",
        "restart_postgres",
        "restart_redis",
        "drop_db_connections",
        "cancel_allocator_calls",
    ):
        assert int(metrics[f"fault_{fault}"]) >= 1
    assert metrics["series_stalled"] == "0"
    log = next(tmp_path.glob("*/operations.jsonl"))
    assert log.stat().st_size > 0
