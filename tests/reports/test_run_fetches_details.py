"""A report run first fetches the vendor details its figures need (time entries, CSAT, replies) that the store
lacks; when the vendor cannot be reached the report is still built, from what the store holds, and the run says
its details are incomplete."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import func, select

from deskpulse.config import ClientConfig, Config
from deskpulse.connectors.freshservice import FreshserviceConnector, FreshserviceSettings
from deskpulse.reports.build import client_zone, parse_period
from deskpulse.reports.runs import create_run, execute_run
from deskpulse.simulators.freshservice import FreshserviceScenario
from deskpulse.simulators.freshservice import create_app as create_fs_app
from deskpulse.store.clients import sync_clients
from deskpulse.store.db import Database
from deskpulse.store.report_tables import ReportRunRow, TicketTimeEntryRow
from deskpulse.sync.engine import SyncEngine
from drill_support import free_port
from support import Clock, LiveServer, RecordingSleep

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)


def fs_settings(base_url: str) -> FreshserviceSettings:
    return FreshserviceSettings(name="fs", base_url=base_url, api_key="sim-fs-key", plan="enterprise",
                                budget_share=1, timeout_seconds=5, max_retries=0)  # fmt: skip


def run_october(db: Database, config: Config) -> ReportRunRow:
    period = parse_period("2026-10", client_zone(config, "acme"))
    with db.session() as session:
        sync_clients(session, config.clients)
        run_id = create_run(session, config, "acme", period, now=NOW, created_by="test")
    assert run_id is not None
    assert execute_run(db, config, run_id, clock=lambda: NOW) == "done"
    with db.session() as session:
        run = session.get(ReportRunRow, run_id)
        assert run is not None
        session.expunge(run)
        return run


def test_a_run_fetches_the_time_entries_its_hours_section_needs(db: Database) -> None:
    scenario = FreshserviceScenario(11, active_tickets=30, history_days=45, resolved_per_day=6, now=NOW)
    department = next(iter(scenario.departments))
    with LiveServer(create_fs_app(scenario, plan="enterprise")) as server:
        settings = fs_settings(f"{server.url}/api/v2")
        acme = ClientConfig(id="acme", name="Acme", accounts=[f"fs:department:{department}"])
        config = Config(database_url="sqlite://", sources=[settings], clients=[acme])
        with db.session() as session:
            sync_clients(session, config.clients)
        connector = FreshserviceConnector(settings, sleep=RecordingSleep(), now=lambda: NOW)
        clock = Clock(NOW)
        engine = SyncEngine(db, config, settings, connector, clock=clock)

        async def sync() -> None:
            for _ in range(2):  # the second cycle sweeps the closed tickets
                result = await engine.run_cycle()
                assert result.ok, result.error
                clock.tick(seconds=30)

        asyncio.run(sync())
        with db.session() as session:
            assert session.scalar(select(func.count()).select_from(TicketTimeEntryRow)) == 0

        run = run_october(db, config)

    with db.session() as session:
        assert (session.scalar(select(func.count()).select_from(TicketTimeEntryRow)) or 0) > 0
    assert run.details_note is None
    hours = run.figures["hours"]
    assert hours is not None and hours["total"] > 0


def test_an_unreachable_vendor_leaves_a_report_built_from_the_store_and_says_details_are_incomplete(
    db: Database,
) -> None:
    config = Config(database_url="sqlite://", sources=[fs_settings(f"http://127.0.0.1:{free_port()}/api/v2")],
                    clients=[ClientConfig(id="acme", name="Acme", accounts=["fs:department:1"])])  # fmt: skip
    run = run_october(db, config)
    assert run.details_note is not None and "details incomplete" in run.details_note
    assert run.html  # built all the same
