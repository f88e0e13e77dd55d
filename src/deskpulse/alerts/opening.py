"""Opening new alerts in bulk: the alerts, their first history entries and their first notices, each written
with a few multi-row statements instead of several statements per alert.

A first run after a sync can open thousands of alerts at once (bench/alerts_eval.py: 8,841). They are written by
one ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` on the unique ``open_key`` (sent in pages of rows by
SQLAlchemy's "insertmanyvalues"), rows in dedupe-key order, so two
workers opening the same subjects at once still open each alert once (the loser gets no id back for it and
leaves it to the winner) and lock index entries in the same order (no deadlock on PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from deskpulse.alerts.changes import AlertChange, policy_of
from deskpulse.alerts.evaluate import Firing
from deskpulse.alerts.outbox import FIRED, FIRING, PENDING, WRITEBACK, WRITEBACK_CHANNEL, level_channels
from deskpulse.alerts.rules import Rule
from deskpulse.alerts.settings import Silence
from deskpulse.store.alerts_tables import AlertEventRow, AlertOutboxRow, AlertRow


@dataclass(frozen=True, slots=True)
class NewAlert:
    """A firing subject with no open alert: its rule and the silence covering it now, if any."""

    firing: Firing
    rule: Rule
    silence: Silence | None


def _insert(session: Session, table: Any) -> Any:
    module: Any = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return module.insert(table)


def insert_rows_ignoring(session: Session, table: Any, rows: Sequence[dict[str, Any]], conflict: str) -> list[Any]:
    """Insert ``rows`` in batches, skipping those whose unique column ``conflict`` already holds their value;
    the primary keys of the rows inserted."""
    if not rows:
        return []
    key = next(iter(table.primary_key.columns))
    # One statement compiled once, executed for every row: SQLAlchemy's "insertmanyvalues" sends it as
    # multi-row INSERTs in pages, keeping RETURNING (compiling a VALUES list of thousands of rows is slow).
    stmt = _insert(session, table).on_conflict_do_nothing(index_elements=[conflict]).returning(key)
    return list(session.scalars(stmt, list(rows)).all())


def _alert_values(new: NewAlert, now: datetime) -> dict[str, Any]:
    firing, rule, notify = new.firing, new.rule, new.silence is None
    return {
        "dedupe_key": firing.key, "open_key": firing.key, "rule_id": rule.id, "rule_name": rule.name,
        "subject": firing.subject, "severity": firing.severity, "title": firing.title[:300], "message": firing.message,
        "url": firing.url, "client_id": firing.client_id, "client_key": firing.client, "source": firing.source,
        "ticket_id": firing.ticket_row_id, "ticket_external_id": firing.ticket_external_id, "state": FIRING,
        "level": 1, "policy": policy_of(rule), "silenced": not notify, "fired_at": now, "last_seen_at": now,
        # The first notice is queued below, in the same transaction: an unsilenced alert is born notified once.
        "notify_count": 1 if notify else 0, "last_notified_at": now if notify else None,
        "escalated_at": None, "acknowledged_at": None, "acknowledged_by": None, "ack_note": None,
        "resolved_at": None, "resolved_by": None,
    }  # fmt: skip


def _notices(alert_id: int, new: NewAlert, policy: dict[str, Any], now: datetime) -> list[dict[str, Any]]:
    channels = level_channels(policy, 1, 1)
    rows = [(FIRED, channel) for channel in channels]
    if policy.get("writeback") and new.firing.ticket_row_id is not None:
        rows.append((WRITEBACK, WRITEBACK_CHANNEL))
    return [
        {"alert_id": alert_id, "dedupe": f"{alert_id}|{kind}|0|{channel}", "channel": channel, "kind": kind,
         "level": 1, "status": PENDING, "attempts": 0, "next_attempt_at": now, "created_at": now, "sent_at": None,
         "last_error": None, "claimed_by": None, "claimed_until": None}
        for kind, channel in rows
    ]  # fmt: skip


def open_alerts(session: Session, new: Sequence[NewAlert], now: datetime) -> tuple[list[AlertChange], int]:
    """Open an alert for each of ``new`` that no other worker opened first, with its history (fired, silenced)
    and, unless silenced, its first notices and write-back; the opened alerts and how many notices were queued."""
    ordered = sorted(new, key=lambda n: n.firing.key)
    values = {n.firing.key: _alert_values(n, now) for n in ordered}
    opened: dict[str, int] = {}
    if ordered:
        table = AlertRow.__table__
        stmt = (
            _insert(session, table)
            .on_conflict_do_nothing(index_elements=["open_key"])
            .returning(table.c.id, table.c.open_key)
        )
        rows = session.execute(stmt, [values[n.firing.key] for n in ordered]).all()
        opened = {key: alert_id for alert_id, key in rows if key is not None}
    events: list[dict[str, Any]] = []
    notices: list[dict[str, Any]] = []
    changes: list[AlertChange] = []
    for item in ordered:
        alert_id = opened.get(item.firing.key)
        if alert_id is None:
            continue  # another worker opened it a moment ago: it notifies
        firing, row = item.firing, values[item.firing.key]
        events.append({"alert_id": alert_id, "at": now, "kind": "fired", "actor": None, "level": 1, "channel": None,
                       "note": firing.message})  # fmt: skip
        if item.silence is not None:
            events.append({"alert_id": alert_id, "at": now, "kind": "silenced", "actor": None, "level": None,
                           "channel": None, "note": item.silence.reason})  # fmt: skip
        else:
            notices.extend(_notices(alert_id, item, row["policy"], now))
        changes.append(AlertChange(alert_id, "fired", item.rule.id, row["title"], firing.message, firing.severity,
                                   firing.url, firing.client_id, 1, item.silence is not None))  # fmt: skip
    if events:
        session.execute(insert(AlertEventRow), events)
    queued = len(insert_rows_ignoring(session, AlertOutboxRow.__table__, notices, "dedupe"))
    return changes, queued
