"""Lifecycle details: people acknowledging and resolving, rules that go away, business-hours rules held
overnight, rules stored through the API, and searching the history."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from alerts_support import T0, WEBHOOK_SECRET, Desk, Receiver, alerts, desk_config, minutes, receiver
from deskpulse.alerts import rule_store
from deskpulse.alerts.history import alert_json, list_alerts, search_history
from deskpulse.alerts.resolution import AlertNotFound, AlertStateError, acknowledge, resolve
from deskpulse.alerts.rules import Rule
from deskpulse.alerts.runner import deliver_due, evaluate_and_apply
from deskpulse.store.db import Database

FIRES_AT = T0 + minutes(90)
P1 = {"id": "p1", "name": "P1 overdue", "severity": "critical", "actions": {"channels": ["hook"]},
      "condition": {"type": "sla_breached", "kind": "first_response", "min_overdue_minutes": 30}}  # fmt: skip


def section(http: Receiver | None = None, *rules: dict[str, Any]) -> Any:
    url = http.url("/hook/ops") if http else "http://127.0.0.1:9/hook/ops"
    return alerts(rules=list(rules) or [P1],
                  channels=[{"type": "webhook", "name": "hook", "url": url, "secret": WEBHOOK_SECRET}])  # fmt: skip


async def test_resolving_by_hand_notifies_and_a_condition_still_true_fires_a_new_alert(db: Database) -> None:
    config = desk_config()
    desk = Desk(db, config)
    desk.add("1", at=T0)
    with receiver() as http:
        rules = section(http)
        await evaluate_and_apply(db, config, FIRES_AT, alerts=rules)
        first = desk.alerts()[0]
        with db.session() as session:
            resolve(session, first.id, "tess@example.test", FIRES_AT + minutes(1), note="Handled by phone")
            resolve(session, first.id, "tom@example.test", FIRES_AT + minutes(2))
        await deliver_due(db, config, FIRES_AT + minutes(2), alerts=rules)
        assert [r.json()["event"] for r in http.received] == ["alert.fired", "alert.resolved"]
        await evaluate_and_apply(db, config, FIRES_AT + minutes(3), alerts=rules)
    closed, reopened = desk.alerts()
    assert (closed.state, closed.resolved_by) == ("resolved", "tess@example.test")
    assert (reopened.state, reopened.dedupe_key) == ("firing", closed.dedupe_key)


async def test_acknowledging_is_idempotent_scoped_and_refused_once_resolved(db: Database) -> None:
    config = desk_config()
    desk = Desk(db, config)
    desk.add("1", at=T0)
    await evaluate_and_apply(db, config, FIRES_AT, alerts=section())
    alert = desk.alerts()[0]
    with db.session() as session:
        with pytest.raises(AlertNotFound, match=f"Alert {alert.id} was not found"):
            acknowledge(session, alert.id, "eve@globex.test", FIRES_AT, client_ids=frozenset({desk.client_id + 1}))
        acknowledge(session, alert.id, "tess@example.test", FIRES_AT, client_ids=frozenset({desk.client_id}))
        again = acknowledge(session, alert.id, "tom@example.test", FIRES_AT + minutes(1))
        assert again.acknowledged_by == "tess@example.test"
        resolve(session, alert.id, "tess@example.test", FIRES_AT + minutes(2))
    with db.session() as session, pytest.raises(AlertStateError, match="already resolved"):
        acknowledge(session, alert.id, "tom@example.test", FIRES_AT + minutes(3))
    assert desk.events(alert.id) == ["fired", "acknowledged", "resolved"]


async def test_the_alerts_of_a_removed_rule_resolve_themselves(db: Database) -> None:
    config = desk_config()
    desk = Desk(db, config)
    desk.add("1", at=T0)
    await evaluate_and_apply(db, config, FIRES_AT, alerts=section())
    other = {"id": "quiet", "name": "Never", "condition": {"type": "queue_backlog_above", "count": 99}}
    await evaluate_and_apply(db, config, FIRES_AT + minutes(1), alerts=section(None, other))
    [alert] = desk.alerts()
    assert (alert.state, alert.resolved_by) == ("resolved", None)
    with db.session() as session:
        [(event, _)] = search_history(session, kinds=["auto_resolved"])
    assert event.note == "The rule was removed or disabled."


async def test_a_business_hours_rule_keeps_its_alerts_as_they_are_while_the_desk_is_closed(db: Database) -> None:
    office = {day: ["09:00-17:00"] for day in ("mon", "tue", "wed", "thu", "fri")}
    config = desk_config(hours=office)
    desk = Desk(db, config)
    friday = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
    desk.add("1", at=friday)  # due 15:00 (one business hour)
    rules = section(None, P1 | {"filters": {"business_hours_only": True}})
    await evaluate_and_apply(db, config, friday + minutes(150), alerts=rules)
    saturday = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
    desk.change("1", saturday, first_responded_at=saturday)
    await evaluate_and_apply(db, config, saturday, alerts=rules)
    assert desk.alerts()[0].state == "firing", "held over the weekend"
    await evaluate_and_apply(db, config, datetime(2026, 11, 23, 9, 0, tzinfo=UTC), alerts=rules)
    assert desk.alerts()[0].state == "resolved"


async def test_rules_stored_through_the_api_are_evaluated_next_to_the_config_files(db: Database) -> None:
    config = desk_config()
    desk = Desk(db, config)
    desk.add("1", at=T0)
    rules = section()
    stored = Rule.model_validate(P1 | {"id": rule_store.new_rule_id("Unassigned tickets"), "name": "Unassigned",
                                       "condition": {"type": "unassigned_for", "minutes": 60}})  # fmt: skip
    shadow = Rule.model_validate(P1 | {"name": "Shadow of p1", "condition": {"type": "unassigned_for", "minutes": 1}})
    assert stored.id.startswith("unassigned-tickets-") and rules.problems_with(stored) == []
    assert rules.problems_with(shadow) == ["Rule id p1 is taken by a rule of the config file; choose another id."]
    with db.session() as session:
        rule_store.save_rule(session, stored, by="tess@example.test", now=T0)
        rule_store.save_rule(session, shadow, by="tess@example.test", now=T0)
        assert [r.id for r in rule_store.all_rules(session, rules)] == ["p1", stored.id], "config ids win"
    await evaluate_and_apply(db, config, FIRES_AT, alerts=rules)
    assert sorted(a.rule_id for a in desk.alerts()) == sorted(["p1", stored.id])
    with db.session() as session:
        assert rule_store.delete_rule(session, stored.id) and not rule_store.delete_rule(session, stored.id)
    await evaluate_and_apply(db, config, FIRES_AT + minutes(1), alerts=rules)
    assert {a.rule_id: a.state for a in desk.alerts()} == {"p1": "firing", stored.id: "resolved"}


async def test_alerts_are_listed_with_totals_and_history_is_searchable(db: Database) -> None:
    config = desk_config()
    desk = Desk(db, config)
    for ext in ("1", "2", "3"):
        desk.add(ext, at=T0, subject=f"Printer {ext} jammed")
    await evaluate_and_apply(db, config, FIRES_AT, alerts=section())
    with db.session() as session:
        first = list_alerts(session).alerts[-1]
        acknowledge(session, first.id, "tess@example.test", FIRES_AT, note="Toner ordered")
    with db.session() as session:
        page = list_alerts(session, limit=2)
        assert (page.total, page.unacknowledged, len(page.alerts)) == (3, 2, 2)
        assert list_alerts(session, client_ids=frozenset()).total == 0
        assert list_alerts(session, text="printer 2").alerts[0].subject == "ticket:desk:2"
        assert list_alerts(session, states=["acknowledged"]).total == 1
        [(event, alert)] = search_history(session, text="toner")
        assert (event.kind, event.actor, alert.id) == ("acknowledged", "tess@example.test", first.id)
        assert len(search_history(session, kinds=["fired"], text="50%_")) == 0, "LIKE wildcards are literal"
        data = alert_json(first)
    assert data["acknowledgedBy"] == "tess@example.test" and data["clientId"] == "acme" and not data["autoResolved"]
