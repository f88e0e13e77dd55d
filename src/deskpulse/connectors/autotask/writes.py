"""Write primitives: change ticket fields or add a note, then read back to see whether Autotask kept it.

A 200 from Autotask does not prove the change stuck (a workflow rule can revert it, a field can be silently
ignored), so each write is followed by a read. Refusals raise ``WriteRejected`` (http.py) with Autotask's own
messages, including the permission failure that arrives as HTTP 500 [C].
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Literal, TypedDict

from deskpulse.connectors.autotask import client
from deskpulse.connectors.autotask.http import AutotaskHttp
from deskpulse.connectors.autotask.mapping import parse_timestamp
from deskpulse.connectors.base import ConnectorError
from deskpulse.domain.tickets import Ticket

Outcome = Literal["applied", "not applied"]
MapTicket = Callable[[dict[str, Any]], Awaitable[Ticket | None]]
NOTE_TYPE_GENERAL, PUBLISH_ALL = 1, 1  # [I] tenant picklists; callers may pass their own codes


class WriteReadback(TypedDict):
    """What a write did: ``outcome`` is "not applied" when the read-back still shows the old value."""

    ticket_id: str
    item_id: int
    outcome: Outcome
    applied: bool
    unapplied: dict[str, dict[str, Any]]  # field -> {"sent": ..., "read_back": ...}
    ticket: Ticket | None


def numeric_id(external_id: str) -> int:
    """The numeric Autotask id; ConnectorError for anything else."""
    if not external_id.isdigit():
        raise ConnectorError(f"{external_id!r} is not an Autotask ticket id")
    return int(external_id)


def _lookup(raw: Mapping[str, Any], name: str) -> Any:
    return next((value for key, value in raw.items() if key.lower() == name.lower()), None)


def same_value(sent: Any, read: Any) -> bool:
    """Whether the read-back equals what was sent: numbers by value, timestamps by instant, text exactly."""
    if isinstance(sent, bool) or isinstance(read, bool):
        return sent is read
    if isinstance(sent, int | float) and isinstance(read, int | float):
        return float(sent) == float(read)
    if isinstance(sent, str) and isinstance(read, str) and sent != read:
        return _same_instant(sent, read)
    return bool(sent == read)


def _same_instant(first: str, second: str) -> bool:
    """Both texts are timestamps of the same instant (``...000Z`` and a zone-less UTC value may be) [C]."""
    try:
        one, other = parse_timestamp(first), parse_timestamp(second)
    except ValueError:
        return False
    return one is not None and one == other


def _result(ticket_id: int, item_id: int, unapplied: dict[str, dict[str, Any]], ticket: Ticket | None) -> WriteReadback:
    applied = not unapplied
    return WriteReadback(
        ticket_id=str(ticket_id), item_id=item_id, outcome="applied" if applied else "not applied",
        applied=applied, unapplied=unapplied, ticket=ticket,
    )  # fmt: skip


async def update_ticket(
    at: AutotaskHttp, external_id: str, fields: Mapping[str, Any], to_ticket: MapTicket
) -> WriteReadback:
    """``PATCH Tickets`` with ``fields`` (Autotask names, e.g. ``{"status": 5}``), then read the ticket back."""
    ticket_id = numeric_id(external_id)
    if not fields:
        raise ConnectorError("nothing to update: no fields given")
    if any(key.lower() == "id" for key in fields):
        raise ConnectorError("the ticket id is not an updatable field")
    item_id = await client.patch(at, "Tickets", ticket_id, fields)
    raw = await client.get_item(at, "Tickets", ticket_id)
    if raw is None:
        unapplied = {name: {"sent": value, "read_back": None} for name, value in fields.items()}
        return _result(ticket_id, item_id, unapplied, None)
    unapplied = {
        name: {"sent": value, "read_back": _lookup(raw, name)}
        for name, value in fields.items()
        if not same_value(value, _lookup(raw, name))
    }
    return _result(ticket_id, item_id, unapplied, await to_ticket(raw))


async def add_note(
    at: AutotaskHttp,
    external_id: str,
    title: str,
    text: str,
    to_ticket: MapTicket,
    *,
    note_type: int = NOTE_TYPE_GENERAL,
    publish: int = PUBLISH_ALL,
) -> WriteReadback:
    """``POST Tickets/{id}/Notes``, then read the note and the ticket back; "not applied" when the note is missing."""
    ticket_id = numeric_id(external_id)
    body = {"ticketID": ticket_id, "title": title, "description": text, "noteType": note_type, "publish": publish}
    note_id = await client.create_child(at, "Tickets", ticket_id, "Notes", body)
    note = await client.get_item(at, "TicketNotes", note_id)
    raw = await client.get_item(at, "Tickets", ticket_id)
    unapplied: dict[str, dict[str, Any]] = {}
    if note is None or _lookup(note, "ticketID") != ticket_id:
        unapplied["note"] = {"sent": title, "read_back": None}
    return _result(ticket_id, note_id, unapplied, await to_ticket(raw) if raw is not None else None)
