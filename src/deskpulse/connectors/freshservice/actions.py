"""Ticket actions written back to Freshservice: one PUT for the fields, one POST for a private note; then read back.

``PUT /tickets/{id}`` takes ``status``, ``priority`` (1-4 = low..urgent), ``group_id`` and ``responder_id``
(``null`` unassigns) as integers; a note is ``POST /tickets/{id}/notes``. Both count against the plan's
View/Create/Update Ticket sub-limit (client.py). Validation errors come back as
``{"description": "Validation failed", "errors": [{field, message, code}]}`` and are turned into one sentence.
"""

from __future__ import annotations

import dataclasses
import html
from typing import Any

from deskpulse.connectors.freshservice import client
from deskpulse.connectors.write_support import Fetch, Step, contradiction, missing, rejected, write_and_verify
from deskpulse.connectors.writeback import TicketUpdate, WriteOutcome, WriteResult
from deskpulse.domain.tickets import Priority, Ticket

VENDOR = "Freshservice"
PRIORITY_CODES: dict[Priority, int] = {Priority.LOW: 1, Priority.MEDIUM: 2, Priority.HIGH: 3, Priority.URGENT: 4}


def unsupported(update: TicketUpdate) -> str | None:
    """Why ``update`` cannot be sent to Freshservice as it is (known without a call), or None."""
    if update.status is not None and not update.status.isdigit():
        return f"Freshservice statuses are numbers such as 2 (Open) or 4 (Resolved); {update.status!r} is not one."
    for label, value in (("group", update.team_external_id), ("agent", update.agent_external_id)):
        if value is not None and not value.isdigit():
            return f"Freshservice {label} ids are numbers; {value!r} is not one."
    return None


def changed_fields(before: Ticket, update: TicketUpdate) -> dict[str, Any]:
    """The ``PUT`` body: only the asked-for fields that differ from ``before``, as the integers the API takes."""
    fields: dict[str, Any] = {}
    if update.status is not None and update.status != before.status_raw:
        fields["status"] = int(update.status)
    if update.priority is not None and update.priority != before.priority:
        fields["priority"] = PRIORITY_CODES[update.priority]
    if update.team_external_id is not None and update.team_external_id != before.team_external_id:
        fields["group_id"] = int(update.team_external_id)
    if update.agent_external_id is not None and update.agent_external_id != before.agent_external_id:
        fields["responder_id"] = int(update.agent_external_id)
    elif update.clear_agent and before.agent_external_id is not None:
        fields["responder_id"] = None
    return fields


def note_html(text: str) -> str:
    """Plain text as the HTML body Freshservice stores: escaped, line breaks kept."""
    return "<br>".join(html.escape(line) for line in text.strip().splitlines())


def plan(fs: client.FreshserviceHttp, external_id: str, before: Ticket, update: TicketUpdate) -> list[Step]:
    """The fields' PUT (when anything differs), then the note's POST (when there is a note)."""
    ticket_id = int(external_id)
    steps: list[Step] = []
    fields = changed_fields(before, update)
    if fields:
        steps.append(Step("updated the fields", f"update ticket {external_id}", lambda: _put(fs, ticket_id, fields)))
    if update.note:
        body = note_html(update.note)
        steps.append(
            Step(
                "added the note",
                f"add a note to ticket {external_id}",
                lambda: _note(fs, ticket_id, body),
                carries_note=True,
            )
        )
    return steps


async def _put(fs: client.FreshserviceHttp, ticket_id: int, fields: dict[str, Any]) -> None:
    await client.update_ticket(fs, ticket_id, fields)


async def _note(fs: client.FreshserviceHttp, ticket_id: int, body: str) -> None:
    await client.create_note(fs, ticket_id, body, private=True)


def refusal_words(body: Any) -> str | None:
    """Freshservice's words for a refusal: ``description`` plus each ``field: message``; else ``message``."""
    if not isinstance(body, dict):
        return body if isinstance(body, str) and body else None
    errors = body.get("errors")
    parts = []
    if isinstance(errors, list):
        for error in errors:
            if not isinstance(error, dict):
                continue
            text = str(error.get("message") or error.get("code") or "invalid")
            parts.append(f"{error['field']}: {text}" if error.get("field") else text)
    head = body.get("description") or body.get("message")
    if parts:
        return f"{head or 'Validation failed'} ({'; '.join(parts)})"
    return str(head) if head else None


async def apply_update(
    fs: client.FreshserviceHttp, fetch: Fetch, external_id: str, update: TicketUpdate
) -> WriteResult:
    """Write ``update`` to Freshservice ticket ``external_id`` and judge it by reading the ticket back."""
    if update.is_empty:
        return WriteResult(WriteOutcome.APPLIED, "Nothing to change.")
    refusal = contradiction(update) or unsupported(update)
    if refusal is not None:
        return rejected(refusal)
    if update.status is not None:
        update = dataclasses.replace(update, status=str(int(update.status)))  # "04" is stored as "4"
    if not external_id.isdigit():
        return missing(VENDOR, external_id)
    return await write_and_verify(
        VENDOR,
        external_id,
        update,
        fetch=fetch,
        plan=lambda before: plan(fs, external_id, before, update),
        wording=refusal_words,
    )
