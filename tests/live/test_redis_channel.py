"""Deployments on different Redis databases never hear each other (pub/sub channels are server-wide)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from deskpulse.live.events import EVERYONE, LiveEvent
from deskpulse.live.hub import Hub
from deskpulse.live.redis_bus import RedisBus, channel_for
from support import redis_or_skip

AT = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def test_the_channel_carries_the_database_number() -> None:
    assert channel_for("redis://127.0.0.1:6379/15") == "deskpulse:live:15"
    assert channel_for("redis://cache.internal") == "deskpulse:live:0"
    assert channel_for("rediss://user:secret@cache.internal:6380/2") == "deskpulse:live:2"
    assert channel_for("unix:///run/redis.sock?db=3") == "deskpulse:live:3"


async def test_an_event_published_on_one_database_reaches_only_its_own_deployment() -> None:
    redis_or_skip()
    ours, theirs = RedisBus("redis://127.0.0.1:6379/12"), RedisBus("redis://127.0.0.1:6379/13")
    our_hub, their_hub = Hub(), Hub()
    stop, ready_ours, ready_theirs = asyncio.Event(), asyncio.Event(), asyncio.Event()
    relays = [
        asyncio.create_task(ours.relay(our_hub, stop, ready_ours)),
        asyncio.create_task(theirs.relay(their_hub, stop, ready_theirs)),
    ]
    try:
        await asyncio.wait_for(asyncio.gather(ready_ours.wait(), ready_theirs.wait()), 5)
        sub_ours, sub_theirs = our_hub.subscribe(), their_hub.subscribe()
        sent = await ours.publish(LiveEvent("sources", "source.synced", EVERYONE, {"from": "ours"}, AT))
        got = await asyncio.wait_for(sub_ours.queue.get(), 5)
        assert got is not None and got.id == sent.id
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(sub_theirs.queue.get(), 0.5)
    finally:
        stop.set()
        await asyncio.gather(*relays)
        await ours.aclose()
        await theirs.aclose()
