"""The embedded default, run the way `make run` does: SQLite, no other service."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_make_run_steps_serve_a_number_on_sqlite(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    manage = [sys.executable, "manage.py"]
    run = {
        "cwd": ROOT,
        "env": env,
        "capture_output": True,
        "text": True,
        "timeout": 120,
    }
    migrated = subprocess.run([*manage, "migrate", "--noinput"], **run)
    assert migrated.returncode == 0, migrated.stderr
    setup = subprocess.run([*manage, "demo_setup"], **run)
    assert setup.returncode == 0, setup.stderr
    token = setup.stdout.strip().splitlines()[-1].removeprefix("API token: ")
    assert "Portal login: admin / " in setup.stdout

    port = _free_port()
    server = subprocess.Popen(
        [*manage, "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as r:
                    health = json.loads(r.read())
                break
            except OSError:
                assert time.monotonic() < deadline, "runserver did not start"
                time.sleep(0.3)
        assert health == {"status": "ok", "checks": {"database": "ok"}}
        request = urllib.request.Request(
            base + "/tracking/generate/",
            method="POST",
            headers={"Authorization": f"Token {token}"},
        )
        with urllib.request.urlopen(request, timeout=10) as r:
            assert r.status == 201
            body = json.loads(r.read())
        assert body["tracking_number"].startswith("TN")
        assert {"id", "uuid", "created_at"} <= set(body)
    finally:
        server.terminate()
        server.wait(timeout=10)
