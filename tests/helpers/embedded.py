"""The embedded run (`make run`) as tests drive it: SQLite, no other service."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from stack.processes import ROOT, free_port, wait_http
from tests.helpers.child import run_python
from tests.helpers.http_calls import token_call

# The commands `make run` runs, in its order (after installing).
MAKE_RUN_SETUP = (["migrate", "--noinput"], ["demo_setup"])


def make_run_command() -> list[str]:
    """The serving command of `make run`, read from the Makefile itself."""
    for line in (ROOT / "Makefile").read_text().splitlines():
        if "manage.py" in line and "$(PORT)" in line:
            words = line.split("manage.py", 1)[1].split()
            return [w for w in words if "$(PORT)" not in w]
    raise AssertionError("the Makefile's run target serves nothing")


def embedded_env(database: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_URL", "REDIS_URL", "DJANGO_", "CELERY_"))
    }
    env["DATABASE_URL"] = f"sqlite:///{database}"
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    return env


@dataclass
class Embedded:
    base: str
    token: str
    setup_output: str
    proc: subprocess.Popen
    log_path: str

    def log_text(self) -> str:
        """What the server printed so far."""
        return Path(self.log_path).read_text()

    def call(
        self,
        method: str,
        path: str,
        body: dict | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 60,
    ) -> tuple[int, bytes]:
        """(status, body) of one request with the demo token."""
        return token_call(
            self.base + path,
            self.token,
            method=method,
            body=body,
            headers=headers,
            timeout=timeout,
        )


def manage(database: Path, *args: str) -> str:
    """Run one manage.py command on the embedded database; return its output."""
    done = run_python("manage.py", *args, env=embedded_env(database), timeout=180)
    assert done.returncode == 0, done.stderr
    return done.stdout


def setup(database: Path) -> tuple[str, str]:
    """Run `make run`'s set-up steps; return (its output, the API token)."""
    output = "".join(manage(database, *args) for args in MAKE_RUN_SETUP)
    token = output.strip().splitlines()[-1].split("API token: ", 1)[1].split()[0]
    return output, token


@contextlib.contextmanager
def embedded_server(database: Path, *, setup_first: bool = True) -> Iterator[Embedded]:
    """Set up (unless told not to) and serve as `make run` does; yield it.

    The server's log goes to a file whose tail is printed on the way out.
    """
    output, token = setup(database) if setup_first else ("", "")
    port = free_port()
    log = tempfile.NamedTemporaryFile("w+", prefix="embedded-", suffix=".log")  # noqa: SIM115 - closed in finally
    proc = subprocess.Popen(
        [sys.executable, "manage.py", *make_run_command(), f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=embedded_env(database),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_http(base + "/healthz", timeout=60)
        yield Embedded(
            base=base,
            token=token,
            setup_output=output,
            proc=proc,
            log_path=log.name,
        )
    finally:
        if proc.poll() is None:
            # The autoreloader's child serves: stop the whole group.
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log.seek(0)
        print("---- embedded server log (tail) ----")
        print(log.read()[-6000:])
        log.close()


def kill(server: Embedded) -> None:
    """SIGKILL the server and its children, as a crash or power cut would."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.proc.pid, signal.SIGKILL)
    server.proc.wait(timeout=15)
