"""Client scoping: a customer of client A, an account manager of client B and their keys see only their own."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from fastapi import FastAPI
from fastapi.testclient import TestClient

from deskpulse.config import ClientConfig, Config
from deskpulse.simulators.trengo_scenario import TrengoScenario
from deskpulse.store.db import Database
from deskpulse.sync.engine import SyncEngine
from deskpulse.web.api import keys
from deskpulse.web.app import create_app
from support import Clock, RecordingSleep, api_key_for, connector_for, simulator, source_config

NOW = datetime(2026, 11, 18, 11, 0, tzinfo=UTC)
CLIENTS = [
    ClientConfig(id="acme", name="Acme", email_domains=["acme.test"]),
    ClientConfig(id="globex", name="Globex", email_domains=["globex.test"]),
]
# (client domain, open tickets, closed today): A has 3 open and 1 closed, B has 2 open and 2 closed.
DESK = {"acme.test": (3, 1), "globex.test": (2, 2)}


def _ticket(scenario: TrengoScenario, domain: str, n: int, closed: bool) -> None:
    created = NOW - timedelta(hours=2 + n)
    ticket = scenario.add_ticket(
        status="CLOSED" if closed else "OPEN", created_at=created, closed_at=NOW - timedelta(minutes=30 + n)
        if closed else None,
    )  # fmt: skip
    # Contacts are shared between tickets in the simulator: give this ticket its own requester.
    ticket["contact"] = {**ticket["contact"], "email": f"person{n}@{domain}"}


def with_admin_routes(app: FastAPI) -> FastAPI:
    """The app with the API keys router included (until app.py includes it itself)."""
    paths = {getattr(r, "path", None) for r in app.routes}
    for route in app.routes:
        contexts = getattr(route, "effective_route_contexts", None)
        paths |= {c.path for c in contexts()} if callable(contexts) else set()
    if "/api/keys" not in paths:
        app.include_router(keys.router)
    return app


@pytest.fixture
def world(db: Database) -> Iterator[tuple[TestClient, Database]]:
    scenario = TrengoScenario.empty(now=NOW)
    for domain, (open_count, closed_count) in DESK.items():
        for n in range(open_count):
            _ticket(scenario, domain, n, closed=False)
        for n in range(closed_count):
            _ticket(scenario, domain, n, closed=True)
    src = source_config()
    config = Config(database_url="sqlite://", sources=[src], clients=CLIENTS)
    engine = SyncEngine(db, config, src, connector_for(simulator(scenario), src, RecordingSleep()), clock=Clock(NOW))
    assert asyncio.run(engine.run_cycle()).ok
    engine.clock = Clock(NOW + timedelta(minutes=1))  # the second cycle runs the closed sweep
    assert asyncio.run(engine.run_cycle()).ok
    app = with_admin_routes(create_app(config, db=db))
    with time_machine.travel(NOW + timedelta(minutes=2), tick=False), TestClient(app) as client:
        yield client, db


def get(client: TestClient, key: str, path: str, **params: Any) -> Any:
    response = client.get(path, params=params, headers={"X-API-Key": key})
    assert response.status_code == 200, response.text
    return response.json()


def test_an_admin_sees_both_clients(world: Any) -> None:
    client, db = world
    admin = api_key_for(db, "admin")
    board = get(client, admin, "/api/dashboard")
    assert board["summary"]["total"] == 5
    assert get(client, admin, "/api/closed")["closed_today"] == 3


def test_a_customer_of_client_a_sees_only_client_a_totals_and_nothing_internal(world: Any) -> None:
    client, db = world
    customer_a = api_key_for(db, "customer", ("acme",))
    board = get(client, customer_a, "/api/dashboard")
    assert board["summary"]["total"] == 3
    assert board["summary"]["new"] == 3
    assert board["teams"] == []
    assert board["users"] == []
    assert get(client, customer_a, "/api/closed")["closed_today"] == 1
    history = get(client, customer_a, "/api/history", raw=True)
    assert history, "per-client snapshots are written by the sync"
    assert {p["total"] for p in history} == {3}


def test_naming_the_source_explicitly_does_not_widen_a_customers_scope(world: Any) -> None:
    client, db = world
    customer_a = api_key_for(db, "customer", ("acme",))
    assert get(client, customer_a, "/api/dashboard", source="trengo")["summary"]["total"] == 3
    assert get(client, customer_a, "/api/closed", source="trengo")["closed_today"] == 1
    assert {p["total"] for p in get(client, customer_a, "/api/history", source="trengo", raw=True)} == {3}


def test_an_account_manager_of_client_b_sees_only_client_b(world: Any) -> None:
    client, db = world
    manager_b = api_key_for(db, "account_manager", ("globex",))
    board = get(client, manager_b, "/api/dashboard")
    assert board["summary"]["total"] == 2
    assert get(client, manager_b, "/api/closed")["closed_today"] == 2
    assert {p["total"] for p in get(client, manager_b, "/api/history", raw=True)} == {2}


def test_a_key_limited_to_client_a_by_a_manager_sees_only_client_a(world: Any) -> None:
    client, db = world
    manager = api_key_for(db, "manager")
    made = client.post(
        "/api/keys", json={"name": "acme wallboard", "role": "viewer", "clients": ["acme"]},
        headers={"X-API-Key": manager},
    )  # fmt: skip
    assert made.status_code == 201, made.text
    limited = made.json()["key"]
    assert get(client, limited, "/api/dashboard")["summary"]["total"] == 3
    assert get(client, limited, "/api/closed")["closed_today"] == 1
    assert get(client, manager, "/api/dashboard")["summary"]["total"] == 5


def test_a_revoked_key_is_refused_at_once(world: Any) -> None:
    from deskpulse.auth import apikeys, tokens

    client, db = world
    customer_a = api_key_for(db, "customer", ("acme",))
    assert get(client, customer_a, "/api/dashboard")["summary"]["total"] == 3
    with db.session() as session:
        apikeys.revoke(session, tokens.prefix_of(customer_a) or "", now=NOW)
    assert client.get("/api/dashboard", headers={"X-API-Key": customer_a}).status_code == 401
