"""Celery worker and beat of the product, and sending a task by name."""

from __future__ import annotations

from pathlib import Path

from stack.processes import PYTHON, kill_group, start, stop_group


class _Celery:
    """``celery -A config <command>`` in its own process group.

    Its log (``log``, or nothing) gets a line per task at INFO.
    """

    command = ""

    def __init__(
        self, env: dict[str, str], *, log: Path | None = None, loglevel: str = "WARNING"
    ) -> None:
        self.env = env
        self.log = log
        self.loglevel = loglevel
        self.proc = None

    def args(self) -> list[str]:
        return []

    def start(self):
        self.proc = start(
            [
                PYTHON,
                "-m",
                "celery",
                "-A",
                "config",
                self.command,
                f"--loglevel={self.loglevel}",
                *self.args(),
            ],
            env=self.env,
            log=self.log,
        )
        return self

    def exited(self) -> bool:
        return self.proc is not None and self.proc.poll() is not None

    def kill(self) -> None:
        """SIGKILL the whole process group, pool children included."""
        kill_group(self.proc)

    def stop(self, *, timeout: float = 20) -> None:
        stop_group(self.proc, timeout=timeout)


class CeleryWorker(_Celery):
    """A prefork worker of ``concurrency`` processes."""

    command = "worker"

    def __init__(self, env: dict[str, str], *, concurrency: int = 1, **kwargs) -> None:
        super().__init__(env, **kwargs)
        self.concurrency = concurrency

    def args(self) -> list[str]:
        return [
            "--pool=prefork",
            f"--concurrency={self.concurrency}",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ]


class CeleryBeat(_Celery):
    """Beat with the settings' database scheduler, checking every second."""

    command = "beat"

    def __init__(self, env: dict[str, str], *, pidfile: Path, **kwargs) -> None:
        super().__init__(env, **kwargs)
        self.pidfile = pidfile

    def args(self) -> list[str]:
        return ["--max-interval=1", f"--pidfile={self.pidfile}"]


def send_task(
    broker_url: str,
    name: str,
    *args,
    headers: dict | None = None,
    retry: bool = True,
    timeout: float | None = None,
    **kwargs,
) -> None:
    """Publish a task by name to a broker, as another process (beat) would.

    With ``timeout`` a broker that does not answer in time raises at once.
    """
    from celery import Celery

    app = Celery("stack-sender", broker=broker_url, set_as_current=False)
    app.conf.task_serializer = "json"
    if timeout is not None:
        app.conf.broker_connection_timeout = timeout
        app.conf.broker_transport_options = {"socket_connect_timeout": timeout}
    try:
        app.send_task(name, args=args, kwargs=kwargs, headers=headers, retry=retry)
    finally:
        app.close()
