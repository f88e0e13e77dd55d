"""/api/board: a Freshservice desk's active tickets in sections with SLA badges, for staff only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from fastapi.testclient import TestClient

from deskpulse.config import ClientConfig, Config
from deskpulse.connectors.freshservice import FreshserviceSettings
from deskpulse.simulators.freshservice import FreshserviceScenario
from deskpulse.store.db import Database
from deskpulse.web.app import create_app as create_web_app
from support import api_key_for, config_for, sync_freshservice_twice

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
SETTINGS = FreshserviceSettings(
    name="fs", base_url="http://fs.test/api/v2", api_key="sim-fs-key", plan="enterprise", budget_share=1
)


async def synced(db: Database, scenario: FreshserviceScenario) -> None:
    await sync_freshservice_twice(db, scenario, SETTINGS, NOW)


def board(db: Database, role: str = "technician", query: str = "") -> tuple[int, dict]:  # type: ignore[type-arg]
    app = create_web_app(config_for(SETTINGS), db=db)
    key = api_key_for(db, role)
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False), TestClient(app, headers={"X-API-Key": key}) as c:
        response = c.get(f"/api/board{query}")
    return response.status_code, response.json()


async def test_every_active_ticket_is_on_the_board_once_in_its_section(db: Database) -> None:
    scenario = FreshserviceScenario(8, active_tickets=0, history_days=0, now=NOW - timedelta(hours=10))
    overdue = scenario.add_ticket(created_at=NOW - timedelta(hours=9), fr_due_by=NOW - timedelta(hours=2),
                                  subject="<script>alert(1)</script>", priority=4)  # fmt: skip
    replied = scenario.add_ticket(created_at=NOW - timedelta(hours=8), fr_due_by=NOW + timedelta(hours=20))
    scenario.agent_reply(replied["id"])
    scenario._now = int((NOW - timedelta(hours=1)).timestamp())  # type: ignore[attr-defined]
    scenario.requester_reply(replied["id"])
    scenario.add_ticket(status=3, created_at=NOW - timedelta(hours=5))
    scenario._now = int(NOW.timestamp())  # type: ignore[attr-defined]
    await synced(db, scenario)

    status, body = board(db)
    assert status == 200
    where = {item["id"]: s["key"] for s in body["sections"] for item in s["items"]}
    assert len(where) == body["total_active"] == len(scenario.active_tickets())
    assert where[str(replied["id"])] == "waiting_on_agent"
    items = {item["id"]: item for s in body["sections"] for item in s["items"]}
    late = items[str(overdue["id"])]
    assert late["sla"]["state"] == "overdue" and late["sla"]["text"].startswith("overdue by")
    assert late["subject"] == "<script>alert(1)</script>", "JSON carries the text as data, unaltered"
    assert [s["key"] for s in body["sections"]] == ["waiting_on_agent", "update_overdue", "open", "other_active"]


async def test_customers_do_not_get_the_agents_board(db: Database) -> None:
    config = Config(sources=[SETTINGS], clients=[ClientConfig(id="acme", name="ACME")])
    with TestClient(create_web_app(config, db=db)) as client:  # start-up registers the clients
        response = client.get("/api/board", headers={"X-API-Key": api_key_for(db, "customer", ("acme",))})
    assert response.status_code == 403
    assert "tickets:internal" in response.json()["detail"]


async def test_the_board_page_shows_the_sections_and_renders_vendor_text_inert(db: Database) -> None:
    scenario = FreshserviceScenario(9, active_tickets=0, history_days=0, now=NOW - timedelta(hours=2))
    scenario.add_ticket(created_at=NOW - timedelta(hours=1), subject='<img src=x onerror="alert(1)">')
    scenario._now = int(NOW.timestamp())  # type: ignore[attr-defined]
    await synced(db, scenario)
    app = create_web_app(config_for(SETTINGS), db=db)
    key = api_key_for(db, "technician")
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False), TestClient(app, headers={"X-API-Key": key}) as c:
        html = c.get("/board").text
    for title in ("Waiting on agent", "Needs agent / update overdue", "Open", "Other active"):
        assert title in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=" in html
