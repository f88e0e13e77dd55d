"""The store behind the service-desk metrics benchmark: a seeded desk written through the real sync write path.

One source, ``clients`` clients with their own e-mail domains and their own ``[sla.clients]`` calendar and
targets, open tickets created over the last 60 days and tickets closed over the last 30. Tickets reach the store
through ``upsert_tickets`` (clients attributed by requester domain with the sync engine's own ``ClientMatcher``),
in a first cycle and four later ones that move some tickets into and out of waiting-on-customer, so those
status changes are recorded exactly as a sync records them. Snapshot history (raw points every 15 minutes for
35 days, hourly rollups before that, for the whole source and per client) feeds the trends and forecast.

Everything is relative to the fixed instant ``NOW`` (a Wednesday, 10:00 UTC), which the benchmark freezes.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update

from deskpulse.config import Config, load_config
from deskpulse.connectors.protocol import Directory
from deskpulse.domain.clients import ClientMatcher
from deskpulse.domain.tickets import Agent, Priority, StatusCategory, Team, Ticket
from deskpulse.store.db import Database
from deskpulse.store.tables import ClientRow, SnapshotHourRow, SnapshotRow, SourceRow
from deskpulse.sync.upsert import upsert_directory, upsert_tickets
from deskpulse.web.app import prepare_store

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
SOURCE = "metrics-bench"
TEAMS, AGENTS = 12, 80
# Later sync cycles, before NOW, at which status changes are recorded; the first cycle runs before all of them.
CYCLES = (timedelta(days=5), timedelta(days=2), timedelta(hours=8), timedelta(minutes=45))
FIRST_CYCLE = timedelta(days=6)
RAW_HISTORY = timedelta(days=35)  # Config.history_raw_days
HISTORY = timedelta(days=100)  # more than trends.BACKLOG_DAYS (84)
RAW_EVERY = timedelta(minutes=15)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
# (share, calendar settings) of the clients' own calendars; unset fields inherit the desk's (NL holidays).
CALENDARS: tuple[tuple[float, dict[str, Any]], ...] = (
    (0.35, {"hours": {d: ["08:00-18:00"] for d in WEEKDAYS}}),
    (0.15, {"hours": {d: ["09:00-17:00"] for d in WEEKDAYS}}),
    (0.10, {"hours": {d: ["00:00-24:00"] for d in (*WEEKDAYS, "sat", "sun")}}),
    (0.10, {"hours": {d: ["08:30-12:30", "13:00-17:30"] for d in WEEKDAYS}}),
    (0.10, {"hours": {**{d: ["07:00-20:00"] for d in WEEKDAYS}, "sat": ["09:00-13:00"]}}),
    (0.12, {"hours": {d: ["08:00-17:00"] for d in WEEKDAYS}, "timezone": "Europe/Brussels", "holiday_country": "BE"}),
    (0.08, {"hours": {d: ["09:00-17:30"] for d in WEEKDAYS}, "timezone": "Europe/London", "holiday_country": "GB"}),
)
# (share, targets) per client: None inherits the desk's; 0 hours means "no target of that kind".
TARGETS: tuple[tuple[float, dict[str, tuple[float, float]] | None], ...] = (
    (0.45, None),
    (0.20, {"urgent": (0.5, 2), "high": (2, 6), "medium": (4, 16), "low": (8, 40)}),
    (0.20, {"medium": (16, 48), "low": (24, 0)}),
    (0.15, {"urgent": (1, 8), "high": (4, 24)}),
)
PRIORITIES = ((Priority.URGENT, 5), (Priority.HIGH, 20), (Priority.MEDIUM, 50), (Priority.LOW, 20), (None, 5))
OPEN_STATES = (
    (StatusCategory.NEW, 12), (StatusCategory.OPEN, 30), (StatusCategory.ASSIGNED, 28),
    (StatusCategory.WAITING_ON_CUSTOMER, 18), (StatusCategory.WAITING_ON_THIRD_PARTY, 7), (StatusCategory.ON_HOLD, 5),
)  # fmt: skip
RUNNING = (StatusCategory.OPEN, StatusCategory.ASSIGNED)
VENDOR_DUE_HOURS = {Priority.URGENT: (1, 4), Priority.HIGH: (4, 8), Priority.MEDIUM: (8, 24), Priority.LOW: (24, 72)}
SUBJECTS = (
    "Cannot sign in to the VPN", "Printer on floor 2 jams", "New starter needs a laptop", "Outlook keeps crashing",
    "Shared drive access request", "MFA token lost", "Teams calls drop after a minute", "Invoice portal error 500",
    "Password reset", "Monitor flickers", "Licence for the design suite", "Wi-Fi slow in meeting room",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Workload:
    """Sizes of the desk."""

    open_tickets: int
    closed_tickets: int
    clients: int


@dataclass(slots=True)
class MetricsStore:
    """A filled store, its loaded config and what went into it."""

    db_path: Path
    config: Config
    source_id: int
    workload: Workload
    seconds: float
    counts: dict[str, int]


def client_key(index: int) -> str:
    return f"client-{index:03d}"


def client_domain(index: int) -> str:
    return f"client{index:03d}.example.nl"


def _toml(value: Any) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, str):
        return f'"{value}"'
    return repr(value)


def write_config(path: Path, db_path: Path, workload: Workload, seed: int = 11) -> Config:
    """A TOML config: one Freshservice source, the clients, ``[sla]`` in NL with every client's own SLA; loaded."""
    rng = random.Random(seed)
    lines = [
        f'database_url = "sqlite:///{db_path}"',
        'timezone = "Europe/Amsterdam"',
        "",
        "[[sources]]",
        f'name = "{SOURCE}"',
        'kind = "freshservice"',
        'base_url = "http://freshservice.bench/api/v2"',
        'api_key = "unused"',
        "",
        "[auth]",
        "api_requests_per_minute = 1000000",
        "",
        "[sla]",
        'holiday_country = "NL"',
        "",
    ]
    for i in range(workload.clients):
        lines += ["[[clients]]", f'id = "{client_key(i)}"', f'name = "Client {i:03d}"']
        lines += [f'email_domains = ["{client_domain(i)}"]', ""]
    for i in range(workload.clients):
        calendar = rng.choices([c for _, c in CALENDARS], [w for w, _ in CALENDARS])[0]
        targets = rng.choices([t for _, t in TARGETS], [w for w, _ in TARGETS])[0]
        lines += ["[[sla.clients]]", f'client = "{client_key(i)}"', "own_calendar = true"]
        lines += [f"{key} = {_toml(value)}" for key, value in calendar.items()]
        if targets is not None:
            hours = {p: {"first_response_hours": fr, "resolution_hours": res} for p, (fr, res) in targets.items()}
            lines.append(f"targets = {_toml(hours)}")
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")
    return load_config(path, env_file=None)


class TicketMaker:
    """Seeded tickets of one desk: who asks, what, when, and how far each ticket has got."""

    def __init__(self, workload: Workload, seed: int = 5) -> None:
        self.rng = random.Random(seed)
        self.workload = workload
        # A few large clients and a long tail, as on a real MSP desk.
        self.client_weights = [1 / (rank + 1) ** 0.8 for rank in range(workload.clients)]
        self.next_id = 1

    def _pick(self, table: tuple[tuple[Any, int], ...]) -> Any:
        return self.rng.choices([v for v, _ in table], [w for _, w in table])[0]

    def ticket(self, created: datetime, category: StatusCategory, until: datetime) -> Ticket:
        """One ticket created at ``created``; responses, updates and due dates fall before ``until``."""
        rng, ext = self.rng, str(self.next_id)
        self.next_id += 1
        if rng.random() < 0.03:
            email = f"someone{rng.randrange(5000)}@gmail.example"  # no client claims this domain
        else:
            index = rng.choices(range(self.workload.clients), self.client_weights)[0]
            email = f"user{rng.randrange(200)}@{client_domain(index)}"
        priority: Priority | None = self._pick(PRIORITIES)
        life = (until - created).total_seconds()
        responded = None
        if category is not StatusCategory.NEW and rng.random() < 0.85:
            responded = created + timedelta(seconds=min(rng.expovariate(1 / 7200), life * 0.9))
        fr_due = res_due = None
        if rng.random() < 0.15:  # the vendor reports its own due times (Freshservice fr_due_by / due_by)
            fr_h, res_h = VENDOR_DUE_HOURS[priority or Priority.MEDIUM]
            fr_due = created + timedelta(hours=fr_h * rng.uniform(0.8, 3.0))
            res_due = created + timedelta(hours=res_h * rng.uniform(0.8, 3.0))
        return Ticket(
            external_id=ext,
            number=ext,
            status_raw=category.value,
            status_label=category.value.replace("_", " ").capitalize(),
            status_category=category,
            created_at=created,
            updated_at=created + timedelta(seconds=life * rng.uniform(0.2, 1.0)),
            subject=f"{rng.choice(SUBJECTS)} #{ext}",
            priority_raw=priority.value if priority else None,
            priority=priority,
            team_external_id=str(rng.randrange(TEAMS)) if rng.random() < 0.95 else None,
            agent_external_id=str(rng.randrange(AGENTS))
            if category is not StatusCategory.NEW and rng.random() < 0.9
            else None,
            requester_email=email,
            requester_name=email.split("@", 1)[0],
            first_responded_at=responded,
            first_response_due_at=fr_due,
            resolution_due_at=res_due,
            url=f"https://desk.example/helpdesk/tickets/{ext}",
        )

    def open_ticket(self) -> Ticket:
        """An open ticket created in the last 60 days (newer ones more likely)."""
        created = NOW - timedelta(seconds=120 + 60 * 86400 * self.rng.random() ** 2)
        return self.ticket(created, self._pick(OPEN_STATES), NOW)

    def closed_ticket(self) -> Ticket:
        """A ticket closed (or resolved) in the last 30 days after a few hours to a few weeks."""
        rng = self.rng
        done = NOW - timedelta(seconds=300 + 30 * 86400 * rng.random())
        created = done - timedelta(seconds=min(rng.lognormvariate(11.0, 1.3), 40 * 86400))
        category = StatusCategory.CLOSED if rng.random() < 0.8 else StatusCategory.RESOLVED
        base = self.ticket(created, StatusCategory.OPEN, done)
        return replace(base, status_raw=category.value, status_label=category.value.capitalize(),
                       status_category=category, resolved_at=done, closed_at=done, updated_at=done)  # fmt: skip


def _waiting(t: Ticket, at: datetime) -> Ticket:
    return replace(t, status_raw="waiting_on_customer", status_label="Waiting on customer",
                   status_category=StatusCategory.WAITING_ON_CUSTOMER, updated_at=at)  # fmt: skip


def _running(t: Ticket, at: datetime) -> Ticket:
    category = StatusCategory.ASSIGNED if t.agent_external_id else StatusCategory.OPEN
    return replace(t, status_raw=category.value, status_label=category.value.capitalize(),
                   status_category=category, updated_at=at)  # fmt: skip


def plan_cycles(maker: TicketMaker, workload: Workload) -> tuple[list[Ticket], list[list[Ticket]], dict[str, int]]:
    """(first cycle's tickets, each later cycle's changed tickets, counts of each kind of history).

    Of the waiting-on-customer tickets, 60% get there in a later cycle (a recorded change); the rest are first
    seen already waiting. 5% of running tickets waited on the customer for a while and came back.
    """
    rng = maker.rng
    first: list[Ticket] = []
    later: list[list[Ticket]] = [[] for _ in CYCLES]
    counts = {"waiting_recorded": 0, "waiting_first_seen": 0, "paused_and_back": 0}
    for _ in range(workload.open_tickets):
        t = maker.open_ticket()
        cycles = [i for i, ago in enumerate(CYCLES) if NOW - ago > t.created_at + timedelta(minutes=5)]
        if t.status_category is StatusCategory.WAITING_ON_CUSTOMER and cycles and rng.random() < 0.6:
            i = rng.choice(cycles)
            first.append(_running(t, t.created_at))
            later[i].append(_waiting(t, NOW - CYCLES[i]))
            counts["waiting_recorded"] += 1
        elif t.status_category in RUNNING and len(cycles) >= 2 and rng.random() < 0.05:
            i, j = sorted(rng.sample(cycles, 2))
            first.append(t)
            later[i].append(_waiting(t, NOW - CYCLES[i]))
            later[j].append(_running(t, NOW - CYCLES[j]))
            counts["paused_and_back"] += 1
        else:
            counts["waiting_first_seen"] += t.status_category is StatusCategory.WAITING_ON_CUSTOMER
            first.append(t)
    first += [maker.closed_ticket() for _ in range(workload.closed_tickets)]
    return first, later, counts


def _history(source_id: int, client_ids: list[int], weights: list[float], open_now: int) -> Iterator[dict[str, Any]]:
    """Snapshot rows (raw, then hourly) whose backlog drifts and follows the week, for the source and each client."""
    rng = random.Random(3)
    total_w = sum(weights)
    at = NOW - HISTORY
    while at <= NOW:
        raw = at >= NOW - RAW_HISTORY
        days_back = (NOW - at).total_seconds() / 86400
        weekly = 1.0 + 0.06 * (at.weekday() < 5) - 0.03 * (at.weekday() >= 5)
        total = int(open_now * (1 - 0.002 * days_back) * weekly * rng.uniform(0.99, 1.01))
        stamp = {"at": at} if raw else {"hour": at}
        extra = {"partial": False} if raw else {}
        rows = [(None, total)] + [(cid, int(total * w / total_w)) for cid, w in zip(client_ids, weights, strict=True)]
        for cid, n in rows:
            yield {"source_id": source_id, "client_id": cid, **stamp, "open": n // 8, "assigned": n // 3,
                   "total": n, "closed_today": n // 60, **extra}  # fmt: skip
        at += RAW_EVERY if raw else timedelta(hours=1)


def write_history(db: Database, source_id: int, workload: Workload, weights: list[float]) -> int:
    """Insert the snapshot history in chunks; returns the number of rows."""
    with db.session() as session:
        ids = dict(session.execute(select(ClientRow.key, ClientRow.id)).all())
    client_ids = [ids[client_key(i)] for i in range(workload.clients)]
    written, raw, hourly = 0, [], []
    with db.session() as session:
        for row in _history(source_id, client_ids, weights, workload.open_tickets):
            (raw if "at" in row else hourly).append(row)
            if len(raw) + len(hourly) >= 20_000:
                written += _flush(session, raw, hourly)
        written += _flush(session, raw, hourly)
    return written


def _flush(session: Any, raw: list[dict[str, Any]], hourly: list[dict[str, Any]]) -> int:
    n = len(raw) + len(hourly)
    if raw:
        session.execute(insert(SnapshotRow), raw)
    if hourly:
        session.execute(insert(SnapshotHourRow), hourly)
    raw.clear()
    hourly.clear()
    return n


def fill_store(root: Path, workload: Workload, *, history: bool = True) -> MetricsStore:
    """A SQLite store under ``root`` holding the seeded desk, written through the sync's upsert (``history``
    False: without the snapshot history, which only the trends read)."""
    started = time.perf_counter()
    db_path = root / f"desk-metrics-{workload.open_tickets}.db"
    config = write_config(root / f"desk-metrics-{workload.open_tickets}.toml", db_path, workload)
    maker = TicketMaker(workload)
    first, later, counts = plan_cycles(maker, workload)
    matcher = ClientMatcher({c.id: c.email_domains for c in config.clients})
    db = Database(config.database_url)
    try:
        prepare_store(db, config)
        with db.session() as session:
            ids = dict(session.execute(select(ClientRow.key, ClientRow.id)).all())
            source_id = session.scalars(select(SourceRow.id).where(SourceRow.name == SOURCE)).one()
            directory = Directory(
                teams=[Team(str(i), f"Queue {i:02d}") for i in range(TEAMS)],
                agents=[Agent(str(i), f"Agent {i:02d}", f"agent{i}@desk.example") for i in range(AGENTS)],
            )
            upsert_directory(session, source_id, directory)

        def client_of(t: Ticket) -> int | None:
            key = matcher.client_for(t.requester_email)
            return ids.get(key) if key is not None else None

        cycles = [(NOW - FIRST_CYCLE, first, True)]
        cycles += [(NOW - ago, seen, False) for ago, seen in zip(CYCLES, later, strict=True)]
        for at, seen, complete in cycles:
            with db.session() as session:
                upsert_tickets(session, source_id, now=at, seen=seen, deleted_ids=set(), complete_active_set=complete,
                               active_ids={t.external_id for t in seen if t.status_category.is_active},
                               client_of=client_of)  # fmt: skip
        counts["history_rows"] = write_history(db, source_id, workload, maker.client_weights) if history else 0
        with db.session() as session:
            session.execute(update(SourceRow).values(last_ok_at=NOW - timedelta(seconds=40)))
    finally:
        db.dispose()
    return MetricsStore(db_path, config, source_id, workload, time.perf_counter() - started, counts)
