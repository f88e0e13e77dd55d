"""Helpers for alerts tests: a desk in the store whose tickets tests shape directly, a local HTTP receiver for
webhooks (checking signatures), Slack and Teams, and an SMTP inbox."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from deskpulse.alerts.payloads import SIGNATURE_HEADER, verify
from deskpulse.alerts.settings import AlertsConfig
from deskpulse.config import ClientConfig, Config, SmtpConfig
from deskpulse.domain.tickets import Priority, StatusCategory, Ticket
from deskpulse.sla_config import SlaConfig
from deskpulse.store.alerts_tables import AlertDeliveryRow, AlertEventRow, AlertOutboxRow, AlertRow
from deskpulse.store.db import Database
from deskpulse.store.sources import ensure_source
from deskpulse.store.tables import ClientRow, SourceRow
from deskpulse.sync.upsert import upsert_tickets
from support import LiveServer, source_config

T0 = datetime(2026, 11, 18, 8, 0, tzinfo=UTC)
ALWAYS_OPEN = {day: ["00:00-24:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
WEBHOOK_SECRET = "a-long-enough-webhook-secret"


def desk_config(*, hours: dict[str, list[str]] | None = None, smtp: SmtpConfig | None = None) -> Config:
    """One source ``desk`` and one client ``acme``; an always-open SLA calendar unless ``hours`` is given."""
    return Config(
        timezone="UTC", database_url="sqlite://", sources=[source_config("desk")],
        clients=[ClientConfig(id="acme", name="Acme")], sla=SlaConfig(hours=hours or ALWAYS_OPEN),
        smtp=smtp or SmtpConfig(), auth={"public_url": "https://desk.example.test"},
    )  # fmt: skip


def alerts(**section: Any) -> AlertsConfig:
    """An ``[alerts]`` section from plain data, as the config file would give it."""
    return AlertsConfig.model_validate(section)


@dataclass
class Tables:
    """Reading the alerts tables."""

    db: Database

    def alerts(self) -> list[AlertRow]:
        with self.db.session() as session:
            return list(session.scalars(select(AlertRow).order_by(AlertRow.id)))

    def outbox(self) -> list[tuple[str, str, int, str]]:
        """(kind, channel, level, status) of every outbox row, oldest first."""
        with self.db.session() as session:
            rows = session.scalars(select(AlertOutboxRow).order_by(AlertOutboxRow.id))
            return [(r.kind, r.channel, r.level, r.status) for r in rows]

    def events(self, alert_id: int | None = None) -> list[str]:
        with self.db.session() as session:
            stmt = select(AlertEventRow.kind).order_by(AlertEventRow.id)
            if alert_id is not None:
                stmt = stmt.where(AlertEventRow.alert_id == alert_id)
            return list(session.scalars(stmt))

    def deliveries(self) -> list[AlertDeliveryRow]:
        with self.db.session() as session:
            return list(session.scalars(select(AlertDeliveryRow).order_by(AlertDeliveryRow.id)))


@dataclass
class Desk(Tables):
    """A source with tickets written straight into the store, as a sync would leave them."""

    config: Config
    tickets: dict[str, Ticket] = field(default_factory=dict)

    def __post_init__(self) -> None:
        with self.db.session() as session:
            source = ensure_source(session, self.config.sources[0])
            source.last_ok_at = T0
            client = ClientRow(key="acme", name="Acme")
            session.add(client)
            session.flush()
            self.source_id, self.client_id = source.id, client.id

    def add(self, ext: str, *, at: datetime, priority: Priority = Priority.URGENT, **fields: Any) -> Ticket:
        """A new open ticket ``ext`` created at ``at``."""
        values: dict[str, Any] = {"status_raw": "open", "status_label": "Open", "status_category": StatusCategory.OPEN,
                                  "subject": f"Ticket {ext}", "priority": priority} | fields  # fmt: skip
        return self.put(Ticket(external_id=ext, created_at=at, updated_at=at, **values), at)

    def change(self, ext: str, at: datetime, **fields: Any) -> Ticket:
        """Ticket ``ext`` with ``fields`` changed, as synced at ``at``."""
        return self.put(replace(self.tickets[ext], updated_at=at, **fields), at)

    def put(self, ticket: Ticket, at: datetime) -> Ticket:
        self.tickets[ticket.external_id] = ticket
        active = {t.external_id for t in self.tickets.values() if t.status_category.is_active}
        with self.db.session() as session:
            upsert_tickets(session, self.source_id, now=at, seen=[ticket], active_ids=active, deleted_ids=set(),
                           complete_active_set=False, client_of=lambda _t: self.client_id)  # fmt: skip
        return ticket

    def synced(self, at: datetime | None, *, failing_since: datetime | None = None, error: str | None = None) -> None:
        """Set the source's last good sync (and failure)."""
        with self.db.session() as session:
            row = session.get(SourceRow, self.source_id)
            assert row is not None
            row.last_ok_at, row.stale_since, row.last_error = at, failing_since, error


@dataclass
class Received:
    """One request the receiver got."""

    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Receiver:
    """A local HTTP server standing in for Slack, Teams and webhook endpoints. ``/hook/<name>`` checks the
    deskpulse signature with ``secret`` and answers 401 when it does not match; ``fail`` holds answers to give
    before succeeding (status, Retry-After)."""

    def __init__(self, secret: str = WEBHOOK_SECRET) -> None:
        self.secret = secret
        self.received: list[Received] = []
        self.rejected: list[Received] = []
        self.fail: list[tuple[int, str | None]] = []
        app = Starlette(routes=[Route("/{kind}/{name}", self._handle, methods=["POST"])])
        self.server = LiveServer(app)

    async def _handle(self, request: Request) -> Response:
        got = Received(request.url.path, dict(request.headers), await request.body())
        if request.path_params["kind"] == "hook" and not verify(self.secret, got.body, got.headers.get(
                SIGNATURE_HEADER.lower())):  # fmt: skip
            self.rejected.append(got)
            return JSONResponse({"error": "bad signature"}, status_code=401)
        if self.fail:
            status, retry_after = self.fail.pop(0)
            self.rejected.append(got)
            headers = {"Retry-After": retry_after} if retry_after else None
            return PlainTextResponse("busy", status_code=status, headers=headers)
        self.received.append(got)
        return PlainTextResponse("ok")

    def url(self, path: str) -> str:
        return f"{self.server.url}{path}"

    def at(self, path: str) -> list[Received]:
        """What ``path`` received (accepted requests only)."""
        return [r for r in self.received if r.path == path]


@contextmanager
def receiver(secret: str = WEBHOOK_SECRET) -> Iterator[Receiver]:
    """A running :class:`Receiver`."""
    found = Receiver(secret)
    with found.server:
        yield found


class Inbox:
    """An aiosmtpd handler that keeps every message."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # aiosmtpd calls it by this name
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


@contextmanager
def smtp_server() -> Iterator[tuple[SmtpConfig, Inbox]]:
    """A local SMTP server and the ``[smtp]`` settings that reach it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpConfig(host="127.0.0.1", port=port, security="none", from_address="alerts@example.test"), inbox
    finally:
        controller.stop()


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)
