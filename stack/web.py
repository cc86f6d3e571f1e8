"""gunicorn serving the product, with the shipped gunicorn.conf.py."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from stack.processes import PYTHON, free_port, start, stop_group, wait_http


class Gunicorn:
    """``gunicorn config.wsgi`` on a loopback port, from the repository root.

    gunicorn reads the shipped gunicorn.conf.py there; ``workers`` and
    ``args`` (other command-line settings) override it.
    """

    def __init__(
        self,
        env: dict[str, str],
        *,
        workers: int,
        port: int | None = None,
        log: Path | None = None,
        args: Sequence[str] = (),
    ) -> None:
        self.env = env
        self.workers = workers
        self.port = port or free_port()
        self.log = log
        self.args = list(args)
        self.proc = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *, ready: str | None = "/healthz", timeout: float = 60) -> str:
        """Start; wait until ``ready`` answers 200 (None: do not wait).

        Returns the base URL.
        """
        self.proc = start(
            [
                PYTHON,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                *self.args,
            ],
            env=self.env,
            log=self.log,
        )
        if ready is not None:
            wait_http(self.base + ready, timeout=timeout)
        return self.base

    def worker_pids(self) -> list[int]:
        assert self.proc is not None  # noqa: S101
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        try:
            return [int(p) for p in path.read_text().split()]
        except OSError:
            return []

    def stop(self, *, timeout: float = 15) -> None:
        stop_group(self.proc, timeout=timeout)

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
