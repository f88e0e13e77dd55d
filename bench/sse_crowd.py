"""Many Server-Sent Events clients in one process, on raw asyncio sockets.

An HTTP client library per stream would spend more CPU than the server being measured; a stream here is one
socket, one request written by hand, and ``readline`` on the (chunked) body. Each ``data:`` line that matches
``pattern`` is kept with the ``time.perf_counter()`` of its arrival, so latencies are measured on the clock of
the process that also publishes.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from dataclasses import dataclass, field


@dataclass(slots=True)
class Crowd:
    """``n`` streams spread round-robin over ``targets``; ``receipts`` holds (matched bytes, arrival time)."""

    pattern: re.Pattern[bytes]
    receipts: list[tuple[bytes, float]] = field(default_factory=list)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _writers: list[asyncio.StreamWriter] = field(default_factory=list)

    async def connect(self, targets: list[tuple[str, int]], n: int, path: str, key: str, batch: int = 100) -> float:
        """Open ``n`` streams (``batch`` at a time, so the listen backlog never overflows); seconds it took."""
        started = time.perf_counter()
        for first in range(0, n, batch):
            opened = await asyncio.gather(
                *(self._open(*targets[i % len(targets)], path, key) for i in range(first, min(n, first + batch)))
            )
            for reader, writer in opened:
                self._writers.append(writer)
                self._tasks.append(asyncio.create_task(self._read(reader)))
        return time.perf_counter() - started

    async def _open(
        self, host: str, port: int, path: str, key: str
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        reader, writer = await asyncio.open_connection(host, port)
        request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nX-API-Key: {key}\r\nAccept: text/event-stream\r\n\r\n"
        writer.write(request.encode())
        status = await reader.readline()
        if b" 200 " not in status:
            raise RuntimeError(f"stream refused: {status!r}")
        while (await reader.readline()) not in (b"\r\n", b""):
            pass  # response headers
        return reader, writer

    async def _read(self, reader: asyncio.StreamReader) -> None:
        with contextlib.suppress(ConnectionError, asyncio.CancelledError):
            while line := await reader.readline():
                if line.startswith(b"data:") and (found := self.pattern.search(line)):
                    self.receipts.append((found.group(1), time.perf_counter()))

    async def close(self) -> None:
        """Close every stream."""
        for writer in self._writers:
            writer.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        self._writers.clear()
