"""Where live events come from and where they go: a process's hub, Redis, or both.

* A web process that syncs itself (``deskpulse serve``) publishes straight into its hub.
* With ``DESKPULSE_REDIS_URL`` every process publishes to Redis and every web process relays Redis into its
  hub, so a browser connected to any web process sees every change once.
* A web process without Redis whose sync runs elsewhere (``serve --web-only`` + ``worker``) watches the
  store instead (``watch.py``): one cheap query a second, events within about a second of a commit.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from redis.exceptions import RedisError

from deskpulse.live.events import DESK, EVERYONE, LiveEvent
from deskpulse.live.hub import Hub
from deskpulse.live.redis_bus import RedisBus
from deskpulse.sync.engine import CycleResult

log = logging.getLogger(__name__)
MAX_IDS = 200


class LiveService:
    """Publishes events to Redis when configured, else to this process's hub (when it has one)."""

    def __init__(self, hub: Hub | None = None, bus: RedisBus | None = None) -> None:
        self.hub = hub
        self.bus = bus

    async def publish(self, events: Iterable[LiveEvent]) -> None:
        """Send each event; a Redis outage is logged, never raised into the sync or the request."""
        for event in events:
            if self.bus is not None:
                try:
                    await self.bus.publish(event)
                except (RedisError, OSError) as exc:
                    log.warning("live event %s not published: Redis unavailable (%s)", event.type, exc)
            elif self.hub is not None:
                self.hub.publish(event)

    async def cycle_finished(self, result: CycleResult) -> None:
        """Publish what one sync cycle changed (called by the scheduler after every cycle)."""
        await self.publish(cycle_events(result))


def ticket_events(source: str, touched: dict[int | None, list[str]], at: datetime, cause: str) -> list[LiveEvent]:
    """One desk-wide ``tickets``/``metrics`` pair for staff, and one pair per client for scoped viewers."""
    if not touched:
        return []
    everything = [ext for ids in touched.values() for ext in ids]
    events = [
        LiveEvent("tickets", "tickets.changed", DESK, {"source": source, "cause": cause, "changed": len(everything),
                  "ids": everything[:MAX_IDS]}, at),
        LiveEvent("metrics", "metrics.changed", DESK, {"source": source}, at),
    ]  # fmt: skip
    for client_id, ids in sorted(touched.items(), key=lambda kv: (kv[0] is None, kv[0] or 0)):
        if client_id is None:
            continue
        events.append(
            LiveEvent(
                "tickets",
                "tickets.changed",
                client_id,
                {"source": source, "cause": cause, "changed": len(ids), "ids": ids[:MAX_IDS]},
                at,
            )
        )
        events.append(LiveEvent("metrics", "metrics.changed", client_id, {"source": source}, at))  # fmt: skip
    return events


def cycle_events(result: CycleResult) -> list[LiveEvent]:
    """The source's new health for everyone, plus the tickets it changed."""
    at = result.started_at
    status = {"source": result.source, "ok": result.ok, "error": result.error if not result.ok else None}
    events = [LiveEvent("sources", "source.synced" if result.ok else "source.failed", EVERYONE, status, at)]
    if result.ok:
        events += ticket_events(result.source, result.stats.touched, at, "sync")
    return events
