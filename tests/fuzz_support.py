"""A seeded store for the API fuzzer, and the check that a caller scoped to one client never sees another's data.

Two clients (Acme, Globex) with tickets from three helpdesks (Trengo, Freshservice and Autotask simulators,
synced in-process by the real connectors), October's uptime of a small network with a service per client, the
alerts those produce, and a report run per client.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2

from deskpulse.alerts.runner import evaluate_and_apply
from deskpulse.alerts.settings import AlertsConfig
from deskpulse.config import AuthConfig, ClientConfig, Config
from deskpulse.connectors.autotask import AutotaskConnector, AutotaskSettings
from deskpulse.connectors.freshservice import FreshserviceConnector
from deskpulse.connectors.freshservice.settings import FreshserviceSettings
from deskpulse.reports.build import parse_period
from deskpulse.reports.runs import create_run
from deskpulse.simulators import autotask as at_sim
from deskpulse.simulators import freshservice as fs_sim
from deskpulse.simulators.freshservice_scenario import FreshserviceScenario
from deskpulse.simulators.trengo_scenario import TrengoScenario
from deskpulse.store.db import Database
from deskpulse.store.uptime_graphs import ClientDirectory, parse_graph, save_version
from deskpulse.sync.engine import SyncEngine
from deskpulse.tv_config import TvConfig
from deskpulse.web.app import prepare_store
from support import (
    Clock,
    RecordingSleep,
    api_key_for,
    connector_for,
    simulator,
    source_config,
)
from uptime_store_support import GRAPH_YAML, seed_month
from uptime_store_support import settings as nms_settings

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
# The Freshservice simulator's requesters are at acme.nl, globex.eu and other domains; Trengo's here at *.test.
CLIENTS = [
    ClientConfig(id="acme", name="Acme", email_domains=["acme.test", "acme.nl"]),
    ClientConfig(id="globex", name="Globex", email_domains=["globex.test", "globex.eu"]),
]
FS_KEY = "sim-fs-key"
AT_LOOKUP = "http://at.test/atservicesrest/v1.0/zoneInformation"
# Fires for the tickets without an agent, of both clients and of none.
ALERTS = AlertsConfig.model_validate(
    {"rules": [{"id": "unassigned", "name": "Unassigned", "condition": {"type": "unassigned_for", "minutes": 60}}]}
)
TV = TvConfig.model_validate(
    {"playlists": [{"name": "desk", "slides": [{"board": "summary"}, {"board": "uptime"}, {"board": "alerts"}]}]}
)


@dataclass
class FuzzWorld:
    """The app's config, its store, the simulators' transports (for write-back) and the personas' keys."""

    config: Config
    db: Database
    connector_kwargs: dict[str, dict[str, Any]]
    admin_key: str = ""
    customer_key: str = ""


def fuzz_config(api_requests_per_minute: int) -> Config:
    """Trengo, Freshservice, Autotask and LibreNMS sources, clients Acme and Globex, a TV playlist."""
    freshservice = FreshserviceSettings(
        name="freshservice", base_url="http://fs.test/api/v2", api_key=FS_KEY, plan="enterprise"
    )
    autotask = AutotaskSettings(
        name="autotask", username=at_sim.SIM_USERNAME, secret=at_sim.SIM_SECRET,
        integration_code=at_sim.SIM_INTEGRATION_CODE, zone_lookup_url=AT_LOOKUP,
    )  # fmt: skip
    return Config(
        database_url="sqlite://", sources=[source_config(), freshservice, autotask, nms_settings()],
        clients=CLIENTS, tv=TV, alerts=ALERTS, auth=AuthConfig(api_requests_per_minute=api_requests_per_minute),
    )  # fmt: skip


def _trengo_scenario() -> TrengoScenario:
    scenario = TrengoScenario.empty(now=NOW)
    for n, (domain, closed) in enumerate([("acme.test", False), ("acme.test", True), ("globex.test", False),
                                          ("globex.test", True), ("globex.test", False)]):  # fmt: skip
        ticket = scenario.add_ticket(
            status="CLOSED" if closed else "OPEN", created_at=NOW - timedelta(hours=3 + n),
            closed_at=NOW - timedelta(minutes=30 + n) if closed else None,
        )  # fmt: skip
        ticket["contact"] = {**ticket["contact"], "email": f"person{n}@{domain}"}
    return scenario


async def _sync(world: FuzzWorld) -> None:
    """One or two real sync cycles per helpdesk, each against its simulator in-process."""
    config = world.config
    trengo, freshservice, autotask = config.sources[0], config.sources[1], config.sources[2]
    trengo_app = simulator(_trengo_scenario())
    engine = SyncEngine(world.db, config, trengo, connector_for(trengo_app, trengo), clock=Clock(NOW))
    assert (await engine.run_cycle()).ok
    engine.clock = Clock(NOW + timedelta(minutes=1))  # the second cycle runs the closed sweep
    assert (await engine.run_cycle()).ok

    # With the whole config, so the sync attributes Freshservice's acme.nl and globex.eu requesters to the clients.
    fs_scenario = FreshserviceScenario(seed=3, active_tickets=25, requesters=30, history_days=3, now=NOW)
    fs_app = fs_sim.create_app(fs_scenario, api_key=FS_KEY, plan="enterprise")
    assert isinstance(freshservice, FreshserviceSettings)
    fs_connector = FreshserviceConnector(
        freshservice, transport=httpx2.ASGITransport(app=fs_app), sleep=RecordingSleep(), now=lambda: NOW
    )
    clock = Clock(NOW)
    engine = SyncEngine(world.db, config, freshservice, fs_connector, clock=clock)
    for _ in range(2):  # the second cycle brings the reply stats only the changed-ticket listing carries
        result = await engine.run_cycle()
        assert result.ok, result.error
        clock.tick(seconds=30)

    at_app = at_sim.create_app(at_sim.AutotaskScenario(seed=3, companies=4, active_tickets=20, history_days=3, now=NOW))
    assert isinstance(autotask, AutotaskSettings)
    connector = AutotaskConnector(autotask, transport=httpx2.ASGITransport(app=at_app), sleep=RecordingSleep())
    result = await SyncEngine(world.db, config, autotask, connector, clock=Clock(NOW)).run_cycle()
    assert result.ok, result.error
    world.connector_kwargs = {
        trengo.name: {"transport": httpx2.ASGITransport(app=trengo_app)},
        freshservice.name: {"transport": httpx2.ASGITransport(app=fs_app)},
        autotask.name: {"transport": httpx2.ASGITransport(app=at_app)},
    }


def seed(db: Database, *, api_requests_per_minute: int = 1_000_000) -> FuzzWorld:
    """Fill ``db`` (migrated, empty) with the fuzz world; the caller builds the app from its config."""
    world = FuzzWorld(config=fuzz_config(api_requests_per_minute), db=db, connector_kwargs={})
    prepare_store(db, world.config)
    asyncio.run(_sync(world))
    seed_month(db)
    with db.session() as session:
        version = parse_graph(GRAPH_YAML, ClientDirectory.load(session), fmt="yaml", default_tz=world.config.tz)
        save_version(session, version, fmt="yaml", now=NOW, created_by="fuzz", text=GRAPH_YAML)
    asyncio.run(evaluate_and_apply(db, world.config, NOW + timedelta(minutes=5)))
    with db.session() as session:
        for client in ("acme", "globex"):
            create_run(session, world.config, client, parse_period("2026-10", world.config.tz), now=NOW,
                       created_by="fuzz")  # fmt: skip
    world.admin_key = api_key_for(db, "admin")
    world.customer_key = api_key_for(db, "customer", ("acme",))
    return world


# ---------------------------------------------------------------------------------------------- the leak check
OTHER_CLIENT = {"globex", "Globex"}
OTHER_DOMAINS = ("@globex.test", "@globex.eu")


def foreign_client_data(document: Any, path: str = "$") -> Iterator[str]:
    """Where ``document`` (parsed JSON) shows Globex to a caller who may see only Acme: every field named
    ``client*`` holding Globex's id or name (also inside lists and objects), and any Globex e-mail address."""
    if isinstance(document, dict):
        for key, value in document.items():
            here = f"{path}.{key}"
            if str(key).lower().startswith("client") and _names_other_client(value):
                yield f"{here} = {value!r}"
            else:
                yield from foreign_client_data(value, here)
    elif isinstance(document, list):
        for index, item in enumerate(document):
            yield from foreign_client_data(item, f"{path}[{index}]")
    elif isinstance(document, str) and document.lower().endswith(OTHER_DOMAINS):
        yield f"{path} = {document!r}"


def _names_other_client(value: Any) -> bool:
    if isinstance(value, str):
        return value in OTHER_CLIENT
    if isinstance(value, list):
        return any(_names_other_client(item) for item in value)
    if isinstance(value, dict):
        return any(_names_other_client(value.get(k)) for k in ("id", "key", "name"))
    return False
