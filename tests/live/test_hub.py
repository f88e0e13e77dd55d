"""The live hub and event scoping: replay, overflow, who sees which event."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from deskpulse.live.events import DESK, EVERYONE, LiveEvent, Viewer
from deskpulse.live.hub import Hub
from deskpulse.live.service import cycle_events, ticket_events
from deskpulse.sync.engine import CycleResult
from deskpulse.sync.upsert import UpsertStats

AT = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def event(audience: str | int = DESK, topic: str = "tickets") -> LiveEvent:
    return LiveEvent(topic, f"{topic}.changed", audience, {"n": 1}, AT)


def test_events_are_numbered_and_replayed_after_the_last_seen_id() -> None:
    hub = Hub(replay=3)
    ids = [hub.publish(event()).id for _ in range(5)]
    assert ids == [1, 2, 3, 4, 5]
    assert [e.id for e in hub.since(3) or []] == [4, 5]
    assert hub.since(5) == []
    assert hub.since(2) is not None, "2 is just before the oldest buffered (3): nothing is lost"
    assert hub.since(1) is None, "event 2 is gone: the client must reload"
    assert hub.since(9) is None, "an id from before a restart cannot be replayed"
    assert hub.since(0) == []


def test_a_duplicate_delivery_is_dropped() -> None:
    hub = Hub()
    first = hub.publish(LiveEvent("tickets", "x", DESK, {}, AT, id=7))
    hub.publish(first)
    assert [e.id for e in hub.since(6) or []] == [7]


async def test_a_slow_subscriber_is_marked_overflowed_instead_of_growing() -> None:
    hub = Hub()
    sub = hub.subscribe()
    for _ in range(sub.queue.maxsize + 5):
        hub.publish(event())
    assert sub.overflowed and sub.queue.full()
    hub.unsubscribe(sub)
    assert hub.subscribers == 0


async def test_closing_the_hub_ends_every_stream() -> None:
    hub = Hub()
    sub = hub.subscribe()
    hub.close()
    assert await asyncio.wait_for(sub.queue.get(), 1) is None
    assert hub.closed


@pytest.mark.parametrize(
    ("client_ids", "audience", "sees"),
    [
        (None, DESK, True),  # staff see the desk-wide event
        (None, 5, False),  # ...and not the per-client copy (no double delivery)
        (frozenset({5}), 5, True),
        (frozenset({5}), 6, False),  # never another client's event
        (frozenset({5}), DESK, False),  # never the desk-wide one (it names every client's tickets)
        (frozenset({5}), EVERYONE, True),
        (None, EVERYONE, True),
    ],
)
def test_who_sees_which_event(client_ids: frozenset[int] | None, audience: str | int, sees: bool) -> None:
    assert Viewer(client_ids).wants(event(audience)) is sees


def test_topics_filter_events() -> None:
    viewer = Viewer(None, frozenset({"sources"}))
    assert not viewer.wants(event(DESK, "tickets"))
    assert viewer.wants(event(EVERYONE, "sources"))


def test_a_cycle_becomes_one_desk_event_and_one_per_client_with_only_their_ids() -> None:
    stats = UpsertStats(touched={None: ["1"], 5: ["2", "3"], 6: ["4"]})
    result = CycleResult(ok=True, source="fs", started_at=AT, seconds=1.0, requests=3, stats=stats)
    events = cycle_events(result)
    tickets = {e.audience: e.data for e in events if e.topic == "tickets"}
    assert tickets[DESK]["ids"] == ["1", "2", "3", "4"] and tickets[DESK]["changed"] == 4
    assert tickets[5]["ids"] == ["2", "3"] and tickets[6]["ids"] == ["4"]
    assert [e.type for e in events if e.topic == "sources"] == ["source.synced"]
    assert {e.audience for e in events if e.topic == "metrics"} == {DESK, 5, 6}


def test_a_failed_cycle_only_reports_the_source() -> None:
    result = CycleResult(ok=False, source="fs", started_at=AT, seconds=1.0, requests=1, error="HTTP 503")
    events = cycle_events(result)
    assert [(e.topic, e.type, e.data["error"]) for e in events] == [("sources", "source.failed", "HTTP 503")]
    assert ticket_events("fs", {}, AT, "sync") == []


def test_the_wire_format_round_trips_and_is_one_sse_event() -> None:
    original = LiveEvent("alerts", "sla.breached", 5, {"ticket": "<b>7</b>"}, AT, id=42)
    assert LiveEvent.from_json(original.to_json()) == original
    text = original.sse()
    assert text.startswith("id: 42\nevent: alerts\ndata: {") and text.endswith("\n\n") and text.count("\n") == 4
    with pytest.raises(ValueError):
        LiveEvent.from_json('{"topic": "tickets"}')
