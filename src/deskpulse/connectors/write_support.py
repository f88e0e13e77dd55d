"""What the connectors' ticket actions share: field values as stored, results for refusals and failures.

The vendor-specific parts (which calls to make, how a vendor words a refusal) live in each vendor's
``actions.py``; this module only knows the domain ``Ticket`` and the types of ``writeback.py``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from deskpulse.connectors.base import ConnectorError, NotFoundError
from deskpulse.connectors.writeback import FieldChange, TicketUpdate, WriteOutcome, WriteResult, judge
from deskpulse.domain.tickets import Ticket

Wording = Callable[[Any], str | None]


def stored_value(ticket: Ticket, name: str) -> str | None:
    """A field as deskpulse stores it: status_raw, the priority's value, team and agent external ids."""
    if name == "status":
        return ticket.status_raw
    if name == "priority":
        return ticket.priority.value if ticket.priority is not None else None
    if name == "team":
        return ticket.team_external_id
    if name == "agent":
        return ticket.agent_external_id
    raise ValueError(f"unknown field {name!r}")


def wanted_values(update: TicketUpdate) -> dict[str, str | None]:
    """The fields ``update`` asks for, by field name, in stored form (``agent: None`` means unassign)."""
    wanted: dict[str, str | None] = {}
    if update.status is not None:
        wanted["status"] = update.status
    if update.priority is not None:
        wanted["priority"] = update.priority.value
    if update.team_external_id is not None:
        wanted["team"] = update.team_external_id
    if update.agent_external_id is not None:
        wanted["agent"] = update.agent_external_id
    elif update.clear_agent:
        wanted["agent"] = None
    return wanted


def compare(before: Ticket, after: Ticket, wanted: dict[str, str | None]) -> list[FieldChange]:
    """One FieldChange per asked-for field: before, wanted and the value read back."""
    return [
        FieldChange(name, stored_value(before, name), value, stored_value(after, name))
        for name, value in wanted.items()
    ]


def contradiction(update: TicketUpdate) -> str | None:
    """A sentence when ``update`` contradicts itself (no vendor needed to see it), else None."""
    if update.clear_agent and update.agent_external_id is not None:
        return "The update both assigns an agent and clears the agent; choose one."
    if update.note and not update.note.strip():
        return "The note is empty."
    return None


def rejected(message: str) -> WriteResult:
    """The vendor (or deskpulse on its behalf) refused; nothing was changed."""
    return WriteResult(WriteOutcome.REJECTED, message)


def missing(vendor: str, external_id: str) -> WriteResult:
    """The ticket is not there (never existed, deleted, merged away)."""
    return rejected(f"Ticket {external_id} does not exist at {vendor}.")


def is_refusal(exc: ConnectorError) -> bool:
    """A 4xx other than 429: the vendor understood and said no. 429 and 5xx (after retries) are failures."""
    return exc.status is not None and 400 <= exc.status < 500 and exc.status != 429


def error_result(vendor: str, external_id: str, exc: ConnectorError, doing: str, wording: Wording) -> WriteResult:
    """REJECTED with the vendor's words for a refusal, FAILED with a sentence for anything else.

    ``doing`` completes "... refused to <doing>" / "... could not <doing>" (e.g. "close ticket 12").
    """
    if isinstance(exc, NotFoundError):
        return missing(vendor, external_id)
    if is_refusal(exc):
        detail = wording(exc.body) or exc.message
        return rejected(f"{vendor} refused to {doing}: {_sentence(detail)}")
    return WriteResult(WriteOutcome.FAILED, f"deskpulse could not {doing}: {_sentence(exc.message)}")


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else f"{text}."


@dataclass(frozen=True, slots=True)
class Step:
    """One write: ``call`` sends it; ``done`` says what it did, ``doing`` what it tries ("close ticket 12")."""

    done: str
    doing: str
    call: Callable[[], Awaitable[None]]
    carries_note: bool = False


Fetch = Callable[[str], Awaitable[Ticket | None]]
Plan = Callable[[Ticket], list[Step] | str]


async def write_and_verify(
    vendor: str, external_id: str, update: TicketUpdate, *, fetch: Fetch, plan: Plan, wording: Wording
) -> WriteResult:
    """Read the ticket, run the writes ``plan`` makes for it (or its refusal sentence), read back and judge.

    A refusal of the first write leaves nothing changed; when a later write fails, the result names what was
    already done and carries the read-back values.
    """
    try:
        before = await fetch(external_id)
    except ConnectorError as exc:
        return error_result(vendor, external_id, exc, f"read ticket {external_id}", wording)
    if before is None:
        return missing(vendor, external_id)
    steps = plan(before)
    if isinstance(steps, str):
        return rejected(steps)
    wanted = wanted_values(update)
    if not steps:  # the ticket already reads as asked: nothing to write, nothing to read back
        return judge(compare(before, before, wanted), before)
    done: list[str] = []
    note_added = False
    for step in steps:
        try:
            await step.call()
        except ConnectorError as exc:
            failure = error_result(vendor, external_id, exc, step.doing, wording)
            if not done:
                return failure
            after = await _read_quietly(fetch, external_id)
            message = f"{failure.message} Before that, deskpulse had already {', then '.join(done)}."
            changes = compare(before, after, wanted) if after is not None else []
            return WriteResult(failure.outcome, message, changes, note_added, after)
        done.append(step.done)
        note_added = note_added or step.carries_note
    try:
        after = await fetch(external_id)
    except ConnectorError as exc:
        message = f"{vendor} accepted the change to ticket {external_id}, but it could not be read back: {exc.message}"
        return WriteResult(WriteOutcome.FAILED, _sentence(message), note_added=note_added)
    if after is None:
        message = f"{vendor} accepted the change to ticket {external_id}, but the ticket can no longer be read."
        return WriteResult(WriteOutcome.FAILED, message, note_added=note_added)
    return judge(compare(before, after, wanted), after, note_added=note_added)


async def _read_quietly(fetch: Fetch, external_id: str) -> Ticket | None:
    try:
        return await fetch(external_id)
    except ConnectorError:
        return None
