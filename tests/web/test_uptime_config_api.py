"""Services and suggested parents through the API: every change is a new graph version effective today."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from fastapi.testclient import TestClient

from deskpulse.store.db import Database
from deskpulse.store.uptime_tables import UptimeSuggestionRow
from deskpulse.web.app import create_app
from support import api_key_for
from uptime_store_support import AFTER_OCTOBER, GRAPH_YAML, config, seed_month

SELF_PARENT = {"need": 1, "of": ["cpe-acme-01"]}
VOICE = {"id": "acme-voice", "client": "Acme", "name": "Voice", "device": "cpe-acme-01", "slo": 99.9}


@pytest.fixture
def world(db: Database) -> Iterator[tuple[TestClient, dict[str, str], int]]:
    app = create_app(config(), db=db)
    with time_machine.travel(AFTER_OCTOBER, tick=False), TestClient(app) as client:
        source_id = seed_month(db)
        keys = {role: api_key_for(db, role) for role in ("admin", "manager", "technician")}
        keys["customer"] = api_key_for(db, "customer", ("acme",))
        client.headers["X-API-Key"] = keys["admin"]
        imported = client.post("/api/uptime/graphs/import", content=GRAPH_YAML)
        assert imported.status_code == 200, imported.text
        yield client, keys, source_id


def as_(client: TestClient, key: str) -> dict[str, str]:
    return {"X-API-Key": key}


def test_a_new_service_is_a_version_from_today_and_leaves_last_month_alone(world: Any) -> None:
    client, keys, _ = world
    created = client.post("/api/uptime/services/config", json=VOICE, headers=as_(client, keys["manager"]))
    assert created.status_code == 201, created.text
    assert created.json()["effective_from"] == "2026-11-18"
    assert created.json()["service"]["client"] == "acme"
    assert [p["device"] for p in created.json()["service"]["path"]] == ["cpe-acme-01", "acc-sw-03", "dist-sw-01",
                                                                        "core-01"]  # fmt: skip
    october = client.get("/api/uptime/services", params={"period": "2026-10"}).json()
    assert [s["id"] for s in october["services"]] == ["acme-internet", "globex-internet"]
    november = {s["id"]: s for s in client.get("/api/uptime/services").json()["services"]}
    assert november["acme-voice"]["scheduled_s"] == 11 * 3600  # from local midnight (23:00 UTC) to 10:00 UTC
    configured = client.get("/api/uptime/services/config").json()
    assert [s["id"] for s in configured] == ["acme-internet", "globex-internet", "acme-voice"]


def test_changing_and_deleting_a_service_each_make_a_version_and_the_newest_of_a_day_wins(world: Any) -> None:
    client, _, _ = world
    assert client.post("/api/uptime/services/config", json=VOICE).status_code == 201
    changed = client.put("/api/uptime/services/config/acme-voice", json={**VOICE, "id": None, "slo": 99.0})
    assert changed.status_code == 200, changed.text
    assert changed.json()["service"]["slo"] == 99.0
    assert client.delete("/api/uptime/services/config/acme-voice").status_code == 200
    assert [s["id"] for s in client.get("/api/uptime/services/config").json()] == ["acme-internet", "globex-internet"]
    versions = client.get("/api/uptime/graphs").json()
    assert [(v["effective_from"], v["in_force"], v["format"]) for v in versions] == [
        ("2026-11-18", True, "api"), ("2026-11-18", False, "api"), ("2026-11-18", False, "api"),
        ("2026-01-01", True, "yaml"),
    ]  # fmt: skip
    document = client.get(f"/api/uptime/graphs/{versions[-1]['id']}").json()["document"]
    assert [s["client"] for s in document["services"]] == ["acme", "globex"]


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "sentence"),
    [
        ("post", "/api/uptime/services/config", {**VOICE, "client": "Initech"}, 400, "No client 'Initech'"),
        ("post", "/api/uptime/services/config", {**VOICE, "id": "acme-internet"}, 400, "exists already"),
        ("post", "/api/uptime/services/config", {**VOICE, "slo": 0}, 400, "problem"),
        ("post", "/api/uptime/services/config", {**VOICE, "parents": {"cpe-acme-01": [SELF_PARENT]}}, 400, "problem"),
        ("put", "/api/uptime/services/config/nope", {**VOICE, "id": None}, 404, "No service 'nope'"),
        ("delete", "/api/uptime/services/config/nope", None, 404, "No service 'nope'"),
    ],
)  # fmt: skip
def test_a_change_that_cannot_be_made_says_why(
    world: Any, method: str, path: str, body: Any, status: int, sentence: str
) -> None:
    client, _, _ = world
    response = client.request(method.upper(), path, json=body)
    assert response.status_code == status, response.text
    assert sentence in response.json()["detail"]
    assert len(client.get("/api/uptime/graphs").json()) == 1


def test_a_technician_may_read_the_configuration_but_not_change_it_and_a_customer_may_do_neither(world: Any) -> None:
    client, keys, _ = world
    assert client.get("/api/uptime/services/config", headers=as_(client, keys["technician"])).status_code == 200
    assert client.post("/api/uptime/services/config", json=VOICE,
                       headers=as_(client, keys["technician"])).status_code == 403  # fmt: skip
    assert client.get("/api/uptime/graphs", headers=as_(client, keys["customer"])).status_code == 403


def _suggest(db: Database, source_id: int, child: str, parent: str) -> int:
    now = datetime(2026, 11, 18, 9, tzinfo=UTC)
    with db.session() as session:
        row = UptimeSuggestionRow(source_id=source_id, child=child, parent=parent, protocol="lldp", state="open",
                                  first_seen_at=now, last_seen_at=now)  # fmt: skip
        session.add(row)
        session.flush()
        return row.id


def test_accepting_a_suggested_parent_adds_it_to_the_childs_group_in_a_new_version(world: Any, db: Database) -> None:
    client, _, source_id = world
    _suggest(db, source_id, "cpe-acme-01", "acc-sw-03")  # wired already: not offered
    second_uplink = _suggest(db, source_id, "acc-sw-03", "dist-sw-02")
    offered = client.get("/api/uptime/suggestions").json()
    assert [(s["child"], s["parent"], s["source"]) for s in offered] == [("acc-sw-03", "dist-sw-02", "nms")]
    accepted = client.post(f"/api/uptime/suggestions/{second_uplink}/accept")
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["state"] == "accepted"
    paths = {s["id"]: s["path"] for s in client.get("/api/uptime/services/config").json()}
    assert paths["acme-internet"][1]["parents"] == [{"need": 1, "of": ["dist-sw-01", "dist-sw-02"]}]
    assert client.get("/api/uptime/suggestions").json() == []
    assert [s["id"] for s in client.get("/api/uptime/suggestions", params={"state": "accepted"}).json()] == [
        second_uplink
    ]


def test_an_ignored_suggestion_is_no_longer_offered(world: Any, db: Database) -> None:
    client, _, source_id = world
    suggestion = _suggest(db, source_id, "acc-sw-04", "dist-sw-01")
    assert client.post(f"/api/uptime/suggestions/{suggestion}/ignore").json()["version"] is None
    assert client.get("/api/uptime/suggestions").json() == []
    assert len(client.get("/api/uptime/graphs").json()) == 1
    assert client.post("/api/uptime/suggestions/999/accept").status_code == 404
