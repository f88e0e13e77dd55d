"""Kiosk links JSON API: read-only, revocable links that open a board on a TV."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, Field
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from deskpulse.auth import kiosk
from deskpulse.auth.audit import record
from deskpulse.auth.principal import Principal
from deskpulse.clock import utcnow
from deskpulse.config import Config
from deskpulse.store.auth_tables import KioskLinkRow, SessionRow
from deskpulse.store.clients import sync_clients
from deskpulse.web.api.errors import api_errors, error_responses
from deskpulse.web.auth import client_ip, require

router = APIRouter(tags=["kiosk"], responses=api_errors())
KioskAdmin = Annotated[Principal, Depends(require("kiosk:admin"))]


class KioskLinkOut(BaseModel):
    prefix: str
    name: str
    boards: list[str]
    clients: list[str] | None
    created_at: datetime
    revoked_at: datetime | None


class NewKioskLinkOut(KioskLinkOut):
    url: str


class KioskLinkIn(BaseModel):
    name: str = "TV"
    # "dashboard", or "tv:<playlist>" for a link that opens that TV playlist and nothing else.
    boards: list[str] = Field(default_factory=lambda: ["dashboard"], max_length=20)
    clients: list[str] | None = None


def link_out(row: KioskLinkRow) -> KioskLinkOut:
    """The JSON view of a link (never its secret)."""
    return KioskLinkOut(
        prefix=row.prefix, name=row.name, boards=list(row.boards), clients=row.client_keys, created_at=row.created_at,
        revoked_at=row.revoked_at,
    )  # fmt: skip


def kiosk_url(config: Config, secret: str) -> str:
    """The address a TV opens: ``{auth.public_url}/kiosk/{secret}``."""
    return f"{config.auth.public_url.rstrip('/')}/kiosk/{secret}"


def add_link(
    session: Session, config: Config, principal: Principal, body: KioskLinkIn, ip: str | None
) -> tuple[KioskLinkRow, str]:
    """Create a link and audit it; 400 with a sentence when the boards, TV playlists or clients are unknown."""
    missing = [b for b in body.boards if b.startswith(kiosk.TV_PREFIX) and config.tv.playlist(b[3:]) is None]
    if missing:
        known = ", ".join(p.name for p in config.tv.playlists) or "none are configured"
        raise HTTPException(400, f"No TV playlist for {', '.join(missing)}; playlists: {known}.")
    sync_clients(session, config.clients)
    try:
        row, secret = kiosk.create(
            session, name=body.name, boards=body.boards, clients=body.clients, creator=principal.user_id, now=utcnow()
        )
    except kiosk.KioskError as exc:
        raise HTTPException(400, str(exc)) from exc
    record(
        session, at=utcnow(), actor=principal.actor, action="kiosk.create", target=row.prefix, ip=ip,
        detail={"name": row.name, "boards": row.boards, "clients": row.client_keys},
    )  # fmt: skip
    return row, secret


@router.get("/api/kiosk-links", response_model=list[KioskLinkOut])
def links(request: Request, _: KioskAdmin) -> list[KioskLinkOut]:
    """Every kiosk link, newest first."""
    with request.app.state.db.session() as session:
        rows = session.scalars(select(KioskLinkRow).order_by(KioskLinkRow.created_at.desc(), KioskLinkRow.id.desc()))
        return [link_out(r) for r in rows]


@router.post(
    "/api/kiosk-links",
    response_model=NewKioskLinkOut,
    status_code=201,
    responses=error_responses(413),
)
def create(request: Request, principal: KioskAdmin, body: KioskLinkIn) -> NewKioskLinkOut:
    """Create a link; its ``url`` (holding the secret) is in this response only."""
    config: Config = request.app.state.config
    with request.app.state.db.session() as session:
        row, secret = add_link(session, config, principal, body, client_ip(request))
        return NewKioskLinkOut(**link_out(row).model_dump(), url=kiosk_url(config, secret))


@router.post(
    "/api/kiosk-links/{prefix}/revoke",
    response_model=KioskLinkOut,
    responses=error_responses(described={404: "No such link"}),
)
def revoke(request: Request, principal: KioskAdmin, prefix: str) -> KioskLinkOut:
    """Revoke a link: TVs using it lose access on their next request."""
    now = utcnow()
    with request.app.state.db.session() as session:
        row = kiosk.revoke(session, prefix, now=now)
        if row is None:
            raise HTTPException(404, f"There is no kiosk link with prefix {prefix!r}.")
        # web/auth.py already refuses sessions of a revoked link; ending them as well keeps the table honest.
        stmt = update(SessionRow).where(SessionRow.kiosk_link_id == row.id, SessionRow.revoked_at.is_(None))
        session.execute(stmt.values(revoked_at=now))
        record(session, at=now, actor=principal.actor, action="kiosk.revoke", target=row.prefix, ip=client_ip(request))
        return link_out(row)
