"""Sending a built report by SMTP (aiosmtplib with the ``[smtp]`` settings), with retries, each send recorded.

The message is the run's stored e-mail; only the envelope headers (To, Cc, Date, Message-ID) are set afresh, so
what is sent is exactly what was previewed and downloaded.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import aiosmtplib

from deskpulse.clock import utcnow
from deskpulse.config import Config, SmtpConfig
from deskpulse.reports.email_message import domain_of
from deskpulse.reports.runs import DONE, Recipients, recipients_of, sender_of
from deskpulse.store.db import Database
from deskpulse.store.report_tables import ReportRunRow, ReportSendRow

SENT, SEND_FAILED = "sent", "failed"
Sleep = Callable[[float], Awaitable[None]]


class SendRefused(ValueError):
    """The report cannot be sent as asked (not built, no recipients, no SMTP); a sentence for the user."""


@dataclass(frozen=True, slots=True)
class SendResult:
    """What became of one send: the stored send's id, its result, Message-ID and error."""

    send_id: int
    result: str
    message_id: str | None
    attempts: int
    error: str | None


def addressed(eml: bytes, sender: str, rec: Recipients) -> EmailMessage:
    """The stored message with fresh To, Cc, Date and Message-ID headers."""
    message = email.message_from_bytes(eml, _class=EmailMessage, policy=email.policy.default)
    for name in ("To", "Cc", "Bcc", "Date", "Message-ID", "From"):
        del message[name]
    message["From"] = sender
    message["To"] = ", ".join(rec.to)
    if rec.cc:
        message["Cc"] = ", ".join(rec.cc)
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=domain_of(sender))
    return message


async def _deliver(smtp: SmtpConfig, message: EmailMessage, recipients: list[str]) -> None:
    await aiosmtplib.send(
        message, recipients=recipients, hostname=smtp.host, port=smtp.port, username=smtp.username or None,
        password=smtp.password or None, use_tls=smtp.security == "tls", start_tls=smtp.security == "starttls",
        timeout=smtp.timeout_seconds,
    )  # fmt: skip


def _check(config: Config, run: ReportRunRow | None, rec: Recipients) -> bytes:
    if run is None:
        raise SendRefused("That report run does not exist.")
    if run.status != DONE or run.eml is None:
        raise SendRefused(f"Report run {run.id} is {run.status}; only a finished report can be sent.")
    if not config.smtp.enabled:
        raise SendRefused("E-mail is not configured on this server: set [smtp] host in the configuration.")
    if not rec.to:
        raise SendRefused(f"No recipients are configured for {run.client_key}: add [[reports.recipients]] to it.")
    return run.eml


def _open_send(
    db: Database, config: Config, run_id: int, sent_by: str | None, now: datetime
) -> tuple[int, bytes, Recipients]:
    """Check that run ``run_id`` can be sent and store its pending ``report_sends`` row: its id, the e-mail and
    the recipients."""
    with db.session() as session:
        run = session.get(ReportRunRow, run_id)
        rec = recipients_of(config, run.client_key) if run is not None else Recipients([], [], None)
        eml = _check(config, run, rec)
        row = ReportSendRow(run_id=run_id, to=rec.to, cc=rec.cc, internal_copy=rec.bcc, result="pending",
                            attempts=0, created_at=now, created_by=sent_by)  # fmt: skip
        session.add(row)
        session.flush()
        return row.id, eml, rec


def _close_send(
    db: Database, send_id: int, result: str, error: str | None, attempts: int, message_id: str, now: datetime
) -> None:
    """Store the outcome of send ``send_id``."""
    with db.session() as session:
        stored = session.get(ReportSendRow, send_id)
        assert stored is not None
        stored.result, stored.error, stored.attempts = result, error, attempts
        stored.message_id = message_id if error is None else None
        stored.sent_at = now if error is None else None


async def send_run(
    db: Database, config: Config, run_id: int, *, sent_by: str | None, sleep: Sleep = asyncio.sleep,
    clock: Callable[[], datetime] = utcnow,
) -> SendResult:  # fmt: skip
    """Send run ``run_id`` to its client's recipients, retrying with backoff; ``SendRefused`` before trying
    when it cannot be sent at all. Every attempt's outcome is stored as one ``report_sends`` row."""
    # The store is read and written in a worker thread: a session waiting for a pooled connection must not hold
    # up the event loop that serves the pages (the same loop gives those connections back).
    send_id, eml, rec = await asyncio.to_thread(_open_send, db, config, run_id, sent_by, clock())
    sender = sender_of(config)
    message = addressed(eml, sender, rec)
    message_id = str(message["Message-ID"])
    everyone = [*rec.to, *rec.cc, *([rec.bcc] if rec.bcc else [])]
    attempts, error = 0, None
    limit = config.reports.send_attempts
    while attempts < limit:
        attempts += 1
        try:
            await _deliver(config.smtp, message, everyone)
            error = None
            break
        except aiosmtplib.SMTPResponseException as exc:
            error = f"The mail server refused the report: {exc.code} {exc.message}."
            if 500 <= exc.code < 600:
                break  # permanent: trying again gets the same answer
        except (aiosmtplib.SMTPException, OSError) as exc:
            error = f"Sending through {config.smtp.host}:{config.smtp.port} failed: {exc}."
        if attempts < limit:
            await sleep(config.reports.retry_seconds * 2 ** (attempts - 1))
    result = SENT if error is None else SEND_FAILED
    await asyncio.to_thread(_close_send, db, send_id, result, error, attempts, message_id, clock())
    return SendResult(send_id, result, message_id if error is None else None, attempts, error)


def send_json(row: ReportSendRow) -> dict[str, object]:
    """A send as the API shows it."""
    return {
        "id": row.id, "to": row.to, "cc": row.cc, "internalCopy": row.internal_copy, "messageId": row.message_id,
        "result": row.result, "error": row.error, "attempts": row.attempts, "createdAt": row.created_at.isoformat(),
        "createdBy": row.created_by, "sentAt": row.sent_at.isoformat() if row.sent_at else None,
    }  # fmt: skip
