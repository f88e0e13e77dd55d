"""The uptime pages render the figures of the JSON, scoped like it; the status page shows each source's log."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from fastapi.testclient import TestClient

from deskpulse.store.db import Database
from deskpulse.store.source_log import add_line
from deskpulse.web.app import create_app
from support import api_key_for, source_config
from uptime_store_support import AFTER_OCTOBER, GRAPH_YAML, config, seed_month, settings

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "deskpulse" / "web" / "templates"


@pytest.fixture
def world(db: Database) -> Iterator[tuple[TestClient, dict[str, str], int]]:
    app = create_app(config(settings(), source_config("helpdesk")), db=db)
    with time_machine.travel(AFTER_OCTOBER, tick=False), TestClient(app) as client:
        source_id = seed_month(db)
        keys = {"admin": api_key_for(db, "admin"), "viewer": api_key_for(db, "viewer"),
                "customer": api_key_for(db, "customer", ("acme",))}  # fmt: skip
        response = client.post("/api/uptime/graphs/import", content=GRAPH_YAML, headers={"X-API-Key": keys["admin"]})
        assert response.status_code == 200, response.text
        yield client, keys, source_id


def page(client: TestClient, key: str, path: str) -> str:
    response = client.get(path, headers={"X-API-Key": key})
    assert response.status_code == 200, response.text
    return response.text


def kpi(html: str, name: str) -> str:
    found = re.search(rf'data-testid="kpi-{name}">([^<]*)<', html)
    assert found is not None, f"no KPI {name}"
    return found.group(1)


def test_the_uptime_page_shows_the_kpis_of_all_customers_and_of_one(world: Any) -> None:
    client, keys, _ = world
    html = page(client, keys["viewer"], "/uptime?period=2026-10")
    totals = client.get("/api/uptime/services", params={"period": "2026-10"},
                        headers={"X-API-Key": keys["viewer"]}).json()["totals"]  # fmt: skip
    assert kpi(html, "uptime") == f"{totals['sli'] * 100:.3f}".rstrip("0").rstrip(".") + " %"
    assert kpi(html, "downtime") == "1 h 20 min"
    assert kpi(html, "incidents") == "3"
    assert "Internet 100M" in html and "Internet 1G" in html
    assert "/api/uptime/services.csv?period=2026-10" in html
    assert "Outages less than 300 s apart" in html
    assert "<polyline" in html and 'class="bar-down"' in html
    globex = page(client, keys["viewer"], "/uptime?period=2026-10&client=globex")
    assert kpi(globex, "incidents") == "0"
    assert kpi(globex, "uptime") == "100 %"
    assert "Internet 100M" not in globex


def test_a_customer_sees_only_its_own_services_on_the_page(world: Any) -> None:
    client, keys, _ = world
    html = page(client, keys["customer"], "/uptime?period=2026-10")
    assert "Internet 100M" in html and "Internet 1G" not in html
    assert kpi(html, "incidents") == "3"
    assert client.get("/uptime/services/globex-internet?period=2026-10",
                      headers={"X-API-Key": keys["customer"]}).status_code == 404  # fmt: skip
    assert client.get("/status/sources", headers={"X-API-Key": keys["customer"]}).status_code == 403


def test_the_service_page_lists_incidents_with_root_cause_and_whether_the_customer_device_stayed_up(world: Any) -> None:
    client, keys, _ = world
    html = page(client, keys["customer"], "/uptime/services/acme-internet?period=2026-10")
    rows = re.findall(r"<tr><td>([^<]+)</td><td>[^<]+</td>\s*<td class=\"num\">([^<]+)</td><td>([^<]+)</td>"
                      r"<td>([^<]+)</td>\s*<td>(yes|no)</td></tr>", html)  # fmt: skip
    assert rows == [
        ("2026-10-07 12:00", "40 min", "dist-sw-01", "our network", "yes"),
        ("2026-10-20 10:00", "10 min", "cpe-acme-01", "customer premises", "no"),
        ("2026-10-22 12:00", "30 min", "dist-sw-01", "our network", "yes"),
    ]


def test_the_status_page_shows_every_source_with_its_log_and_escapes_what_vendors_send(
    world: Any, db: Database
) -> None:
    client, keys, source_id = world
    with db.session() as session:
        add_line(session, source_id, AFTER_OCTOBER, "poll failed: <script>alert(1)</script>", "error")
    html = page(client, keys["viewer"], "/status/sources")
    assert html.count('data-testid="source-status"') == 2
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html
    status = client.get("/api/status/sources", headers={"X-API-Key": keys["viewer"]}).json()
    assert [s["name"] for s in status] == ["nms", "helpdesk"]
    assert status[0]["recent_errors"][0]["message"].startswith("poll failed")


def test_no_uptime_template_marks_text_as_safe() -> None:
    for name in ("uptime.html", "uptime_service.html", "status_sources.html", "_uptime_layout.html"):
        assert "|safe" not in (TEMPLATES / name).read_text(encoding="utf-8").replace(" ", ""), name
