"""Normalized ticket model shared by every connector and computation.

Connectors map vendor payloads into these types; nothing above the connector sees vendor JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class StatusCategory(StrEnum):
    """Vendor-neutral lifecycle category of a ticket."""

    NEW = "new"
    OPEN = "open"
    ASSIGNED = "assigned"
    WAITING_ON_CUSTOMER = "waiting_on_customer"
    WAITING_ON_THIRD_PARTY = "waiting_on_third_party"
    ON_HOLD = "on_hold"
    RESOLVED = "resolved"
    CLOSED = "closed"

    @property
    def is_active(self) -> bool:
        """True while the ticket still needs work (not resolved or closed)."""
        return self not in (StatusCategory.RESOLVED, StatusCategory.CLOSED)


class Priority(StrEnum):
    """Vendor-neutral priority."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    URGENT = "urgent"


@dataclass(frozen=True, slots=True)
class Team:
    """A team, group or queue of one source."""

    external_id: str
    name: str


@dataclass(frozen=True, slots=True)
class Agent:
    """A person who works tickets (Trengo user, Freshservice agent, Autotask resource)."""

    external_id: str
    name: str
    email: str | None = None


@dataclass(frozen=True, slots=True)
class Ticket:
    """One ticket as deskpulse understands it, independent of the vendor."""

    external_id: str
    status_raw: str
    status_label: str
    status_category: StatusCategory
    created_at: datetime
    updated_at: datetime | None = None
    number: str | None = None
    subject: str | None = None
    # Plain-text body (the vendor's description without markup), for the board's details panel.
    description: str | None = None
    priority_raw: str | None = None
    priority: Priority | None = None
    channel: str | None = None
    team_external_id: str | None = None
    agent_external_id: str | None = None
    requester_external_id: str | None = None
    requester_name: str | None = None
    requester_email: str | None = None
    assigned_at: datetime | None = None
    first_responded_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    first_response_due_at: datetime | None = None
    resolution_due_at: datetime | None = None
    last_activity_at: datetime | None = None
    # Latest reply of an agent and of the requester, where the vendor reports them (board sections need both).
    agent_responded_at: datetime | None = None
    requester_responded_at: datetime | None = None
    ticket_type: str | None = None
    # The vendor's ticket category (Freshservice category, Autotask issue type label), for reports.
    category: str | None = None
    # The vendor account the ticket is for, as "<kind>:<id>" ("department:12", "company:29683"); see ClientConfig.
    account_ref: str | None = None
    url: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


# Fields whose transitions are recorded as TicketChange rows when a sync observes them change.
TRACKED_FIELDS: tuple[str, ...] = (
    "status_raw",
    "status_category",
    "priority",
    "team_external_id",
    "agent_external_id",
    "closed_at",
    "resolved_at",
)

# Ticket.extra key naming (comma-separated) columns a connector could not read in this payload (for example
# Freshservice's filter endpoint carries no stats): the store keeps its values for them instead of blanking them.
UNKNOWN_FIELDS_KEY = "unknown_fields"

# Descriptions are kept for the board's details panel, cut to this many characters (a pasted log can be megabytes).
DESCRIPTION_MAX_CHARS = 8000


CATEGORY_MAX_CHARS = 100  # tickets.category is String(100)


def clip_category(text: str | None) -> str | None:
    """A vendor category label stripped and cut to the column's width (None when empty)."""
    if text is None or not text.strip():
        return None
    return text.strip()[:CATEGORY_MAX_CHARS]


def clip_description(text: str | None) -> str | None:
    """The description stripped and cut to ``DESCRIPTION_MAX_CHARS`` (None when empty)."""
    if text is None or not text.strip():
        return None
    text = text.strip()
    return text if len(text) <= DESCRIPTION_MAX_CHARS else text[: DESCRIPTION_MAX_CHARS - 1] + "…"
