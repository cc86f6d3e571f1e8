"""The stack under test: its own PostgreSQL behind a proxy, Redis, gunicorn
and a Celery worker, with beat's reconcile and a process manager's restart."""

from __future__ import annotations

import contextlib
import os
import random
import secrets
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from stack.postgres import Postgres
from stack.processes import PYTHON, ROOT, free_port
from stack.proxy import Proxy
from stack.redis_server import RedisServer
from stack.web import Gunicorn
from stack.workers import CeleryWorker, send_task


def say(message: str) -> None:
    print(f"chaos: {message}", flush=True)


def app_env(*, database_url: str, redis_url: str) -> dict[str, str]:
    """Env of every app process; nothing inherited points at shared services."""
    prefixes = ("DJANGO_", "DATABASE_", "REDIS_", "CELERY_", "TRACKING_", "TEST_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DJANGO_DEBUG="False",
        DJANGO_SECRET_KEY=secrets.token_hex(32),
        TRACKING_SCRAMBLE_KEY=secrets.token_hex(32),
        DJANGO_LOG_LEVEL="WARNING",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        CELERY_BROKER_URL=redis_url,
        # Short-lived persistent connections with health checks (base.py):
        # a connection broken by a fault is replaced at the next request.
        CONN_MAX_AGE="10",
        TRACKING_BATCH_CHUNK_SIZE="5000",
        TRACKING_BATCH_STALE_SECONDS="8",
        PYTHONUNBUFFERED="1",
    )
    return env


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(  # noqa: S603 - our own command
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=180,
    )
    return done.stdout


class ChaosStack:
    def __init__(self, results_dir: Path, *, web_workers: int) -> None:
        self.results_dir = results_dir
        self.tmp = Path(tempfile.mkdtemp(prefix="chaos-"))
        os.chmod(self.tmp, 0o755)  # noqa: S103 - postgres must enter it
        self.pg = Postgres(self.tmp, free_port())
        self.redis = RedisServer(free_port(), results_dir / "redis.log")
        self.proxy = Proxy(free_port(), self.pg.port, 3.0, results_dir / "proxy.log")
        self.web_port = free_port()
        self.web_workers = web_workers
        self.web: Gunicorn | None = None
        self.worker: CeleryWorker | None = None
        self.env: dict[str, str] = {}
        self.reconciling = threading.Event()
        self.reconciler: threading.Thread | None = None
        self.rnd = random.Random()
        self.worker_restarts: list[float] = []

    def start(self) -> str:
        """Bring everything up; return the chaos API client's token."""
        say(f"PostgreSQL 15 on 127.0.0.1:{self.pg.port} in {self.pg.data}")
        self.pg.init_and_start()
        self.pg.connect("postgres").cursor().execute("CREATE DATABASE tracking")
        self.proxy.start()
        self.redis.start()
        say(f"proxy :{self.proxy.listen}, redis :{self.redis.port}")
        self.env = app_env(
            database_url=(
                f"postgres://postgres@127.0.0.1:{self.proxy.listen}/tracking"
                "?connect_timeout=3"
            ),
            redis_url=self.redis.url,
        )
        manage(self.env, "migrate", "--noinput")
        out = manage(
            self.env, "create_api_client", "chaos", "--admin", "--rate", "1000000/s"
        )
        token = out.strip().splitlines()[-1]
        self.web = Gunicorn(
            self.env,
            port=self.web_port,
            workers=self.web_workers,
            log=self.results_dir / "web.log",
            args=["--timeout", "20", "--graceful-timeout", "5", "--backlog", "512"],
        )
        self.web.start()
        self.worker = CeleryWorker(self.env, log=self.results_dir / "worker.log")
        self.worker.start()
        self.reconciler = threading.Thread(target=self._reconcile_loop, daemon=True)
        self.reconciler.start()
        say(f"gunicorn ({self.web_workers} workers) :{self.web_port}, celery worker")
        return token

    def _reconcile_loop(self) -> None:
        """Beat and the process manager: bounded by the run (see stop()).

        Every 3 s: send ``batch_reconcile`` as beat would, and start the
        Celery worker again if it exited, as ``restart: unless-stopped``
        does in docker-compose.yml (kombu 5.7 ends the worker with
        "Unrecoverable error: AttributeError" when Redis restarts).
        """
        for _ in range(2000):
            if self.reconciling.wait(3):
                return
            with contextlib.suppress(Exception):
                send_task(
                    self.redis.url,
                    "tracking.tasks.batch_reconcile",
                    retry=False,
                    timeout=1,
                )
            worker = self.worker
            if worker and worker.exited():
                code = worker.proc.returncode
                self.worker_restarts.append(round(time.time(), 3))
                say(f"celery worker exited ({code}); starting it again")
                worker.start()

    def stop(self) -> None:
        self.reconciling.set()
        for name, step in (
            ("gunicorn", lambda: self.web and self.web.stop(timeout=10)),
            ("celery", lambda: self.worker and self.worker.stop(timeout=15)),
            ("proxy", self.proxy.stop),
            ("redis", self.redis.stop),
            ("postgres", self.pg.stop),
        ):
            try:
                step()
            except Exception as e:
                say(f"warning: stopping {name}: {e}")
        if self.reconciler is not None:
            self.reconciler.join(10)
        shutil.rmtree(self.tmp, ignore_errors=True)
