"""Free ports, waiting for a part to come up, stopping a process group."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(
    predicate,
    *,
    timeout: float,
    what: str,
    interval: float = 0.2,
    not_yet: tuple[type[BaseException], ...] = (Exception,),
):
    """Poll ``predicate`` until it returns something true; return that.

    An exception of a ``not_yet`` type counts as "not up yet"; pass ``()``
    to let every exception through. Raises TimeoutError naming ``what``
    after ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = predicate()
            if value:
                return value
        except not_yet:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not ready within {timeout} s")
        time.sleep(interval)


def port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def wait_port(port: int, *, timeout: float = 30, interval: float = 0.05) -> None:
    wait_until(
        lambda: port_open(port),
        timeout=timeout,
        what=f"a listener on port {port}",
        interval=interval,
    )


def http_ok(url: str) -> bool:
    with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
        return response.status == 200


def wait_http(url: str, *, timeout: float = 30) -> None:
    wait_until(lambda: http_ok(url), timeout=timeout, what=url)


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


def kill_group(proc: subprocess.Popen | None) -> None:
    """SIGKILL a child's whole process group: no cleanup, as a crash."""
    if proc is not None and proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def start(
    cmd: list[str], *, env: dict[str, str] | None = None, log: Path | None = None
) -> subprocess.Popen:
    """Start ``cmd`` from the repository root in its own process group.

    Its output is appended to ``log`` (an unread pipe would fill up and
    stall it), or dropped without one.
    """
    out = open(log, "a") if log else subprocess.DEVNULL  # noqa: SIM115 - closed below
    try:
        return subprocess.Popen(  # noqa: S603 - our own commands
            cmd,
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    finally:
        if log:
            out.close()
