"""A month of a few thousand tickets costs the same few queries as a month of a few, and well under a second."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import event, insert, select

from deskpulse.reports.figures import compute_report_figures
from deskpulse.reports.period import parse_period
from deskpulse.store.clients import sync_clients
from deskpulse.store.db import Database
from deskpulse.store.report_tables import TicketCsatRow, TicketDetailsStateRow, TicketTimeEntryRow
from deskpulse.store.sources import ensure_source
from deskpulse.store.tables import TicketChangeRow, TicketRow
from report_month_support import CLIENTS, CONFIG, NOW, SOURCE

OCTOBER = parse_period("2026-10", ZoneInfo("Europe/Amsterdam"))
START = datetime(2026, 9, 1, tzinfo=UTC)
PRIORITIES = ("low", "medium", "high", "urgent")


def fill(db: Database, client: str, count: int, seed: int) -> None:
    """``count`` tickets of ``client`` created over September and October, most resolved, some reopened or
    paused, with replies, CSAT answers and time entries."""
    rng = random.Random(seed)
    with db.session() as session:
        ids = sync_clients(session, CLIENTS)
        sid = ensure_source(session, SOURCE).id
        first = session.scalar(select(TicketRow.id).order_by(TicketRow.id.desc()).limit(1)) or 0
        tickets, changes, csat, entries, details = [], [], [], [], []
        for n in range(count):
            row_id = first + n + 1
            created = START + timedelta(minutes=rng.randrange(61 * 24 * 60))
            responded = created + timedelta(minutes=rng.randrange(10, 600))
            resolved = created + timedelta(hours=rng.randrange(1, 200)) if rng.random() < 0.85 else None
            done = resolved is not None and resolved < NOW
            tickets.append({
                "id": row_id, "source_id": sid, "external_id": f"{client}-{n}", "number": str(n),
                "subject": f"Ticket {n}", "status_raw": "x", "status_label": "Resolved" if done else "Open",
                "status_category": "resolved" if done else "open", "priority": rng.choice(PRIORITIES),
                "ticket_type": rng.choice(("Incident", "Service Request")), "category": rng.choice(("A", "B", None)),
                "requester_email": f"user{rng.randrange(40)}@{client}.test", "client_id": ids[client],
                "created_at": created, "updated_at": resolved if done else responded,
                "first_responded_at": responded if responded < NOW else None,
                "resolved_at": resolved if done else None, "is_active": not done,
                "first_seen_at": created, "synced_at": resolved if done else responded,
            })  # fmt: skip
            if rng.random() < 0.2:
                paused = responded + timedelta(minutes=30)
                changes.append({"ticket_id": row_id, "at": paused, "field": "status_category", "old": "open",
                                "new": "waiting_on_customer"})  # fmt: skip
                changes.append({"ticket_id": row_id, "at": paused + timedelta(hours=5), "field": "status_category",
                                "old": "waiting_on_customer", "new": "open"})  # fmt: skip
            if done and resolved is not None:
                changes.append({"ticket_id": row_id, "at": resolved, "field": "status_category", "old": "open",
                                "new": "resolved"})  # fmt: skip
                details.append({"ticket_id": row_id, "fetched_at": NOW, "conversations": rng.randrange(4)})
                if rng.random() < 0.3:
                    csat.append({"ticket_id": row_id, "source_id": sid, "rating": rng.randrange(1, 6),
                                 "raw_rating": "x", "comment": "ok", "submitted_at": resolved})  # fmt: skip
            entries.append({"ticket_id": row_id, "source_id": sid, "external_id": f"{client}-te{n}",
                            "agent_external_id": str(rng.randrange(5)), "executed_at": responded,
                            "hours": 0.25 * rng.randrange(1, 9), "billable": rng.random() < 0.7})  # fmt: skip
        for table, rows in ((TicketRow, tickets), (TicketChangeRow, changes), (TicketCsatRow, csat),
                            (TicketTimeEntryRow, entries), (TicketDetailsStateRow, details)):  # fmt: skip
            if rows:
                session.execute(insert(table), rows)


@contextmanager
def counted(db: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def _report(db: Database, client: str) -> dict[str, Any]:
    with db.session() as session:
        return compute_report_figures(session, CONFIG, client, OCTOBER, now=NOW)


def test_a_big_month_costs_the_same_queries_as_a_small_one(db: Database) -> None:
    # Its time is measured in bench/reports_batch.py, not asserted here.
    fill(db, "globex", 30, seed=1)
    fill(db, "acme", 4000, seed=2)  # about 2,000 created in October, as many in September
    _report(db, "acme")  # warm: imports, calendars
    with counted(db) as small:
        few = _report(db, "globex")
    with counted(db) as big:
        many = _report(db, "acme")
    assert few["tickets"]["opened"] < 30 < many["tickets"]["opened"]
    assert len(big) == len(small)  # no query per ticket
    assert many["csat"] is not None and many["hours"] is not None and many["first_contact_resolution"] is not None
