"""The write-back action of an alert: change the ticket at the vendor (raise priority, reassign, add a note),
read it back and judge, exactly as the ticket actions API does; audited, and stored only when applied."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from deskpulse.alerts.rules import PRIORITY_ORDER
from deskpulse.auth import audit
from deskpulse.config import Config
from deskpulse.connectors.registry import build_connector
from deskpulse.connectors.writeback import TicketUpdate, WritableConnector, WriteOutcome, WriteResult
from deskpulse.domain.tickets import Priority
from deskpulse.store.sources import bump_data_version
from deskpulse.sync.upsert import upsert_tickets

# (source name, vendor ticket id, update) -> the judged result.
Writer = Callable[[str, str, TicketUpdate], Awaitable[WriteResult]]
ACTOR = "alerts"


def update_for(action: Mapping[str, Any], current: Priority | None) -> TicketUpdate:
    """The ticket update of a rule's write-back; the priority is only ever raised, never lowered."""
    wanted = Priority(action["raise_priority_to"]) if action.get("raise_priority_to") else None
    if wanted is not None and current is not None and PRIORITY_ORDER[current] >= PRIORITY_ORDER[wanted]:
        wanted = None
    return TicketUpdate(
        priority=wanted,
        team_external_id=action.get("reassign_queue"),
        agent_external_id=action.get("reassign_resource"),
        note=action.get("note"),
    )


def connector_writer(config: Config, connector_kwargs: Mapping[str, dict[str, Any]] | None = None) -> Writer:
    """A writer that talks to each source through its configured connector (kwargs: tests and the demo)."""
    extra = connector_kwargs or {}

    async def write(source: str, external_id: str, update: TicketUpdate) -> WriteResult:
        try:
            cfg = config.source(source)
        except KeyError:
            return WriteResult(WriteOutcome.REJECTED, f"Source {source} is no longer configured.")
        connector = build_connector(cfg, **extra.get(source, {}))
        try:
            if not isinstance(connector, WritableConnector):
                return WriteResult(WriteOutcome.REJECTED, f"{cfg.kind} sources do not accept ticket changes.")
            return await connector.apply_update(external_id, update)
        finally:
            await connector.aclose()

    return write


def record_write(
    session: Session, *, source_id: int, client_id: int | None, target: str, update: TicketUpdate,
    result: WriteResult, alert_id: int, rule_id: str, now: datetime,
) -> None:  # fmt: skip
    """Audit the attempt and, when it applied, store the ticket as read back (in the caller's transaction)."""
    if result.ok and result.ticket is not None:
        ticket = result.ticket
        upsert_tickets(
            session, source_id, now=now, seen=[ticket], deleted_ids=set(),
            active_ids={ticket.external_id} if ticket.status_category.is_active else set(),
            complete_active_set=False, client_of=lambda _t: client_id,
        )  # fmt: skip
        bump_data_version(session, source_id)
    audit.record(
        session, at=now, actor=ACTOR, action="ticket.update", target=target, result=result.outcome.value,
        detail={"message": result.message, "note": bool(update.note), "alert": alert_id, "rule": rule_id,
                "changes": [[c.field, c.before, c.wanted, c.after] for c in result.changes]},
    )  # fmt: skip
