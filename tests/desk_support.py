"""A hand-built desk for metrics and alerts tests (Mon–Fri 09:00–17:00 Amsterdam, now = Wed 18 Nov 10:00 UTC)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from deskpulse.config import ClientConfig, Config
from deskpulse.domain.tickets import Priority, StatusCategory, Ticket
from deskpulse.store.db import Database
from deskpulse.store.sources import ensure_source
from deskpulse.sync.upsert import upsert_tickets
from support import source_config

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
SOURCE = source_config("desk")
CONFIG = Config(database_url="sqlite://", sources=[SOURCE], clients=[ClientConfig(id="acme", name="Acme")])


def ticket(ext: str, created: datetime, priority: Priority | None, category: StatusCategory, **kw: Any) -> Ticket:
    return Ticket(external_id=ext, status_raw=category.value, status_label=category.value.replace("_", " "),
                  status_category=category, created_at=created, priority=priority, subject=f"Ticket {ext}",
                  **kw)  # fmt: skip


def store(db: Database, now: datetime, tickets: list[Ticket]) -> None:
    with db.session() as session:
        sid = ensure_source(session, SOURCE).id
        upsert_tickets(session, sid, now=now, seen=tickets, complete_active_set=True, deleted_ids=set(),
                       active_ids={t.external_id for t in tickets if t.status_category.is_active})  # fmt: skip


def build_desk(db: Database) -> None:
    utc = lambda d, h, m=0: datetime(2026, 11, d, h, m, tzinfo=UTC)  # noqa: E731
    # A: urgent, opened 09:00 local today, unanswered: first response due 10:00 local, breached an hour ago.
    a = ticket("A", utc(18, 8), Priority.URGENT, StatusCategory.OPEN)
    # B: medium, opened Tue 11:30 local: 5.5 h Tuesday + 2 h today = 7.5 of 8 h used, 30 min left: at risk.
    b = ticket("B", utc(17, 10, 30), Priority.MEDIUM, StatusCategory.OPEN)
    # C: low, Monday: answered after 1 h, resolved after 4 business hours; both met.
    c = ticket("C", utc(16, 8), Priority.LOW, StatusCategory.CLOSED, first_responded_at=utc(16, 9),
               resolved_at=utc(16, 12), closed_at=utc(16, 12))  # fmt: skip
    # D: medium, answered after 20 min, then waiting on the customer since 09:30 local (clock paused).
    d_open = ticket("D", utc(18, 8), Priority.MEDIUM, StatusCategory.OPEN, first_responded_at=utc(18, 8, 20))
    store(db, utc(18, 8, 25), [a, b, c, d_open])
    d_waiting = ticket("D", utc(18, 8), Priority.MEDIUM, StatusCategory.WAITING_ON_CUSTOMER,
                       first_responded_at=utc(18, 8, 20))  # fmt: skip
    store(db, utc(18, 8, 30), [a, b, c, d_waiting])
