"""The soak test's clients, all in one asyncio loop: event streams on raw sockets (an HTTP library per stream
would cost more CPU than the server it measures) and API clients cycling through the main GET endpoints.

Everything they see is counted in a :class:`Tally`; :func:`run_load` samples the server once per window.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import httpx2

from soak_support import ServerSample

# The main GET endpoints: dashboard, board, metrics, uptime, alerts, tickets.
ENDPOINTS = (
    "/api/dashboard",
    "/api/board",
    "/api/dashboard/metrics",
    "/api/uptime/services",
    "/api/dashboard/alerts",
    "/api/tickets",
)
KEPT_ERRORS = 20


@dataclass
class Tally:
    """Responses by (who, status), transport errors, and per stream the events received and the longest silence."""

    streams: int
    responses: Counter[tuple[str, int]] = field(default_factory=Counter)
    by_endpoint: Counter[tuple[str, str, int]] = field(default_factory=Counter)
    events: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    error_count: int = 0
    reconnects: int = 0

    def __post_init__(self) -> None:
        self.per_stream = [0] * self.streams
        self.last_event = [0.0] * self.streams
        self.longest_silence = [0.0] * self.streams

    def error(self, what: str) -> None:
        self.error_count += 1
        if len(self.errors) < KEPT_ERRORS:
            self.errors.append(f"{time.strftime('%H:%M:%S')} {what}")

    def event(self, stream: int, name: str, at: float) -> None:
        self.events[name] += 1
        self.per_stream[stream] += 1
        if self.last_event[stream]:
            self.longest_silence[stream] = max(self.longest_silence[stream], at - self.last_event[stream])
        self.last_event[stream] = at

    def close(self, at: float) -> None:
        """Count the silence of every stream up to ``at`` (the end of the load) too."""
        for stream, last in enumerate(self.last_event):
            if last:
                self.longest_silence[stream] = max(self.longest_silence[stream], at - last)


@dataclass(frozen=True, slots=True)
class Window:
    """One measuring window: its end (seconds into the load), what the clients saw in it, the server at its end."""

    end: float
    responses: Counter[tuple[str, int]]
    errors: int
    events: int
    server: ServerSample
    client_lag: float  # the longest the clients' own event loop was late in this window (s)


async def _chunks(reader: asyncio.StreamReader) -> AsyncIterator[bytes]:
    """The body of a chunked response, chunk by chunk, until its last chunk or the connection ends."""
    while size_line := await reader.readline():
        size = int(size_line.split(b";")[0].strip() or b"0", 16)
        if size == 0:
            return
        yield (await reader.readexactly(size + 2))[:-2]


async def follow_stream(host: str, port: int, key: str, stream: int, tally: Tally) -> None:
    """Read ``/api/stream`` with ``key`` until cancelled; reconnect with ``Last-Event-ID`` when it ends, as
    EventSource does (the server ends every stream after 10 minutes)."""
    last_id = ""
    while True:
        try:
            reader, writer = await asyncio.open_connection(host, port)
        except OSError as exc:
            tally.error(f"stream {stream}: {exc!r}")
            await asyncio.sleep(1)
            continue
        try:
            resume = f"Last-Event-ID: {last_id}\r\n" if last_id else ""
            writer.write(
                f"GET /api/stream HTTP/1.1\r\nHost: {host}:{port}\r\nX-API-Key: {key}\r\n"
                f"Accept: text/event-stream\r\n{resume}\r\n".encode()
            )
            status = int((await reader.readline()).split()[1])
            tally.responses[("stream", status)] += 1
            if status != 200:
                await asyncio.sleep(1)
                continue
            while (await reader.readline()) not in (b"\r\n", b""):
                pass  # the response headers (uvicorn sends a stream chunked)
            pending = b""
            async for chunk in _chunks(reader):
                pending += chunk
                while b"\n\n" in pending:
                    block, pending = pending.split(b"\n\n", 1)
                    fields = dict(line.partition(": ")[::2] for line in block.decode().splitlines())
                    if "event" in fields or "data" in fields:
                        tally.event(stream, fields.get("event", "message"), time.monotonic())
                    last_id = fields.get("id", last_id)
            tally.reconnects += 1  # the server ended the stream
        except (OSError, asyncio.IncompleteReadError, ValueError, IndexError) as exc:
            tally.error(f"stream {stream}: {exc!r}")
        finally:
            writer.close()


async def call_endpoints(base: str, key: str, who: str, client: int, tally: Tally, pause: float) -> None:
    """GET the endpoints in turn with ``key``, ``pause`` seconds between requests, until cancelled."""
    await asyncio.sleep(pause * client / 20)  # spread the clients' requests over the pause
    async with httpx2.AsyncClient(base_url=base, headers={"X-API-Key": key}, timeout=30) as http:
        for path in itertools.islice(itertools.cycle(ENDPOINTS), client % len(ENDPOINTS), None):
            try:
                status = (await http.get(path)).status_code
                tally.responses[(who, status)] += 1
                tally.by_endpoint[(who, path, status)] += 1
            except httpx2.TransportError as exc:
                tally.error(f"{who} GET {path}: {exc!r}")
            await asyncio.sleep(pause)


async def _watch_lag(worst: list[float], every: float = 0.25) -> None:
    """Keep in ``worst[0]`` how late this loop woke up at most: a busy load generator would show here, so a
    stall is not blamed on the server."""
    while True:
        asked = time.monotonic()
        await asyncio.sleep(every)
        worst[0] = max(worst[0], time.monotonic() - asked - every)


@dataclass(frozen=True, slots=True)
class Load:
    """Who connects: stream keys (one per stream) and API clients as (who, key)."""

    base: str
    stream_keys: list[str]
    api_clients: list[tuple[str, str]]
    pause: float = 1.0


async def run_load(
    load: Load, seconds: float, window: float, sample: Callable[[], ServerSample]
) -> tuple[Tally, list[Window]]:
    """Run every client for ``seconds``, sampling the server at the end of each ``window``; the tally and windows."""
    host, port = load.base.removeprefix("http://").split(":")
    tally = Tally(len(load.stream_keys))
    tasks = [
        asyncio.create_task(follow_stream(host, int(port), key, n, tally)) for n, key in enumerate(load.stream_keys)
    ]
    tasks += [
        asyncio.create_task(call_endpoints(load.base, key, who, n, tally, load.pause))
        for n, (who, key) in enumerate(load.api_clients)
    ]
    lag = [0.0]
    tasks.append(asyncio.create_task(_watch_lag(lag)))
    started = time.monotonic()
    windows: list[Window] = []
    seen: tuple[Counter[tuple[str, int]], int, int] = (Counter(), 0, 0)
    try:
        while (elapsed := time.monotonic() - started) < seconds - 0.5:
            await asyncio.sleep(min(window, seconds - elapsed))
            server = await asyncio.to_thread(sample)
            now = (Counter(tally.responses), tally.error_count, tally.events.total())
            end = time.monotonic() - started
            windows.append(Window(end, now[0] - seen[0], now[1] - seen[1], now[2] - seen[2], server, lag[0]))
            seen, lag[0] = now, 0.0
    finally:
        tally.close(time.monotonic())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return tally, windows
