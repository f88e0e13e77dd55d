"""Live events across processes through Redis: numbered with INCR, fanned out with PUBLISH / SUBSCRIBE.

Any process that changes the store (a worker's sync, a web process's write-back) publishes; every web process
relays what it receives into its own hub. Ids come from one Redis counter, so they are the same in every web
process and a reconnecting browser can be replayed by whichever process it reaches.

Redis keeps keys per database number but pub/sub channels per server, so the channel name carries the database
number: deployments (or test runs) on different databases of one Redis server never hear each other.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

from redis.asyncio import Redis
from redis.exceptions import RedisError

from deskpulse.live.events import LiveEvent
from deskpulse.live.hub import Hub

log = logging.getLogger(__name__)
CHANNEL = "deskpulse:live"
COUNTER = "deskpulse:live:id"
RETRY_SECONDS = 2.0


def channel_for(url: str) -> str:
    """The pub/sub channel of the deployment on ``url``'s database (``deskpulse:live:<db>``), read as redis-py
    reads it: ``?db=N``, else the path of a ``redis://`` URL, else 0."""
    parts = urlsplit(url)
    db = parse_qs(parts.query).get("db", [""])[0] or (parts.path.strip("/") if parts.scheme != "unix" else "")
    return f"{CHANNEL}:{int(db) if db.isdigit() else 0}"


class RedisBus:
    """Publishes to Redis; ``relay`` feeds a hub from Redis until stopped (reconnecting after outages)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.channel = channel_for(url)
        self._redis: Redis | None = None

    def _client(self) -> Redis:
        if self._redis is None:
            self._redis = Redis.from_url(self.url)
        return self._redis

    async def publish(self, event: LiveEvent) -> LiveEvent:
        """Number ``event`` and send it to every subscribed process. Raises RedisError when Redis is down."""
        client = self._client()
        numbered = replace(event, id=int(await client.incr(COUNTER)))
        await client.publish(self.channel, numbered.to_json())
        return numbered

    async def relay(self, hub: Hub, stop: asyncio.Event, ready: asyncio.Event | None = None) -> None:
        """Deliver every event published anywhere into ``hub``; reconnect every 2 s while Redis is away."""
        while not stop.is_set():
            pubsub = self._client().pubsub()
            try:
                await pubsub.subscribe(self.channel)
                if ready is not None:
                    ready.set()
                while not stop.is_set():
                    message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                    if message is None or message.get("type") != "message":
                        continue
                    try:
                        hub.publish(LiveEvent.from_json(message["data"]))
                    except ValueError as exc:
                        log.warning("ignored a malformed live event from Redis: %s", exc)
            except (RedisError, OSError) as exc:
                log.warning("live events: Redis unavailable (%s); retrying in %.0f s", exc, RETRY_SECONDS)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=RETRY_SECONDS)
            finally:
                with contextlib.suppress(RedisError, OSError):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]

    async def aclose(self) -> None:
        """Close the connection pool."""
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None
