"""Start the real processes tests drive: gunicorn (and, later, Celery)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_database_url() -> str:
    """The URL of the database the running test uses, for child processes."""
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST']}:{s['PORT'] or 5432}/{s['NAME']}"


def child_env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": test_database_url()}
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    env.update(extra)
    return env


def wait_http(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def wait_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        if time.monotonic() > deadline:
            raise TimeoutError(f"nothing listens on port {port}")
        time.sleep(0.05)


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
    request has been sent.

    Its log goes to a file (an unread pipe would fill up and stall every
    worker on its next log line); the file's tail is printed on the way out
    so a failing test shows what the server said.
    """
    port = free_port()
    log = tempfile.NamedTemporaryFile("w+", prefix="gunicorn-", suffix=".log")  # noqa: SIM115 - closed in finally
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--timeout",
            "60",
        ],
        cwd=ROOT,
        env=env or child_env(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        if ready_path is None:
            wait_port(port)
        else:
            wait_http(base + ready_path)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.seek(0)
        print("".join(log.readlines()[-40:]))
        log.close()


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


class Worker:
    """A real ``celery -A config worker`` in its own process group."""

    def __init__(
        self, env: dict[str, str], concurrency: int = 1, logfile: str | None = None
    ) -> None:
        self.env = env
        self.concurrency = concurrency
        self.logfile = logfile
        self.proc: subprocess.Popen | None = None

    def start(self) -> Worker:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                # With a logfile, INFO: one "received"/"succeeded" line per task.
                *(
                    [f"--logfile={self.logfile}", "--loglevel=INFO"]
                    if self.logfile
                    else ["--loglevel=WARNING"]
                ),
                "--pool=prefork",
                f"--concurrency={self.concurrency}",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            # Its own group, so kill() takes the pool children down too.
            start_new_session=True,
        )
        return self

    def kill(self) -> None:
        """SIGKILL the whole worker, pool children included: no cleanup."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, 9)
            self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, 15)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


@contextlib.contextmanager
def celery_worker(
    env: dict[str, str], concurrency: int = 1, logfile: str | None = None
) -> Iterator[Worker]:
    """Run a real Celery worker for the test; stop it (TERM, then KILL) after."""
    worker = Worker(env, concurrency, logfile).start()
    try:
        yield worker
    finally:
        worker.stop()


@contextlib.contextmanager
def celery_beat(
    env: dict[str, str], schedule_dir: str, logfile: str | None = None
) -> Iterator[subprocess.Popen]:
    """Run a real ``celery -A config beat`` (the database scheduler).

    With ``logfile``, beat logs at INFO there, one line per task it sends.
    """
    log = [f"--logfile={logfile}", "--loglevel=INFO"] if logfile else []
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "beat",
            *(log or ["--loglevel=WARNING"]),
            "--max-interval=1",
            f"--pidfile={schedule_dir}/beat-{free_port()}.pid",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        yield proc
    finally:
        os.killpg(proc.pid, 15)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()


def send_task(
    broker_url: str, name: str, *args, headers: dict | None = None, **kwargs
) -> None:
    """Publish a task by name to a real broker, as another process would."""
    from celery import Celery

    app = Celery("tests-sender", broker=broker_url, set_as_current=False)
    app.conf.task_serializer = "json"
    try:
        app.send_task(name, args=args, kwargs=kwargs, headers=headers)
    finally:
        app.close()


def wait_for(predicate, *, timeout: float, interval: float = 0.05):
    """Poll ``predicate`` until it returns something true; fail after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)
