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
from collections.abc import Callable
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
# Raise the counter to at least ARGV[1]: after an outage (or a Redis restart that lost the counter) new ids must
# stay above every id the web processes handed out meanwhile, or their streams would skip the new events.
RAISE_COUNTER = """
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if current < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) end
return 1
"""


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

    async def relay(
        self, hub: Hub, stop: asyncio.Event, ready: asyncio.Event | None = None,
        on_change: Callable[[bool], None] | None = None,
    ) -> None:  # fmt: skip
        """Deliver every event published anywhere into ``hub``; reconnect every 2 s while Redis is away.
        ``on_change(False)`` is called when the connection is lost, ``on_change(True)`` once it is back."""
        while not stop.is_set():
            pubsub = self._client().pubsub()
            try:
                await pubsub.subscribe(self.channel)
                await self._client().eval(RAISE_COUNTER, 1, COUNTER, str(hub.newest_id()))
                if on_change is not None:
                    on_change(True)
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
                if on_change is not None:
                    on_change(False)
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
