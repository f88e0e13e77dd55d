"""Reading alerts and their history: the alerts list of the panel and API (with totals), one alert's events,
and a search over history by text, kind, rule, client and time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from deskpulse.alerts.outbox import FIRING
from deskpulse.store.alerts_tables import AlertEventRow, AlertRow


@dataclass(frozen=True, slots=True)
class AlertPage:
    """One page of alerts, the number matching, and how many of those are firing unacknowledged."""

    alerts: list[AlertRow]
    total: int
    unacknowledged: int


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass(frozen=True, slots=True)
class Narrowing:
    """Filters of the history search beyond state, rule, text and time: one client (its id in ``[[clients]]``),
    one source, one severity. None: any."""

    client: str | None = None
    source: str | None = None
    severity: str | None = None


def _alert_filters(
    client_ids: frozenset[int] | None, states: Sequence[str] | None, rule_id: str | None, text: str | None,
    since: datetime | None, until: datetime | None, narrow: Narrowing | None = None,
) -> list[ColumnElement[bool]]:  # fmt: skip
    where: list[ColumnElement[bool]] = []
    if client_ids is not None:
        where.append(AlertRow.client_id.in_(sorted(client_ids)))
    if states:
        where.append(AlertRow.state.in_(list(states)))
    if rule_id:
        where.append(AlertRow.rule_id == rule_id)
    if narrow is not None:
        for column, value in ((AlertRow.client_key, narrow.client), (AlertRow.source, narrow.source),
                              (AlertRow.severity, narrow.severity)):  # fmt: skip
            if value is not None:
                where.append(column == value)
    if since is not None:
        where.append(AlertRow.fired_at >= since)
    if until is not None:
        where.append(AlertRow.fired_at < until)
    if text:
        pattern = _like(text)
        where.append(or_(*(func.lower(c).like(pattern, escape="\\") for c in
                           (AlertRow.title, AlertRow.message, AlertRow.subject, AlertRow.rule_name))))  # fmt: skip
    return where


def list_alerts(
    session: Session, *, client_ids: frozenset[int] | None = None, states: Sequence[str] | None = None,
    rule_id: str | None = None, text: str | None = None, since: datetime | None = None, until: datetime | None = None,
    narrow: Narrowing | None = None, limit: int = 100, offset: int = 0,
) -> AlertPage:  # fmt: skip
    """Alerts newest first (fired in ``[since, until)``); ``client_ids`` None means every client (and desk-wide
    alerts), otherwise only those clients' alerts."""
    where = _alert_filters(client_ids, states, rule_id, text, since, until, narrow)
    total = session.scalar(select(func.count()).select_from(AlertRow).where(*where)) or 0
    firing = session.scalar(select(func.count()).select_from(AlertRow).where(*where, AlertRow.state == FIRING)) or 0
    rows = session.scalars(
        select(AlertRow)
        .where(*where)
        .order_by(AlertRow.fired_at.desc(), AlertRow.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return AlertPage(list(rows), total, firing)


def visible_alert(session: Session, alert_id: int, client_ids: frozenset[int] | None) -> AlertRow | None:
    """One alert, or None when there is none or it lies outside ``client_ids`` (None: every client)."""
    row = session.get(AlertRow, alert_id)
    if row is None or (client_ids is not None and row.client_id not in client_ids):
        return None
    return row


def alert_events(session: Session, alert_id: int) -> list[AlertEventRow]:
    """One alert's history, oldest first."""
    return list(
        session.scalars(select(AlertEventRow).where(AlertEventRow.alert_id == alert_id).order_by(AlertEventRow.id))
    )


def search_history(
    session: Session, *, text: str | None = None, kinds: Sequence[str] | None = None, rule_id: str | None = None,
    client_ids: frozenset[int] | None = None, since: datetime | None = None, until: datetime | None = None,
    limit: int = 100, offset: int = 0,
) -> list[tuple[AlertEventRow, AlertRow]]:  # fmt: skip
    """History entries newest first, with their alert; ``text`` matches the alert's words or the entry's note."""
    where = _alert_filters(client_ids, None, rule_id, None, None, None)
    if kinds:
        where.append(AlertEventRow.kind.in_(list(kinds)))
    if since is not None:
        where.append(AlertEventRow.at >= since)
    if until is not None:
        where.append(AlertEventRow.at < until)
    if text:
        pattern = _like(text)
        columns = (AlertRow.title, AlertRow.message, AlertRow.subject, AlertRow.rule_name, AlertEventRow.note,
                   AlertEventRow.actor)  # fmt: skip
        where.append(or_(*(func.lower(c).like(pattern, escape="\\") for c in columns)))
    rows = session.execute(
        select(AlertEventRow, AlertRow)
        .join(AlertRow, AlertRow.id == AlertEventRow.alert_id)
        .where(*where)
        .order_by(AlertEventRow.at.desc(), AlertEventRow.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return [(event, alert) for event, alert in rows]


def alert_json(row: AlertRow) -> dict[str, Any]:
    """An alert as the API returns it (the old dashboard's camelCase names)."""
    return {
        "id": row.id, "ruleId": row.rule_id, "ruleName": row.rule_name, "dedupeKey": row.dedupe_key,
        "subject": row.subject, "title": row.title, "message": row.message, "severity": row.severity,
        "url": row.url, "state": row.state, "level": row.level, "silenced": row.silenced,
        "acknowledged": row.acknowledged_at is not None, "clientId": row.client_key, "source": row.source,
        "ticketId": row.ticket_external_id, "firedAt": row.fired_at, "lastSeenAt": row.last_seen_at,
        "acknowledgedAt": row.acknowledged_at, "acknowledgedBy": row.acknowledged_by, "note": row.ack_note,
        "resolvedAt": row.resolved_at, "resolvedBy": row.resolved_by,
        "autoResolved": row.resolved_at is not None and row.resolved_by is None,
    }  # fmt: skip


def event_json(event: AlertEventRow) -> dict[str, Any]:
    """A history entry as the API returns it."""
    return {"id": event.id, "alertId": event.alert_id, "at": event.at, "kind": event.kind, "actor": event.actor,
            "level": event.level, "channel": event.channel, "note": event.note}  # fmt: skip
