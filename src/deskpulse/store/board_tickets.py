"""Active tickets read back from the store as domain Tickets (the agents' board works on these)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from deskpulse.domain.tickets import Priority, StatusCategory, Ticket
from deskpulse.store.tables import TicketRow
from deskpulse.sync.upsert import TICKET_COLUMNS


def active_tickets(
    session: Session, source_ids: Sequence[int], client_ids: frozenset[int] | None
) -> list[tuple[int, Ticket]]:
    """(source id, Ticket) for every active ticket of the sources, within the client scope (None: all)."""
    where = [TicketRow.source_id.in_(source_ids), TicketRow.is_active.is_(True)]
    if client_ids is not None:
        where.append(TicketRow.client_id.in_(sorted(client_ids)))
    columns = [TicketRow.source_id, *(getattr(TicketRow, c) for c in TICKET_COLUMNS)]
    rows = session.execute(select(*columns).where(*where)).all()
    return [(row[0], _ticket(dict(zip(TICKET_COLUMNS, row[1:], strict=True)))) for row in rows]


def _ticket(values: dict[str, Any]) -> Ticket:
    values["status_category"] = StatusCategory(values["status_category"])
    values["priority"] = Priority(values["priority"]) if values["priority"] else None
    return Ticket(**values)
