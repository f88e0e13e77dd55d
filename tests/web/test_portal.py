"""The customer portal and /api/tickets: a customer sees its own tickets, nothing internal, nothing else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from deskpulse.config import ClientConfig, Config
from deskpulse.simulators.trengo_scenario import TrengoScenario
from deskpulse.store.db import Database
from deskpulse.sync.engine import SyncEngine
from deskpulse.web.app import create_app
from support import Clock, RecordingSleep, api_key_for, connector_for, simulator, source_config

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
CLIENTS = [
    ClientConfig(id="acme", name="ACME", email_domains=["acme.test"]),
    ClientConfig(id="globex", name="Globex", email_domains=["globex.test"]),
]


def add(scenario: TrengoScenario, email: str, subject: str, user: int | None = None) -> None:
    ticket = scenario.add_ticket(
        status="ASSIGNED" if user else "OPEN", created_at=NOW - timedelta(hours=2), subject=subject, user_id=user
    )
    ticket["contact"] = {**ticket["contact"], "email": email}  # contacts are shared dicts in the scenario


@pytest.fixture
def app(db: Database):  # type: ignore[no-untyped-def]
    scenario = TrengoScenario.empty(now=NOW)
    agent = next(iter(scenario.users))
    add(scenario, "ann@acme.test", "ACME printer jammed", agent)
    add(scenario, "bob@sales.acme.test", "<script>alert(1)</script><img src=x onerror=alert(2)>")
    add(scenario, "cy@globex.test", "Globex payroll is down")
    add(scenario, "dee@elsewhere.test", "No client at all")
    src = source_config()
    config = Config(sources=[src], clients=CLIENTS)
    engine = SyncEngine(db, config, src, connector_for(simulator(scenario), src, RecordingSleep()), clock=Clock(NOW))
    import asyncio

    assert asyncio.run(engine.run_cycle()).ok
    return create_app(config, db=db)


def test_a_customer_of_acme_lists_only_acme_tickets_without_internal_fields(app, db: Database) -> None:  # type: ignore[no-untyped-def]
    key = api_key_for(db, "customer", ("acme",))
    with TestClient(app, headers={"X-API-Key": key}) as client:
        body = client.get("/api/tickets").json()
    subjects = {t["subject"] for t in body["items"]}
    assert body["total"] == 2
    assert "Globex payroll is down" not in subjects and "No client at all" not in subjects
    assert all(t["agent"] is None and t["team"] is None and t["url"] is None for t in body["items"])


def test_staff_see_every_ticket_with_the_agent(app, db: Database) -> None:  # type: ignore[no-untyped-def]
    with TestClient(app, headers={"X-API-Key": api_key_for(db, "technician")}) as client:
        body = client.get("/api/tickets?state=all").json()
    assert body["total"] == 4
    assert any(t["agent"] for t in body["items"])


def test_the_portal_page_escapes_vendor_text(app, db: Database) -> None:  # type: ignore[no-untyped-def]
    key = api_key_for(db, "customer", ("acme",))
    with TestClient(app, headers={"X-API-Key": key}) as client:
        html = client.get("/portal").text
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "ACME printer jammed" in html and "Globex" not in html


def test_an_anonymous_browser_is_sent_to_sign_in(app) -> None:  # type: ignore[no-untyped-def]
    with TestClient(app, follow_redirects=False) as client:
        response = client.get("/portal?state=closed")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


@pytest.mark.parametrize("query", ["limit=0", "limit=500", "offset=-1", "state=pending"])
def test_bad_filters_are_refused_with_a_sentence(app, db: Database, query: str) -> None:  # type: ignore[no-untyped-def]
    with TestClient(app, headers={"X-API-Key": api_key_for(db, "viewer")}) as client:
        response = client.get(f"/api/tickets?{query}")
    assert response.status_code == 400
    assert isinstance(response.json()["detail"], str) and response.json()["detail"]
