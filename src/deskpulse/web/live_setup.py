"""Start and stop the live-event plumbing of one web process (see deskpulse.live.service for the topology)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import Any

from fastapi import FastAPI

from deskpulse.config import Config
from deskpulse.live.fallback import StoreFallback
from deskpulse.live.redis_bus import RedisBus
from deskpulse.live.service import LiveService
from deskpulse.live.watch import StoreWatch
from deskpulse.store.db import Database

log = logging.getLogger(__name__)


def start_live(app: FastAPI, db: Database, config: Config, stop: asyncio.Event, *, syncing: bool) -> list[Any]:
    """Relay Redis into this process's hub (with Redis), or watch the store (without Redis, when another
    process syncs); publish this process's own changes accordingly. Returns the background tasks."""
    hub = app.state.hub
    app.state.loop = asyncio.get_running_loop()  # for code outside the loop that must hand events to the hub
    tasks: list[Any] = []
    if config.redis_url:
        bus = RedisBus(config.redis_url)
        app.state.live = LiveService(hub=None, bus=bus)
        app.state.live_ready = asyncio.Event()
        # While Redis is away, every web process follows the store, so pages keep updating (its own sync too:
        # what it publishes goes to Redis only).
        fallback = StoreFallback(db, hub)
        app.state.live_fallback = fallback
        relay = bus.relay(hub, stop, app.state.live_ready, fallback.redis_changed)
        tasks.append(asyncio.create_task(relay, name="deskpulse-live-relay"))
        tasks.append(asyncio.create_task(fallback.run(stop), name="deskpulse-live-fallback"))
        tasks.append(bus)
    else:
        app.state.live = LiveService(hub=hub)
        if not syncing:
            tasks.append(asyncio.create_task(StoreWatch(db, hub).run(stop), name="deskpulse-live-watch"))
    _close_streams_on_sigterm(app)
    return tasks


async def stop_live(app: FastAPI, tasks: list[Any]) -> None:
    """Wait for the background tasks (they stop with the ``stop`` event) and close Redis."""
    for task in tasks:
        if isinstance(task, RedisBus):
            await task.aclose()
        else:
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(task, timeout=5)


def _close_streams_on_sigterm(app: FastAPI) -> None:
    """On SIGTERM/SIGINT end every open stream first, so the server's graceful shutdown is not held up by
    connections that never finish; then the server's own handler runs. Only possible in the main thread."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            previous = signal.getsignal(sig)
        except ValueError:
            return
        if not callable(previous):
            continue

        def handler(signum: int, frame: Any, previous: Any = previous) -> None:
            loop.call_soon_threadsafe(app.state.hub.close)
            previous(signum, frame)

        try:
            signal.signal(sig, handler)
        except ValueError:  # not the main thread (tests run the app in a worker thread)
            return
