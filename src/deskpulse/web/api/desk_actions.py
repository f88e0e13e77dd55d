"""Ticket actions: PATCH /api/dashboard/tickets/{id} and POST /api/dashboard/tickets/bulk, written to the vendor.

Each change goes to the vendor through its connector, is read back and judged (a vendor can answer 200 and keep
the old value: that is reported as not applied). Every attempt lands in the audit log (who, what, before,
after, result). Only an applied change is written to the local store (from the read-back ticket), so a refused
or failed change leaves deskpulse exactly as it was.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, field_validator
from sqlalchemy.orm import Session

from deskpulse.auth import audit
from deskpulse.auth.principal import Principal
from deskpulse.clock import utcnow
from deskpulse.config import Config
from deskpulse.connectors.registry import build_connector
from deskpulse.connectors.writeback import TicketUpdate, WritableConnector, WriteOutcome, WriteResult
from deskpulse.domain.tickets import Priority
from deskpulse.live.service import LiveService, ticket_events
from deskpulse.metrics.envelope import Envelope, ok
from deskpulse.metrics.ticket_filters import PRIORITY_NAMES
from deskpulse.store.db import Database
from deskpulse.store.sources import bump_data_version
from deskpulse.store.tables import TicketRow
from deskpulse.sync.upsert import upsert_tickets
from deskpulse.web.api.desk_metrics import ERRORS
from deskpulse.web.api.desk_tickets import find_ticket
from deskpulse.web.api.errors import error_responses
from deskpulse.web.auth import require
from deskpulse.web.deps import SourceSelection, select_sources

router = APIRouter(tags=["service desk metrics"])
Writer = Annotated[Principal, Depends(require("tickets:write"))]
MAX_BULK = 100


class TicketChanges(BaseModel):
    """What to change (names of the old Autotask dashboard); vendor ids and codes as stored on tickets."""

    model_config = ConfigDict(extra="forbid")

    status: str | None = Field(default=None, max_length=64, description="Vendor status value, e.g. 5 or CLOSED")
    priority: str | None = Field(default=None, description="critical/urgent, high, medium or low")
    queueId: StrictStr | StrictInt | None = Field(default=None, description="Queue / group / team id")
    assignedResourceId: StrictStr | StrictInt | None = Field(default=None, description="Technician / agent id")
    # Strict: a JSON false is not queue 0, and 0 or "yes" is not a boolean; such input is a 400, not a guess.
    unassign: StrictBool = False
    note: str | None = Field(default=None, max_length=10_000)

    @field_validator("priority")
    @classmethod
    def _priority(cls, value: str | None) -> str | None:
        if value is not None and value.lower() not in PRIORITY_NAMES:
            raise ValueError(f"unknown priority {value!r}; use critical, high, medium or low")
        return value

    def update(self) -> TicketUpdate:
        """The connector-level update."""
        priority: Priority | None = PRIORITY_NAMES[self.priority.lower()] if self.priority else None
        return TicketUpdate(
            status=str(self.status) if self.status is not None else None,
            priority=priority,
            team_external_id=str(self.queueId) if self.queueId is not None else None,
            agent_external_id=str(self.assignedResourceId) if self.assignedResourceId is not None else None,
            clear_agent=self.unassign,
            note=self.note,
        )


class BulkChanges(BaseModel):
    """The same change for up to 100 tickets; each gets its own result."""

    model_config = ConfigDict(extra="forbid")

    ticketIds: list[str] = Field(min_length=1, max_length=MAX_BULK)
    changes: TicketChanges


def _result_data(target: str, result: WriteResult) -> dict[str, Any]:
    return {
        "id": target,
        "success": result.ok,
        "outcome": result.outcome.value,
        "message": result.message,
        "noteAdded": result.note_added,
        "changes": [
            {"field": c.field, "before": c.before, "wanted": c.wanted, "after": c.after, "tookEffect": c.took_effect}
            for c in result.changes
        ],
    }


async def _write_one(
    request: Request, db: Database, config: Config, principal: Principal, row: TicketRow, source_name: str,
    update: TicketUpdate,
) -> dict[str, Any]:  # fmt: skip
    """Send one ticket's change to its vendor, audit it, and store the read-back ticket when it was applied."""
    target = f"{source_name}:{row.external_id}"
    cfg = config.source(source_name)
    kwargs = request.app.state.connector_kwargs.get(source_name, {})
    connector = build_connector(cfg, **kwargs)
    try:
        if not isinstance(connector, WritableConnector):
            result = WriteResult(WriteOutcome.REJECTED, f"{cfg.kind} sources do not accept ticket changes.")
        else:
            result = await connector.apply_update(row.external_id, update)
    finally:
        await connector.aclose()
    now = utcnow()

    def record() -> None:
        with db.session() as session:
            if result.ok and result.ticket is not None:
                upsert_tickets(
                    session, row.source_id, now=now, seen=[result.ticket], deleted_ids=set(),
                    active_ids={result.ticket.external_id} if result.ticket.status_category.is_active else set(),
                    complete_active_set=False, client_of=lambda _t: row.client_id,
                )  # fmt: skip
                bump_data_version(session, row.source_id)
            audit.record(
                session, at=now, actor=principal.actor, action="ticket.update", target=target,
                ip=request.client.host if request.client else None, result=result.outcome.value,
                detail={"message": result.message, "note": bool(update.note),
                        "changes": [[c.field, c.before, c.wanted, c.after] for c in result.changes]},
            )  # fmt: skip

    await asyncio.to_thread(record)
    if result.ok:
        live: LiveService = request.app.state.live
        await live.publish(ticket_events(source_name, {row.client_id: [row.external_id]}, now, "write"))
    return _result_data(target, result)


def _sources(request: Request, session: Session, principal: Principal) -> SourceSelection:
    return select_sources(session, request.app.state.config, principal, None)


@router.patch(
    "/api/dashboard/tickets/{ticket_id}", response_model=Envelope, responses={**ERRORS, **error_responses(413)}
)
async def update_ticket(request: Request, ticket_id: str, changes: TicketChanges, principal: Writer) -> Envelope:
    """Change one ticket at the vendor (status, priority, queue, assignee, note); read back and report."""
    update = changes.update()
    if update.is_empty:
        raise HTTPException(status_code=400, detail="Nothing to change: give status, priority, queueId, "
                            "assignedResourceId, unassign or note.")  # fmt: skip
    db: Database = request.app.state.db
    config: Config = request.app.state.config
    source = request.query_params.get("source")

    def locate() -> tuple[TicketRow, str]:
        with db.session() as session:
            sources = _sources(request, session, principal)
            row = find_ticket(session, sources, ticket_id, source)
            session.expunge(row)
            return row, next(r.name for r in sources.rows if r.id == row.source_id)

    row, source_name = await asyncio.to_thread(locate)
    data = await _write_one(request, db, config, principal, row, source_name, update)
    return Envelope(success=data["success"], data=data, message=None if data["success"] else data["message"])


@router.post("/api/dashboard/tickets/bulk", response_model=Envelope, responses={**ERRORS, **error_responses(413)})
async def bulk_update(request: Request, body: BulkChanges, principal: Writer) -> Envelope:
    """The same change for up to 100 tickets, one result per ticket (some may apply while others fail)."""
    update = body.changes.update()
    if update.is_empty:
        raise HTTPException(status_code=400, detail="Nothing to change in changes.")
    if len(set(body.ticketIds)) != len(body.ticketIds):
        raise HTTPException(status_code=400, detail="ticketIds lists a ticket more than once.")
    db: Database = request.app.state.db
    config: Config = request.app.state.config

    def locate() -> tuple[list[tuple[TicketRow, str]], list[dict[str, Any]]]:
        found, missing = [], []
        with db.session() as session:
            sources = _sources(request, session, principal)
            names = {r.id: r.name for r in sources.rows}
            for ticket_id in body.ticketIds:
                try:
                    row = find_ticket(session, sources, ticket_id, None)
                except HTTPException as exc:
                    missing.append({"id": ticket_id, "success": False, "outcome": "rejected",
                                    "message": str(exc.detail), "noteAdded": False, "changes": []})  # fmt: skip
                    continue
                session.expunge(row)
                found.append((row, names[row.source_id]))
        return found, missing

    found, results = await asyncio.to_thread(locate)
    for row, source_name in found:  # one at a time: vendors limit concurrent writes per key
        results.append(await _write_one(request, db, config, principal, row, source_name, update))
    order = {tid: i for i, tid in enumerate(body.ticketIds)}
    results.sort(key=lambda r: order.get(r["id"].split(":", 1)[-1], order.get(r["id"], 0)))
    applied = sum(r["success"] for r in results)
    message = None if applied == len(results) else f"{applied} of {len(results)} tickets were changed."
    return ok({"results": results, "applied": applied, "total": len(results)}, message)
