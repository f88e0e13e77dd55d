"""The contract between the sync engine and any vendor connector."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol, runtime_checkable

from deskpulse.connectors.base import RequestBudget
from deskpulse.domain.ticket_details import TicketDetails
from deskpulse.domain.tickets import Agent, Team, Ticket

Progress = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class VendorAccount:
    """A customer account as the vendor knows it: ``kind`` is "company" or "department" (ClientConfig.accounts)."""

    kind: str
    external_id: str
    name: str


@dataclass(slots=True)
class Directory:
    """Teams and agents of one source, and its customer accounts (None: the vendor has no such list)."""

    teams: list[Team] = field(default_factory=list)
    agents: list[Agent] = field(default_factory=list)
    accounts: list[VendorAccount] | None = None


class Connector(Protocol):
    """A source's vendor API, already mapped to domain objects. Every method raises ConnectorError."""

    kind: str

    @property
    def budget(self) -> RequestBudget:
        """The connector's request pacing (a subclass such as a plan budget is fine)."""
        ...

    async def fetch_directory(self) -> Directory:
        """All teams and agents."""
        ...

    async def fetch_active(self, progress: Progress | None = None) -> list[Ticket]:
        """Every ticket in the active (open) set; ``progress`` is called with the count fetched so far."""
        ...

    async def fetch_closed_since(self, since: datetime, progress: Progress | None = None) -> list[Ticket]:
        """Tickets closed (or touched while closed) since ``since``; may include a few older ones."""
        ...

    async def fetch_ticket(self, external_id: str) -> Ticket | None:
        """One ticket by id; None when the vendor no longer has it (deleted or merged)."""
        ...

    async def check(self) -> str:
        """One cheap authenticated call; returns a sentence describing what was found."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...


@runtime_checkable
class IncrementalConnector(Protocol):
    """A connector that can list only what changed (the engine then reconciles the whole set less often)."""

    async def fetch_changed_since(self, since: datetime, progress: Progress | None = None) -> list[Ticket]:
        """Every ticket (any status) changed since ``since``; the connector adds its own overlap."""
        ...


@runtime_checkable
class ReportsWarnings(Protocol):
    """A connector that can report problems that did not stop the cycle (shown on the source's status)."""

    def take_warnings(self) -> list[str]:
        """Warnings gathered since the last call, each a sentence; the list is emptied."""
        ...


@runtime_checkable
class HoldsUnreadable(Protocol):
    """A connector that knows some tickets exist but could not read them this cycle (a malformed file).

    The engine leaves those tickets as they are in the store instead of treating them as departed.
    """

    def held_ids(self) -> set[str]:
        """External ids present at the source but unreadable in the last fetch."""
        ...


@runtime_checkable
class LogsTime(Protocol):
    """A connector whose vendor keeps time entries (hours worked per agent)."""

    async def fetch_daily_hours(self, since: datetime) -> dict[tuple[str, date], float]:
        """Hours worked per (agent external id, UTC day) on the days from ``since``'s UTC day on."""
        ...


@dataclass(frozen=True, slots=True)
class DetailsWanted:
    """A ticket whose report details are wanted; ``finished`` (resolved or closed) tickets may carry a CSAT answer."""

    external_id: str
    finished: bool


@runtime_checkable
class FetchesReportDetails(Protocol):
    """A connector that reads the per-ticket details monthly reports need (time entries, CSAT, replies, SLA)."""

    # How many tickets one call of fetch_report_details should be given (1: the vendor has per-ticket calls only).
    details_batch_size: int

    async def fetch_report_details(self, wanted: Sequence[DetailsWanted]) -> dict[str, TicketDetails]:
        """Details of every wanted ticket (by external id); raises ConnectorError when any of them fails."""
        ...
