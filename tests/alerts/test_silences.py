"""Silences and maintenance windows: the alert is recorded but notifies no one; the resolved notice still
reaches every channel that heard the alert fire, and no other."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from alerts_support import T0, WEBHOOK_SECRET, Desk, Receiver, alerts, desk_config, minutes, receiver
from deskpulse.alerts.runner import deliver_due, evaluate_and_apply
from deskpulse.alerts.settings import Silence
from deskpulse.store.db import Database

FIRES_AT = T0 + minutes(90)


def section(http: Receiver, *silences: dict[str, Any]) -> Any:
    return alerts(
        rules=[{
            "id": "p1", "name": "P1 overdue", "severity": "critical",
            "condition": {"type": "sla_breached", "kind": "first_response", "min_overdue_minutes": 30},
            "actions": {"channels": ["first"]},
            "escalation": {"levels": [{"after_minutes": 10, "channels": ["second"]}]},
        }],
        channels=[
            {"type": "webhook", "name": "first", "url": http.url("/hook/first"), "secret": WEBHOOK_SECRET},
            {"type": "webhook", "name": "second", "url": http.url("/hook/second"), "secret": WEBHOOK_SECRET},
        ],
        silences=list(silences),
    )  # fmt: skip


def heard(http: Receiver) -> list[tuple[str, str]]:
    return [(r.path.rsplit("/", 1)[1], r.json()["event"]) for r in http.received]


async def test_an_alert_silenced_from_the_start_is_recorded_and_notifies_no_one(db: Database) -> None:
    config = desk_config()
    desk = Desk(db, config)
    desk.add("1", at=T0)
    window = {"client": "acme", "start": T0, "end": T0 + minutes(600), "reason": "Acme migration weekend"}
    with receiver() as http:
        rules = section(http, window)

        async def tick(at: datetime) -> None:
            await evaluate_and_apply(db, config, at, alerts=rules)
            await deliver_due(db, config, at, alerts=rules)

        await tick(FIRES_AT)
        await tick(FIRES_AT + minutes(15))
        [alert] = desk.alerts()
        assert (alert.state, alert.silenced, alert.level) == ("firing", True, 1), "recorded, not escalated"
        desk.change("1", FIRES_AT + minutes(20), first_responded_at=FIRES_AT + minutes(20))
        await tick(FIRES_AT + minutes(20))
    assert http.received == [] and desk.outbox() == []
    assert desk.events() == ["fired", "silenced", "auto_resolved"]


async def test_a_silence_after_firing_stops_escalation_but_the_resolved_notice_still_goes_out(db: Database) -> None:
    config = desk_config()
    desk = Desk(db, config)
    desk.add("1", at=T0)
    with receiver() as http:
        loud = section(http)
        await evaluate_and_apply(db, config, FIRES_AT, alerts=loud)
        await deliver_due(db, config, FIRES_AT, alerts=loud)
        quiet = section(http, {"rule": "p1", "start": FIRES_AT + minutes(5), "end": FIRES_AT + minutes(120),
                               "reason": "Known outage, vendor working on it"})  # fmt: skip
        for later in (10, 30):
            await evaluate_and_apply(db, config, FIRES_AT + minutes(later), alerts=quiet)
            await deliver_due(db, config, FIRES_AT + minutes(later), alerts=quiet)
        answered = FIRES_AT + minutes(40)
        desk.change("1", answered, first_responded_at=answered)
        await evaluate_and_apply(db, config, answered, alerts=quiet)
        await deliver_due(db, config, answered, alerts=quiet)
    assert heard(http) == [("first", "alert.fired"), ("first", "alert.resolved")], "level 2 never heard of it"
    assert desk.events() == ["fired", "notified", "silenced", "auto_resolved", "notified"]


async def test_a_silence_that_ends_while_the_alert_still_fires_lets_the_first_notice_out(db: Database) -> None:
    config = desk_config()
    desk = Desk(db, config)
    desk.add("1", at=T0)
    with receiver() as http:
        rules = section(http, {"start": T0, "end": FIRES_AT + minutes(5), "reason": "Maintenance window"})
        for later in (0, 5):
            await evaluate_and_apply(db, config, FIRES_AT + minutes(later), alerts=rules)
            await deliver_due(db, config, FIRES_AT + minutes(later), alerts=rules)
    assert heard(http) == [("first", "alert.fired")]
    assert desk.events() == ["fired", "silenced", "unsilenced", "notified"]


def test_a_silence_matches_every_field_it_names_within_its_window() -> None:
    silence = Silence(rule="p1", source="desk", start=T0, end=T0 + minutes(60), reason="x")
    assert silence.covers(rule="p1", client="acme", source="desk", at=T0)
    assert not silence.covers(rule="p1", client="acme", source="other", at=T0)
    assert not silence.covers(rule="p2", client="acme", source="desk", at=T0)
    assert not silence.covers(rule="p1", client="acme", source="desk", at=T0 + minutes(60)), "the end is exclusive"
    maintenance = Silence(start=T0, end=T0 + minutes(60), reason="Everything")
    assert maintenance.covers(rule="any", client=None, source=None, at=T0 + minutes(59))
