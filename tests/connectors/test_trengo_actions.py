"""Ticket actions written back to Trengo, against the Trengo simulator in-process."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from deskpulse.connectors.trengo.connector import TrengoConnector
from deskpulse.connectors.writeback import FieldChange, TicketUpdate, WritableConnector, WriteOutcome
from deskpulse.domain.tickets import Priority
from deskpulse.simulators.faults import FaultPlan
from deskpulse.simulators.trengo_scenario import TrengoScenario
from support import RecordingSleep, connector_for, simulator, source_config
from writeback_support import FaultOnWrite, writes

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)


def account() -> tuple[TrengoScenario, Any, list[int], list[int]]:
    """An empty account with 2 teams and 3 users, its simulator app, and the team and user ids."""
    scenario = TrengoScenario.empty(teams=2, agents=3, now=NOW)
    return scenario, simulator(scenario), list(scenario.teams), list(scenario.users)


def add(scenario: TrengoScenario, status: str = "OPEN", **kwargs: Any) -> str:
    return str(scenario.add_ticket(status=status, created_at=NOW - timedelta(hours=2), **kwargs)["id"])


def path(ticket_id: str, action: str) -> tuple[str, str]:
    return ("POST", f"/api/v2/tickets/{ticket_id}/{action}")


def test_the_trengo_connector_is_a_writable_connector() -> None:
    _, app, _, _ = account()
    assert isinstance(connector_for(app), WritableConnector)


async def test_closing_a_ticket_posts_close_and_reads_the_closed_status_back() -> None:
    scenario, app, _, _ = account()
    ticket_id = add(scenario)
    result = await connector_for(app).apply_update(ticket_id, TicketUpdate(status="CLOSED"))
    assert result.outcome is WriteOutcome.APPLIED, result.message
    assert result.changes == [FieldChange("status", "OPEN", "CLOSED", "CLOSED")]
    assert result.ticket is not None and result.ticket.status_raw == "CLOSED"
    assert scenario.tickets[int(ticket_id)]["status"] == "CLOSED"
    assert writes(app) == [path(ticket_id, "close")]


async def test_asking_a_closed_ticket_to_be_assigned_again_posts_reopen() -> None:
    scenario, app, _, users = account()
    ticket_id = add(scenario, "CLOSED", user_id=users[0])
    result = await connector_for(app).apply_update(ticket_id, TicketUpdate(status="assigned"))
    assert result.outcome is WriteOutcome.APPLIED, result.message
    assert scenario.tickets[int(ticket_id)]["status"] == "ASSIGNED"
    assert writes(app) == [path(ticket_id, "reopen")]


async def test_an_agent_a_team_and_a_note_go_in_one_assign_call() -> None:
    scenario, app, teams, users = account()
    ticket_id = add(scenario)
    update = TicketUpdate(agent_external_id=str(users[1]), team_external_id=str(teams[1]), note="Over to you")
    result = await connector_for(app).apply_update(ticket_id, update)
    assert result.outcome is WriteOutcome.APPLIED, result.message
    assert result.note_added
    assert {c.field: c.after for c in result.changes} == {"team": str(teams[1]), "agent": str(users[1])}
    raw = scenario.tickets[int(ticket_id)]
    assert (raw["user_id"], raw["team_id"], raw["status"]) == (users[1], teams[1], "ASSIGNED")
    assert writes(app) == [path(ticket_id, "assign")]


async def test_changing_only_the_team_keeps_the_assigned_agent() -> None:
    scenario, app, teams, users = account()
    ticket_id = add(scenario, "ASSIGNED", user_id=users[0], team_id=teams[0])
    result = await connector_for(app).apply_update(ticket_id, TicketUpdate(team_external_id=str(teams[1])))
    assert result.outcome is WriteOutcome.APPLIED, result.message
    assert (scenario.tickets[int(ticket_id)]["user_id"], scenario.tickets[int(ticket_id)]["team_id"]) == (
        users[0],
        teams[1],
    )


async def test_assigning_and_closing_in_one_update_assigns_first_then_closes() -> None:
    scenario, app, _, users = account()
    ticket_id = add(scenario)
    update = TicketUpdate(status="CLOSED", agent_external_id=str(users[2]))
    result = await connector_for(app).apply_update(ticket_id, update)
    assert result.outcome is WriteOutcome.APPLIED, result.message
    assert writes(app) == [path(ticket_id, "assign"), path(ticket_id, "close")]


async def test_an_unknown_user_is_rejected_with_trengos_own_words_and_nothing_changes() -> None:
    scenario, app, _, _ = account()
    ticket_id = add(scenario)
    before = copy.deepcopy(scenario.tickets[int(ticket_id)])
    result = await connector_for(app).apply_update(ticket_id, TicketUpdate(agent_external_id="999999"))
    assert result.outcome is WriteOutcome.REJECTED
    assert result.message == f"Trengo refused to assign ticket {ticket_id}: The selected user id is invalid."
    assert result.changes == []
    assert scenario.tickets[int(ticket_id)] == before


async def test_a_close_trengo_accepts_but_does_not_apply_is_reported_as_not_applied() -> None:
    scenario, app, _, _ = account()
    ticket_id = add(scenario)
    scenario.ignore_writes = True
    result = await connector_for(app).apply_update(ticket_id, TicketUpdate(status="CLOSED"))
    assert result.outcome is WriteOutcome.NOT_APPLIED
    assert "status is still 'OPEN' (wanted 'CLOSED')" in result.message
    assert writes(app) == [path(ticket_id, "close")]


async def test_a_ticket_that_does_not_exist_is_rejected_as_such() -> None:
    _, app, _, _ = account()
    connector = connector_for(app)
    for ticket_id in ("12345", "not-a-number"):
        result = await connector.apply_update(ticket_id, TicketUpdate(status="CLOSED"))
        assert result.outcome is WriteOutcome.REJECTED
        assert result.message == f"Ticket {ticket_id} does not exist at Trengo."
    assert writes(app) == []


async def test_a_server_error_on_the_write_is_a_failure_after_the_retries() -> None:
    scenario, app, _, _ = account()
    ticket_id = add(scenario)
    sleep = RecordingSleep()
    transport = FaultOnWrite(app, FaultPlan(mode="server_error", status=503))
    connector = TrengoConnector(source_config(max_retries=2), transport=transport, sleep=sleep)
    result = await connector.apply_update(ticket_id, TicketUpdate(status="CLOSED"))
    assert result.outcome is WriteOutcome.FAILED
    assert result.message.startswith(f"deskpulse could not close ticket {ticket_id}: Trengo answered HTTP 503 3 times")
    assert len(sleep.waits) == 2
    assert scenario.tickets[int(ticket_id)]["status"] == "OPEN"


async def test_a_failure_after_an_earlier_write_says_what_was_already_done() -> None:
    scenario, app, _, users = account()
    ticket_id = add(scenario)
    # The assign succeeds; the close then fails on every attempt (1 + 2 retries); the read-back works again.
    transport = FaultOnWrite(app, FaultPlan(mode="server_error", status=502, remaining=3), after_writes=1)
    connector = TrengoConnector(source_config(max_retries=2), transport=transport, sleep=RecordingSleep())
    update = TicketUpdate(status="CLOSED", agent_external_id=str(users[0]))
    result = await connector.apply_update(ticket_id, update)
    assert result.outcome is WriteOutcome.FAILED
    assert result.message.endswith("Before that, deskpulse had already assigned the ticket.")
    assert {c.field: c.took_effect for c in result.changes} == {"status": False, "agent": True}


@pytest.mark.parametrize(
    ("update", "words"),
    [
        (TicketUpdate(priority=Priority.HIGH), "Trengo tickets have no priority"),
        (TicketUpdate(note="Called the customer"), "no call that adds a note on its own"),
        (TicketUpdate(clear_agent=True), "no way to unassign"),
        (TicketUpdate(status="INVALID"), "cannot be set"),
        (TicketUpdate(status="OPEN", agent_external_id="3601"), "OPEN means nobody is assigned"),
        (TicketUpdate(agent_external_id="3601", clear_agent=True), "choose one"),
    ],
)
async def test_what_trengo_cannot_do_is_refused_before_any_request(update: TicketUpdate, words: str) -> None:
    scenario, app, _, _ = account()
    ticket_id = add(scenario)
    result = await connector_for(app).apply_update(ticket_id, update)
    assert result.outcome is WriteOutcome.REJECTED
    assert words in result.message
    assert app.state.request_log == []


async def test_asking_for_assigned_without_naming_an_assignee_is_refused_before_any_write() -> None:
    scenario, app, _, _ = account()
    ticket_id = add(scenario)
    result = await connector_for(app).apply_update(ticket_id, TicketUpdate(status="ASSIGNED"))
    assert result.outcome is WriteOutcome.REJECTED
    assert "name an agent or a team" in result.message
    assert writes(app) == []


async def test_an_update_that_is_already_true_makes_no_write() -> None:
    scenario, app, _, users = account()
    ticket_id = add(scenario, "ASSIGNED", user_id=users[0])
    result = await connector_for(app).apply_update(ticket_id, TicketUpdate(agent_external_id=str(users[0])))
    assert result.outcome is WriteOutcome.APPLIED
    assert writes(app) == []
