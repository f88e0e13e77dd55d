"""The issue's clock-controlled scenario end to end: store -> evaluation -> lifecycle -> outbox -> channels
(a local webhook receiver, Slack receiver and SMTP server) -> live events."""

from __future__ import annotations

from datetime import datetime

from alerts_support import T0, WEBHOOK_SECRET, Desk, alerts, desk_config, minutes, receiver, smtp_server
from deskpulse.alerts.runner import deliver_due, evaluate_and_apply
from deskpulse.domain.tickets import Priority
from deskpulse.live.events import LiveEvent
from deskpulse.live.hub import Hub
from deskpulse.live.service import LiveService
from deskpulse.store.db import Database

# Urgent tickets owe a first response within 1 business hour; the calendar here is always open.
CREATED = T0
DUE = CREATED + minutes(60)


def p1_rule(escalate_after: int = 15, repeat: int = 60) -> dict[str, object]:
    return {
        "id": "p1-response", "name": "P1 response overdue", "severity": "critical",
        "condition": {"type": "sla_breached", "kind": "first_response", "min_overdue_minutes": 30},
        "filters": {"priorities": ["critical"]},
        "actions": {"channels": ["desk-hook", "desk-mail"]},
        "escalation": {"levels": [{"after_minutes": escalate_after, "channels": ["lead-slack"]}]},
        "repeat_interval_minutes": repeat,
    }  # fmt: skip


async def test_a_p1_ticket_30_minutes_past_its_response_target_fires_escalates_repeats_and_resolves(
    db: Database,
) -> None:
    with receiver() as http, smtp_server() as (smtp, inbox):
        section = alerts(
            rules=[p1_rule()],
            channels=[
                {"type": "webhook", "name": "desk-hook", "url": http.url("/hook/desk"), "secret": WEBHOOK_SECRET},
                {"type": "email", "name": "desk-mail", "to": ["oncall@example.test", "lead@example.test"]},
                {"type": "slack", "name": "lead-slack", "url": http.url("/slack/lead")},
            ],
        )
        config = desk_config(smtp=smtp)
        desk = Desk(db, config)
        desk.add("101", at=CREATED)
        desk.add("102", at=CREATED, priority=Priority.HIGH)  # same age, not P1: the filter leaves it out
        hub = Hub()
        live, stream = LiveService(hub=hub), hub.subscribe()
        pushed: list[LiveEvent] = []

        def alert_events() -> list[LiveEvent]:
            while not stream.queue.empty():
                event = stream.queue.get_nowait()
                if event is not None and event.topic == "alerts":
                    pushed.append(event)
            return pushed

        async def tick(at: datetime) -> None:
            await evaluate_and_apply(db, config, at, alerts=section, live=live)
            await deliver_due(db, config, at, alerts=section)

        def sent() -> dict[str, int]:
            return {
                "hook": len(http.at("/hook/desk")),
                "mail": len(inbox.messages),
                "slack": len(http.at("/slack/lead")),
            }

        await tick(DUE + minutes(29))
        assert desk.alerts() == [] and sent() == {"hook": 0, "mail": 0, "slack": 0}

        fired_at = DUE + minutes(30)
        await tick(fired_at)
        [alert] = desk.alerts()
        assert (alert.dedupe_key, alert.state, alert.level) == ("rule:p1-response|ticket:desk:101", "firing", 1)
        assert alert.title == "First response overdue: desk #101"
        assert "30 minutes of business time past its first-response target" in alert.message
        assert sent() == {"hook": 1, "mail": 1, "slack": 0}, "one notification per level-1 channel"
        hook = http.at("/hook/desk")[0].json()
        assert hook["event"] == "alert.fired" and hook["alert"]["severity"] == "critical"
        assert hook["alert"]["url"] == "https://desk.example.test/tickets/desk:101"
        mail = inbox.messages[0]
        assert mail["Subject"] == "[critical] First response overdue: desk #101"
        assert mail["To"] == "oncall@example.test, lead@example.test"
        desk_event, client_event = alert_events()
        assert (desk_event.type, desk_event.audience, desk_event.data["severity"]) == (
            "alert.fired",
            "desk",
            "critical",
        )
        assert desk_event.data["url"] == "/tickets/desk:101" and desk_event.data["title"] == alert.title
        assert (client_event.audience, client_event.data) == (desk.client_id, desk_event.data)

        await tick(fired_at + minutes(1))
        await tick(fired_at + minutes(1))
        assert len(desk.alerts()) == 1 and sent() == {"hook": 1, "mail": 1, "slack": 0}, (
            "evaluating again sends nothing"
        )

        await tick(fired_at + minutes(14))
        assert sent()["slack"] == 0
        await tick(fired_at + minutes(15))
        assert desk.alerts()[0].level == 2
        assert sent() == {"hook": 1, "mail": 1, "slack": 1}, "level 2 goes to its own channels only"
        slack = http.at("/slack/lead")[0].json()
        assert slack["text"].startswith("Escalated to level 2: First response overdue")

        await tick(fired_at + minutes(15 + 59))
        assert sent() == {"hook": 1, "mail": 1, "slack": 1}, "no repeat before the repeat interval"
        await tick(fired_at + minutes(15 + 60))
        assert sent() == {"hook": 2, "mail": 2, "slack": 2}, "the repeat reaches every level reached"
        assert http.at("/hook/desk")[1].json()["event"] == "alert.repeated"

        answered = fired_at + minutes(80)
        desk.change("101", answered, first_responded_at=answered)
        await tick(answered)
        [alert] = desk.alerts()
        assert (alert.state, alert.resolved_by, alert.open_key) == ("resolved", None, None)
        assert sent() == {"hook": 3, "mail": 3, "slack": 3}, "the resolved notice goes to every channel notified"
        assert http.at("/hook/desk")[2].json()["event"] == "alert.resolved"
        assert inbox.messages[2]["Subject"].startswith("[critical] Resolved: First response overdue")
        assert [e.type for e in alert_events() if e.audience == "desk"] == [
            "alert.fired", "alert.escalated", "alert.resolved",
        ]  # fmt: skip
        assert alert_events()[-1].data["severity"] == "info", "a resolved alert raises no browser notification"
        assert desk.events(alert.id) == [
            "fired", "notified", "notified", "escalated", "notified", "notified", "notified", "notified",
            "auto_resolved", "notified", "notified", "notified",
        ]  # fmt: skip

        await tick(answered + minutes(5))
        assert len(desk.alerts()) == 1 and sent() == {"hook": 3, "mail": 3, "slack": 3}


async def test_an_acknowledged_alert_neither_escalates_nor_repeats(db: Database) -> None:
    from deskpulse.alerts.resolution import acknowledge

    with receiver() as http:
        section = alerts(
            rules=[p1_rule(escalate_after=10, repeat=20) | {"actions": {"channels": ["desk-hook"]}}],
            channels=[
                {"type": "webhook", "name": "desk-hook", "url": http.url("/hook/desk"), "secret": WEBHOOK_SECRET},
                {"type": "slack", "name": "lead-slack", "url": http.url("/slack/lead")},
            ],
        )
        config = desk_config()
        desk = Desk(db, config)
        desk.add("7", at=CREATED)
        fired_at = DUE + minutes(30)
        await evaluate_and_apply(db, config, fired_at, alerts=section)
        [alert] = desk.alerts()
        with db.session() as session:
            acknowledge(session, alert.id, "tess@example.test", fired_at + minutes(2), note="On it")
        for later in (10, 20, 45):
            await evaluate_and_apply(db, config, fired_at + minutes(later), alerts=section)
            await deliver_due(db, config, fired_at + minutes(later), alerts=section)
        [alert] = desk.alerts()
        assert (alert.state, alert.level, alert.acknowledged_by, alert.ack_note) == (
            "acknowledged", 1, "tess@example.test", "On it",
        )  # fmt: skip
        assert [r.json()["event"] for r in http.received] == ["alert.fired"]
        assert http.at("/slack/lead") == []
