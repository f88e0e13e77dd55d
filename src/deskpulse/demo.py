"""`deskpulse demo`: Trengo, Freshservice and Autotask simulators on loopback, evolving workloads, the real app
against them. The simulated helpdesks themselves are in demo_sources."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
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
from deskpulse.config import AnySource, ClientConfig, Config
from deskpulse.demo_sources import (
    DemoNetwork,
    DemoSource,
    Evolving,
    TicketTime,
    assigned_at,
    demo_sources,
    free_port,
    librenms_source,
)
from deskpulse.domain.board import local_day_start
from deskpulse.domain.tickets import Ticket
from deskpulse.store.clients import sync_clients
from deskpulse.store.db import Database
from deskpulse.store.sources import ensure_source
from deskpulse.store.tables import SnapshotRow
from deskpulse.store.uptime_graphs import ClientDirectory, parse_graph, save_version
from deskpulse.tv_config import TvConfig
from deskpulse.web.app import create_app, prepare_store


def demo_config(sources: list[DemoSource], data_dir: Path, network: DemoNetwork | None = None) -> Config:
    """Config of the demo: one source per simulated helpdesk (and the simulated LibreNMS), SQLite in
    ``data_dir``; the network's customers become clients too, so their services have an owner."""
    # Two of the simulators' requester domains, so Trengo and Freshservice tickets really belong to clients.
    # Autotask tickets name a company (Acme GmbH, Globex Ltd, ...) but no requester e-mail: they stay unattributed.
    clients = [
        ClientConfig(id="acme", name="Acme", email_domains=["acme.nl"]),
        ClientConfig(id="globex", name="Globex", email_domains=["globex.eu"]),
    ]
    settings: list[AnySource] = [s.settings for s in sources]
    if network is not None:
        settings.append(network.settings)
        known = {c.id for c in clients}
        owners = sorted({s["client"] for s in network.scenario.graph_document()["services"]} - known)
        clients += [ClientConfig(id=owner, name=owner.title()) for owner in owners]
    return Config(database_url=f"sqlite:///{data_dir / 'demo.db'}", sources=settings, clients=clients, tv=DEMO_TV)


# Two wall displays for the demo: the desk's own screen, and a reception screen without customer names.
DEMO_TV = TvConfig.model_validate({"playlists": [
    {"name": "desk", "title": "Service desk", "slides": [
        {"board": "summary", "seconds": 20}, {"board": "sla-at-risk", "seconds": 15},
        {"board": "uptime", "seconds": 15}, {"board": "workload", "seconds": 15}, {"board": "alerts", "seconds": 10},
    ]},
    {"name": "reception", "privacy_mask": True, "slides": [{"board": "summary"}, {"board": "uptime"}]},
]})  # fmt: skip


def import_network(db: Database, config: Config, network: DemoNetwork) -> int:
    """Store the simulated network's dependency graph (what `deskpulse uptime import` would); its version id."""
    with db.session() as session:
        text = json.dumps(network.scenario.graph_document())
        version = parse_graph(text, ClientDirectory.load(session), fmt="yaml", default_tz=config.tz)
        return save_version(session, version, fmt="yaml", now=utcnow(), created_by="demo", text=text).id


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
    tickets: list[Ticket],
    start: datetime,
    end: datetime,
    step: timedelta,
    tz: ZoneInfo,
    *,
    new_until: TicketTime = assigned_at,
) -> list[dict[str, Any]]:
    """Counts at each step between ``start`` and ``end``, derived from the tickets' own timestamps.

    The demo's backfilled months are what the simulated desk really went through (tickets still present),
    counted the way a sync would have counted them, not invented numbers. A ticket is new (unassigned) until
    ``new_until`` and assigned after it.
    """
    ended = {t.external_id: _ended_at(t) for t in tickets}
    left_new = {t.external_id: new_until(t) for t in tickets}
    created = sorted(t.created_at for t in tickets)
    closed = sorted(e for e in ended.values() if e is not None)
    moved_on = sorted(at for at in left_new.values() if at is not None)
    closed_moved_on = sorted(
        e for t in tickets if (e := ended[t.external_id]) is not None and left_new[t.external_id] is not None
    )
    points = []
    at = start
    while at <= end:
        total = bisect_right(created, at) - bisect_right(closed, at)
        n_moved_on = bisect_right(moved_on, at) - bisect_right(closed_moved_on, at)
        day_start = local_day_start(at, tz)
        closed_today = bisect_right(closed, at) - bisect_right(closed, day_start - timedelta(microseconds=1))
        points.append(
            {"at": at, "open": max(0, total - n_moved_on), "assigned": max(0, n_moved_on),
             "total": max(0, total), "closed_today": max(0, closed_today), "partial": False}
        )  # fmt: skip
        at += step
    return points


def backfill(db: Database, config: Config, source: DemoSource, days: int = 120) -> int:
    """Write a simulated desk's past as history snapshots of its source (every 10 minutes)."""
    end = utcnow() - timedelta(minutes=1)
    rows = reconstruct_history(
        source.tickets(), end - timedelta(days=days), end, timedelta(minutes=10), config.tz,
        new_until=source.new_until,
    )  # fmt: skip
    with db.session() as session:
        source_id = ensure_source(session, source.settings).id
        for row in rows:
            row["source_id"] = source_id
        session.execute(insert(SnapshotRow), rows)
    return len(rows)


async def _evolve(scenarios: list[Evolving], stop: asyncio.Event) -> None:
    while not stop.is_set():
        for scenario in scenarios:
            scenario.advance(utcnow())
        try:
            await asyncio.wait_for(stop.wait(), timeout=5)
        except TimeoutError:
            continue


async def run_demo(*, host: str, port: int, say: Callable[[str], None] = print, event_rate: float = 1.0) -> None:
    """Start the simulators, backfill, sync and web server; run until interrupted. ``event_rate`` multiplies how
    often the simulated desks change (the soak test runs them 50 times faster)."""
    data_dir = Path(os.environ.get("DESKPULSE_DATA_DIR", "data"))
    data_dir.mkdir(parents=True, exist_ok=True)
    for leftover in data_dir.glob("demo.db*"):
        leftover.unlink()
    sources = demo_sources(utcnow(), event_rate)
    network = librenms_source(free_port(), utcnow())
    config = demo_config(sources, data_dir, network)
    db = Database(config.database_url)
    await asyncio.to_thread(prepare_store, db, config)
    users = await asyncio.to_thread(create_demo_users, db, config)
    await asyncio.to_thread(import_network, db, config, network)
    # Every source gets the same 120-day window, so the merged history chart starts on the same day for all.
    points = [await asyncio.to_thread(backfill, db, config, source) for source in sources]
    simulators = ", ".join(f"{s.label} simulator on 127.0.0.1:{s.port} ({s.summary})" for s in sources)
    say(
        f"demo: {simulators}, {points[0]} history points backfilled per source; LibreNMS simulator on "
        f"127.0.0.1:{network.port} ({len(network.scenario.topology.devices)} devices) for /uptime"
        + (f"; the desks change {event_rate:g} times as often as usual" if event_rate != 1 else "")
    )

    apps = [(s.app, s.port) for s in sources] + [(network.app, network.port)]
    servers = [uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=p, log_level="warning")) for app, p in apps]
    web = uvicorn.Server(
        uvicorn.Config(create_app(config, db=db, run_sync=True), host=host, port=port, log_level="warning")
    )
    stop = asyncio.Event()
    evolve = asyncio.create_task(_evolve([*(s.scenario for s in sources), network.scenario], stop))
    sim_tasks = [asyncio.create_task(server.serve()) for server in servers]
    while not all(server.started for server in servers):
        await asyncio.sleep(0.05)
    web_task = asyncio.create_task(web.serve())
    while not web.started and not web_task.done():
        await asyncio.sleep(0.05)
    say(
        f"deskpulse demo running at http://{host}:{port}  (Ctrl+C to stop); agents' board: /board; "
        "uptime: /uptime; wall display: /tv/desk"
    )
    width = max(len(email) for email, _, _ in users)
    say(f"demo users (new passwords each run):\n  {'e-mail'.ljust(width)}  {'password'.ljust(12)}  role")
    for email, password, role in users:
        say(f"  {email.ljust(width)}  {password.ljust(12)}  {role}")
    try:
        await web_task
    finally:
        stop.set()
        for server in servers:
            server.should_exit = True
        await asyncio.gather(*sim_tasks, evolve, return_exceptions=True)
        db.dispose()
