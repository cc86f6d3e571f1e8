"""The real processes tests drive, on the test database: gunicorn, Celery.

The processes themselves come from the shared ``stack`` package; what is
the tests' own is the environment (the test database, eager or real broker)
and printing a server's log when a test fails.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from django.db import connection

from stack.processes import free_port, wait_port, wait_until
from stack.web import Gunicorn
from stack.workers import CeleryBeat, CeleryWorker


def test_database_url() -> str:
    """The URL of the database the running test uses, for child processes."""
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST']}:{s['PORT'] or 5432}/{s['NAME']}"


def child_env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": test_database_url()}
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    env.update(extra)
    return env


def stack_env(broker_url: str, **extra: str) -> dict[str, str]:
    """Env of a child that talks to a real broker (not eager, unlike tests)."""
    from django.conf import settings

    return child_env(
        # The test settings force in-process tasks; local ones read the broker.
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DJANGO_DEBUG="False",
        DJANGO_SECRET_KEY=settings.SECRET_KEY,
        TRACKING_SCRAMBLE_KEY=settings.TRACKING_SCRAMBLE_KEY,
        CELERY_BROKER_URL=broker_url,
        REDIS_URL=broker_url,
        **extra,
    )


@contextlib.contextmanager
def gunicorn(
    *,
    workers: int = 4,
    threads: int = 1,
    env: dict[str, str] | None = None,
    ready_path: str | None = "/healthz",
) -> Iterator[str]:
    """Run gunicorn on a free loopback port; yield its base URL.

    With ``ready_path`` None it yields once the port accepts, before any
    request has been sent. The tail of its log is printed on the way out,
    so a failing test shows what the server said.
    """
    with tempfile.TemporaryDirectory(prefix="gunicorn-") as tmp:
        log = Path(tmp) / "gunicorn.log"
        server = Gunicorn(
            env or child_env(),
            workers=workers,
            log=log,
            args=["--threads", str(threads), "--timeout", "60"],
        )
        try:
            server.start(ready=ready_path, timeout=30)
            if ready_path is None:
                wait_port(server.port)
            yield server.base
        finally:
            server.stop()
            print("".join(log.read_text().splitlines(keepends=True)[-40:]))


@contextlib.contextmanager
def celery_worker(
    env: dict[str, str], concurrency: int = 1, logfile: str | None = None
) -> Iterator[CeleryWorker]:
    """Run a real Celery worker for the test; stop it (TERM, then KILL) after.

    With ``logfile``, it logs at INFO there: one "received"/"succeeded" line
    per task.
    """
    worker = CeleryWorker(
        env,
        concurrency=concurrency,
        log=Path(logfile) if logfile else None,
        loglevel="INFO" if logfile else "WARNING",
    ).start()
    try:
        yield worker
    finally:
        worker.stop()


@contextlib.contextmanager
def celery_beat(
    env: dict[str, str], schedule_dir: str, logfile: str | None = None
) -> Iterator[CeleryBeat]:
    """Run a real ``celery -A config beat`` (the database scheduler).

    With ``logfile``, beat logs at INFO there, one line per task it sends.
    """
    beat = CeleryBeat(
        env,
        pidfile=Path(schedule_dir) / f"beat-{free_port()}.pid",
        log=Path(logfile) if logfile else None,
        loglevel="INFO" if logfile else "WARNING",
    ).start()
    try:
        yield beat
    finally:
        beat.stop()


def wait_for(predicate, *, timeout: float, interval: float = 0.05):
    """Poll ``predicate`` until it returns something true; fail after timeout."""
    return wait_until(
        predicate, timeout=timeout, what="condition", interval=interval, not_yet=()
    )
