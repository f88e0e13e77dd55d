"""Re-attribute stored tickets after the client mapping changed (new ``accounts`` or ``email_domains``).

A sync attributes the tickets it writes; tickets it does not read again (last month's closed ones) would keep the
old client, and a report of that month would miss them. So each engine start runs the mapping over the source's
stored tickets once and moves only those whose client differs.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from deskpulse.domain.clients import ClientMatcher
from deskpulse.store.sources import bump_data_version
from deskpulse.store.tables import TicketRow

_CHUNK = 2000


def reattribute_tickets(
    session: Session, source_id: int, source_name: str, matcher: ClientMatcher, client_ids: Mapping[str, int]
) -> int:
    """Move the source's tickets to the client the mapping gives them now; returns how many moved."""
    rows = session.execute(
        select(TicketRow.id, TicketRow.account_ref, TicketRow.requester_email, TicketRow.client_id).where(
            TicketRow.source_id == source_id
        )
    ).all()
    moves: list[dict[str, int | None]] = []
    for ticket_id, account_ref, email, current in rows:
        key = matcher.client_for_ticket(source_name, account_ref, email)
        wanted = client_ids.get(key) if key is not None else None
        if wanted != current:
            moves.append({"id": ticket_id, "client_id": wanted})
    for start in range(0, len(moves), _CHUNK):
        session.execute(update(TicketRow), moves[start : start + _CHUNK])
    if moves:
        bump_data_version(session, source_id)
    return len(moves)
