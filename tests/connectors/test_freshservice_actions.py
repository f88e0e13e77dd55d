"""Ticket actions written back to Freshservice, against the Freshservice simulator in-process."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2
import pytest

from deskpulse.connectors.freshservice import FreshserviceConnector, FreshserviceSettings, client
from deskpulse.connectors.freshservice.budget import VIEW_TICKET
from deskpulse.connectors.writeback import FieldChange, TicketUpdate, WritableConnector, WriteOutcome
from deskpulse.domain.tickets import Priority
from deskpulse.simulators.faults import FaultPlan
from deskpulse.simulators.freshservice import FreshserviceScenario, create_app
from writeback_support import FaultOnWrite, writes

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
SIM_BASE = "http://sim.test/api/v2"


@dataclass
class FakeTime:
    """A monotonic clock that only moves when the code under test sleeps."""

    now: float = 1000.0
    waits: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


def connector(
    app: Any, *, transport: httpx2.AsyncBaseTransport | None = None, **overrides: Any
) -> FreshserviceConnector:
    time = FakeTime()
    cfg = FreshserviceSettings(**{"name": "fs", "base_url": SIM_BASE, "api_key": "sim-fs-key", **overrides})
    return FreshserviceConnector(
        cfg,
        transport=transport or httpx2.ASGITransport(app=app),
        sleep=time.sleep,
        now=lambda: NOW,
        monotonic=time,
    )


def account() -> tuple[FreshserviceScenario, Any, str]:
    """An account with one Open, Medium, unassigned ticket; its simulator app and the ticket id."""
    scenario = FreshserviceScenario.empty(now=NOW)
    ticket = scenario.add_ticket(status=2, priority=2, created_at=NOW - timedelta(hours=3))
    return scenario, create_app(scenario, plan="enterprise"), str(ticket["id"])


def raw(scenario: FreshserviceScenario, ticket_id: str) -> dict[str, Any]:
    return scenario.tickets[int(ticket_id)]


def a_group_and_member(scenario: FreshserviceScenario) -> tuple[int, int]:
    group_id, group = next(iter(scenario.groups.items()))
    return group_id, group["members"][-1]


def test_the_freshservice_connector_is_a_writable_connector() -> None:
    _, app, _ = account()
    assert isinstance(connector(app), WritableConnector)


async def test_resolving_a_ticket_is_one_put_and_reads_the_new_status_back() -> None:
    scenario, app, ticket_id = account()
    result = await connector(app).apply_update(ticket_id, TicketUpdate(status="4"))
    assert result.outcome is WriteOutcome.APPLIED, result.message
    assert result.changes == [FieldChange("status", "2", "4", "4")]
    assert raw(scenario, ticket_id)["status"] == 4
    assert writes(app) == [("PUT", f"/api/v2/tickets/{ticket_id}")]


async def test_priority_group_and_agent_change_together_in_one_put() -> None:
    scenario, app, ticket_id = account()
    group_id, agent_id = a_group_and_member(scenario)
    update = TicketUpdate(priority=Priority.URGENT, team_external_id=str(group_id), agent_external_id=str(agent_id))
    result = await connector(app).apply_update(ticket_id, update)
    assert result.outcome is WriteOutcome.APPLIED, result.message
    assert {c.field: (c.before, c.after) for c in result.changes} == {
        "priority": ("medium", "urgent"),
        "team": (None, str(group_id)),
        "agent": (None, str(agent_id)),
    }
    stored = raw(scenario, ticket_id)
    assert (stored["priority"], stored["group_id"], stored["responder_id"]) == (4, group_id, agent_id)
    assert len(writes(app)) == 1


async def test_clearing_the_agent_unassigns_the_ticket() -> None:
    scenario, app, ticket_id = account()
    group_id, agent_id = a_group_and_member(scenario)
    scenario.update_ticket(int(ticket_id), group_id=group_id, responder_id=agent_id)
    result = await connector(app).apply_update(ticket_id, TicketUpdate(clear_agent=True))
    assert result.outcome is WriteOutcome.APPLIED, result.message
    assert result.changes == [FieldChange("agent", str(agent_id), None, None)]
    assert raw(scenario, ticket_id)["responder_id"] is None


async def test_a_note_is_added_as_a_private_escaped_note_and_listed_with_the_conversations() -> None:
    scenario, app, ticket_id = account()
    conn = connector(app)
    result = await conn.apply_update(ticket_id, TicketUpdate(note="Called <Anna> & left a message\nback at 3"))
    assert result.outcome is WriteOutcome.APPLIED, result.message
    assert result.note_added
    assert writes(app) == [("POST", f"/api/v2/tickets/{ticket_id}/notes")]
    listed = await client.list_conversations(conn.fs, int(ticket_id))
    note = listed[-1]
    assert note["body"] == "Called &lt;Anna&gt; &amp; left a message<br>back at 3"
    assert note["body_text"] == "Called <Anna> & left a message\nback at 3"
    assert note["private"] is True and note["incoming"] is False
    assert scenario.notes[int(ticket_id)] == [note]


@pytest.mark.parametrize(
    ("update", "field_name"),
    [(TicketUpdate(status="42"), "status"), (TicketUpdate(agent_external_id="1"), "responder_id")],
)
async def test_an_invalid_value_is_rejected_with_the_validation_message_and_nothing_changes(
    update: TicketUpdate, field_name: str
) -> None:
    scenario, app, ticket_id = account()
    before = copy.deepcopy(raw(scenario, ticket_id))
    result = await connector(app).apply_update(ticket_id, update)
    assert result.outcome is WriteOutcome.REJECTED
    assert result.message.startswith(
        f"Freshservice refused to update ticket {ticket_id}: Validation failed ({field_name}: "
    )
    assert raw(scenario, ticket_id) == before


async def test_an_update_freshservice_accepts_but_does_not_apply_is_reported_as_not_applied() -> None:
    scenario, app, ticket_id = account()
    scenario.ignore_writes = True
    result = await connector(app).apply_update(ticket_id, TicketUpdate(priority=Priority.HIGH, status="3"))
    assert result.outcome is WriteOutcome.NOT_APPLIED
    assert "status is still '2' (wanted '3')" in result.message
    assert "priority is still 'medium' (wanted 'high')" in result.message
    assert raw(scenario, ticket_id)["priority"] == 2


async def test_a_ticket_that_does_not_exist_is_rejected_as_such() -> None:
    _, app, _ = account()
    result = await connector(app).apply_update("999999", TicketUpdate(status="4"))
    assert result.outcome is WriteOutcome.REJECTED
    assert result.message == "Ticket 999999 does not exist at Freshservice."
    assert writes(app) == []


async def test_a_server_error_on_the_write_is_a_failure_after_the_retries() -> None:
    scenario, app, ticket_id = account()
    transport = FaultOnWrite(app, FaultPlan(mode="server_error", status=503))
    conn = connector(app, transport=transport, max_retries=1)
    result = await conn.apply_update(ticket_id, TicketUpdate(status="4", note="done"))
    assert result.outcome is WriteOutcome.FAILED
    assert result.message.startswith(f"deskpulse could not update ticket {ticket_id}: Freshservice answered HTTP 503")
    assert not result.note_added
    assert raw(scenario, ticket_id)["status"] == 2
    assert [m for m, _ in writes(app)] == ["PUT", "PUT"]  # the note is never sent after a failed update


async def test_a_note_that_fails_after_the_fields_were_updated_says_so() -> None:
    scenario, app, ticket_id = account()
    transport = FaultOnWrite(app, FaultPlan(mode="server_error", status=500, remaining=2), after_writes=1)
    conn = connector(app, transport=transport, max_retries=1)
    result = await conn.apply_update(ticket_id, TicketUpdate(status="4", note="done"))
    assert result.outcome is WriteOutcome.FAILED
    assert result.message.endswith("Before that, deskpulse had already updated the fields.")
    assert result.changes == [FieldChange("status", "2", "4", "4")]
    assert not result.note_added
    assert raw(scenario, ticket_id)["status"] == 4 and scenario.notes == {}


async def test_writes_count_against_the_view_create_update_sub_limit() -> None:
    _, app, ticket_id = account()
    conn = connector(app)
    await conn.apply_update(ticket_id, TicketUpdate(status="4", note="done"))
    # Two reads with include=stats (1 + 1 credit each), one PUT and one note.
    assert conn.budget.sub[VIEW_TICKET].requests_made == 2 * 2 + 1 + 1


@pytest.mark.parametrize(
    ("update", "words"),
    [
        (TicketUpdate(status="Resolved"), "statuses are numbers"),
        (TicketUpdate(team_external_id="desk"), "group ids are numbers"),
        (TicketUpdate(note="   "), "The note is empty."),
    ],
)
async def test_values_freshservice_cannot_take_are_refused_before_any_request(update: TicketUpdate, words: str) -> None:
    _, app, ticket_id = account()
    result = await connector(app).apply_update(ticket_id, update)
    assert result.outcome is WriteOutcome.REJECTED
    assert words in result.message
    assert app.state.request_log == []
