"""Channel health for the status page (a channel whose last N attempts all failed is *failing*) and the
"test notification" button."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

import httpx2
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from deskpulse.alerts.channels import SendResult, send
from deskpulse.alerts.delivery import HTTP_TIMEOUT_SECONDS, DeliverySettings
from deskpulse.alerts.email_notice import recipient_languages
from deskpulse.alerts.outbox import PENDING
from deskpulse.alerts.payloads import Notice
from deskpulse.alerts.settings import AlertsConfig, EmailChannel
from deskpulse.sentences import N_, Sentence
from deskpulse.store.alerts_tables import AlertDeliveryRow, AlertOutboxRow
from deskpulse.store.db import Database

TEST_KIND = "test"


class UnknownChannel(LookupError):
    """No channel of that name is configured."""


@dataclass(frozen=True, slots=True)
class ChannelHealth:
    """One channel: failing when its last ``failing_after`` attempts all failed (tests included); the streak of
    failures is counted up to at least 20."""

    name: str
    type: str
    failing: bool
    consecutive_failures: int
    pending: int
    last_attempt_at: datetime | None
    last_ok_at: datetime | None
    last_error: str | None
    last_status_code: int | None


def channel_health(session: Session, alerts: AlertsConfig) -> list[ChannelHealth]:
    """Health of every configured channel, in configuration order."""
    pending = dict(
        session.execute(
            select(AlertOutboxRow.channel, func.count())
            .where(AlertOutboxRow.status == PENDING)
            .group_by(AlertOutboxRow.channel)
        ).all()
    )
    out = []
    for channel in alerts.channels:
        recent = session.scalars(
            select(AlertDeliveryRow)
            .where(AlertDeliveryRow.channel == channel.name)
            .order_by(AlertDeliveryRow.at.desc(), AlertDeliveryRow.id.desc())
            .limit(max(alerts.failing_after, 20))
        ).all()
        streak = next((i for i, row in enumerate(recent) if row.ok), len(recent))
        last_ok = session.scalar(
            select(func.max(AlertDeliveryRow.at)).where(AlertDeliveryRow.channel == channel.name, AlertDeliveryRow.ok)
        )
        newest = recent[0] if recent else None
        out.append(ChannelHealth(
            name=channel.name, type=channel.type, failing=streak >= alerts.failing_after,
            consecutive_failures=streak, pending=int(pending.get(channel.name, 0)),
            last_attempt_at=newest.at if newest else None, last_ok_at=last_ok,
            last_error=newest.error if newest and not newest.ok else None,
            last_status_code=newest.status_code if newest else None,
        ))  # fmt: skip
    return out


def _languages(db: Database, addresses: list[str]) -> dict[str, str]:
    with db.session() as session:
        return recipient_languages(session, addresses)


async def test_channel(
    db: Database, settings: DeliverySettings, name: str, now: datetime, *, client: httpx2.AsyncClient | None = None,
    by: str | None = None,
) -> SendResult:  # fmt: skip
    """Send a test notification to channel ``name`` now and record the attempt; UnknownChannel if none."""
    channel = settings.alerts.channel(name)
    if channel is None:
        raise UnknownChannel(f"There is no alert channel called {name!r}.")
    title = Sentence(N_("Test notification for %(name)s"), {"name": name})
    values = {"type": channel.type, "name": name, "by": by}
    message = Sentence(N_("This is a test of the %(type)s channel %(name)s, sent from deskpulse by %(by)s. No action "
                          "needed.") if by else N_("This is a test of the %(type)s channel %(name)s, sent from "
                          "deskpulse. No action needed."), values)  # fmt: skip
    notice = Notice(
        kind=TEST_KIND, title=str(title), severity="info", level=1, state="test", at=now, message=str(message),
        url=settings.absolute("/"), sentences=(title, message),
    )  # fmt: skip
    languages: dict[str, str] = {}
    if isinstance(channel, EmailChannel):
        languages = await asyncio.to_thread(_languages, db, channel.to)
    http = client or httpx2.AsyncClient(timeout=HTTP_TIMEOUT_SECONDS)
    try:
        result = await send(channel, notice, smtp=settings.smtp, client=http, now=now, languages=languages)
    finally:
        if client is None:
            await http.aclose()

    def store() -> None:
        with db.session() as session:
            session.add(AlertDeliveryRow(
                channel=name, kind=TEST_KIND, attempt=1, ok=result.ok, status_code=result.status_code,
                response=result.response, error=result.error, at=now,
            ))  # fmt: skip

    await asyncio.to_thread(store)
    return result
