"""Live updates that survive a Redis outage: while Redis is away, a web process watches the store instead.

With Redis, workers publish what they change and every web process relays it. When Redis goes away those
events are lost, so each web process falls back to the store watch (``watch.py``: one small query a second)
until its Redis subscription is back. While Redis is up the watch keeps only its baseline, every
``BASELINE_SECONDS``, and publishes nothing; a change seen by both paths around a switch is sent twice at most,
which a page takes as one more refresh.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from deskpulse.live.hub import Hub
from deskpulse.live.watch import INTERVAL_SECONDS, StoreWatch
from deskpulse.store.db import Database
from deskpulse.store.outage import log_failure

log = logging.getLogger(__name__)
BASELINE_SECONDS = 5.0


class StoreFallback:
    """The store watch of a web process with Redis, active only while its Redis subscription is down."""

    def __init__(self, db: Database, hub: Hub) -> None:
        self.watch = StoreWatch(db, hub)
        self.hub = hub
        self.redis_up = False  # until the first subscription succeeds, the store is the source of events
        self._changed = asyncio.Event()

    def redis_changed(self, up: bool) -> None:
        """Called by the Redis relay when its subscription is lost (False) or back (True)."""
        if up == self.redis_up:
            return
        self.redis_up = up
        if up:
            log.info("live events: Redis is back; the store watch stands by")
        else:
            log.warning("live events: Redis unavailable; following the store until it is back")
        self._changed.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Poll the store until ``stop`` is set: publishing while Redis is down, keeping the baseline while up."""
        while not stop.is_set():
            try:
                events = await asyncio.to_thread(self.watch.poll)
                if not self.redis_up:
                    for event in events:
                        self.hub.publish(event)
            except Exception as exc:  # a store hiccup must not end live updates for good
                log_failure(log, "live store fallback failed; retrying", exc)
            self._changed.clear()
            wait = BASELINE_SECONDS if self.redis_up else INTERVAL_SECONDS
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(_either(stop, self._changed), timeout=wait)


async def _either(*events: asyncio.Event) -> None:
    """Return as soon as one of ``events`` is set."""
    waiters = [asyncio.create_task(e.wait()) for e in events]
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
