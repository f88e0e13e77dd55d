"""`deskpulse demo`: Trengo and Freshservice simulators on loopback, evolving workloads, the real app against them."""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
from bisect import bisect_right
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import uvicorn
from sqlalchemy import insert

from deskpulse.auth.roles import Role
from deskpulse.auth.users import create_user
from deskpulse.clock import utcnow
from deskpulse.config import AnySource, ClientConfig, Config, SourceConfig
from deskpulse.connectors.freshservice import mapping as fs_mapping
from deskpulse.connectors.freshservice.models import FsTicket
from deskpulse.connectors.freshservice.settings import FreshserviceSettings
from deskpulse.connectors.trengo.mapping import map_ticket
from deskpulse.connectors.trengo.models import TrengoTicket
from deskpulse.domain.board import local_day_start
from deskpulse.domain.tickets import Ticket
from deskpulse.simulators.freshservice import create_app as create_fs_simulator
from deskpulse.simulators.freshservice_scenario import FreshserviceScenario
from deskpulse.simulators.trengo import create_app as create_simulator
from deskpulse.simulators.trengo_scenario import TrengoScenario
from deskpulse.store.clients import sync_clients
from deskpulse.store.db import Database
from deskpulse.store.sources import ensure_source
from deskpulse.store.tables import SnapshotRow
from deskpulse.web.app import create_app, prepare_store

DEMO_TOKEN = "demo-token"  # noqa: S105  (the simulator's own, public token)
DEMO_SOURCE = "trengo-demo"
DEMO_FS_SOURCE = "freshservice-demo"
DEMO_FS_KEY = "sim-fs-key"  # the Freshservice simulator's own, public key
DEMO_RATE_LIMIT = 1200


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def demo_config(sim_port: int, data_dir: Path, fs_port: int | None = None) -> Config:
    """Config of the demo: a Trengo (and a Freshservice) source on the simulators, SQLite in ``data_dir``."""
    source = SourceConfig(
        name=DEMO_SOURCE,
        kind="trengo",
        base_url=f"http://127.0.0.1:{sim_port}/api/v2",
        token=DEMO_TOKEN,
        poll_seconds=15,
        closed_sweep_seconds=60,
        closed_backfill_days=30,
        # The simulator publishes a higher limit than Trengo's 120/minute so the demo fills in seconds.
        requests_per_minute=DEMO_RATE_LIMIT,
        directory_refresh_seconds=600,
    )
    # Two of the simulator's contact companies, so their tickets really belong to clients.
    clients = [
        ClientConfig(id="acme", name="Acme", email_domains=["acme.nl"]),
        ClientConfig(id="globex", name="Globex", email_domains=["globex.eu"]),
    ]
    sources: list[AnySource] = [source]
    if fs_port is not None:
        sources.append(
            FreshserviceSettings(
                name=DEMO_FS_SOURCE,
                base_url=f"http://127.0.0.1:{fs_port}/api/v2",
                api_key=DEMO_FS_KEY,
                plan="enterprise",  # the demo fills in seconds; a real Starter account gets 100/min
                poll_seconds=15,
                closed_sweep_seconds=60,
                closed_backfill_days=30,
                reconcile_seconds=300,
            )
        )
    return Config(database_url=f"sqlite:///{data_dir / 'demo.db'}", sources=sources, clients=clients)


# One demo user per role; scoped roles see the Acme client only.
DEMO_USERS: tuple[tuple[Role, tuple[str, ...]], ...] = (
    (Role.ADMIN, ()), (Role.MANAGER, ()), (Role.ACCOUNT_MANAGER, ("acme",)), (Role.TECHNICIAN, ()),
    (Role.VIEWER, ()), (Role.CUSTOMER, ("acme",)),
)  # fmt: skip


def create_demo_users(db: Database, config: Config) -> list[tuple[str, str, str]]:
    """Register the demo clients and one user per role with a fresh random password: (email, password, role)."""
    created = []
    now = utcnow()
    with db.session() as session:
        sync_clients(session, config.clients)
        for role, clients in DEMO_USERS:
            email = f"{role.value.replace('_', '-')}@demo.test"
            password = secrets.token_urlsafe(9)
            create_user(session, email=email, role=role, now=now, password=password, name=role.value, clients=clients)
            created.append((email, password, role.value))
    return created


def _ended_at(ticket: Ticket) -> datetime | None:
    """When a ticket stopped being open work: its closing time, or (spam/invalid) its last update."""
    if ticket.closed_at is not None:
        return ticket.closed_at
    return None if ticket.status_category.is_active else (ticket.updated_at or ticket.created_at)


def reconstruct_history(
    tickets: list[Ticket], start: datetime, end: datetime, step: timedelta, tz: ZoneInfo
) -> list[dict[str, Any]]:
    """Counts at each step between ``start`` and ``end``, derived from the tickets' own timestamps.

    The demo's backfilled months are what the simulated desk really went through (tickets still present),
    counted the way a sync would have counted them, not invented numbers.
    """
    ended = {t.external_id: _ended_at(t) for t in tickets}
    created = sorted(t.created_at for t in tickets)
    closed = sorted(e for e in ended.values() if e is not None)
    assigned = sorted(t.assigned_at for t in tickets if t.assigned_at is not None)
    closed_assigned = sorted(
        e for t in tickets if (e := ended[t.external_id]) is not None and t.assigned_at is not None
    )
    points = []
    at = start
    while at <= end:
        total = bisect_right(created, at) - bisect_right(closed, at)
        n_assigned = bisect_right(assigned, at) - bisect_right(closed_assigned, at)
        day_start = local_day_start(at, tz)
        closed_today = bisect_right(closed, at) - bisect_right(closed, day_start - timedelta(microseconds=1))
        points.append(
            {"at": at, "open": max(0, total - n_assigned), "assigned": max(0, n_assigned),
             "total": max(0, total), "closed_today": max(0, closed_today), "partial": False}
        )  # fmt: skip
        at += step
    return points


def trengo_tickets(scenario: TrengoScenario) -> list[Ticket]:
    """The Trengo simulator's tickets as the connector would map them."""
    zone = ZoneInfo(scenario.naive_timezone)
    return [map_ticket(TrengoTicket.model_validate(raw), naive_zone=zone) for raw in scenario.tickets.values()]


def freshservice_tickets(scenario: FreshserviceScenario) -> list[Ticket]:
    """The Freshservice simulator's tickets (with their stats) as the connector would map them."""
    ctx = fs_mapping.MappingContext()
    return [
        fs_mapping.map_ticket(FsTicket.model_validate({**raw, "stats": scenario.stats[raw["id"]]}), ctx)
        for raw in scenario.tickets.values()
    ]


def backfill(db: Database, config: Config, source: AnySource, tickets: list[Ticket], days: int = 120) -> int:
    """Write a simulated desk's past as history snapshots of ``source`` (every 10 minutes)."""
    end = utcnow() - timedelta(minutes=1)
    rows = reconstruct_history(tickets, end - timedelta(days=days), end, timedelta(minutes=10), config.tz)
    with db.session() as session:
        source_id = ensure_source(session, source).id
        for row in rows:
            row["source_id"] = source_id
        session.execute(insert(SnapshotRow), rows)
    return len(rows)


async def _evolve(scenarios: list[TrengoScenario | FreshserviceScenario], stop: asyncio.Event) -> None:
    while not stop.is_set():
        for scenario in scenarios:
            scenario.advance(utcnow())
        try:
            await asyncio.wait_for(stop.wait(), timeout=5)
        except TimeoutError:
            continue


async def run_demo(*, host: str, port: int, say: Callable[[str], None] = print) -> None:
    """Start simulator, backfill, sync and web server; run until interrupted."""
    data_dir = Path(os.environ.get("DESKPULSE_DATA_DIR", "data"))
    data_dir.mkdir(parents=True, exist_ok=True)
    for leftover in data_dir.glob("demo.db*"):
        leftover.unlink()
    # A busy desk, so the board visibly moves while you watch.
    scenario = TrengoScenario(seed=7, open_tickets=320, teams=6, agents=15, history_days=120, closed_per_day=150)
    fs_scenario = FreshserviceScenario(seed=7, active_tickets=180, history_days=60, resolved_per_day=60, now=utcnow())
    sim_port, fs_port = free_port(), free_port()
    config = demo_config(sim_port, data_dir, fs_port)
    db = Database(config.database_url)
    await asyncio.to_thread(prepare_store, db, config)
    users = await asyncio.to_thread(create_demo_users, db, config)
    # Both sources get the same 120-day window, so the merged history chart starts on the same day for both.
    points = await asyncio.to_thread(backfill, db, config, config.sources[0], trengo_tickets(scenario))
    await asyncio.to_thread(backfill, db, config, config.sources[1], freshservice_tickets(fs_scenario))
    say(
        f"demo: Trengo simulator on 127.0.0.1:{sim_port} ({len(scenario.open_tickets())} open tickets), "
        f"Freshservice simulator on 127.0.0.1:{fs_port} ({len(fs_scenario.active_tickets())} active), "
        f"{points} history points backfilled per source"
    )

    sim_app = create_simulator(scenario, token=DEMO_TOKEN, rate_limit_per_minute=DEMO_RATE_LIMIT)
    sim = uvicorn.Server(uvicorn.Config(sim_app, host="127.0.0.1", port=sim_port, log_level="warning"))
    fs_app = create_fs_simulator(fs_scenario, api_key=DEMO_FS_KEY, plan="enterprise")
    fs_sim = uvicorn.Server(uvicorn.Config(fs_app, host="127.0.0.1", port=fs_port, log_level="warning"))
    web = uvicorn.Server(
        uvicorn.Config(create_app(config, db=db, run_sync=True), host=host, port=port, log_level="warning")
    )
    stop = asyncio.Event()
    evolve = asyncio.create_task(_evolve([scenario, fs_scenario], stop))
    sim_task = asyncio.create_task(sim.serve())
    fs_task = asyncio.create_task(fs_sim.serve())
    while not (sim.started and fs_sim.started):
        await asyncio.sleep(0.05)
    web_task = asyncio.create_task(web.serve())
    while not web.started and not web_task.done():
        await asyncio.sleep(0.05)
    say(f"deskpulse demo running at http://{host}:{port}  (Ctrl+C to stop); agents' board: /board")
    width = max(len(email) for email, _, _ in users)
    say(f"demo users (new passwords each run):\n  {'e-mail'.ljust(width)}  {'password'.ljust(12)}  role")
    for email, password, role in users:
        say(f"  {email.ljust(width)}  {password.ljust(12)}  {role}")
    try:
        await web_task
    finally:
        stop.set()
        sim.should_exit = fs_sim.should_exit = True
        await asyncio.gather(sim_task, fs_task, evolve, return_exceptions=True)
        db.dispose()
