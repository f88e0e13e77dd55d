"""Ticket actions written back to Trengo: reopen, assign (with an optional note), close; then read back.

The API offers exactly these (shared/vendor-api/trengo.md, "Ticket actions"). Trengo tickets have no priority,
and no documented call unassigns a ticket, adds a note on its own or turns an ASSIGNED ticket back into OPEN:
such requests are refused before any write instead of guessing an endpoint.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from deskpulse.connectors.base import HttpClient
from deskpulse.connectors.trengo import client
from deskpulse.connectors.write_support import Fetch, Step, contradiction, missing, rejected, write_and_verify
from deskpulse.connectors.writeback import TicketUpdate, WriteOutcome, WriteResult
from deskpulse.domain.tickets import Ticket

VENDOR = "Trengo"
SETTABLE_STATUSES = ("OPEN", "ASSIGNED", "CLOSED")


def unsupported(update: TicketUpdate) -> str | None:
    """Why Trengo cannot do ``update`` at all (known without reading the ticket), or None."""
    if update.priority is not None:
        return "Trengo tickets have no priority, so there is none to change."
    if update.clear_agent:
        return "Trengo's API documents no way to unassign a ticket; assign it to another agent or a team instead."
    assigning = update.agent_external_id is not None or update.team_external_id is not None
    if update.note and not assigning:
        return (
            "Trengo's API documents no call that adds a note on its own; a note can only go with an assignment "
            "to an agent or a team."
        )
    if update.status is not None and update.status not in SETTABLE_STATUSES:
        return f"Trengo status {update.status!r} cannot be set; use OPEN, ASSIGNED or CLOSED."
    if update.status == "OPEN" and assigning:
        return "In Trengo OPEN means nobody is assigned, so it cannot go with an assignment; ask for ASSIGNED."
    for label, value in (("user", update.agent_external_id), ("team", update.team_external_id)):
        if value is not None and not value.isdigit():
            return f"Trengo {label} ids are numbers; {value!r} is not one."
    return None


def assign_body(before: Ticket, update: TicketUpdate) -> dict[str, Any] | None:
    """The ``/assign`` body for ``update``, or None when the assignment already reads as asked and no note rides along.

    Changing only the team keeps the assigned agent (``type: user`` with both ids): a field left as None stays.
    """
    agent, team = update.agent_external_id, update.team_external_id
    moves = (agent is not None and agent != before.agent_external_id) or (
        team is not None and team != before.team_external_id
    )
    if not moves and not update.note:
        return None
    user = agent if agent is not None else before.agent_external_id
    body: dict[str, Any]
    if user is not None:
        body = {"type": "user", "user_id": int(user)}
        if team is not None:
            body["team_id"] = int(team)
    else:
        body = {"type": "team", "team_id": int(team) if team is not None else None}
    if update.note:
        body["note"] = update.note
    return body


def plan(http: HttpClient, external_id: str, before: Ticket, update: TicketUpdate) -> list[Step] | str:
    """The calls that turn ``before`` into what ``update`` asks, in order (reopen, assign, close), or a refusal."""
    current, wanted = before.status_raw.upper(), update.status
    body = assign_body(before, update)
    steps: list[Step] = []
    if wanted in ("OPEN", "ASSIGNED") and current != wanted:
        if current == "INVALID":
            return f"Ticket {external_id} is INVALID at Trengo (probably spam); no documented call reopens it."
        if current == "CLOSED":
            steps.append(
                Step(
                    "reopened the ticket",
                    f"reopen ticket {external_id}",
                    lambda: client.reopen_ticket(http, external_id),
                )
            )
        elif wanted == "ASSIGNED" and body is None:
            return "Trengo marks a ticket ASSIGNED by assigning it; name an agent or a team."
        elif wanted == "OPEN":
            return (
                "Trengo's API documents no way to turn an assigned ticket back into OPEN (it would need unassigning)."
            )
    if body is not None:
        payload: Mapping[str, Any] = body
        steps.append(
            Step(
                "assigned the ticket" + (" with the note" if update.note else ""),
                f"assign ticket {external_id}",
                lambda: client.assign_ticket(http, external_id, payload),
                carries_note=bool(update.note),
            )
        )
    if wanted == "CLOSED" and current != "CLOSED":
        steps.append(
            Step("closed the ticket", f"close ticket {external_id}", lambda: client.close_ticket(http, external_id))
        )
    return steps


def refusal_words(body: Any) -> str | None:
    """Trengo's (Laravel's) words for a refusal: the per-field messages when given, else ``message``."""
    if not isinstance(body, dict):
        return body if isinstance(body, str) and body else None
    errors = body.get("errors")
    if isinstance(errors, dict):
        found = [
            str(m) for messages in errors.values() for m in (messages if isinstance(messages, list) else [messages])
        ]
        if found:
            return " ".join(found)
    message = body.get("message")
    return str(message) if message else None


async def apply_update(http: HttpClient, fetch: Fetch, external_id: str, update: TicketUpdate) -> WriteResult:
    """Write ``update`` to Trengo ticket ``external_id`` and judge it by reading the ticket back."""
    if update.status is not None:
        update = dataclasses.replace(update, status=update.status.strip().upper())
    if update.is_empty:
        return WriteResult(WriteOutcome.APPLIED, "Nothing to change.")
    refusal = contradiction(update) or unsupported(update)
    if refusal is not None:
        return rejected(refusal)
    if not external_id.isdigit():
        return missing(VENDOR, external_id)
    return await write_and_verify(
        VENDOR,
        external_id,
        update,
        fetch=fetch,
        plan=lambda before: plan(http, external_id, before, update),
        wording=refusal_words,
    )
