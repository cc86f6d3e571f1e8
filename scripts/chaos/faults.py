"""The faults and when they strike.

A fault is a function of the running stack that breaks something and returns
a short description for the log; adding one to ``FAULTS`` and to
``fault_schedule`` is all it takes (the checks require each to have run).
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Callable

from scripts.chaos.load import Load
from scripts.chaos.rig import ChaosStack


def kill_web_worker(stack: ChaosStack) -> str:
    assert stack.web is not None  # noqa: S101
    pids = stack.web.worker_pids()
    if not pids:
        raise RuntimeError("no gunicorn worker to kill")
    pid = stack.rnd.choice(pids)
    os.kill(pid, signal.SIGKILL)
    return f"SIGKILL gunicorn worker {pid}"


def restart_postgres(stack: ChaosStack) -> str:
    stack.pg.restart_immediate()
    return "pg_ctl restart -m immediate"


def restart_redis(stack: ChaosStack) -> str:
    stack.redis.kill()
    time.sleep(1)
    stack.redis.start()
    return "redis-server SIGKILL, 1 s down, started again (empty)"


def drop_db_connections(stack: ChaosStack) -> str:
    stack.proxy.drop()
    time.sleep(stack.proxy.drop_seconds)
    return "proxy dropped all connections, refused new ones for 3 s"


# Cancels the backends inside an allocator call (the API's statement, as
# PostgreSQL shows it).
_CANCEL_ALLOCATOR_CALLS = (
    "SELECT pg_cancel_backend(pid) FROM pg_stat_activity "
    "WHERE pid <> pg_backend_pid() AND state = 'active' "
    "AND query LIKE 'SELECT tracking_allocate(%'"
)
# Advisory locks held by sessions outside any transaction: what a cancelled
# call would leave behind if the allocator's locks outlived it.
_LEFT_HELD = (
    "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid) "
    "WHERE l.locktype = 'advisory' AND a.state = 'idle'"
)
# A series stalls when its allocator lock is left held: a block reservation
# then waits forever. One must answer within this.
STALL_SECONDS = 5


def series_stalled(stack: ChaosStack) -> list[str]:
    """Series whose block reservation does not answer within STALL_SECONDS.

    Reserves two serials of each active series (a gap, never a number).
    """
    stalled = []
    with contextlib.closing(stack.pg.connect()) as conn:
        cur = conn.cursor()
        cur.execute(f"SET statement_timeout = '{STALL_SECONDS}s'")
        cur.execute("SELECT id, code FROM tracking_series WHERE active ORDER BY id")
        for series_id, code in cur.fetchall():
            try:
                cur.execute("SELECT tracking_allocate(%s, 2)", [series_id])
            except Exception as e:
                stalled.append(f"{code} ({type(e).__name__})")
    return stalled


def cancel_allocator_calls(stack: ChaosStack) -> str:
    """pg_cancel_backend on allocator calls stopped inside the function.

    ALTER SEQUENCE holds the default series' sequence until its transaction
    ends, so the load's calls stop at nextval(), inside tracking_allocate and
    after its lock; each is cancelled there (the client gets a 503 and
    retries). Then no series may be stalled.
    """
    cancelled = 0
    with contextlib.closing(stack.pg.connect()) as admin:
        cur = admin.cursor()
        cur.execute("SELECT id FROM tracking_series WHERE is_default")
        sequence = f"tracking_series_{cur.fetchone()[0]}_seq"
        for _ in range(5):
            with contextlib.closing(stack.pg.connect()) as holder:
                holder.autocommit = False
                holder.cursor().execute(f"ALTER SEQUENCE {sequence} CACHE 1")
                time.sleep(0.5)
                cur.execute(_CANCEL_ALLOCATOR_CALLS)
                cancelled += sum(ok for (ok,) in cur.fetchall())
                holder.rollback()
            if cancelled:
                break
    if not cancelled:
        raise RuntimeError("no allocator call was in flight to cancel")
    with contextlib.closing(stack.pg.connect()) as conn:
        cur = conn.cursor()
        cur.execute(_LEFT_HELD)
        left = cur.fetchone()[0]
    if left:
        raise RuntimeError(f"{left} allocator locks left held by idle sessions")
    stalled = series_stalled(stack)
    if stalled:
        raise RuntimeError(f"series stalled after the cancels: {stalled}")
    return f"pg_cancel_backend on {cancelled} allocator calls; no series stalled"


FAULTS: dict[str, Callable[[ChaosStack], str]] = {
    "kill_web_worker": kill_web_worker,
    "restart_postgres": restart_postgres,
    "restart_redis": restart_redis,
    "drop_db_connections": drop_db_connections,
    "cancel_allocator_calls": cancel_allocator_calls,
}


def fault_schedule(duration: float, *, short: bool) -> list[tuple[float, str]]:
    events = [(t, "kill_web_worker") for t in range(5, int(duration), 5)]
    pg = [0.2] if short else [0.2, 0.6]
    events += [(duration * f, "restart_postgres") for f in pg]
    events.append((duration * (0.5 if short else 0.4), "restart_redis"))
    events.append((duration * 0.7 if short else duration * 0.8, "drop_db_connections"))
    cancels = [0.35] if short else [0.3, 0.7]
    events += [(duration * f, "cancel_allocator_calls") for f in cancels]
    return events


class Faults:
    """Runs the fault schedule in a thread; every fault is logged."""

    def __init__(self, *, stack: ChaosStack, load: Load, schedule, t0: float) -> None:
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
                detail = FAULTS[name](self.stack)
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
