"""Ticket actions written back to Autotask: one ``PATCH /Tickets`` for the fields, one note; then read back.

Status, priority and queue are picklist codes of the tenant (``Tickets/entityInformation/fields``), checked
before anything is sent; assignee is a resource id (``assignedResourceID``). Autotask can answer 200 and keep the
old value, so the ticket is always read back and judged field by field. A refusal that Autotask sends as a 500
("does not have the adequate permissions") counts as a refusal, not a failure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from deskpulse.connectors.autotask.http import WriteRejected
from deskpulse.connectors.autotask.picklists import COMPLETE, Picklists
from deskpulse.connectors.base import ConnectorError
from deskpulse.connectors.write_support import Step, contradiction, rejected, write_and_verify
from deskpulse.connectors.writeback import TicketUpdate, WriteResult
from deskpulse.domain.tickets import Priority, Ticket

if TYPE_CHECKING:
    from deskpulse.connectors.autotask.connector import AutotaskConnector

VENDOR = "Autotask"
NOTE_TITLE = "Note from deskpulse"


def _priority_code(picklists: Picklists, wanted: Priority) -> int | None:
    codes = sorted(code for code, (_, priority) in picklists.priorities.items() if priority is wanted)
    return codes[0] if codes else None


def fields_for(update: TicketUpdate, before: Ticket, picklists: Picklists) -> dict[str, Any] | str:
    """The PATCH fields (only those that differ), or a sentence saying why the update cannot be sent."""
    fields: dict[str, Any] = {}
    if update.status is not None:
        if not update.status.isdigit() or (
            int(update.status) not in picklists.statuses and int(update.status) != COMPLETE
        ):
            known = ", ".join(f"{code} ({label})" for code, (label, _) in sorted(picklists.statuses.items()))
            return f"Autotask has no ticket status {update.status!r}; the tenant's statuses are {known}."
        if update.status != before.status_raw:
            fields["status"] = int(update.status)
    if update.priority is not None and update.priority != before.priority:
        code = _priority_code(picklists, update.priority)
        if code is None:
            return f"The tenant's priority picklist has no value meaning {update.priority.value}; set priority_map."
        fields["priority"] = code
    if update.team_external_id is not None:
        if not update.team_external_id.isdigit() or int(update.team_external_id) not in picklists.queues:
            known = ", ".join(f"{code} ({name})" for code, name in sorted(picklists.queues.items()))
            return f"Autotask has no queue {update.team_external_id!r}; the tenant's queues are {known}."
        if update.team_external_id != before.team_external_id:
            fields["queueID"] = int(update.team_external_id)
    if update.agent_external_id is not None:
        if not update.agent_external_id.isdigit():
            return f"Autotask resource ids are numbers; {update.agent_external_id!r} is not one."
        if update.agent_external_id != before.agent_external_id:
            fields["assignedResourceID"] = int(update.agent_external_id)
    elif update.clear_agent and before.agent_external_id is not None:
        fields["assignedResourceID"] = None
    return fields


def _as_refusal(exc: WriteRejected) -> ConnectorError:
    """A refused write in the shape write_support understands (a 4xx with Autotask's own words)."""
    words = "; ".join(exc.errors) or exc.message
    status = exc.status if exc.status is not None and 400 <= exc.status < 500 else 403
    return ConnectorError(words, status=status, body={"errors": exc.errors})


def _wording(body: Any) -> str | None:
    if isinstance(body, Mapping) and body.get("errors"):
        return "; ".join(str(e) for e in body["errors"])
    return None


async def apply_update(connector: AutotaskConnector, external_id: str, update: TicketUpdate) -> WriteResult:
    """Write ``update`` to one ticket, read it back, judge."""
    problem = contradiction(update)
    if problem is not None:
        return rejected(problem)
    if not external_id.isdigit():
        return rejected(f"Autotask ticket ids are numbers; {external_id!r} is not one.")
    try:
        picklists = await connector.picklists()
    except ConnectorError as exc:
        return rejected(f"deskpulse could not read Autotask's picklists: {exc.message}")

    async def patch(fields: dict[str, Any]) -> None:
        try:
            await connector.update_ticket(external_id, fields)
        except WriteRejected as exc:
            raise _as_refusal(exc) from exc

    async def note(text: str) -> None:
        try:
            await connector.add_note(external_id, NOTE_TITLE, text.strip())
        except WriteRejected as exc:
            raise _as_refusal(exc) from exc

    def plan(before: Ticket) -> list[Step] | str:
        fields = fields_for(update, before, picklists)
        if isinstance(fields, str):
            return fields
        steps: list[Step] = []
        if fields:
            names = ", ".join(sorted(fields))
            steps.append(Step(f"changed {names}", f"update ticket {external_id}", lambda: patch(fields)))
        if update.note:
            text = update.note
            steps.append(Step("added the note", f"add a note to ticket {external_id}", lambda: note(text), True))
        return steps

    return await write_and_verify(
        VENDOR, external_id, update, fetch=connector.fetch_ticket, plan=plan, wording=_wording
    )
