"""Writes of report details: a fetched batch replaces what the store knew of its tickets; a failure only notes it.

Rules: a vendor answer of "none" (an empty time-entry list) empties the ticket's entries; "unknown" (None: the
vendor does not tell, or the ticket is gone) keeps what is stored. CSAT answers and SLA verdicts are only ever
added or updated. A failure writes the error on the ticket's fetch state and touches nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from deskpulse.domain.ticket_details import TicketDetails, TimeEntry
from deskpulse.store.report_tables import SlaResultRow, TicketCsatRow, TicketDetailsStateRow, TicketTimeEntryRow


@dataclass(frozen=True, slots=True)
class DetailsTarget:
    """A stored ticket whose details are fetched: its row id, source, vendor id and version (updated_at)."""

    ticket_id: int
    source_id: int
    external_id: str
    updated_at: datetime | None
    finished: bool


def _state(session: Session, ticket_id: int, now: datetime) -> TicketDetailsStateRow:
    row = session.get(TicketDetailsStateRow, ticket_id)
    if row is None:
        row = TicketDetailsStateRow(ticket_id=ticket_id, fetched_at=now)
        session.add(row)
    return row


def _replace_entries(session: Session, target: DetailsTarget, entries: Sequence[TimeEntry]) -> None:
    ids = [e.external_id for e in entries]
    known = {
        r.external_id: r
        for r in session.scalars(
            select(TicketTimeEntryRow).where(
                TicketTimeEntryRow.source_id == target.source_id, TicketTimeEntryRow.external_id.in_(ids)
            )
        )
    } if ids else {}  # fmt: skip
    gone = delete(TicketTimeEntryRow).where(TicketTimeEntryRow.ticket_id == target.ticket_id)
    if ids:
        gone = gone.where(TicketTimeEntryRow.external_id.not_in(ids))
    session.execute(gone)
    for entry in entries:
        row = known.get(entry.external_id)
        if row is None:
            row = TicketTimeEntryRow(source_id=target.source_id, external_id=entry.external_id)
            session.add(row)
        # An entry can move to another ticket (Autotask): it follows the ticket that lists it now.
        row.ticket_id = target.ticket_id
        row.agent_external_id = entry.agent_external_id
        row.executed_at = entry.executed_at
        row.hours = entry.hours
        row.billable = entry.billable
        row.note = entry.note


def store_details(
    session: Session, batch: Sequence[DetailsTarget], found: dict[str, TicketDetails], *, now: datetime
) -> None:
    """Write what was fetched for ``batch`` (tickets missing from ``found`` are left alone)."""
    for target in batch:
        details = found.get(target.external_id)
        if details is None:
            continue
        if details.time_entries is not None:
            _replace_entries(session, target, details.time_entries)
        if details.csat is not None:
            csat = session.scalar(select(TicketCsatRow).where(TicketCsatRow.ticket_id == target.ticket_id))
            if csat is None:
                csat = TicketCsatRow(ticket_id=target.ticket_id)
                session.add(csat)
            csat.source_id = target.source_id
            csat.rating = details.csat.rating
            csat.raw_rating = details.csat.raw_rating
            csat.comment = details.csat.comment
            csat.submitted_at = details.csat.submitted_at
        if details.sla is not None:
            sla = session.get(SlaResultRow, target.ticket_id)
            if sla is None:
                sla = SlaResultRow(ticket_id=target.ticket_id)
                session.add(sla)
            sla.first_response_met = details.sla.first_response_met
            sla.resolution_met = details.sla.resolution_met
            sla.resolution_plan_met = details.sla.resolution_plan_met
            sla.fetched_at = now
        state = _state(session, target.ticket_id, now)
        state.fetched_at = now
        state.ticket_updated_at = target.updated_at
        if details.conversations is not None:
            state.conversations = details.conversations
        state.error = None
        session.flush()


def record_failure(session: Session, batch: Sequence[DetailsTarget], reason: str, *, now: datetime) -> None:
    """Note ``reason`` on each ticket of ``batch`` so the next pull fetches it again; nothing else changes."""
    for target in batch:
        state = _state(session, target.ticket_id, now)
        state.error = reason[:2000]
