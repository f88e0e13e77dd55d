"""Ticket actions written back to the vendor: the shared request and result types, and the protocol.

A connector that supports actions implements :class:`WritableConnector`. It writes the change, reads the ticket
back from the vendor and compares: a vendor can answer 200 and keep the old value (Autotask does), which is
reported as ``not_applied``, never as success.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol, runtime_checkable

from deskpulse.domain.tickets import Priority, Ticket


@dataclass(frozen=True, slots=True)
class TicketUpdate:
    """What to change; None leaves a field alone. Ids and codes are the vendor's own (as stored on tickets).

    ``status`` is the vendor's raw status value (``Ticket.status_raw``: Freshservice ``4``, Autotask ``5``,
    Trengo ``CLOSED``); ``clear_agent`` unassigns.
    """

    status: str | None = None
    priority: Priority | None = None
    team_external_id: str | None = None
    agent_external_id: str | None = None
    clear_agent: bool = False
    note: str | None = None

    @property
    def is_empty(self) -> bool:
        """Nothing to do."""
        return (
            self.status is None
            and self.priority is None
            and self.team_external_id is None
            and self.agent_external_id is None
            and not self.clear_agent
            and not self.note
        )


class WriteOutcome(StrEnum):
    """``applied``: read back with the new values; ``not_applied``: the vendor accepted but kept old values;
    ``rejected``: the vendor refused (nothing changed); ``failed``: it could not be told (network, timeout)."""

    APPLIED = "applied"
    NOT_APPLIED = "not_applied"
    REJECTED = "rejected"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field: the value before, the value asked for, and the value read back after the write."""

    field: str
    before: str | None
    wanted: str | None
    after: str | None

    @property
    def took_effect(self) -> bool:
        """The read-back value is the one asked for."""
        return self.after == self.wanted


@dataclass(frozen=True, slots=True)
class WriteResult:
    """The outcome of one ticket's update, with a sentence for people and the ticket as read back."""

    outcome: WriteOutcome
    message: str
    changes: list[FieldChange] = field(default_factory=list)
    note_added: bool = False
    ticket: Ticket | None = None

    @property
    def ok(self) -> bool:
        """Every asked-for change took effect."""
        return self.outcome is WriteOutcome.APPLIED


def judge(changes: list[FieldChange], ticket: Ticket | None, *, note_added: bool = False) -> WriteResult:
    """The result of a write whose read-back is ``changes``: applied only when every field took effect."""
    missed = [c for c in changes if not c.took_effect]
    if not missed:
        return WriteResult(WriteOutcome.APPLIED, "The change was applied.", changes, note_added, ticket)
    names = ", ".join(f"{c.field} is still {c.after!r} (wanted {c.wanted!r})" for c in missed)
    return WriteResult(
        WriteOutcome.NOT_APPLIED, f"The vendor accepted the change but did not apply it: {names}.", changes,
        note_added, ticket,
    )  # fmt: skip


@runtime_checkable
class WritableConnector(Protocol):
    """A connector that can change tickets at the vendor."""

    async def apply_update(self, external_id: str, update: TicketUpdate) -> WriteResult:
        """Write ``update`` to one ticket, read it back and judge the result; never raises for vendor refusals
        (those are ``rejected`` results with the vendor's message), only for programming errors."""
        ...
