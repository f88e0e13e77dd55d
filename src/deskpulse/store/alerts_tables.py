"""Tables of the alerts engine: alerts, their history, the notification outbox, delivery attempts and rules
created through the API.

One alert per rule and subject while it is open: ``open_key`` holds the dedupe key while the alert is firing
or acknowledged and NULL once resolved, and it is unique, so two workers evaluating at once cannot both open
it. Outbox rows are written in the same transaction as the change they announce, with a unique ``dedupe``
per alert, notice and channel, so evaluating twice never sends twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from deskpulse.store.tables import Base, UTCDateTime

_ID = BigInteger().with_variant(Integer, "sqlite")


class AlertRow(Base):
    """One alert: a rule firing for one subject, from firing to resolved."""

    __tablename__ = "alerts"
    __table_args__ = (
        Index("ix_alerts_state", "state", "fired_at"),
        Index("ix_alerts_rule", "rule_id", "fired_at"),
        Index("ix_alerts_dedupe", "dedupe_key", "fired_at"),
        Index("ix_alerts_fired", "fired_at"),
        Index("ix_alerts_resolved", "resolved_at"),
    )
    id: Mapped[int] = mapped_column(_ID, primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(255))
    open_key: Mapped[str | None] = mapped_column(String(255), unique=True)
    rule_id: Mapped[str] = mapped_column(String(40))
    rule_name: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(200))
    severity: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(300))
    message: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(500))
    client_id: Mapped[int | None] = mapped_column(
        ForeignKey("clients.id", ondelete="SET NULL", name="fk_alerts_client"), index=True
    )
    client_key: Mapped[str | None] = mapped_column(String(40))
    source: Mapped[str | None] = mapped_column(String(40))
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.id", ondelete="SET NULL", name="fk_alerts_ticket")
    )
    ticket_external_id: Mapped[str | None] = mapped_column(String(64))
    # firing -> acknowledged -> resolved (or firing -> resolved).
    state: Mapped[str] = mapped_column(String(16))
    level: Mapped[int] = mapped_column(Integer, default=1)
    # The escalation policy in force when the alert fired (levels, repeat interval, write-back): it follows it.
    policy: Mapped[dict[str, Any]] = mapped_column(JSON)
    silenced: Mapped[bool] = mapped_column(Boolean, default=False)
    fired_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Notices sent so far (first, escalations, repeats); 0 while silenced from the start.
    notify_count: Mapped[int] = mapped_column(Integer, default=0)
    last_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by: Mapped[str | None] = mapped_column(String(320))
    ack_note: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # None with resolved_at set: resolved automatically when the condition cleared.
    resolved_by: Mapped[str | None] = mapped_column(String(320))


class AlertEventRow(Base):
    """History: fired, notified, escalated, acknowledged, resolved, auto_resolved, silenced, delivery_failed."""

    __tablename__ = "alert_events"
    __table_args__ = (Index("ix_alert_events_alert", "alert_id", "at"), Index("ix_alert_events_at", "at"))
    id: Mapped[int] = mapped_column(_ID, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str | None] = mapped_column(String(320))
    level: Mapped[int | None] = mapped_column(Integer)
    channel: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text)


class AlertOutboxRow(Base):
    """One notice (or write-back) owed to one channel; claimed by a worker with a compare-and-set."""

    __tablename__ = "alert_outbox"
    __table_args__ = (
        Index("ix_alert_outbox_due", "status", "next_attempt_at"),
        Index("ix_alert_outbox_alert", "alert_id", "channel"),
    )
    id: Mapped[int] = mapped_column(_ID, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    # "<alert id>|<kind>|<sequence>|<channel>": the same notice is never queued twice.
    dedupe: Mapped[str] = mapped_column(String(120), unique=True)
    channel: Mapped[str] = mapped_column(String(40))
    # fired, escalated, repeated, resolved, writeback
    kind: Mapped[str] = mapped_column(String(12))
    level: Mapped[int] = mapped_column(Integer)
    # pending, sent, failed (gave up or refused for good)
    status: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AlertDeliveryRow(Base):
    """One attempt to deliver a notice (or a test notification) to a channel, with what came back."""

    __tablename__ = "alert_deliveries"
    __table_args__ = (Index("ix_alert_deliveries_channel", "channel", "at"),)
    id: Mapped[int] = mapped_column(_ID, primary_key=True)
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("alert_outbox.id", ondelete="CASCADE"), index=True)
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(12))
    attempt: Mapped[int] = mapped_column(Integer)
    ok: Mapped[bool] = mapped_column(Boolean)
    status_code: Mapped[int | None] = mapped_column(Integer)
    response: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class AlertRuleRow(Base):
    """A rule created through the API or UI (rules of the config file are not stored)."""

    __tablename__ = "alert_rules"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    rule: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str | None] = mapped_column(String(320))


class AlertSilenceRow(Base):
    """A silence created in the UI or through the API (silences of the config file are not stored). Expiring
    one early sets ``ends_at`` to that moment and records who did it; rows are kept as history."""

    __tablename__ = "alert_silences"
    __table_args__ = (Index("ix_alert_silences_ends", "ends_at"),)
    id: Mapped[int] = mapped_column(_ID, primary_key=True)
    rule_id: Mapped[str | None] = mapped_column(String(40))
    client_key: Mapped[str | None] = mapped_column(String(40))
    source: Mapped[str | None] = mapped_column(String(40))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    comment: Mapped[str] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expired_by: Mapped[str | None] = mapped_column(String(320))
    expired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AlertChoreRow(Base):
    """When a periodic alerts chore (``prune``: history retention) last ran; claimed with a compare-and-set so
    that one worker of many runs it."""

    __tablename__ = "alert_chores"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_run_at: Mapped[datetime] = mapped_column(UTCDateTime)
