"""The faults and when they strike.

A fault is a function of the running stack that breaks something and returns
a short description for the log; adding one to ``FAULTS`` and to
``fault_schedule`` is all it takes (the checks require each to have run).
"""

from __future__ import annotations

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


FAULTS: dict[str, Callable[[ChaosStack], str]] = {
    "kill_web_worker": kill_web_worker,
    "restart_postgres": restart_postgres,
    "restart_redis": restart_redis,
    "drop_db_connections": drop_db_connections,
}


def fault_schedule(duration: float, *, short: bool) -> list[tuple[float, str]]:
    events = [(t, "kill_web_worker") for t in range(5, int(duration), 5)]
    pg = [0.2] if short else [0.2, 0.6]
    events += [(duration * f, "restart_postgres") for f in pg]
    events.append((duration * (0.5 if short else 0.4), "restart_redis"))
    events.append((duration * 0.7 if short else duration * 0.8, "drop_db_connections"))
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
