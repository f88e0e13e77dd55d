"""What the report figures read from the store for one client: its tickets with their status history.

A handful of queries per report, whatever the number of tickets (no query per ticket). The tickets read are
the client's tickets that existed before the period ended and were still open, or were touched, at some point
since the comparison period began; tickets deleted at the vendor are left out, as on the SLA page.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from deskpulse.domain.tickets import StatusCategory
from deskpulse.store.tables import TicketChangeRow, TicketRow

ACTIVE = frozenset(c.value for c in StatusCategory if c.is_active)
# Change-log fields that move a ticket in or out of the open set.
_STATE_FIELDS = ("status_category", "active")


@dataclass(frozen=True, slots=True)
class StateChange:
    """One observed change of a ticket's status category or of its membership of the open set."""

    at: datetime
    field: str
    old: str | None
    new: str | None


@dataclass(slots=True)
class ReportTicket:
    """A ticket as the report figures need it (UTC datetimes)."""

    row_id: int
    source_id: int
    number: str
    subject: str | None
    ticket_type: str | None
    priority: str | None
    category: str | None
    status_label: str
    status_category: str
    is_active: bool
    requester_name: str | None
    requester_email: str | None
    created_at: datetime
    resolved_at: datetime | None  # the vendor's resolution time, else its close time
    closed_at: datetime | None
    updated_at: datetime | None
    changes: list[StateChange] = field(default_factory=list)

    @property
    def open_now(self) -> bool:
        """Whether the ticket is in the source's open set now."""
        return self.is_active and self.status_category in ACTIVE

    def left_open_at(self) -> datetime | None:
        """When a ticket that is no longer open left the open set (None while it is open)."""
        if self.open_now:
            return None
        if self.resolved_at is not None:
            return self.resolved_at
        for change in reversed(self.changes):
            if change.field == "active" and change.new == "no":
                return change.at
        return self.updated_at or self.created_at

    def open_at(self, at: datetime) -> bool:
        """Whether the ticket existed and was open at the instant ``at``.

        The vendor's resolution time decides the last closing; before it, the observed status changes decide
        (a ticket reopened and resolved again was closed in between); with no changes, it was open from its
        creation until it left the open set."""
        if self.created_at >= at:
            return False
        left = self.left_open_at()
        if left is not None and left <= at:
            return False
        statuses = [c for c in self.changes if c.field == "status_category"]
        if not statuses:
            return True
        before = [c for c in statuses if c.at <= at]
        category = before[-1].new if before else statuses[0].old
        return category is None or category in ACTIVE

    def reopened_within(self, start: datetime, end: datetime) -> bool:
        """Whether a resolved or closed status went back to an open one within ``[start, end)``."""
        return any(
            c.field == "status_category" and start <= c.at < end and c.old not in ACTIVE and c.old is not None
            and c.new in ACTIVE
            for c in self.changes
        )  # fmt: skip


_COLUMNS = (
    TicketRow.id, TicketRow.source_id, TicketRow.external_id, TicketRow.number, TicketRow.subject,
    TicketRow.ticket_type, TicketRow.priority, TicketRow.category, TicketRow.status_label,
    TicketRow.status_category, TicketRow.is_active, TicketRow.requester_name, TicketRow.requester_email,
    TicketRow.created_at, TicketRow.resolved_at, TicketRow.closed_at, TicketRow.updated_at,
)  # fmt: skip


def ticket_scope(
    client_id: int, source_ids: Sequence[int], since: datetime, until: datetime
) -> list[ColumnElement[bool]]:
    """The client's tickets that can count in ``[since, until)``: created before ``until`` and open, or written,
    resolved or closed since ``since``."""
    return [
        TicketRow.client_id == client_id,
        TicketRow.source_id.in_(list(source_ids)),
        TicketRow.deleted_at.is_(None),
        TicketRow.created_at < until,
        or_(
            TicketRow.is_active.is_(True),
            TicketRow.synced_at >= since,
            TicketRow.updated_at >= since,
            TicketRow.resolved_at >= since,
            TicketRow.closed_at >= since,
        ),
    ]


def load_tickets(
    session: Session, client_id: int, source_ids: Sequence[int], since: datetime, until: datetime
) -> list[ReportTicket]:
    """The client's tickets in scope (see ``ticket_scope``), each with its status changes, oldest first."""
    if not source_ids:
        return []
    where = ticket_scope(client_id, source_ids, since, until)
    changes: dict[int, list[StateChange]] = defaultdict(list)
    for ticket_id, at, name, old, new in session.execute(
        select(TicketChangeRow.ticket_id, TicketChangeRow.at, TicketChangeRow.field, TicketChangeRow.old,
               TicketChangeRow.new)
        .join(TicketRow, TicketRow.id == TicketChangeRow.ticket_id)
        .where(TicketChangeRow.field.in_(_STATE_FIELDS), *where)
        .order_by(TicketChangeRow.ticket_id, TicketChangeRow.at, TicketChangeRow.id)
    ).all():  # fmt: skip
        changes[ticket_id].append(StateChange(at, name, old, new))
    out = []
    rows = session.execute(select(*_COLUMNS).where(*where).order_by(TicketRow.created_at, TicketRow.id)).all()
    for (row_id, source_id, external_id, number, subject, ticket_type, priority, category, status_label,
         status_category, is_active, requester_name, requester_email, created_at, resolved_at, closed_at,
         updated_at) in rows:  # fmt: skip
        out.append(
            ReportTicket(
                row_id, source_id, number or external_id, subject, ticket_type, priority, category, status_label,
                status_category, bool(is_active), requester_name, requester_email, created_at,
                resolved_at or closed_at, closed_at, updated_at, changes.get(row_id, []),
            )
        )  # fmt: skip
    return out
