"""The uptime slide on the hand-built LibreNMS desk: this month's services, scoped, masked, with the monitoring
source's freshness (not the ticket sources')."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from fastapi.testclient import TestClient

from deskpulse.store.db import Database
from deskpulse.store.tables import SourceRow
from deskpulse.tv_config import TvConfig, TvPlaylist, TvSlide
from deskpulse.web.app import create_app
from support import api_key_for
from uptime_store_support import AFTER_OCTOBER, GRAPH_YAML, config, seed_month

# A service named after its customer: the mask must blank the name inside it.
GRAPH = GRAPH_YAML.replace("name: Internet 1G", "name: Globex fibre 1G")
UPTIME = [TvSlide(board="uptime", thresholds={"uptime": (99.99, 99.0)})]


@pytest.fixture
def world(db: Database) -> Iterator[tuple[TestClient, str]]:
    base = config()
    tv = TvConfig(playlists=[TvPlaylist(name="noc", slides=UPTIME),
                             TvPlaylist(name="lobby", slides=UPTIME, privacy_mask=True, stale_minutes=5)])  # fmt: skip
    app = create_app(base.model_copy(update={"tv": tv}), db=db)
    with time_machine.travel(AFTER_OCTOBER, tick=False), TestClient(app) as client:
        seed_month(db)
        with db.session() as session:
            session.query(SourceRow).filter_by(name="nms").one().last_ok_at = AFTER_OCTOBER - timedelta(minutes=7)
        admin = api_key_for(db, "admin")
        imported = client.post("/api/uptime/graphs/import", content=GRAPH,
                               headers={"Content-Type": "application/yaml", "X-API-Key": admin})  # fmt: skip
        assert imported.status_code == 200, imported.text
        yield client, admin


def uptime(client: TestClient, key: str, playlist: str) -> Any:
    response = client.get(f"/api/tv/{playlist}/slides/1", headers={"X-API-Key": key})
    assert response.status_code == 200, response.text
    return response.json()


def test_the_uptime_slide_lists_this_months_services_with_their_clients(world: Any) -> None:
    client, admin = world
    body = uptime(client, admin, "noc")
    widgets = {w["key"]: w for w in body["widgets"]}
    assert widgets["uptime"]["display"] == "100 %" and widgets["uptime"]["level"] == "ok"
    assert widgets["incidents"]["value"] == 0
    (services,) = body["tables"]
    assert services["title"] == "Services, 2026-11" and services["columns"][-1] == "Client"
    assert sorted(r["cells"][0] for r in services["rows"]) == ["Globex fibre 1G", "Internet 100M"]
    assert {r["cells"][-1] for r in services["rows"]} == {"Acme", "Globex"}


def test_a_customer_of_acme_sees_only_acmes_services(world: Any, db: Database) -> None:
    client, _ = world
    customer = api_key_for(db, "customer", ("acme",))
    body = uptime(client, customer, "noc")
    assert [r["cells"][0] for r in body["tables"][0]["rows"]] == ["Internet 100M"]
    assert "Globex" not in client.get("/api/tv/noc/slides/1", headers={"X-API-Key": customer}).text


def test_the_mask_drops_the_client_column_and_blanks_customer_names_in_service_names(world: Any) -> None:
    client, admin = world
    text = client.get("/api/tv/lobby/slides/1", headers={"X-API-Key": admin}).text
    assert "Globex" not in text and "Acme" not in text
    rows = uptime(client, admin, "lobby")["tables"][0]
    assert "Client" not in rows["columns"]
    assert sorted(r["cells"][0] for r in rows["rows"]) == ["Internet 100M", "••• fibre 1G"]


def test_freshness_follows_the_monitoring_source(world: Any) -> None:
    client, admin = world
    assert uptime(client, admin, "noc")["freshness"]["stale"] is False  # 7 minutes old, limit 10
    lobby = uptime(client, admin, "lobby")["freshness"]  # limit 5
    assert lobby["stale"] is True and lobby["ageMinutes"] == 7
