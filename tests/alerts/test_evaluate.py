"""Pure evaluation: which subjects fire, with which dedupe key and words, for every condition and filter."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from deskpulse.alerts.evaluate import AlertInputs, Evaluation, SourceHealth, TicketFacts, evaluate
from deskpulse.alerts.rules import Rule
from deskpulse.domain.sla import ClockState, TargetKind
from deskpulse.domain.sla.evaluate import TargetResult
from deskpulse.domain.tickets import Priority, StatusCategory
from deskpulse.metrics.sla_tickets import SlaTicket
from deskpulse.sla_config import ClientSlaSettings, SlaConfig

# Friday 18 December 2026, 16:00 UTC; the desk is open Mon-Fri 09:00-17:00 UTC.
NOW = datetime(2026, 12, 18, 16, 0, tzinfo=UTC)
SOURCES = [SourceHealth(1, "fs", "freshservice", NOW, None), SourceHealth(2, "at", "autotask", NOW, None)]
ALWAYS = {d: ["00:00-24:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
POLICY = SlaConfig(clients=[ClientSlaSettings(client="nightowl", hours=ALWAYS)]).policy("UTC")


def clock(state: ClockState, remaining_minutes: int, *, completed: bool = False) -> TargetResult:
    return TargetResult(
        kind=TargetKind.FIRST_RESPONSE, state=state, due_at=NOW + timedelta(minutes=remaining_minutes),
        remaining_seconds=remaining_minutes * 60, elapsed_business_seconds=0, completed_at=NOW if completed else None,
        breached_at=None, target_seconds=3600, vendor_due=False,
    )  # fmt: skip


def ticket(row_id: int, **fields: Any) -> SlaTicket:
    values: dict[str, Any] = {
        "row_id": row_id, "source_id": 1, "external_id": str(100 + row_id), "subject": f"Issue {row_id}",
        "status_label": "Open", "status_category": StatusCategory.OPEN, "priority": Priority.URGENT,
        "client": "acme", "team_external_id": "5", "agent_external_id": None,
        "created_at": NOW - timedelta(hours=3), "first_responded_at": None, "resolved_at": None, "is_active": True,
        "url": None, "first_response": None, "resolution": None,
    }  # fmt: skip
    return SlaTicket(**(values | fields))


def facts(**fields: Any) -> TicketFacts:
    return TicketFacts(**({"client_id": 7, "last_activity_at": None, "awaiting_reply_since": None,
                           "unassigned_since": None} | fields))  # fmt: skip


def rule(condition: dict[str, Any], **extra: Any) -> Rule:
    return Rule.model_validate({"id": "r", "name": "Rule", "condition": condition, "severity": "critical"} | extra)


def run(rules: list[Rule], tickets: list[SlaTicket], fact: dict[int, TicketFacts] | None = None,
        *, at: datetime = NOW, sources: list[SourceHealth] = SOURCES) -> Evaluation:  # fmt: skip
    inputs = AlertInputs(at, tickets, fact or {}, sources, POLICY, {(1, "5"): "Service Desk"})
    return evaluate(rules, inputs)


def keys(evaluation: Evaluation) -> list[str]:
    return [f.key for f in evaluation.firing]


def test_sla_at_risk_fires_only_for_running_clocks_at_risk() -> None:
    tickets = [
        ticket(1, first_response=clock(ClockState.AT_RISK, 20)),
        ticket(2, first_response=clock(ClockState.OK, 120)),
        ticket(3, first_response=clock(ClockState.BREACHED, -5)),
        ticket(4, first_response=clock(ClockState.AT_RISK, 20), is_active=False),
        ticket(5, resolution=clock(ClockState.AT_RISK, 20)),
    ]
    found = run([rule({"type": "sla_at_risk", "kind": "first_response"})], tickets, {1: facts()})
    [firing] = found.firing
    assert (firing.key, firing.subject, firing.client_id, firing.client) == ("rule:r|ticket:fs:101", "ticket:fs:101",
                                                                             7, "acme")  # fmt: skip
    assert firing.title == "First response SLA at risk: fs #101" and firing.url == "/tickets/fs:101"
    assert firing.message == "“Issue 1” (urgent, acme) has 20 minutes of business time left before its " \
                             "first-response target (due Fri 18 Dec 16:20)."  # fmt: skip
    assert run([rule({"type": "sla_at_risk", "kind": "first_response"})], tickets, {1: facts()}) == found


def test_sla_breached_waits_for_the_minimum_overdue_and_ignores_answered_tickets() -> None:
    tickets = [
        ticket(1, first_response=clock(ClockState.BREACHED, -29)),
        ticket(2, first_response=clock(ClockState.BREACHED, -30)),
        ticket(3, first_response=clock(ClockState.BREACHED, -90, completed=True)),
    ]
    condition = {"type": "sla_breached", "kind": "first_response", "min_overdue_minutes": 30}
    assert keys(run([rule(condition)], tickets)) == ["rule:r|ticket:fs:102"]


def test_filters_pick_priorities_teams_clients_and_sources() -> None:
    breached = clock(ClockState.BREACHED, -10)
    tickets = [
        ticket(1, first_response=breached),
        ticket(2, first_response=breached, priority=Priority.HIGH),
        ticket(3, first_response=breached, team_external_id="6"),
        ticket(4, first_response=breached, client="globex"),
        ticket(5, first_response=breached, source_id=2),
        ticket(6, first_response=breached, priority=None),
    ]
    filters = {"priorities": ["critical"], "teams": [5], "clients": ["acme"], "sources": ["fs"]}
    condition = {"type": "sla_breached", "kind": "first_response"}
    assert keys(run([rule(condition, filters=filters)], tickets)) == ["rule:r|ticket:fs:101"]
    assert len(run([rule(condition)], tickets).firing) == 6


def test_unassigned_and_quiet_tickets_count_wall_clock_minutes() -> None:
    tickets = [ticket(1), ticket(2), ticket(3, agent_external_id="9"), ticket(4)]
    fact = {
        1: facts(unassigned_since=NOW - timedelta(minutes=30), last_activity_at=NOW - timedelta(minutes=61)),
        2: facts(unassigned_since=NOW - timedelta(minutes=29), last_activity_at=NOW - timedelta(minutes=59)),
        3: facts(last_activity_at=NOW - timedelta(minutes=120)),
    }
    unassigned = run([rule({"type": "unassigned_for", "minutes": 30})], tickets, fact)
    assert keys(unassigned) == ["rule:r|ticket:fs:101", "rule:r|ticket:fs:104"], "no facts: since its creation"
    assert unassigned.firing[0].message == "“Issue 1” (urgent, acme) has had no agent for 30 minutes."
    quiet = run([rule({"type": "no_activity_for", "minutes": 60})], tickets, fact)
    assert keys(quiet) == ["rule:r|ticket:fs:101", "rule:r|ticket:fs:103", "rule:r|ticket:fs:104"]


def test_an_overdue_update_counts_business_minutes() -> None:
    wrote = NOW + timedelta(minutes=50)  # Friday 16:50, ten minutes before closing
    tickets = [ticket(1)]
    fact = {1: facts(awaiting_reply_since=wrote)}
    overdue = [rule({"type": "update_overdue", "minutes": 30})]
    monday = datetime(2026, 12, 21, 9, 0, tzinfo=UTC)
    assert run(overdue, tickets, fact, at=monday + timedelta(minutes=19)).firing == ()
    [firing] = run(overdue, tickets, fact, at=monday + timedelta(minutes=20)).firing
    assert firing.title == "Update overdue: fs #101"
    assert "has had no reply for 30 minutes of business time" in firing.message


def test_a_queue_over_its_backlog_limit_fires_per_queue() -> None:
    tickets = [ticket(i) for i in range(1, 5)] + [ticket(9, team_external_id="6"), ticket(10, is_active=False)]
    found = run([rule({"type": "queue_backlog_above", "count": 3})], tickets)
    [firing] = found.firing
    assert (firing.key, firing.client_id) == ("rule:r|queue:fs:5", None)
    assert firing.title == "Backlog above 3 in Service Desk (fs)"
    assert firing.message == "4 open tickets wait in Service Desk of fs; the limit is 3."
    assert run([rule({"type": "queue_backlog_above", "count": 4})], tickets).firing == ()


def test_new_tickets_per_hour_count_closed_ones_too() -> None:
    recent = NOW - timedelta(minutes=59)
    tickets = [ticket(i, created_at=recent) for i in range(1, 4)]
    tickets.append(ticket(4, created_at=recent, is_active=False, status_category=StatusCategory.CLOSED))
    tickets.append(ticket(5, created_at=NOW - timedelta(minutes=61)))
    [firing] = run([rule({"type": "new_tickets_per_hour_above", "count": 3})], tickets).firing
    assert (firing.key, firing.message) == (
        "rule:r|desk", "4 tickets were created in the last 60 minutes; the limit is 3.",
    )  # fmt: skip


def test_a_source_is_stale_from_its_first_failure_or_last_good_sync() -> None:
    sources = [
        SourceHealth(1, "fs", "freshservice", NOW - timedelta(hours=1), NOW - timedelta(minutes=15), "HTTP 503"),
        SourceHealth(2, "at", "autotask", NOW - timedelta(minutes=16), None),
        SourceHealth(3, "tr", "trengo", None, None),
    ]
    found = run([rule({"type": "source_stale_for", "minutes": 15})], [], sources=sources)
    assert keys(found) == ["rule:r|source:fs", "rule:r|source:at"]
    assert found.firing[0].message == "fs (freshservice) has not synced successfully for 15 minutes. " \
                                      "The last error: HTTP 503"  # fmt: skip
    only_at = rule({"type": "source_stale_for", "minutes": 15}, filters={"sources": ["at"]})
    assert keys(run([only_at], [], sources=sources)) == ["rule:r|source:at"]


def test_business_hours_rules_are_held_while_the_desk_is_closed() -> None:
    tickets = [ticket(1, first_response=clock(ClockState.BREACHED, -10))]
    condition = {"type": "sla_breached", "kind": "first_response"}
    office = rule(condition, filters={"business_hours_only": True})
    saturday = NOW + timedelta(days=1)
    assert keys(run([office], tickets)) == ["rule:r|ticket:fs:101"]
    held = run([office], tickets, at=saturday)
    assert (held.firing, held.held_rules, held.rule_ids) == ((), frozenset({"r"}), frozenset({"r"}))
    night_owl = rule(condition, filters={"business_hours_only": True, "clients": ["nightowl"]})
    owl_ticket = replace(tickets[0], client="nightowl")
    assert keys(run([night_owl], [owl_ticket], at=saturday)) == ["rule:r|ticket:fs:101"], "its own 24/7 calendar"


def test_disabled_rules_fire_nothing_and_uptime_rules_nothing_without_services() -> None:
    tickets = [ticket(1, first_response=clock(ClockState.BREACHED, -10))]
    disabled = rule({"type": "sla_breached", "kind": "first_response"}, enabled=False)
    down = rule({"type": "service_down"}, id="down")
    found = run([disabled, down], tickets)
    assert (found.firing, found.rule_ids) == ((), frozenset({"down"}))
