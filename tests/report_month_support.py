"""A hand-built October 2026 of client Acme (and one Globex ticket) for the report figures tests.

Amsterdam, Mon-Fri 09:00-17:00, default targets (hours, first response / resolution): urgent 1/4, high 4/8,
medium 8/24, low 24/72; the clock pauses while waiting on the customer. October runs from 1 Oct 00:00 CEST
(30 Sep 22:00 UTC) to 1 Nov 00:00 CET (31 Oct 23:00 UTC): clocks went back on Sunday 25 October. The report
is made on 5 November 10:00 UTC. All times below are UTC.

- T0  low, Sep 10 08:00, answered 09:00, resolved and closed Sep 11 08:00 (September only; CSAT 2).
- T1  medium, Mon Sep 28 08:00, answered 09:00, resolved Fri Oct 2 10:00, closed Oct 4: in the backlog at the
      start; resolution due Thu Oct 1 08:00 (24 business hours), breached 26 h before it was resolved.
- T2  low, Fri Oct 30 14:00, unanswered, resolved Nov 3 10:00: in the backlog at the end.
- T3  urgent Incident/Network, Thu Oct 1 07:00, answered 07:30, resolved and closed 09:00 (CSAT 5, comment).
- T4  low Service Request, Mon Oct 5 08:00, answered 08:30, resolved 10:00, reopened Oct 6 08:00, resolved
      again Wed Oct 7 09:00 (CSAT 4).
- T5  high Incident/Email, Tue Oct 13 07:00, answered 08:00, waiting on the customer 09:00 until Thu Oct 15
      07:00, resolved 12:00: 7 business hours with the pause (met), 21 without (it would have breached).
- T6  medium Incident, Fri Oct 23 14:00 (16:00 CEST), answered Mon Oct 26 08:30 (09:30 CET), resolved 10:00:
      across the DST change; 66.5 h calendar / 1.5 business hours to the first response.
- T7  urgent Incident/Network, Wed Oct 28 08:00, never answered, still open: both targets breached in October.
- T8  low, Aug 3, closed Aug 4: counts in no October figure (only in the third quarter).
- G1  Globex, high, Oct 12 08:00, still open.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from deskpulse.config import ClientConfig, Config
from deskpulse.domain.tickets import Priority, StatusCategory, Ticket
from deskpulse.store.clients import sync_clients
from deskpulse.store.db import Database
from deskpulse.store.report_tables import TicketCsatRow, TicketDetailsStateRow, TicketTimeEntryRow
from deskpulse.store.sources import ensure_source
from deskpulse.store.tables import AgentRow, TicketRow
from deskpulse.sync.upsert import upsert_tickets
from support import source_config

SOURCE = source_config("desk")
CLIENTS = [
    ClientConfig(id="acme", name="Acme", email_domains=["acme.test"]),
    ClientConfig(id="globex", name="Globex", email_domains=["globex.test"]),
    ClientConfig(id="initech", name="Initech", email_domains=["initech.test"]),
]
CONFIG = Config(database_url="sqlite://", sources=[SOURCE], clients=CLIENTS)
NOW = datetime(2026, 11, 5, 10, 0, tzinfo=UTC)
H = 3600


def utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """An instant in 2026, UTC."""
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def ticket(ext: str, created: datetime, priority: Priority, status: StatusCategory, **kw: Any) -> Ticket:
    """A ticket of the hand-built month (requester and type given per ticket)."""
    return Ticket(external_id=ext, number=f"#{ext}", status_raw=status.value, subject=f"Ticket {ext}",
                  status_label=status.value.replace("_", " "), status_category=status, created_at=created,
                  priority=priority, **kw)  # fmt: skip


def _client_of(ids: dict[str, int]) -> Any:
    def client_of(t: Ticket) -> int | None:
        domain = (t.requester_email or "").rpartition("@")[2]
        return {"acme.test": ids["acme"], "globex.test": ids["globex"]}.get(domain)

    return client_of


def observe(db: Database, at: datetime, tickets: list[Ticket]) -> None:
    """One sync cycle at ``at`` that saw ``tickets`` (others stay as they were)."""
    with db.session() as session:
        ids = sync_clients(session, CLIENTS)
        sid = ensure_source(session, SOURCE).id
        upsert_tickets(session, sid, now=at, seen=tickets, complete_active_set=False, deleted_ids=set(),
                       active_ids={t.external_id for t in tickets if t.status_category.is_active},
                       client_of=_client_of(ids))  # fmt: skip


OPEN, RESOLVED, CLOSED = StatusCategory.OPEN, StatusCategory.RESOLVED, StatusCategory.CLOSED
WAITING = StatusCategory.WAITING_ON_CUSTOMER
ANN, BOB, CARA = "ann@acme.test", "bob@acme.test", "cara@acme.test"


def build_month(db: Database) -> None:
    """Store the month as the syncs observed it, then the CSAT answers, replies and time entries."""
    low, medium, high, urgent = Priority.LOW, Priority.MEDIUM, Priority.HIGH, Priority.URGENT
    inc = {"ticket_type": "Incident"}
    req = {"ticket_type": "Service Request"}
    t8 = ticket("T8", utc(8, 3, 8), low, CLOSED, requester_email=ANN, resolved_at=utc(8, 4, 8), closed_at=utc(8, 4, 8))
    observe(db, utc(8, 4, 8), [t8])
    t0 = ticket("T0", utc(9, 10, 8), low, CLOSED, requester_email=ANN, first_responded_at=utc(9, 10, 9),
                resolved_at=utc(9, 11, 8), closed_at=utc(9, 11, 8), **inc)  # fmt: skip
    observe(db, utc(9, 11, 8), [t0])
    t1 = dict(requester_email=BOB, first_responded_at=utc(9, 28, 9), **req)
    observe(db, utc(9, 28, 9), [ticket("T1", utc(9, 28, 8), medium, OPEN, **t1)])
    t3 = ticket("T3", utc(10, 1, 7), urgent, CLOSED, requester_email=ANN, requester_name="Ann Smith",
                first_responded_at=utc(10, 1, 7, 30), resolved_at=utc(10, 1, 9), closed_at=utc(10, 1, 9),
                category="Network", **inc)  # fmt: skip
    observe(db, utc(10, 1, 9), [t3])
    observe(db, utc(10, 2, 10), [ticket("T1", utc(9, 28, 8), medium, RESOLVED, resolved_at=utc(10, 2, 10), **t1)])
    observe(db, utc(10, 4, 8), [ticket("T1", utc(9, 28, 8), medium, CLOSED, resolved_at=utc(10, 2, 10),
                                       closed_at=utc(10, 4, 8), **t1)])  # fmt: skip
    t4 = dict(requester_email=ANN, first_responded_at=utc(10, 5, 8, 30), **req)
    observe(db, utc(10, 5, 8, 30), [ticket("T4", utc(10, 5, 8), low, OPEN, **t4)])
    observe(db, utc(10, 5, 10), [ticket("T4", utc(10, 5, 8), low, RESOLVED, resolved_at=utc(10, 5, 10), **t4)])
    observe(db, utc(10, 6, 8), [ticket("T4", utc(10, 5, 8), low, OPEN, **t4)])
    observe(db, utc(10, 7, 9), [ticket("T4", utc(10, 5, 8), low, RESOLVED, resolved_at=utc(10, 7, 9), **t4)])
    t5 = dict(requester_email=ANN, first_responded_at=utc(10, 13, 8), category="Email", **inc)
    observe(db, utc(10, 13, 8), [ticket("T5", utc(10, 13, 7), high, OPEN, **t5)])
    observe(db, utc(10, 13, 9), [ticket("T5", utc(10, 13, 7), high, WAITING, **t5)])
    observe(db, utc(10, 15, 7), [ticket("T5", utc(10, 13, 7), high, OPEN, **t5)])
    observe(db, utc(10, 15, 12), [ticket("T5", utc(10, 13, 7), high, RESOLVED, resolved_at=utc(10, 15, 12), **t5)])
    g1 = ticket("G1", utc(10, 12, 8), high, OPEN, requester_email="gina@globex.test", **inc)
    observe(db, utc(10, 12, 8), [g1])
    t6 = dict(requester_email=BOB, **inc)
    observe(db, utc(10, 23, 14, 5), [ticket("T6", utc(10, 23, 14), medium, OPEN, **t6)])
    observe(db, utc(10, 26, 10), [ticket("T6", utc(10, 23, 14), medium, RESOLVED, first_responded_at=utc(10, 26, 8, 30),
                                         resolved_at=utc(10, 26, 10), **t6)])  # fmt: skip
    t7 = ticket("T7", utc(10, 28, 8), urgent, OPEN, requester_email=BOB, category="Network", **inc)
    observe(db, utc(10, 28, 8), [t7])
    t2 = dict(requester_email=CARA, requester_name="Cara Jones", **req)
    observe(db, utc(10, 30, 14), [ticket("T2", utc(10, 30, 14), low, OPEN, **t2)])
    observe(db, utc(11, 3, 10), [ticket("T2", utc(10, 30, 14), low, RESOLVED, resolved_at=utc(11, 3, 10), **t2)])
    _details(db)


def _details(db: Database) -> None:
    with db.session() as session:
        rows = {ext: (tid, sid) for ext, tid, sid in session.execute(
            TicketRow.__table__.select().with_only_columns(TicketRow.external_id, TicketRow.id, TicketRow.source_id)
        ).all()}  # fmt: skip
        sid = rows["T3"][1]
        session.add_all([AgentRow(source_id=sid, external_id="a1", name="Ann Agent"),
                         AgentRow(source_id=sid, external_id="b2", name="Bob Agent")])  # fmt: skip
        csat = [("T0", 2, "Slow.", utc(9, 12, 8)), ("T3", 5, "Quick fix, thanks", utc(10, 2, 8)),
                ("T4", 4, None, utc(10, 8, 8)), ("T5", 2, " Took too long ", utc(10, 16, 8)),
                ("G1", 1, "Globex only", utc(10, 20, 8))]  # fmt: skip
        for ext, rating, comment, at in csat:
            session.add(TicketCsatRow(ticket_id=rows[ext][0], source_id=sid, rating=rating, raw_rating=str(rating),
                                      comment=comment, submitted_at=at))  # fmt: skip
        for ext, replies in (("T1", 3), ("T3", 1), ("T4", 2), ("T5", 1), ("T6", None)):
            session.add(TicketDetailsStateRow(ticket_id=rows[ext][0], fetched_at=NOW, conversations=replies))
        entries = [("T3", "a1", 1.5, True, utc(10, 1, 8)), ("T4", "a1", 2.0, True, utc(10, 6, 9)),
                   ("T5", "b2", 0.75, False, utc(10, 13, 9)), ("T1", "b2", 1.25, True, utc(10, 2, 9)),
                   ("T1", "b2", 5.0, True, utc(9, 30, 21, 30)),  # 23:30 CEST on 30 September: not October
                   ("T1", "a1", 0.5, False, utc(9, 30, 22, 30)),  # 00:30 CEST on 1 October
                   ("G1", "a1", 9.0, True, utc(10, 12, 9))]  # fmt: skip
        for n, (ext, agent, hours, billable, at) in enumerate(entries):
            session.add(TicketTimeEntryRow(ticket_id=rows[ext][0], source_id=sid, external_id=f"te{n}",
                                           agent_external_id=agent, executed_at=at, hours=hours,
                                           billable=billable))  # fmt: skip
