"""Clients from the vendors' accounts: tickets attributed by the account they are raised for, accounts stored on
each directory refresh, and `deskpulse clients discover` listing the ones no client claims; ticket categories."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2
import pytest
import typer
from pydantic import ValidationError
from sqlalchemy import select
from typer.testing import CliRunner

from deskpulse import cli_clients
from deskpulse.cli_clients import clients_app
from deskpulse.config import ClientConfig, Config
from deskpulse.connectors.autotask.mapping import MappingContext as AtContext
from deskpulse.connectors.autotask.mapping import map_ticket as map_at_ticket
from deskpulse.connectors.autotask.models import AtTicket
from deskpulse.connectors.autotask.picklists import Picklists
from deskpulse.connectors.files.schema import MappingContext as FilesContext
from deskpulse.connectors.files.schema import map_document
from deskpulse.connectors.freshservice import FreshserviceConnector, FreshserviceSettings
from deskpulse.connectors.freshservice.mapping import MappingContext as FsContext
from deskpulse.connectors.freshservice.mapping import map_ticket as map_fs_ticket
from deskpulse.connectors.freshservice.models import FsTicket
from deskpulse.domain.tickets import StatusCategory, Ticket
from deskpulse.simulators.freshservice import FreshserviceScenario
from deskpulse.simulators.freshservice import create_app as create_fs_app
from deskpulse.simulators.scenario import COMPANIES
from deskpulse.store.db import Database
from deskpulse.store.sources import ensure_source
from deskpulse.store.tables import ClientRow, TicketRow
from deskpulse.store.vendor_accounts import discover_accounts
from deskpulse.sync.engine import SyncEngine
from deskpulse.sync.upsert import upsert_tickets
from support import Clock, RecordingSleep

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
FS = FreshserviceSettings(
    name="fs", base_url="http://fs.test/api/v2", api_key="sim-fs-key", plan="enterprise", budget_share=1,
    timeout_seconds=2, max_retries=0,
)  # fmt: skip


def scenario() -> FreshserviceScenario:
    return FreshserviceScenario(21, active_tickets=50, history_days=5, resolved_per_day=6, now=NOW)


async def synced(db: Database, sim: FreshserviceScenario, clients: list[ClientConfig]) -> Config:
    config = Config(sources=[FS], clients=clients)
    connector = FreshserviceConnector(
        FS, transport=httpx2.ASGITransport(app=create_fs_app(sim, plan="enterprise")), sleep=RecordingSleep(),
        now=lambda: NOW,
    )  # fmt: skip
    clock = Clock(NOW)
    engine = SyncEngine(db, config, FS, connector, clock=clock)
    for _ in range(2):
        result = await engine.run_cycle()
        assert result.ok, result.error
        clock.tick(seconds=30)
    await connector.aclose()
    return config


async def test_a_claimed_department_takes_its_tickets_whatever_the_requesters_domain(db: Database) -> None:
    sim = scenario()
    claimed = list(sim.departments)[2]
    clients = [
        ClientConfig(id="acme", name="Acme", accounts=[f"fs:department:{claimed}"]),
        # Every requester's domain is globex's: only the account can take a ticket away from it.
        ClientConfig(id="globex", name="Globex", email_domains=list(COMPANIES)),
    ]
    await synced(db, sim, clients)
    with db.session() as session:
        keys = dict(session.execute(select(ClientRow.id, ClientRow.key)).all())
        owners = {
            ext: keys.get(cid) for ext, cid in session.execute(select(TicketRow.external_id, TicketRow.client_id))
        }
    assert owners, "the sync should have stored tickets"
    for ext, owner in owners.items():
        expected = "acme" if sim.tickets[int(ext)]["department_id"] == claimed else "globex"
        assert owner == expected, ext
    assert "acme" in owners.values()


@pytest.mark.parametrize(
    ("accounts", "words"),
    [
        (["fs:12"], "not of the form <source>:<kind>:<id>"),
        (["fs:queue:12"], "has kind 'queue'"),
        (["other:company:12"], "names source 'other', which is not configured"),
    ],
)
def test_a_bad_account_reference_is_refused_with_a_sentence(accounts: list[str], words: str) -> None:
    with pytest.raises(ValidationError, match=words):
        Config(sources=[FS], clients=[ClientConfig.model_validate({"id": "acme", "name": "A", "accounts": accounts})])


def test_one_account_cannot_belong_to_two_clients() -> None:
    with pytest.raises(ValidationError, match="claimed by both 'acme' and 'globex'"):
        Config(sources=[FS], clients=[
            ClientConfig(id="acme", name="A", accounts=["fs:department:7"]),
            ClientConfig(id="globex", name="G", accounts=["fs:company:7"]),
        ])  # fmt: skip


async def test_a_sync_stores_the_departments_and_discover_counts_their_tickets(db: Database) -> None:
    sim = scenario()
    claimed = next(iter(sim.departments))
    config = await synced(db, sim, [ClientConfig(id="acme", name="Acme", accounts=[f"fs:department:{claimed}"])])
    with db.session() as session:
        found = discover_accounts(session, config.clients)
        stored = Counter(session.scalars(select(TicketRow.account_ref)))
    assert {a.external_id for a in found} == {str(d) for d in sim.departments}
    by_id = {a.external_id: a for a in found}
    assert by_id[str(claimed)].client == "acme"
    assert all(a.client is None for a in found if a.external_id != str(claimed))
    for dept_id, dept in sim.departments.items():
        account = by_id[str(dept_id)]
        assert (account.name, account.kind) == (dept["name"], "department")
        assert account.tickets == stored[f"department:{dept_id}"]
        assert account.reference == f"fs:department:{dept_id}"


# ---------------------------------------------------------------------------------------------------- the CLI
runner = CliRunner()
cli = typer.Typer()
cli.add_typer(clients_app, name="clients")


@cli.command()
def version() -> None:
    """A second command, so the test app is a group like the real one."""


def run_cli(tmp_path: Path, args: list[str], claimed: int | None = None) -> Any:
    accounts = f'accounts = ["fs:department:{claimed}"]' if claimed is not None else ""
    path = tmp_path / "deskpulse.toml"
    path.write_text(
        f'database_url = "sqlite:///{tmp_path / "cli.db"}"\n'
        '[[sources]]\nname = "fs"\nkind = "freshservice"\nbase_url = "http://fs.test/api/v2"\n'
        'api_key = "sim-fs-key"\nplan = "enterprise"\n'
        f'[[clients]]\nid = "acme"\nname = "Acme"\n{accounts}\n',
        encoding="utf-8",
    )
    env = {"DESKPULSE_CONFIG": str(path), "DESKPULSE_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    return runner.invoke(cli, ["clients", "discover", *args], env=env)


@pytest.fixture
def simulated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FreshserviceScenario:
    monkeypatch.chdir(tmp_path)
    sim = FreshserviceScenario.empty(now=NOW)
    kwargs = {"transport": httpx2.ASGITransport(app=create_fs_app(sim, plan="enterprise")), "sleep": RecordingSleep()}
    monkeypatch.setitem(cli_clients.connector_kwargs, "fs", kwargs)
    return sim


def test_discover_refreshes_from_the_vendor_and_lists_the_unclaimed_accounts(
    simulated: FreshserviceScenario, tmp_path: Path
) -> None:
    claimed = next(iter(simulated.departments))
    result = run_cli(tmp_path, ["--refresh", "--json"], claimed=claimed)
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert {r["id"] for r in rows} == {str(d) for d in simulated.departments} - {str(claimed)}
    assert all(r["source"] == "fs" and r["kind"] == "department" and r["client"] is None for r in rows)
    # Stored: a second run without --refresh lists the same, and --all adds the claimed one with its client.
    again = run_cli(tmp_path, ["--all", "--json"], claimed=claimed)
    every = json.loads(again.stdout)
    assert {r["id"]: r["client"] for r in every}[str(claimed)] == "acme" and len(every) == len(rows) + 1


def test_discover_without_stored_accounts_says_how_to_get_them(simulated: FreshserviceScenario, tmp_path: Path) -> None:
    result = run_cli(tmp_path, [])
    assert result.exit_code == 0
    assert "--refresh reads them now" in result.stdout


def test_discover_refuses_an_unknown_source(simulated: FreshserviceScenario, tmp_path: Path) -> None:
    result = run_cli(tmp_path, ["--source", "nope"])
    assert result.exit_code == 2
    assert "--source names no ticket source in the config: nope." in result.output


def test_discover_exits_1_when_the_vendor_cannot_be_read(simulated: FreshserviceScenario, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    broken = httpx2.MockTransport(lambda request: httpx2.Response(401, json={"code": "invalid_credentials"}))
    monkeypatch.setitem(cli_clients.connector_kwargs, "fs", {"transport": broken, "sleep": RecordingSleep()})
    result = run_cli(tmp_path, ["--refresh"])
    assert result.exit_code == 1
    assert "Could not read the accounts of fs: Freshservice rejected the credentials" in result.output


# ---------------------------------------------------------------------------------------------------- categories
def test_each_vendor_maps_its_category_and_account() -> None:
    fs = map_fs_ticket(
        FsTicket.model_validate({"id": 7, "status": 2, "created_at": "2026-11-01T08:00:00Z", "category": " Hardware ",
                                 "department_id": 21000011201}),
        FsContext(),
    )  # fmt: skip
    assert (fs.category, fs.account_ref) == ("Hardware", "department:21000011201")
    picklists = Picklists(issue_types={10: "Network"})
    at = map_at_ticket(
        AtTicket.model_validate({"id": 9, "title": "t", "status": 1, "priority": 2, "companyID": 174, "issueType": 10,
                                 "createDate": "2026-11-01T08:00:00.000Z"}),
        AtContext(picklists=picklists),
    )  # fmt: skip
    assert (at.category, at.account_ref) == ("Network", "company:174")
    unknown = map_at_ticket(
        AtTicket.model_validate({"id": 9, "title": "t", "status": 1, "priority": 2, "companyID": 174, "issueType": 99,
                                 "createDate": "2026-11-01T08:00:00.000Z"}),
        AtContext(picklists=picklists),
    )  # fmt: skip
    assert unknown.category == "99"  # a code missing from the picklist is kept rather than dropped
    doc = {"id": "1", "subject": "s", "status": "open", "created_at": "2026-11-01T08:00:00Z", "category": "Printing"}
    assert map_document(doc, FilesContext()).ticket.category == "Printing"
    assert map_document({**doc, "category": ""}, FilesContext()).ticket.category is None


def test_a_category_change_is_written_and_an_unchanged_ticket_is_not(db: Database) -> None:
    from support import source_config

    ticket = Ticket(
        external_id="1", status_raw="2", status_label="Open", status_category=StatusCategory.OPEN,
        created_at=NOW - timedelta(days=1), category="Hardware",
    )  # fmt: skip
    with db.session() as session:
        source_id = ensure_source(session, source_config()).id

    def write(t: Ticket) -> tuple[int, int]:
        with db.session() as session:
            stats = upsert_tickets(session, source_id, now=NOW, seen=[t], active_ids={"1"}, deleted_ids=set(),
                                   complete_active_set=True)  # fmt: skip
        return stats.updated, stats.unchanged

    write(ticket)
    assert write(ticket) == (0, 1)
    assert write(replace(ticket, category="Network")) == (1, 0)
    with db.session() as session:
        assert session.scalar(select(TicketRow.category)) == "Network"


async def test_a_client_gaining_an_account_takes_its_stored_tickets_when_the_engine_starts(db: Database) -> None:
    sim = scenario()
    await synced(db, sim, [ClientConfig(id="acme", name="Acme")])  # no account yet: nobody's tickets
    claimed = next(iter(sim.departments))
    with db.session() as session:
        assert session.scalar(select(TicketRow.id).where(TicketRow.client_id.is_not(None))) is None
        closed = set(session.scalars(select(TicketRow.external_id).where(TicketRow.is_active.is_(False))))
        stored = set(session.scalars(select(TicketRow.external_id)))
    config = Config(sources=[FS], clients=[ClientConfig(id="acme", name="Acme", accounts=[f"fs:department:{claimed}"])])
    connector = FreshserviceConnector(FS, transport=httpx2.MockTransport(lambda r: httpx2.Response(500)))
    SyncEngine(db, config, FS, connector, clock=Clock(NOW))  # a worker restarted with the new config; no cycle run
    await connector.aclose()
    with db.session() as session:
        moved = set(session.scalars(select(TicketRow.external_id).where(TicketRow.client_id.is_not(None))))
    expected = {str(t["id"]) for t in sim.tickets.values() if t["department_id"] == claimed} & stored
    assert moved and moved == expected
    assert moved & closed, "last month's closed tickets move too, though no sync reads them again"
