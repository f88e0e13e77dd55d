"""The alerts API: list, acknowledge, resolve (pushed live), escalation rules CRUD, roles and scoping."""

from __future__ import annotations

import asyncio
from typing import Any

import time_machine
from fastapi.testclient import TestClient

from desk_support import NOW, build_desk
from deskpulse.alerts.runner import evaluate_and_apply
from deskpulse.config import ClientConfig, Config
from deskpulse.store.db import Database
from deskpulse.web.app import create_app
from support import api_key_for, source_config

RULE = {
    "id": "p1-response", "name": "Urgent first response overdue", "severity": "critical",
    "condition": {"type": "sla_breached", "kind": "first_response", "min_overdue_minutes": 30},
    "filters": {"priorities": ["critical"]}, "actions": {"channels": ["hook"]},
}  # fmt: skip
CONFIG = Config.model_validate({
    "database_url": "sqlite://", "sources": [source_config("desk").model_dump()],
    "clients": [ClientConfig(id="acme", name="Acme").model_dump()],
    "alerts": {"channels": [{"type": "webhook", "name": "hook", "url": "http://127.0.0.1:9/hook", "secret": "s" * 32}],
               "rules": [RULE]},
})  # fmt: skip


def fired(db: Database) -> None:
    build_desk(db)  # ticket A: urgent, first response 60 min overdue at NOW
    result = asyncio.run(evaluate_and_apply(db, CONFIG, NOW))
    assert len(result.fired) == 1


def call(db: Database, method: str, path: str, role: str = "technician", body: Any = None) -> tuple[int, Any]:
    with time_machine.travel(NOW, tick=False), TestClient(create_app(CONFIG, db=db)) as client:
        key = api_key_for(db, role, ("acme",) if role in ("customer", "account_manager") else ())
        response = client.request(method, path, headers={"X-API-Key": key}, json=body)
        events = client.app.state.hub.recent()  # type: ignore[attr-defined]
    return response.status_code, {"json": response.json(), "events": events}


def test_an_alert_is_listed_acknowledged_and_resolved_with_live_events(db: Database) -> None:
    fired(db)
    status, out = call(db, "GET", "/api/dashboard/alerts")
    assert status == 200
    data = out["json"]["data"]
    assert (data["total"], data["unacknowledged"]) == (1, 1)
    alert = data["alerts"][0]
    assert alert["state"] == "firing" and "Ticket A" in (alert["title"] + alert["message"])
    status, out = call(db, "POST", f"/api/dashboard/alerts/{alert['id']}/acknowledge", body={"note": "on it"})
    assert status == 200 and out["json"]["data"]["state"] == "acknowledged"
    assert [e.type for e in out["events"]] == ["alert.acknowledged"]
    assert out["events"][0].data["severity"] == "info", "an acknowledgement never pops a notification"
    _, out = call(db, "GET", "/api/dashboard/alerts?state=firing")
    assert out["json"]["data"]["total"] == 0
    status, out = call(db, "POST", f"/api/dashboard/alerts/{alert['id']}/resolve")
    assert status == 200 and out["json"]["data"]["state"] == "resolved"


def test_roles_scoping_and_bad_requests(db: Database) -> None:
    fired(db)
    _, out = call(db, "GET", "/api/dashboard/alerts")
    alert_id = out["json"]["data"]["alerts"][0]["id"]
    status, out = call(db, "POST", f"/api/dashboard/alerts/{alert_id}/acknowledge", role="viewer")
    assert status == 403 and out["json"]["success"] is False
    status, out = call(db, "GET", "/api/dashboard/alerts", role="account_manager")
    assert status == 200 and out["json"]["data"]["total"] == 0, "a desk-wide alert is not an Acme alert"
    status, out = call(db, "POST", f"/api/dashboard/alerts/{alert_id}/acknowledge", role="account_manager")
    assert status == 403
    status, out = call(db, "GET", "/api/dashboard/alerts?state=sleeping")
    assert status == 400 and "sleeping" in out["json"]["message"]
    status, out = call(db, "POST", "/api/dashboard/alerts/999999/resolve")
    assert status == 404


def test_escalation_rules_are_created_changed_and_deleted_through_the_api(db: Database) -> None:
    status, out = call(db, "GET", "/api/dashboard/escalation-rules")
    assert status == 200 and [(r["id"], r["definedIn"]) for r in out["json"]["data"]] == [("p1-response", "config")]
    new = {**RULE, "id": "stale", "name": "Source stale", "condition": {"type": "source_stale_for", "minutes": 15},
           "filters": {}}  # fmt: skip
    status, out = call(db, "POST", "/api/dashboard/escalation-rules", role="manager", body=new)
    assert status == 200, out
    status, out = call(db, "PUT", "/api/dashboard/escalation-rules/stale", role="manager",
                       body={**new, "name": "Source stale for 15 minutes"})  # fmt: skip
    assert status == 200 and out["json"]["data"]["name"] == "Source stale for 15 minutes"
    status, out = call(db, "POST", "/api/dashboard/escalation-rules", role="manager",
                       body={**new, "id": "bad", "actions": {"channels": ["nowhere"]}})  # fmt: skip
    assert status == 400 and "nowhere" in out["json"]["message"]
    status, out = call(db, "PUT", "/api/dashboard/escalation-rules/p1-response", role="manager", body=RULE)
    assert status in (404, 409), "rules from the config file are changed there"
    status, _ = call(db, "DELETE", "/api/dashboard/escalation-rules/stale", role="technician")
    assert status == 403
    status, _ = call(db, "DELETE", "/api/dashboard/escalation-rules/stale", role="manager")
    assert status == 200
    _, out = call(db, "GET", "/api/dashboard/escalation-rules")
    assert [r["id"] for r in out["json"]["data"]] == ["p1-response"]
