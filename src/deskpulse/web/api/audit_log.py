"""Audit log JSON API: who did what, newest first, with filters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from deskpulse.auth.principal import Principal
from deskpulse.store.auth_tables import AuditRow
from deskpulse.web.api.errors import api_errors
from deskpulse.web.api.iso_time import IsoDateTime
from deskpulse.web.auth import require
from deskpulse.web.deps import DbSession

router = APIRouter(tags=["audit"], responses=api_errors())
AuditReader = Annotated[Principal, Depends(require("audit:read"))]
MAX_LIMIT = 500


class AuditEntry(BaseModel):
    id: int
    at: datetime
    actor: str
    action: str
    target: str | None
    ip: str | None
    result: str
    detail: dict[str, Any] | None


class AuditPage(BaseModel):
    total: int
    limit: int
    offset: int
    entries: list[AuditEntry]


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """What to show: ``action`` matches exactly or as a prefix before a dot (``user`` finds ``user.create``)."""

    actor: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 100
    offset: int = 0


def _aware(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def read_audit(session: Session, wanted: AuditFilter) -> AuditPage:
    """One page of entries matching ``wanted``, newest first, with the total number of matches."""
    where: list[Any] = []
    if wanted.actor:
        where.append(AuditRow.actor == wanted.actor.strip())
    if wanted.action:
        action = wanted.action.strip()
        where.append(or_(AuditRow.action == action, AuditRow.action.startswith(f"{action}.", autoescape=True)))
    if (since := _aware(wanted.since)) is not None:
        where.append(AuditRow.at >= since)
    if (until := _aware(wanted.until)) is not None:
        where.append(AuditRow.at <= until)
    total = int(session.scalar(select(func.count()).select_from(AuditRow).where(*where)) or 0)
    rows = session.scalars(
        select(AuditRow).where(*where).order_by(AuditRow.at.desc(), AuditRow.id.desc())
        .limit(wanted.limit).offset(wanted.offset)
    )  # fmt: skip
    fields = ("id", "at", "actor", "action", "target", "ip", "result", "detail")
    entries = [AuditEntry(**{f: getattr(r, f) for f in fields}) for r in rows]
    return AuditPage(total=total, limit=wanted.limit, offset=wanted.offset, entries=entries)


@router.get("/api/audit", response_model=AuditPage)
def audit(
    session: DbSession,
    _: AuditReader,
    actor: Annotated[str | None, Query(description="Exact actor (e-mail, key:PREFIX, kiosk:PREFIX, cli)")] = None,
    action: Annotated[str | None, Query(description="Action, or its group before the dot (user, apikey)")] = None,
    since: Annotated[IsoDateTime | None, Query(description="ISO time; entries at or after it")] = None,
    until: Annotated[IsoDateTime | None, Query(description="ISO time; entries at or before it")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> AuditPage:
    """Audit entries, newest first."""
    return read_audit(session, AuditFilter(actor, action, since, until, limit, offset))
