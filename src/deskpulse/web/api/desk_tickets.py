"""GET /api/dashboard/tickets (filtered, paged) and GET /api/dashboard/tickets/{id} (with auditable clocks)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from deskpulse.clock import utcnow
from deskpulse.domain.sla import TargetKind, sla_clock
from deskpulse.domain.sla.clock import Transition
from deskpulse.domain.sla.evaluate import TargetResult
from deskpulse.domain.tickets import Priority, StatusCategory
from deskpulse.metrics.envelope import Envelope, ok
from deskpulse.metrics.sla_tickets import SlaTicket
from deskpulse.metrics.ticket_filters import FilterError, TicketFilters
from deskpulse.store.auth_tables import AuditRow
from deskpulse.store.tables import ClientRow, TicketChangeRow, TicketRow
from deskpulse.web.api.desk_metrics import ERRORS, Evaluated, evaluated
from deskpulse.web.auth import Internal
from deskpulse.web.deps import AppConfig, DbSession, Sources, SourceSelection

router = APIRouter(tags=["service desk metrics"])


def _sla(clock: TargetResult | None) -> dict[str, Any] | None:
    if clock is None:
        return None
    running = clock.completed_at is None
    return {
        "state": clock.state.value,
        "dueAt": clock.due_at,
        "remainingMinutes": round(clock.remaining_seconds / 60, 1) if running else None,
        "completedAt": clock.completed_at,
        "paused": clock.paused,
        "vendorDue": clock.vendor_due,
    }


def _item(row: Any, view: Evaluated, clients: dict[int, str], sla: SlaTicket | None) -> dict[str, Any]:
    sid = row.source_id
    return {
        "id": row.external_id,
        "source": view.source_names.get(sid, ""),
        "ticketNumber": row.number,
        "title": row.subject,
        "status": row.status_label,
        "statusCategory": row.status_category,
        "priority": row.priority,
        "queueId": row.team_external_id,
        "queueName": view.team_name(sid, row.team_external_id) if row.team_external_id else None,
        "assignedResourceId": row.agent_external_id,
        "assignedResourceName": view.agent_name(sid, row.agent_external_id) if row.agent_external_id else None,
        "company": clients.get(row.client_id) if row.client_id is not None else None,
        "requester": row.requester_name,
        "createdDate": row.created_at,
        "lastActivityDate": row.last_activity_at or row.updated_at,
        "isOpen": bool(row.is_active),
        "url": row.url,
        "sla": {"response": _sla(sla.first_response), "resolution": _sla(sla.resolution)} if sla else None,
    }


@router.get("/api/dashboard/tickets", response_model=Envelope, responses=ERRORS)
def ticket_list(
    request: Request,
    session: DbSession,
    config: AppConfig,
    sources: Sources,
    _: Internal,
    priorities: Annotated[str | None, Query(description="critical/urgent, high, medium, low; comma-separated")] = None,
    statuses: Annotated[str | None, Query(description="Status categories or vendor status names")] = None,
    queues: Annotated[str | None, Query(description="Queue / group / team ids")] = None,
    resources: Annotated[str | None, Query(description="Technician / agent ids")] = None,
    companies: Annotated[str | None, Query(description="Client ids from [[clients]]")] = None,
    searchText: Annotated[str | None, Query(max_length=200)] = None,
    showClosed: bool = False,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    pageSize: Annotated[int, Query(ge=1, le=100)] = 50,
) -> Envelope:
    """Tickets matching every given filter, newest first, one page; each with its SLA clocks."""
    filters = TicketFilters(priorities, statuses, queues, resources, companies, searchText, showClosed)
    try:
        where = filters.where(session, sources.ids, sources.client_ids)
    except FilterError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from exc
    total = session.scalar(select(func.count()).select_from(TicketRow).where(*where)) or 0
    rows = session.execute(
        select(TicketRow)
        .where(*where)
        .order_by(TicketRow.created_at.desc(), TicketRow.id.desc())
        .limit(pageSize)
        .offset((page - 1) * pageSize)
    ).scalars()
    view = evaluated(request, session, config, sources, 30)
    by_row = {t.row_id: t for t in view.tickets}
    clients = _client_keys(session)
    items = [_item(r, view, clients, by_row.get(r.id)) for r in rows]
    pages = (total + pageSize - 1) // pageSize
    return ok({"items": items, "total": total, "page": page, "pageSize": pageSize, "totalPages": pages})


def _client_keys(session: Session) -> dict[int, str]:
    return {cid: key for cid, key in session.execute(select(ClientRow.id, ClientRow.key)).all()}


def find_ticket(session: Session, sources: SourceSelection, ticket_id: str, source: str | None) -> TicketRow:
    """The caller's ticket ``ticket_id`` (``source:id`` or ``?source=`` picks one of several sources); 404."""
    if source is None and ":" in ticket_id:
        source, ticket_id = ticket_id.split(":", 1)
    ids = [r.id for r in sources.rows if source is None or r.name == source]
    where = [TicketRow.source_id.in_(ids), TicketRow.external_id == ticket_id, TicketRow.deleted_at.is_(None)]
    if sources.client_ids is not None:
        where.append(TicketRow.client_id.in_(sorted(sources.client_ids)))
    found = list(session.scalars(select(TicketRow).where(*where)))
    if not found:
        raise HTTPException(status_code=404, detail=f"Ticket {ticket_id} was not found.")
    if len(found) > 1:
        names = ", ".join(sorted(r.name for r in sources.rows if r.id in {t.source_id for t in found}))
        raise HTTPException(
            status_code=400, detail=f"Ticket {ticket_id} exists in several sources ({names}); add ?source=<name>."
        )
    return found[0]


@router.get("/api/dashboard/tickets/{ticket_id}", response_model=Envelope, responses=ERRORS)
def ticket_detail(
    request: Request,
    session: DbSession,
    config: AppConfig,
    sources: Sources,
    _: Internal,
    ticket_id: str,
) -> Envelope:
    """One ticket with its change history, its write-back audit entries and both SLA clocks with segments."""
    row = find_ticket(session, sources, ticket_id, None)
    view = evaluated(request, session, config, sources, 30)
    item = _item(row, view, _client_keys(session), next((t for t in view.tickets if t.row_id == row.id), None))
    changes = session.execute(
        select(TicketChangeRow.at, TicketChangeRow.field, TicketChangeRow.old, TicketChangeRow.new)
        .where(TicketChangeRow.ticket_id == row.id)
        .order_by(TicketChangeRow.at, TicketChangeRow.id)
    ).all()
    target = f"{view.source_names.get(row.source_id, '')}:{row.external_id}"
    audit = session.execute(
        select(AuditRow.at, AuditRow.actor, AuditRow.action, AuditRow.result, AuditRow.detail)
        .where(AuditRow.target == target)
        .order_by(AuditRow.at.desc())
        .limit(50)
    ).all()
    item["description"] = row.description
    item["changes"] = [{"at": c.at, "field": c.field, "from": c.old, "to": c.new} for c in changes]
    item["writes"] = [
        {"at": a.at, "actor": a.actor, "action": a.action, "result": a.result, "detail": a.detail} for a in audit
    ]
    item["clocks"] = _clocks(row, config, changes, _client_keys(session))
    return ok(item)


def _clocks(row: TicketRow, config: Any, changes: Any, clients: dict[int, str]) -> dict[str, Any]:
    """Both clocks in full: state, due time and the running / paused / closed-hours segments."""
    policy = config.sla_policy
    priority = Priority(row.priority) if row.priority else None
    sla = policy.resolve(clients.get(row.client_id) if row.client_id is not None else None, priority)
    transitions: list[Transition] = []
    for c in changes:
        if c.field != "status_category" or not c.new:
            continue
        if not transitions and c.old:
            transitions.append(Transition(row.created_at, StatusCategory(c.old)))
        transitions.append(Transition(c.at, StatusCategory(c.new)))
    now = utcnow()
    responded = row.first_responded_at or row.agent_responded_at
    done = row.resolved_at or row.closed_at
    out: dict[str, Any] = {}
    specs = (
        (TargetKind.FIRST_RESPONSE, sla.targets.first_response, responded or done, row.first_response_due_at),
        (TargetKind.RESOLUTION, sla.targets.resolution, done if not row.is_active else None, row.resolution_due_at),
    )
    for kind, target, completed, vendor_due in specs:
        if target is None and vendor_due is None:
            out[kind.value] = None
            continue
        clock = sla_clock(
            created_at=row.created_at, calendar=sla.calendar, target=target, now=now, transitions=transitions,
            completed_at=min(max(completed, row.created_at), now) if completed else None,
            vendor_due_at=vendor_due, pausing=frozenset(config.sla.pausing), at_risk=sla.at_risk,
        )  # fmt: skip
        out[kind.value] = {
            "state": clock.state.value,
            "dueAt": clock.due_at,
            "target": str(target) if target is not None else None,
            "vendorDue": clock.vendor_due,
            "elapsedBusinessMinutes": round(clock.elapsed_business_seconds / 60, 1),
            "remainingMinutes": round(clock.remaining_seconds / 60, 1),
            "completedAt": clock.completed_at,
            "breachedAt": clock.breached_at,
            "segments": [
                {"start": s.start, "end": s.end, "kind": s.kind.value}
                for s in clock.segments
                if s.end - s.start >= timedelta(seconds=1)
            ],
        }
    return out
