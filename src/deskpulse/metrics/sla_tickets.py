"""Tickets read from the store with both SLA clocks evaluated (first response, resolution), at one instant.

Which tickets: every active one, plus every ticket whose clock could have completed or breached within the
reporting period (closed, resolved or answered since the period's start). Status history comes from the
``status_category`` rows of ``ticket_changes``; a ticket first seen already in a pausing status with no recorded
change is taken to have entered it at its last vendor update (documented in docs/metrics.md).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from deskpulse.domain.sla import SlaPolicySet, TargetKind
from deskpulse.domain.sla.clock import Transition
from deskpulse.domain.sla.evaluate import Evaluator, TargetInput, TargetResult
from deskpulse.domain.sla.timeline import BusinessTimeline
from deskpulse.domain.tickets import Priority, StatusCategory
from deskpulse.store.tables import ClientRow, TicketChangeRow, TicketRow

# How far the shared timelines reach; anything outside falls back to the (slower) calendar walk.
TIMELINE_PAST = timedelta(days=400)
TIMELINE_FUTURE = timedelta(days=90)


@dataclass(frozen=True, slots=True)
class SlaTicket:
    """One ticket with its clocks; a clock is None when the ticket has no SLA of that kind."""

    row_id: int
    source_id: int
    external_id: str
    subject: str | None
    status_label: str
    status_category: StatusCategory
    priority: Priority | None
    client: str | None
    team_external_id: str | None
    agent_external_id: str | None
    created_at: datetime
    first_responded_at: datetime | None
    resolved_at: datetime | None
    is_active: bool
    url: str | None
    first_response: TargetResult | None
    resolution: TargetResult | None

    def clock(self, kind: TargetKind) -> TargetResult | None:
        """The clock of ``kind`` (next_response is not tracked here)."""
        return self.first_response if kind is TargetKind.FIRST_RESPONSE else self.resolution


_COLUMNS = (
    TicketRow.id, TicketRow.source_id, TicketRow.external_id, TicketRow.subject, TicketRow.status_label,
    TicketRow.status_category, TicketRow.priority, TicketRow.client_id, TicketRow.team_external_id,
    TicketRow.agent_external_id, TicketRow.created_at, TicketRow.updated_at, TicketRow.first_responded_at,
    TicketRow.agent_responded_at, TicketRow.resolved_at, TicketRow.closed_at, TicketRow.first_response_due_at,
    TicketRow.resolution_due_at, TicketRow.is_active, TicketRow.url,
)  # fmt: skip


def _where(source_ids: Sequence[int], client_ids: frozenset[int] | None, since: datetime) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [
        TicketRow.source_id.in_(source_ids),
        TicketRow.deleted_at.is_(None),
        or_(
            TicketRow.is_active.is_(True),
            TicketRow.closed_at >= since,
            TicketRow.resolved_at >= since,
            TicketRow.first_responded_at >= since,
        ),
    ]
    if client_ids is not None:
        where.append(TicketRow.client_id.in_(sorted(client_ids)))
    return where


def _transitions(session: Session, where: list[ColumnElement[bool]]) -> dict[int, list[Transition]]:
    """Status-category changes per ticket row id, oldest first, with the status before the first change."""
    rows = session.execute(
        select(TicketChangeRow.ticket_id, TicketChangeRow.at, TicketChangeRow.old, TicketChangeRow.new)
        .join(TicketRow, TicketRow.id == TicketChangeRow.ticket_id)
        .where(TicketChangeRow.field == "status_category", *where)
        .order_by(TicketChangeRow.ticket_id, TicketChangeRow.at, TicketChangeRow.id)
    ).all()
    found: dict[int, list[Transition]] = defaultdict(list)
    for ticket_id, at, old, new in rows:
        changes = found[ticket_id]
        if not changes and old:
            changes.append(Transition(datetime.min.replace(tzinfo=at.tzinfo), _category(old)))
        if new:
            changes.append(Transition(at, _category(new)))
    return found


def _category(value: str) -> StatusCategory:
    try:
        return StatusCategory(value)
    except ValueError:
        return StatusCategory.OPEN


def load_sla_tickets(
    session: Session,
    source_ids: Sequence[int],
    client_ids: frozenset[int] | None,
    policy: SlaPolicySet,
    pausing: frozenset[StatusCategory],
    *,
    now: datetime,
    since: datetime,
) -> list[SlaTicket]:
    """Active tickets and tickets completed since ``since``, with both clocks evaluated at ``now``."""
    if not source_ids:
        return []
    where = _where(source_ids, client_ids, since)
    clients: dict[int, str] = {cid: key for cid, key in session.execute(select(ClientRow.id, ClientRow.key)).all()}
    history = _transitions(session, where)
    evaluators: dict[tuple[int, object], Evaluator] = {}

    def evaluator_for(resolved_calendar: object, rule: object) -> Evaluator:
        key = (id(resolved_calendar), rule)
        found = evaluators.get(key)
        if found is None:
            sla = policy.resolve(None, None)
            calendar = resolved_calendar if resolved_calendar is not None else sla.calendar
            timeline = BusinessTimeline(calendar, now - TIMELINE_PAST, now + TIMELINE_FUTURE)  # type: ignore[arg-type]
            found = evaluators[key] = Evaluator(timeline, now, rule, pausing)  # type: ignore[arg-type]
        return found

    out: list[SlaTicket] = []
    for row in session.execute(select(*_COLUMNS).where(*where)).all():
        category = _category(row.status_category)
        priority = Priority(row.priority) if row.priority else None
        client = clients.get(row.client_id) if row.client_id is not None else None
        sla = policy.resolve(client, priority)
        evaluator = evaluator_for(sla.calendar, sla.at_risk)
        transitions = history.get(row.id, [])
        if not transitions and category in pausing and row.updated_at is not None:
            transitions = [Transition(row.updated_at, category)]
        if transitions and transitions[0].at.year == 1:
            transitions[0] = Transition(row.created_at, transitions[0].status)
        responded = row.first_responded_at or row.agent_responded_at
        done = row.resolved_at or row.closed_at
        first = _target(
            evaluator, TargetKind.FIRST_RESPONSE, row.created_at, sla.targets.first_response,
            responded or done, row.first_response_due_at, transitions,
        )  # fmt: skip
        resolution = _target(
            evaluator, TargetKind.RESOLUTION, row.created_at, sla.targets.resolution,
            done if not category.is_active or not row.is_active else None, row.resolution_due_at, transitions,
        )  # fmt: skip
        out.append(
            SlaTicket(
                row_id=row.id, source_id=row.source_id, external_id=row.external_id, subject=row.subject,
                status_label=row.status_label, status_category=category, priority=priority, client=client,
                team_external_id=row.team_external_id, agent_external_id=row.agent_external_id,
                created_at=row.created_at, first_responded_at=responded, resolved_at=done,
                is_active=bool(row.is_active), url=row.url, first_response=first, resolution=resolution,
            )
        )  # fmt: skip
    return out


def _target(
    evaluator: Evaluator,
    kind: TargetKind,
    created: datetime,
    target: timedelta | None,
    completed: datetime | None,
    vendor_due: datetime | None,
    transitions: list[Transition],
) -> TargetResult | None:
    if target is None and vendor_due is None:
        return None
    if completed is not None and completed < created:
        completed = created
    if completed is not None and completed > evaluator.now:
        completed = None
    item = TargetInput(kind, created, target, completed, vendor_due)
    return evaluator.evaluate(item, transitions)
