"""A TCP proxy that can cut every connection through it, as a network fault.

Runs as its own process: ``python -m stack.proxy LISTEN UPSTREAM DROP_SECONDS``;
``Proxy`` starts it and sends it SIGUSR1 to cut.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
from pathlib import Path

from stack.processes import PYTHON, start, stop_group, wait_until


async def serve(listen: int, upstream: int, drop_seconds: float) -> None:
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
        self.proc = None

    def start(self) -> None:
        self.proc = start(
            [
                PYTHON,
                "-m",
                "stack.proxy",
                str(self.listen),
                str(self.upstream),
                str(self.drop_seconds),
            ],
            log=self.log,
        )

        def accepting() -> bool:
            with socket.create_connection(("127.0.0.1", self.listen), timeout=1):
                return True

        wait_until(accepting, timeout=20, what="proxy")

    def drop(self) -> None:
        """Cut every connection and refuse new ones for ``drop_seconds``."""
        assert self.proc is not None  # noqa: S101
        os.kill(self.proc.pid, signal.SIGUSR1)

    def stop(self) -> None:
        stop_group(self.proc, timeout=5)


if __name__ == "__main__":
    listen, upstream, drop = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    asyncio.run(serve(listen, upstream, drop))
