#!/usr/bin/env python
"""Fault-injection run of the whole stack, checked like Jepsen's set checker.

Starts its own stack on loopback and free ports - a throw-away PostgreSQL
15 cluster (``initdb`` as the ``postgres`` OS user), a TCP proxy in front of
it that can drop every connection, its own ``redis-server``, gunicorn (3
sync workers) and a Celery worker - loads ``POST /tracking/generate/`` from
many clients while it kills gunicorn workers, restarts PostgreSQL and
Redis and cuts database connections, then checks that no acknowledged
number was duplicated or lost, that retries with the same Idempotency-Key
returned the same numbers, that the batch created at the start finished
with exactly its quantity, and that every error answer was a 503 with a
clear JSON body (never a 500). Everything it started is stopped and its
temporary directory removed on the way out, failure or Ctrl-C included.

Beat is not started: this script sends ``tracking.tasks.batch_reconcile``
to the worker every few seconds itself, as beat would.

    python scripts/chaos.py              # full: 32 clients, 60 s, batch 200,000
    python scripts/chaos.py --short      # CI: 8 clients, 15 s, batch 50,000

Every operation is logged as a JSON line under ``chaos-results/<stamp>/``.
Exit status 0 only if every check passes.
"""

# ruff: noqa: S603, S607

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PG_BIN = Path(os.environ.get("CHAOS_PG_BIN", "/usr/lib/postgresql/15/bin"))
PYTHON = sys.executable
IN_PROGRESS_HINT = "still being processed"


# PROCESSES
# ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, *, timeout: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = predicate()
            if value:
                return value
        except Exception:  # noqa: S110 - not up yet
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} not ready within {timeout} s")
        time.sleep(interval)


def stop_group(proc: subprocess.Popen | None, *, timeout: float = 10) -> None:
    """TERM a child's process group, then KILL it; never raises."""
    if proc is None:
        return
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5)):
        if proc.poll() is not None:
            break
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=wait)
    # Children left in the group (pool processes, gunicorn workers).
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


class Postgres:
    """A throw-away PostgreSQL 15 cluster under ``base``, owned by postgres."""

    def __init__(self, base: Path, port: int) -> None:
        self.base = base / "pg"
        self.data = self.base / "data"
        self.sock = self.base / "sock"
        self.log = self.base / "postgres.log"
        self.port = port
        self.as_postgres = os.geteuid() == 0

    def _run(self, *args: str, timeout: float = 120) -> None:
        cmd = [str(PG_BIN / args[0]), *args[1:]]
        if self.as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(
            cmd,
            check=True,
            timeout=timeout,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    @property
    def _options(self) -> str:
        return (
            f"-p {self.port} -k {self.sock} -c listen_addresses=127.0.0.1 "
            "-c max_connections=200"
        )

    def init_and_start(self) -> None:
        self.base.mkdir()
        self.sock.mkdir()
        if self.as_postgres:
            shutil.chown(self.base, "postgres", "postgres")
            shutil.chown(self.sock, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres")
        self._ctl("start")

    def _ctl(self, action: str, *extra: str) -> None:
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-w",
            "-t",
            "60",
            *extra,
            "-o",
            self._options,
            action,
        )

    def restart_immediate(self) -> None:
        self._ctl("restart", "-m", "immediate")

    def stop(self) -> None:
        if not (self.data / "postmaster.pid").exists():
            return
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        except Exception:
            with contextlib.suppress(Exception):
                pid = int((self.data / "postmaster.pid").read_text().split()[0])
                os.kill(pid, signal.SIGKILL)

    def connect(self, dbname: str = "tracking"):
        import psycopg2

        conn = psycopg2.connect(
            host="127.0.0.1",
            port=self.port,
            user="postgres",
            dbname=dbname,
            connect_timeout=3,
        )
        conn.autocommit = True
        return conn


class Redis:
    def __init__(self, port: int, log: Path) -> None:
        self.port = port
        self.log = log
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        with open(self.log, "a") as log:
            self.proc = subprocess.Popen(
                [
                    "redis-server",
                    "--port",
                    str(self.port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--daemonize",
                    "no",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        import redis

        wait_until(
            lambda: redis.Redis.from_url(self.url, socket_connect_timeout=1).ping(),
            timeout=20,
            what="redis",
        )

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        stop_group(self.proc, timeout=5)


# THE PROXY (runs as its own process: `chaos.py --proxy LISTEN UPSTREAM`)
# ------------------------------------------------------------------------------


async def _proxy_main(listen: int, upstream: int, drop_seconds: float) -> None:
    """Forward TCP to ``upstream``; on SIGUSR1 cut everything for a while.

    A cut aborts every open connection (both sides get a reset) and, for
    ``drop_seconds``, answers every new connection with an immediate close.
    """
    loop = asyncio.get_running_loop()
    open_transports: set = set()
    state = {"blocked_until": 0.0}
    stop = asyncio.Event()

    def drop() -> None:
        state["blocked_until"] = loop.time() + drop_seconds
        count = len(open_transports)
        for transport in list(open_transports):
            transport.abort()
        print(f"{time.time():.3f} dropped {count} connections", flush=True)

    loop.add_signal_handler(signal.SIGUSR1, drop)
    loop.add_signal_handler(signal.SIGTERM, stop.set)

    async def pump(reader, writer) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.transport.abort()

    async def handle(creader, cwriter) -> None:
        if loop.time() < state["blocked_until"]:
            cwriter.transport.abort()
            return
        try:
            ureader, uwriter = await asyncio.wait_for(
                asyncio.open_connection("127.0.0.1", upstream), 3
            )
        except (OSError, TimeoutError):
            cwriter.transport.abort()
            return
        pair = (cwriter.transport, uwriter.transport)
        open_transports.update(pair)
        try:
            await asyncio.gather(pump(creader, uwriter), pump(ureader, cwriter))
        finally:
            open_transports.difference_update(pair)
            for transport in pair:
                transport.abort()

    server = await asyncio.start_server(
        handle, "127.0.0.1", listen, reuse_address=True, backlog=512
    )
    print(f"proxy 127.0.0.1:{listen} -> 127.0.0.1:{upstream}", flush=True)
    async with server:
        await stop.wait()


class Proxy:
    def __init__(self, listen: int, upstream: int, drop_seconds: float, log: Path):
        self.listen = listen
        self.upstream = upstream
        self.drop_seconds = drop_seconds
        self.log = log
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        with open(self.log, "a") as log:
            self.proc = subprocess.Popen(
                [
                    PYTHON,
                    __file__,
                    "--proxy",
                    str(self.listen),
                    str(self.upstream),
                    str(self.drop_seconds),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

        def accepting() -> bool:
            with socket.create_connection(("127.0.0.1", self.listen), timeout=1):
                return True

        wait_until(accepting, timeout=20, what="proxy")

    def drop(self) -> None:
        """Cut every database connection and refuse new ones for a while."""
        assert self.proc is not None  # noqa: S101
        os.kill(self.proc.pid, signal.SIGUSR1)

    def stop(self) -> None:
        stop_group(self.proc, timeout=5)


# THE APPLICATION
# ------------------------------------------------------------------------------


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
    done = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=180,
    )
    return done.stdout


class Gunicorn:
    def __init__(self, env: dict[str, str], port: int, workers: int, log: Path):
        self.env = env
        self.port = port
        self.workers = workers
        self.log = log
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        with open(self.log, "a") as log:
            self.proc = subprocess.Popen(
                [
                    PYTHON,
                    "-m",
                    "gunicorn",
                    "config.wsgi:application",
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--workers",
                    str(self.workers),
                    "--timeout",
                    "20",
                    "--graceful-timeout",
                    "5",
                    "--backlog",
                    "512",
                    # Not the shared ~/.gunicorn/gunicorn.ctl of other runs.
                    "--no-control-socket",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

        def healthy() -> bool:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            try:
                conn.request("GET", "/healthz")
                return conn.getresponse().status == 200
            finally:
                conn.close()

        wait_until(healthy, timeout=60, what="gunicorn")

    def worker_pids(self) -> list[int]:
        assert self.proc is not None  # noqa: S101
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        try:
            return [int(p) for p in path.read_text().split()]
        except OSError:
            return []

    def stop(self) -> None:
        stop_group(self.proc, timeout=10)


class CeleryWorker:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.log = log
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        with open(self.log, "a") as log:
            self.proc = subprocess.Popen(
                [
                    PYTHON,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    "--loglevel=WARNING",
                    "--pool=prefork",
                    "--concurrency=1",
                    "--without-heartbeat",
                    "--without-gossip",
                    "--without-mingle",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def stop(self) -> None:
        stop_group(self.proc, timeout=15)


def send_reconcile(broker_url: str) -> None:
    """Publish ``batch_reconcile`` as beat would; a down broker is skipped."""
    from celery import Celery

    app = Celery("chaos-beat", broker=broker_url, set_as_current=False)
    app.conf.task_serializer = "json"
    app.conf.broker_connection_timeout = 1
    app.conf.broker_transport_options = {"socket_connect_timeout": 1}
    try:
        app.send_task("tracking.tasks.batch_reconcile", retry=False)
    finally:
        app.close()


# LOAD
# ------------------------------------------------------------------------------


@dataclass
class Op:
    key: str
    count: int | None  # None: no body, one number
    attempts: int = 0
    outcome: str = "pending"  # ok / failed / timeout
    numbers: list[str] | None = None
    started: float = 0.0
    finished: float = 0.0


@dataclass
class Results:
    ops: list[Op] = field(default_factory=list)
    attempt_latencies_ok: list[float] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    bad_responses: list[dict] = field(default_factory=list)
    error_bodies: dict[str, int] = field(default_factory=dict)
    attempts: int = 0
    attempts_timeout: int = 0
    attempts_conn_failed: int = 0
    replays: int = 0
    replay_mismatches: list[dict] = field(default_factory=list)
    faults: dict[str, int] = field(default_factory=dict)
    fault_errors: list[str] = field(default_factory=list)


class Load:
    """Client threads issuing numbers, each op under its own Idempotency-Key."""

    def __init__(
        self,
        *,
        port: int,
        token: str,
        clients: int,
        duration: float,
        max_requests: int,
        log_path: Path,
        t0: float,
        seed: int,
        request_timeout: float = 5.0,
    ) -> None:
        self.port = port
        self.token = token
        self.clients = clients
        self.duration = duration
        self.max_requests = max_requests
        self.request_timeout = request_timeout
        self.t0 = t0
        self.results = Results()
        self.lock = threading.Lock()
        self.log = open(log_path, "a")  # noqa: SIM115 - closed in close()
        self.stop = threading.Event()
        self.seed = seed
        self.threads: list[threading.Thread] = []

    def write(self, record: dict) -> None:
        line = json.dumps(record, separators=(",", ":"))
        with self.lock:
            self.log.write(line + "\n")

    def close(self) -> None:
        with self.lock:
            self.log.close()

    def _post(self, op: Op) -> tuple[str, int | None, dict | None, str, float]:
        """One attempt: (outcome, status, body, error, latency in s)."""
        body = b"" if op.count is None else json.dumps({"count": op.count}).encode()
        headers = {
            "Authorization": f"Token {self.token}",
            "Idempotency-Key": op.key,
            "Connection": "close",
        }
        if body:
            headers["Content-Type"] = "application/json"
        start = time.monotonic()
        conn = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=self.request_timeout
        )
        try:
            conn.request("POST", "/tracking/generate/", body=body, headers=headers)
            response = conn.getresponse()
            raw = response.read()
            status = response.status
        except TimeoutError:
            return "timeout", None, None, "client timeout", time.monotonic() - start
        except (OSError, http.client.HTTPException) as e:
            return "failed", None, None, type(e).__name__, time.monotonic() - start
        finally:
            conn.close()
        latency = time.monotonic() - start
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        return ("ok" if status == 201 else "failed"), status, parsed, "", latency

    @staticmethod
    def _numbers(body: dict) -> list[str]:
        if "results" in body:
            return [n["tracking_number"] for n in body["results"]]
        return [body["tracking_number"]]

    def _attempt(self, op: Op, kind: str) -> tuple[str, int | None, dict | None]:
        outcome, status, body, error, latency = self._post(op)
        numbers = None
        if outcome == "ok":
            try:
                numbers = self._numbers(body or {})
            except (KeyError, TypeError):
                outcome, error = "failed", "201 without numbers"
        r = self.results
        with self.lock:
            r.attempts += 1
            key = str(status) if status is not None else outcome
            r.statuses[key] = r.statuses.get(key, 0) + 1
            if outcome == "timeout":
                r.attempts_timeout += 1
            elif status is None:
                r.attempts_conn_failed += 1
            if outcome == "ok":
                r.attempt_latencies_ok.append(latency)
            elif status is not None:
                detail = body.get("detail") if isinstance(body, dict) else None
                r.error_bodies[f"{status} {detail}"] = (
                    r.error_bodies.get(f"{status} {detail}", 0) + 1
                )
                expected = (status == 503 and isinstance(detail, str) and detail) or (
                    status == 409 and IN_PROGRESS_HINT in str(detail)
                )
                if not expected and len(r.bad_responses) < 50:
                    r.bad_responses.append(
                        {"key": op.key, "status": status, "body": body}
                    )
                elif not expected:
                    r.bad_responses.append({"status": status})
        self.write(
            {
                "time": round(time.time(), 4),
                "t": round(time.monotonic() - self.t0, 4),
                "key": op.key,
                "attempt": op.attempts,
                "kind": kind,
                "count": op.count,
                "outcome": outcome,
                "status": status,
                "error": error or None,
                "detail": body.get("detail") if isinstance(body, dict) else None,
                "numbers": numbers,
                "latency_ms": round(latency * 1000, 2),
            }
        )
        return outcome, status, numbers

    def _budget_left(self) -> bool:
        with self.lock:
            return self.results.attempts < self.max_requests

    def _client(self, index: int) -> None:
        rnd = random.Random(self.seed * 1000 + index)
        deadline = self.t0 + self.duration
        while not self.stop.is_set() and time.monotonic() < deadline:
            if not self._budget_left():
                return
            count = None if rnd.random() < 0.6 else rnd.randint(1, 100)
            op = Op(key=f"chaos-{uuid.uuid4().hex}", count=count)
            op.started = time.monotonic()
            with self.lock:
                self.results.ops.append(op)
            self._run_op(op, rnd)

    def _run_op(self, op: Op, rnd: random.Random) -> None:
        """Attempt until acknowledged; retries reuse the key. Bounded."""
        op_deadline = op.started + 45
        backoff = 0.1
        for _ in range(12):
            op.attempts += 1
            outcome, _status, numbers = self._attempt(
                op, "first" if op.attempts == 1 else "retry"
            )
            op.outcome = outcome
            if outcome == "ok":
                op.numbers = numbers
                break
            if time.monotonic() > op_deadline or self.stop.is_set():
                break
            time.sleep(backoff * (0.5 + rnd.random()))
            backoff = min(backoff * 2, 2.0)
        op.finished = time.monotonic()
        # A duplicate delivery of an acknowledged request: same numbers back.
        if op.outcome == "ok" and rnd.random() < 0.05:
            op.attempts += 1
            outcome, _status, numbers = self._attempt(op, "replay")
            if outcome == "ok":
                with self.lock:
                    self.results.replays += 1
                    if numbers != op.numbers:
                        self.results.replay_mismatches.append(
                            {"key": op.key, "first": op.numbers, "replay": numbers}
                        )

    def start(self) -> None:
        for i in range(self.clients):
            thread = threading.Thread(target=self._client, args=(i,), daemon=True)
            thread.start()
            self.threads.append(thread)

    def join(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        for thread in self.threads:
            thread.join(max(0.1, deadline - time.monotonic()))
        self.stop.set()
        for thread in self.threads:
            thread.join(5)


# FAULTS
# ------------------------------------------------------------------------------


class Faults:
    """Runs the fault schedule in a thread; every fault is logged."""

    def __init__(self, *, stack: Stack, load: Load, schedule, t0: float) -> None:
        self.stack = stack
        self.load = load
        self.schedule = sorted(schedule, key=lambda e: e[0])
        self.t0 = t0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        r = self.load.results
        for at, name in self.schedule:
            wait = self.t0 + at - time.monotonic()
            if wait > 0 and self.stop.wait(wait):
                return
            start = time.monotonic()
            try:
                detail = getattr(self.stack, f"fault_{name}")()
                with self.load.lock:
                    r.faults[name] = r.faults.get(name, 0) + 1
                outcome = "ok"
            except Exception as e:
                detail = f"{type(e).__name__}: {e}"
                with self.load.lock:
                    r.fault_errors.append(f"{name}: {detail}")
                outcome = "failed"
            self.load.write(
                {
                    "time": round(time.time(), 4),
                    "t": round(start - self.t0, 4),
                    "fault": name,
                    "outcome": outcome,
                    "detail": detail,
                    "seconds": round(time.monotonic() - start, 3),
                }
            )

    def start(self) -> None:
        self.thread.start()

    def join(self, timeout: float) -> None:
        self.thread.join(timeout)
        self.stop.set()
        self.thread.join(70)


def fault_schedule(duration: float, *, short: bool) -> list[tuple[float, str]]:
    events = [(t, "kill_web_worker") for t in range(5, int(duration), 5)]
    pg = [0.2] if short else [0.2, 0.6]
    events += [(duration * f, "restart_postgres") for f in pg]
    events.append((duration * (0.5 if short else 0.4), "restart_redis"))
    events.append((duration * 0.7 if short else duration * 0.8, "drop_db_connections"))
    return events


# THE STACK
# ------------------------------------------------------------------------------


class Stack:
    def __init__(self, results_dir: Path, *, web_workers: int) -> None:
        self.results_dir = results_dir
        self.tmp = Path(tempfile.mkdtemp(prefix="chaos-"))
        os.chmod(self.tmp, 0o755)  # noqa: S103 - postgres must enter it
        self.pg = Postgres(self.tmp, free_port())
        self.redis = Redis(free_port(), results_dir / "redis.log")
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
            self.env, self.web_port, self.web_workers, self.results_dir / "web.log"
        )
        self.web.start()
        self.worker = CeleryWorker(self.env, self.results_dir / "worker.log")
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
                send_reconcile(self.redis.url)
            worker = self.worker
            if worker and worker.proc and worker.proc.poll() is not None:
                code = worker.proc.returncode
                self.worker_restarts.append(round(time.time(), 3))
                say(f"celery worker exited ({code}); starting it again")
                worker.start()

    # Faults: each returns a short description for the log.
    def fault_kill_web_worker(self) -> str:
        assert self.web is not None  # noqa: S101
        pids = self.web.worker_pids()
        if not pids:
            raise RuntimeError("no gunicorn worker to kill")
        pid = self.rnd.choice(pids)
        os.kill(pid, signal.SIGKILL)
        return f"SIGKILL gunicorn worker {pid}"

    def fault_restart_postgres(self) -> str:
        self.pg.restart_immediate()
        return "pg_ctl restart -m immediate"

    def fault_restart_redis(self) -> str:
        self.redis.kill()
        time.sleep(1)
        self.redis.start()
        return "redis-server SIGKILL, 1 s down, started again (empty)"

    def fault_drop_db_connections(self) -> str:
        self.proxy.drop()
        time.sleep(self.proxy.drop_seconds)
        return "proxy dropped all connections, refused new ones for 3 s"

    def stop(self) -> None:
        self.reconciling.set()
        for name, step in (
            ("gunicorn", lambda: self.web and self.web.stop()),
            ("celery", lambda: self.worker and self.worker.stop()),
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


# CHECKS
# ------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def wait_batch(stack: Stack, batch_id: int, timeout: float) -> float:
    start = time.monotonic()
    deadline = start + timeout
    while time.monotonic() < deadline:
        try:
            with contextlib.closing(stack.pg.connect()) as conn:
                cur = conn.cursor()
                cur.execute(
                    "SELECT status FROM tracking_batch WHERE id = %s", [batch_id]
                )
                if cur.fetchone()[0] in ("done", "failed", "cancelled"):
                    break
        except Exception:  # noqa: S110 - the database may be restarting
            pass
        time.sleep(1)
    return time.monotonic() - start


def check(stack: Stack, load: Load, batch: dict, batch_wait: float) -> dict:
    r = load.results
    ops = r.ops
    acked = [op for op in ops if op.outcome == "ok"]
    seen: dict[str, str] = {}
    duplicated = 0
    for op in acked:
        for number in op.numbers or []:
            if seen.setdefault(number, op.key) != op.key:
                duplicated += 1
    ack_numbers = list(seen)
    m: dict[str, object] = {
        "attempted": len(ops),
        "acknowledged": len(acked),
        "failed": sum(op.outcome == "failed" for op in ops),
        "timed_out": sum(op.outcome == "timeout" for op in ops),
        "numbers_acknowledged": len(ack_numbers) + duplicated,
        "duplicated": duplicated,
        "requests": r.attempts,
        "retried_ops": sum(op.attempts > 1 for op in ops),
        "recovered_by_retry": sum(op.attempts > 1 and op.outcome == "ok" for op in ops),
        "attempts_timed_out": r.attempts_timeout,
        "attempts_conn_failed": r.attempts_conn_failed,
        "http_201": r.statuses.get("201", 0),
        "http_503": r.statuses.get("503", 0),
        "http_409_in_progress": r.statuses.get("409", 0),
        "http_500": sum(
            v for k, v in r.statuses.items() if k.startswith("50") and k != "503"
        ),
        "bad_responses": len(r.bad_responses),
        "replay_probes": r.replays,
        "replay_mismatches": len(r.replay_mismatches),
        "p50_ms": round(percentile(r.attempt_latencies_ok, 50) * 1000, 1),
        "p99_ms": round(percentile(r.attempt_latencies_ok, 99) * 1000, 1),
        "max_ms": round(max(r.attempt_latencies_ok, default=0) * 1000, 1),
        "op_p99_ms": round(
            percentile([op.finished - op.started for op in acked], 99) * 1000, 1
        ),
    }
    for name in (
        "kill_web_worker",
        "restart_postgres",
        "restart_redis",
        "drop_db_connections",
    ):
        m[f"fault_{name}"] = r.faults.get(name, 0)
    m["fault_errors"] = len(r.fault_errors)
    m["celery_worker_restarts"] = len(stack.worker_restarts)
    with contextlib.closing(stack.pg.connect()) as conn:
        cur = conn.cursor()
        cur.execute(
            "SELECT count(*), count(DISTINCT number), "
            "count(DISTINCT (series_id, serial)) FROM tracking_trackingnumber"
        )
        rows, distinct_numbers, distinct_serials = cur.fetchone()
        m["db_rows"] = rows
        m["db_duplicates"] = (rows - distinct_numbers) + (rows - distinct_serials)
        cur.execute("CREATE TEMP TABLE ack (number text PRIMARY KEY)")
        buf = "\n".join(ack_numbers) + "\n" if ack_numbers else ""
        import io

        cur.copy_expert("COPY ack FROM STDIN", io.StringIO(buf))
        cur.execute(
            "SELECT count(*) FROM ack a WHERE NOT EXISTS "
            "(SELECT 1 FROM tracking_trackingnumber t WHERE t.number = a.number)"
        )
        m["lost"] = cur.fetchone()[0]
        cur.execute(
            "SELECT count(*) FROM tracking_trackingnumber t WHERE batch_id IS NULL "
            "AND NOT EXISTS (SELECT 1 FROM ack a WHERE a.number = t.number)"
        )
        m["stored_unacknowledged"] = cur.fetchone()[0]
        cur.execute(
            "SELECT status, quantity, done, first_serial, "
            "extract(epoch FROM finished_at - created_at) FROM tracking_batch "
            "WHERE id = %s",
            [batch["id"]],
        )
        status, quantity, done, first, seconds = cur.fetchone()
        cur.execute(
            "SELECT count(*), count(DISTINCT number), count(DISTINCT serial), "
            "min(serial), max(serial) FROM tracking_trackingnumber WHERE batch_id = %s",
            [batch["id"]],
        )
        b_rows, b_numbers, b_serials, b_min, b_max = cur.fetchone()
    m.update(
        batch_quantity=quantity,
        batch_status=status,
        batch_done=done,
        batch_rows=b_rows,
        batch_distinct=b_numbers,
        batch_block_filled=(
            b_rows == quantity == b_serials
            and b_min == first
            and b_max == first + quantity - 1
        ),
        batch_seconds=round(float(seconds), 1) if seconds is not None else None,
        batch_wait_after_load_s=round(batch_wait, 1),
    )
    failures = []
    if duplicated:
        failures.append(f"{duplicated} acknowledged numbers were returned twice")
    if m["db_duplicates"]:
        failures.append(
            f"{m['db_duplicates']} duplicate numbers/serials in the database"
        )
    if m["lost"]:
        failures.append(f"{m['lost']} acknowledged numbers are not in the database")
    if r.replay_mismatches:
        failures.append(f"retries returned other numbers: {r.replay_mismatches[:3]}")
    if r.bad_responses:
        failures.append(f"responses other than 201/503/409: {r.bad_responses[:5]}")
    if not acked:
        failures.append("nothing was acknowledged")
    if not (status == "done" and done == quantity and m["batch_block_filled"]):
        failures.append(
            f"batch {batch['id']} is {status} with {b_rows} rows of {quantity} "
            f"(distinct {b_numbers}, serials {b_min}..{b_max}, block from {first})"
        )
    for name in (
        "kill_web_worker",
        "restart_postgres",
        "restart_redis",
        "drop_db_connections",
    ):
        if not m[f"fault_{name}"]:
            failures.append(f"fault {name} never ran")
    failures += [f"fault failed: {e}" for e in r.fault_errors]
    m["result"] = "FAIL" if failures else "PASS"
    m["failures"] = failures
    return m


# MAIN
# ------------------------------------------------------------------------------


def say(message: str) -> None:
    print(f"chaos: {message}", flush=True)


def post_batch(port: int, token: str, quantity: int) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(
            "POST",
            "/tracking/batches/",
            body=json.dumps({"quantity": quantity, "reference_prefix": "CHAOS-"}),
            headers={
                "Authorization": f"Token {token}",
                "Content-Type": "application/json",
            },
        )
        response = conn.getresponse()
        body = json.loads(response.read())
    finally:
        conn.close()
    if response.status != 202:
        raise RuntimeError(f"batch not created: {response.status} {body}")
    return body


def print_summary(m: dict) -> None:
    rows = [
        ("operations attempted", m["attempted"]),
        ("acknowledged", m["acknowledged"]),
        ("failed (gave up)", m["failed"]),
        ("timed out (indeterminate)", m["timed_out"]),
        ("HTTP requests (incl. retries)", m["requests"]),
        (
            "ops retried / recovered by retry",
            f"{m['retried_ops']} / {m['recovered_by_retry']}",
        ),
        ("numbers acknowledged", m["numbers_acknowledged"]),
        ("duplicated", m["duplicated"]),
        ("lost", m["lost"]),
        ("stored, never acknowledged", m["stored_unacknowledged"]),
        ("db rows / db duplicates", f"{m['db_rows']} / {m['db_duplicates']}"),
        (
            "replay probes / mismatches",
            f"{m['replay_probes']} / {m['replay_mismatches']}",
        ),
        (
            "503 / 409 in progress / 500",
            f"{m['http_503']} / {m['http_409_in_progress']} / {m['http_500']}",
        ),
        (
            "attempts timed out / conn failed",
            f"{m['attempts_timed_out']} / {m['attempts_conn_failed']}",
        ),
        (
            "latency p50 / p99 / max (ms)",
            f"{m['p50_ms']} / {m['p99_ms']} / {m['max_ms']}",
        ),
        ("op p99 incl. retries (ms)", m["op_p99_ms"]),
        (
            "faults: worker kills / pg restarts / redis restarts / db drops",
            f"{m['fault_kill_web_worker']} / {m['fault_restart_postgres']} / "
            f"{m['fault_restart_redis']} / {m['fault_drop_db_connections']}",
        ),
        (
            "batch",
            f"{m['batch_status']} {m['batch_rows']}/{m['batch_quantity']} rows, "
            f"{m['batch_distinct']} distinct, block filled: {m['batch_block_filled']}, "
            f"{m['batch_seconds']} s",
        ),
        ("celery worker exits (restarted)", m["celery_worker_restarts"]),
        ("result", m["result"]),
    ]
    width = max(len(name) for name, _ in rows)
    print()
    for name, value in rows:
        print(f"  {name.ljust(width)}  {value}")
    for failure in m["failures"]:
        print(f"  FAILURE: {failure}")
    print()
    for name, value in m.items():
        if name != "failures":
            print(f"CHAOS {name} {value}")
    sys.stdout.flush()


def run(args: argparse.Namespace) -> int:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    results_dir = Path(args.results_dir) / f"{stamp}{'-short' if args.short else ''}"
    results_dir.mkdir(parents=True, exist_ok=True)
    say(f"results in {results_dir}")
    stack = Stack(results_dir, web_workers=args.web_workers)
    load: Load | None = None
    faults: Faults | None = None
    try:
        token = stack.start()
        batch = post_batch(stack.web_port, token, args.batch_size)
        say(f"batch {batch['id']} of {args.batch_size} created; load and faults start")
        t0 = time.monotonic()
        load = Load(
            port=stack.web_port,
            token=token,
            clients=args.clients,
            duration=args.duration,
            max_requests=args.max_requests,
            log_path=results_dir / "operations.jsonl",
            t0=t0,
            seed=args.seed,
        )
        faults = Faults(
            stack=stack,
            load=load,
            schedule=fault_schedule(args.duration, short=args.short),
            t0=t0,
        )
        load.start()
        faults.start()
        load.join(args.duration + 60)
        faults.join(max(0.0, t0 + args.duration - time.monotonic()) + 5)
        say(f"load done in {time.monotonic() - t0:.1f} s; waiting for the batch")
        waited = wait_batch(stack, batch["id"], args.batch_timeout)
        metrics = check(stack, load, batch, waited)
        metrics["duration_s"] = args.duration
        metrics["clients"] = args.clients
        (results_dir / "summary.json").write_text(json.dumps(metrics, indent=2))
        print_summary(metrics)
        return 0 if metrics["result"] == "PASS" else 1
    finally:
        if load is not None:
            load.stop.set()
        if faults is not None:
            faults.stop.set()
        stack.stop()
        if load is not None:
            load.close()
        say("stack stopped, temporary cluster removed")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--proxy"]:
        listen, upstream, drop = int(argv[1]), int(argv[2]), float(argv[3])
        asyncio.run(_proxy_main(listen, upstream, drop))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--short", action="store_true", help="the CI form")
    parser.add_argument("--duration", type=float, help="seconds of load (60)")
    parser.add_argument("--max-requests", type=int, default=50_000)
    parser.add_argument("--clients", type=int, help="concurrent clients (32)")
    parser.add_argument("--batch-size", type=int, help="the batch (200,000)")
    parser.add_argument("--batch-timeout", type=float, help="seconds to finish it")
    parser.add_argument("--web-workers", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20261124)
    parser.add_argument("--results-dir", default=str(ROOT / "chaos-results"))
    args = parser.parse_args(argv)
    short = args.short
    args.duration = args.duration or (15.0 if short else 60.0)
    args.clients = args.clients or (8 if short else 32)
    args.batch_size = args.batch_size or (50_000 if short else 200_000)
    args.batch_timeout = args.batch_timeout or (90.0 if short else 240.0)

    def on_term(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    try:
        return run(args)
    except KeyboardInterrupt:
        say("interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
