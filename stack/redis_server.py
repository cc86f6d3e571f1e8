"""A redis-server of its own: no persistence, loopback only."""

from __future__ import annotations

from pathlib import Path

from stack.processes import kill_group, start, stop_group, wait_until


class RedisServer:
    def __init__(self, port: int, log: Path) -> None:
        self.port = port
        self.log = log
        self.proc = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = start(
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
            log=self.log,
        )
        import redis

        wait_until(
            lambda: redis.Redis.from_url(self.url, socket_connect_timeout=1).ping(),
            timeout=20,
            what="redis",
        )

    def kill(self) -> None:
        kill_group(self.proc)

    def stop(self) -> None:
        stop_group(self.proc, timeout=5)
