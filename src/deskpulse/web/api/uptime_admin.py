"""Uptime configuration: graph imports and versions, services with their paths, suggested parents.

Reading needs ``sources:read`` (staff who look after integrations), changing needs ``uptime:admin`` (admin,
manager). Every change is a new graph version effective today (local date), so figures already reported for
earlier days never change.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from deskpulse.auth import audit
from deskpulse.auth.principal import Principal
from deskpulse.clock import utcnow
from deskpulse.store.uptime_graphs import (
    ClientDirectory,
    check_version,
    default_effective_date,
    parse_graph,
    save_version,
    version_at,
)
from deskpulse.store.uptime_tables import UptimeGraphRow
from deskpulse.uptime import (
    GraphError,
    GraphFormat,
    GraphImportError,
    GraphVersion,
    ParentGroup,
    Service,
    detect_format,
)
from deskpulse.uptime.edits import dated, drop_service, put_service
from deskpulse.web.api.errors import api_errors
from deskpulse.web.api.uptime_config_views import graph_rows, service_config_rows
from deskpulse.web.auth import SourceReader, client_ip, require
from deskpulse.web.deps import DbSession
from deskpulse.web.uptime_view import uptime_view

router = APIRouter(tags=["uptime configuration"])
Admin = Annotated[Principal, Depends(require("uptime:admin"))]
ERRORS = api_errors(413, described={
    400: "The graph or the change has problems (every one is listed)", 404: "No such service or version",
})  # fmt: skip


class GroupIn(BaseModel):
    """A redundancy group: at least ``need`` of ``of`` must be up."""

    model_config = ConfigDict(extra="forbid")
    need: int = 1
    of: list[str]


class ServiceIn(BaseModel):
    """A service and, optionally, the parent groups of devices on its path (hostname -> groups)."""

    model_config = ConfigDict(extra="forbid")
    id: str | None = Field(default=None, max_length=100)
    client: str = Field(min_length=1, description="A client id from [[clients]], or its name")
    name: str = Field(min_length=1, max_length=200)
    device: str = Field(min_length=1, max_length=255)
    slo: float
    schedule: str | None = None
    parents: dict[str, list[GroupIn]] = Field(default_factory=dict)


def problems_response(problems: list[dict[str, Any]], message: str) -> JSONResponse:
    """400 with one sentence plus every problem (``line`` is null for changes made through the API)."""
    return JSONResponse({"detail": message, "problems": problems}, status_code=400)


def _schedules(request: Request) -> list[str]:
    return sorted(uptime_view(request.app.state).calendars)


def store_version(
    request: Request, session: Session, principal: Principal, version: GraphVersion, *, action: str, fmt: str,
    target: str, text: str | None = None, note: str | None = None,
) -> UptimeGraphRow:  # fmt: skip
    now = utcnow()
    row = save_version(session, version, fmt=fmt, now=now, created_by=principal.actor, text=text, note=note)
    detail = {"version": row.id, "effective_from": str(version.effective_from) if version.effective_from else None}
    audit.record(session, at=now, actor=principal.actor, action=action, target=target, ip=client_ip(request),
                 detail=detail)  # fmt: skip
    return row


def _format(request: Request, fmt: str | None) -> GraphFormat | None:
    if fmt is not None:
        if fmt not in ("yaml", "csv"):
            raise HTTPException(400, f"format must be yaml or csv, got {fmt!r}.")
        return "csv" if fmt == "csv" else "yaml"
    kind = request.headers.get("content-type", "").lower()
    return "csv" if "csv" in kind else "yaml" if "yaml" in kind else None


@router.post("/api/uptime/graphs/import", responses=ERRORS)
async def import_graph(
    request: Request,
    session: DbSession,
    principal: Admin,
    dry_run: Annotated[bool, Query(description="Validate only; store nothing")] = False,
    effective_from: Annotated[date | None, Query(description="Overrides the file's effective_from")] = None,
    format: Annotated[str | None, Query(description="yaml or csv (default: by Content-Type, else by content)")] = None,
) -> Any:
    """Import a YAML or CSV graph (the request body) as a new version; 400 lists every problem with its line."""
    raw = await request.body()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise HTTPException(400, "The graph must be UTF-8 text.") from None
    fmt = _format(request, format) or detect_format(text)
    # Parsing a big graph takes a while: off the event loop, like every route that reads the store.
    return await run_in_threadpool(_import, request, session, principal, text, fmt, dry_run, effective_from)


def _import(
    request: Request, session: Session, principal: Principal, text: str, fmt: GraphFormat, dry_run: bool,
    effective_from: date | None,
) -> Any:  # fmt: skip
    config = request.app.state.config
    try:
        version = parse_graph(text, ClientDirectory.load(session), fmt=fmt, default_tz=config.tz,
                              schedules=_schedules(request), effective_from=effective_from)  # fmt: skip
    except GraphImportError as exc:
        problems = [{"line": p.line, "message": p.message} for p in exc.problems]
        return problems_response(problems, str(exc).splitlines()[0].rstrip(":") + ".")
    if version.effective_from is None:
        version = dated(version, default_effective_date(session, utcnow().astimezone(config.tz).date()))
    body: dict[str, Any] = {
        "dry_run": dry_run,
        "effective_from": version.effective_from,
        "devices": len(version.hostnames),
        "services": len(version.services),
        "maintenance": len(version.maintenance),
    }
    if not dry_run:
        row = store_version(request, session, principal, version, action="uptime.graph.import", fmt=fmt,
                            target="graph", text=text)  # fmt: skip
        body["version"] = row.id
    return body


@router.get("/api/uptime/graphs", responses=ERRORS)
def graphs(session: DbSession, _: SourceReader) -> list[dict[str, Any]]:
    """Every stored version, newest first; ``in_force`` marks the newest of each effective date."""
    return graph_rows(session)


# :int so that /api/uptime/graphs/import is not read as a version (a GET there is a 405, not a 400).
@router.get("/api/uptime/graphs/{version_id:int}", responses=ERRORS)
def graph(session: DbSession, _: SourceReader, version_id: int) -> dict[str, Any]:
    """One version's document in the import shape (clients by id), ready to edit and import again."""
    row = session.get(UptimeGraphRow, version_id)
    if row is None:
        raise HTTPException(404, f"No graph version {version_id}.")
    return {"id": row.id, "effective_from": row.effective_from, "format": row.format, "document": row.document}


@router.get("/api/uptime/services/config", responses=ERRORS)
def service_config(request: Request, session: DbSession, _: SourceReader) -> list[dict[str, Any]]:
    """The services of the version in force today, each with its client and the path up from its device."""
    config = request.app.state.config
    today = utcnow().astimezone(config.tz).date()
    return service_config_rows(version_at(session, config.tz, today), ClientDirectory.load(session))


def _change(
    request: Request, session: Session, principal: Principal, body: ServiceIn | None, service_id: str, action: str
) -> Any:
    config = request.app.state.config
    today = utcnow().astimezone(config.tz).date()
    current = version_at(session, config.tz, today)
    exists = current.service(service_id) is not None
    if action == "uptime.service.create" and exists:
        raise HTTPException(400, f"A service with id {service_id!r} exists already; change it with PUT.")
    if action != "uptime.service.create" and not exists:
        raise HTTPException(404, f"No service {service_id!r} in the graph in force today.")
    if body is None:
        changed = drop_service(current, service_id)
    else:
        clients = ClientDirectory.load(session)
        key = clients.resolve(body.client)
        if key is None:
            raise HTTPException(400, f"No client {body.client!r} in [[clients]] (by id or name; known ids: "
                                     f"{clients.known()}).")  # fmt: skip
        service = Service(service_id, key, body.name, body.device, body.slo, body.schedule)
        parents = {h: [ParentGroup(g.need, tuple(g.of)) for g in groups] for h, groups in body.parents.items()}
        changed = put_service(current, service, parents)
    try:
        check_version(changed, _schedules(request))
    except GraphError as exc:
        problems = [{"line": None, "message": p.message} for p in exc.problems]
        return problems_response(problems, f"The change would leave the graph with {len(problems)} problem(s).")
    row = store_version(request, session, principal, changed, action=action, fmt="api", target=service_id,
                        note=f"{action.rsplit('.', 1)[-1]} {service_id}")  # fmt: skip
    rows = service_config_rows(changed, ClientDirectory.load(session), only=service_id)
    return {"version": row.id, "effective_from": changed.effective_from, "service": rows[0] if rows else None}


@router.post("/api/uptime/services/config", status_code=201, responses=ERRORS)
def create_service(request: Request, session: DbSession, principal: Admin, body: ServiceIn) -> Any:
    """Add a service (and the parent groups of its path) in a new version effective today."""
    if not body.id:
        raise HTTPException(400, "id: a new service needs an id.")
    return _change(request, session, principal, body, body.id, "uptime.service.create")


@router.put("/api/uptime/services/config/{service_id}", responses=ERRORS)
def update_service(request: Request, session: DbSession, principal: Admin, service_id: str, body: ServiceIn) -> Any:
    """Change a service (and parent groups) in a new version effective today."""
    if body.id is not None and body.id != service_id:
        raise HTTPException(400, "id: a service's id cannot be changed; delete it and create another.")
    return _change(request, session, principal, body, service_id, "uptime.service.update")


@router.delete("/api/uptime/services/config/{service_id}", responses=ERRORS)
def delete_service(request: Request, session: DbSession, principal: Admin, service_id: str) -> Any:
    """Remove a service from today on (its past figures stay as they were)."""
    return _change(request, session, principal, None, service_id, "uptime.service.delete")
