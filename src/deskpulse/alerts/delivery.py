"""Delivering the outbox: claim due rows with a compare-and-set (any number of workers), send each outside
any transaction, then record the attempt and schedule a retry with backoff or give up.

Notices of one alert reach one channel in the order they were queued: a row waits while an older row of the
same alert and channel is still pending, so a resolved notice never overtakes its firing notice.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx2
from sqlalchemy import exists, or_, select, update
from sqlalchemy.orm import Session, aliased

from deskpulse.alerts.channels import SendResult, send
from deskpulse.alerts.email_notice import recipient_languages
from deskpulse.alerts.outbox import FAILED, PENDING, SENT, WRITEBACK, record_event
from deskpulse.alerts.payloads import Notice
from deskpulse.alerts.settings import AlertsConfig, EmailChannel
from deskpulse.alerts.writeback import Writer, record_write, update_for
from deskpulse.config import SmtpConfig
from deskpulse.connectors.writeback import TicketUpdate, WriteOutcome, WriteResult
from deskpulse.domain.tickets import Priority
from deskpulse.store.alerts_tables import AlertDeliveryRow, AlertOutboxRow, AlertRow
from deskpulse.store.db import Database
from deskpulse.store.tables import SourceRow, TicketRow

log = logging.getLogger(__name__)
CLAIM_LEASE = timedelta(minutes=2)
MAX_BACKOFF = timedelta(hours=1)
MAX_RETRY_AFTER = timedelta(hours=24)
HTTP_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class DeliverySettings:
    """What delivery needs from the configuration."""

    alerts: AlertsConfig
    smtp: SmtpConfig
    public_url: str

    def absolute(self, url: str | None) -> str | None:
        """``url`` made absolute against the installation's public URL."""
        if url is None or "://" in url:
            return url
        return self.public_url.rstrip("/") + "/" + url.lstrip("/")


@dataclass(frozen=True, slots=True)
class _Ticket:
    source_id: int
    source: str
    external_id: str
    priority: Priority | None
    client_id: int | None


@dataclass(frozen=True, slots=True)
class _Claimed:
    outbox_id: int
    alert_id: int
    rule_id: str
    channel: str
    kind: str
    attempt: int
    notice: Notice
    writeback: dict[str, object] | None
    ticket: _Ticket | None
    languages: dict[str, str]  # e-mail: lower-case address -> the language of the user it belongs to


@dataclass(slots=True)
class DeliveryReport:
    """What one delivery pass did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0


def default_owner() -> str:
    """A claim owner name unique to this process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _ticket(session: Session, ticket_id: int | None) -> _Ticket | None:
    if ticket_id is None:
        return None
    row = session.execute(
        select(TicketRow.source_id, SourceRow.name, TicketRow.external_id, TicketRow.priority, TicketRow.client_id)
        .join(SourceRow, SourceRow.id == TicketRow.source_id)
        .where(TicketRow.id == ticket_id)
    ).first()
    if row is None:
        return None
    return _Ticket(row[0], row[1], row[2], Priority(row[3]) if row[3] else None, row[4])


def _claimed(session: Session, row: AlertOutboxRow, alert: AlertRow, settings: DeliverySettings) -> _Claimed:
    notice = Notice(
        kind=row.kind, title=alert.title, message=alert.message, severity=alert.severity, level=row.level,
        state=alert.state, at=row.created_at, url=settings.absolute(alert.url), alert_id=alert.id,
        rule_id=alert.rule_id, subject=alert.subject, client=alert.client_key, fired_at=alert.fired_at,
    )  # fmt: skip
    wb = alert.policy.get("writeback") if row.kind == WRITEBACK else None
    ticket = _ticket(session, alert.ticket_id) if row.kind == WRITEBACK else None
    channel = settings.alerts.channel(row.channel)
    languages = recipient_languages(session, channel.to) if isinstance(channel, EmailChannel) else {}
    return _Claimed(row.id, alert.id, alert.rule_id, row.channel, row.kind, row.attempts + 1, notice, wb, ticket,
                    languages)  # fmt: skip


def claim(db: Database, settings: DeliverySettings, owner: str, now: datetime, limit: int) -> list[_Claimed]:
    """Claim up to ``limit`` due outbox rows for ``owner`` (compare-and-set; a crashed owner's claim lapses)."""
    earlier = aliased(AlertOutboxRow)
    blocked = exists().where(
        earlier.alert_id == AlertOutboxRow.alert_id, earlier.channel == AlertOutboxRow.channel,
        earlier.id < AlertOutboxRow.id, earlier.status == PENDING,
    )  # fmt: skip
    free = or_(AlertOutboxRow.claimed_until.is_(None), AlertOutboxRow.claimed_until < now)
    out: list[_Claimed] = []
    with db.session() as session:
        ids = session.scalars(
            select(AlertOutboxRow.id)
            .where(AlertOutboxRow.status == PENDING, AlertOutboxRow.next_attempt_at <= now, free, ~blocked)
            .order_by(AlertOutboxRow.id)
            .limit(limit)
        ).all()
        for outbox_id in ids:
            stmt = (
                update(AlertOutboxRow)
                .where(AlertOutboxRow.id == outbox_id, AlertOutboxRow.status == PENDING, free)
                .values(claimed_by=owner, claimed_until=now + CLAIM_LEASE)
            )
            if getattr(session.execute(stmt), "rowcount", 0) != 1:
                continue
            row = session.get(AlertOutboxRow, outbox_id)
            alert = session.get(AlertRow, row.alert_id) if row is not None else None
            if row is not None and alert is not None:
                out.append(_claimed(session, row, alert, settings))
    return out


def _backoff(settings: DeliverySettings, attempt: int, retry_after: float | None) -> timedelta:
    wait = min(timedelta(seconds=settings.alerts.retry_seconds * 2 ** (attempt - 1)), MAX_BACKOFF)
    if retry_after is not None:
        wait = max(wait, min(timedelta(seconds=retry_after), MAX_RETRY_AFTER))
    return wait


def _as_send_result(result: WriteResult) -> SendResult:
    if result.outcome is WriteOutcome.APPLIED:
        return SendResult(True, response=result.message)
    # Refused or accepted-but-not-applied is the vendor's answer; only a write that never arrived is retried.
    return SendResult(False, error=result.message, permanent=result.outcome is not WriteOutcome.FAILED)


async def _write_back(
    item: _Claimed, writer: Writer | None
) -> tuple[SendResult, TicketUpdate | None, WriteResult | None]:
    if item.ticket is None or item.writeback is None:
        return SendResult(False, error="The ticket is no longer in the store.", permanent=True), None, None
    change = update_for(item.writeback, item.ticket.priority)
    if change.is_empty:
        return SendResult(True, response="Nothing to change: the ticket already has that priority."), None, None
    if writer is None:
        return SendResult(False, error="No ticket writer is available.", permanent=True), None, None
    result = await writer(item.ticket.source, item.ticket.external_id, change)
    return _as_send_result(result), change, result


def record(
    db: Database, item: _Claimed, result: SendResult, settings: DeliverySettings, owner: str, now: datetime,
    write: tuple[TicketUpdate, WriteResult] | None = None,
) -> str:  # fmt: skip
    """Store the attempt and move the outbox row on: ``sent``, ``failed`` (gave up) or still ``pending``."""
    gave_up = not result.ok and (result.permanent or item.attempt >= settings.alerts.max_attempts)
    status = SENT if result.ok else FAILED if gave_up else PENDING
    values: dict[str, object] = {"attempts": item.attempt, "claimed_by": None, "claimed_until": None,
                                 "status": status, "last_error": result.error}  # fmt: skip
    if result.ok:
        values["sent_at"] = now
    elif not gave_up:
        values["next_attempt_at"] = now + _backoff(settings, item.attempt, result.retry_after)
    with db.session() as session:
        session.add(AlertDeliveryRow(
            outbox_id=item.outbox_id, alert_id=item.alert_id, channel=item.channel, kind=item.kind,
            attempt=item.attempt, ok=result.ok, status_code=result.status_code, response=result.response,
            error=result.error, at=now,
        ))  # fmt: skip
        session.execute(
            update(AlertOutboxRow)
            .where(AlertOutboxRow.id == item.outbox_id, AlertOutboxRow.claimed_by == owner)
            .values(**values)
        )
        if write is not None and item.ticket is not None:
            record_write(
                session, source_id=item.ticket.source_id, client_id=item.ticket.client_id,
                target=f"{item.ticket.source}:{item.ticket.external_id}", update=write[0], result=write[1],
                alert_id=item.alert_id, rule_id=item.rule_id, now=now,
            )  # fmt: skip
        if result.ok:
            record_event(session, item.alert_id, "notified", now, channel=item.channel, level=item.notice.level,
                         note=item.kind)  # fmt: skip
        elif gave_up:
            record_event(session, item.alert_id, "delivery_failed", now, channel=item.channel, note=result.error)
    return status


async def _deliver_one(
    item: _Claimed, settings: DeliverySettings, http: httpx2.AsyncClient, writer: Writer | None, now: datetime
) -> tuple[SendResult, tuple[TicketUpdate, WriteResult] | None]:
    if item.kind == WRITEBACK:
        result, change, written = await _write_back(item, writer)
        return result, (change, written) if change is not None and written is not None else None
    channel = settings.alerts.channel(item.channel)
    if channel is None:
        return SendResult(False, error=f"Channel {item.channel} is no longer configured.", permanent=True), None
    return await send(channel, item.notice, smtp=settings.smtp, client=http, now=now, languages=item.languages), None


async def deliver_outbox(
    db: Database, settings: DeliverySettings, now: datetime, *, client: httpx2.AsyncClient | None = None,
    writer: Writer | None = None, owner: str | None = None, limit: int = 100, passes: int = 5,
) -> DeliveryReport:  # fmt: skip
    """Send every due notice (and write-back) once; record each attempt. Safe to run in many workers.

    A notice that was waiting behind an older one of its alert and channel goes out in the next pass, so a
    resolved notice follows its firing notice in the same call once that one is through."""
    owner = owner or default_owner()
    report = DeliveryReport()
    items = await asyncio.to_thread(claim, db, settings, owner, now, limit)
    if not items:
        return report  # the common case on a timer: no HTTP client needed
    http = client or httpx2.AsyncClient(timeout=HTTP_TIMEOUT_SECONDS)
    try:
        for done in range(1, passes + 1):
            for item in items:
                try:
                    result, write = await _deliver_one(item, settings, http, writer, now)
                except Exception as exc:  # a bug must not block the rest of the outbox; the row is retried
                    log.exception("alert notice %s to %s failed unexpectedly", item.outbox_id, item.channel)
                    result, write = SendResult(False, error=f"Unexpected error: {exc!r}"), None
                status = await asyncio.to_thread(record, db, item, result, settings, owner, now, write)
                if status == SENT:
                    report.sent += 1
                elif status == FAILED:
                    report.failed += 1
                else:
                    report.retrying += 1
            if done == passes:
                break
            items = await asyncio.to_thread(claim, db, settings, owner, now, limit)
            if not items:
                break
    finally:
        if client is None:
            await http.aclose()
    return report
