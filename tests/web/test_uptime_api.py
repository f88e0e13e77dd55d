"""The uptime API on a hand-built October: figures per state, SLI, budget, incidents, versions, CSV, scoping."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from fastapi.testclient import TestClient

from deskpulse.store.db import Database
from deskpulse.web.app import create_app
from support import api_key_for
from uptime_store_support import AFTER_OCTOBER, GRAPH_YAML, OCTOBER_S, REWIRE_YAML, H, M, config, seed_month

YAML = {"Content-Type": "application/yaml"}


@pytest.fixture
def world(db: Database) -> Iterator[tuple[TestClient, dict[str, str]]]:
    app = create_app(config(), db=db)
    with time_machine.travel(AFTER_OCTOBER, tick=False), TestClient(app) as client:
        seed_month(db)
        keys = {
            "admin": api_key_for(db, "admin"),
            "viewer": api_key_for(db, "viewer"),
            "customer of acme": api_key_for(db, "customer", ("acme",)),
            "account manager of globex": api_key_for(db, "account_manager", ("globex",)),
        }
        imported = client.post(
            "/api/uptime/graphs/import", content=GRAPH_YAML, headers={**YAML, "X-API-Key": keys["admin"]}
        )
        assert imported.status_code == 200, imported.text
        yield client, keys


def get(http: TestClient, key: str, path: str, **params: Any) -> Any:
    response = http.get(path, params=params, headers={"X-API-Key": key})
    assert response.status_code == 200, response.text
    return response.json()


def by_id(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["id"]: s for s in document["services"]}


def test_a_distribution_switch_outage_counts_against_the_service_while_the_cpe_stayed_up(world: Any) -> None:
    client, keys = world
    acme = by_id(get(client, keys["admin"], "/api/uptime/services", period="2026-10"))["acme-internet"]
    down, maintenance, unknown = 40 * M + 30 * M + 10 * M, 30 * M, H
    up = OCTOBER_S - down - maintenance - unknown
    assert (acme["up_s"], acme["down_s"], acme["maintenance_s"], acme["unknown_s"]) == (up, down, maintenance, unknown)
    assert acme["scheduled_s"] == OCTOBER_S
    assert acme["sli"] == pytest.approx(up / (up + down))
    assert acme["sli_conservative"] == pytest.approx((OCTOBER_S - down) / OCTOBER_S)
    assert acme["budget_left_s"] == pytest.approx(0.005 * (up + down) - down)
    assert acme["budget_note"].endswith("left in 2026-10")
    assert acme["incidents"] == 3

    incidents = get(client, keys["admin"], "/api/uptime/services/acme-internet/incidents", period="2026-10")
    rows = [(i["start"], i["duration_s"], i["root_cause"]["label"], i["root_cause"]["location"],
             i["customer_device_stayed_up"]) for i in incidents["incidents"]]  # fmt: skip
    assert rows == [
        ("2026-10-07T10:00:00Z", 2400.0, "dist-sw-01", "our_network", True),
        ("2026-10-20T08:00:00Z", 600.0, "cpe-acme-01", "customer_premises", False),
        ("2026-10-22T10:00:00Z", 1800.0, "dist-sw-01", "our_network", True),
    ]
    assert incidents["policy"].startswith("Outages less than 300 s apart")


def test_maintenance_and_the_silent_poller_never_count_as_down(world: Any) -> None:
    client, keys = world
    globex = by_id(get(client, keys["admin"], "/api/uptime/services", period="2026-10"))["globex-internet"]
    assert (globex["down_s"], globex["maintenance_s"], globex["unknown_s"]) == (0, 30 * M, H)
    assert globex["sli"] == 1.0
    assert globex["incidents"] == 0


def test_a_rewire_effective_on_the_15th_changes_only_the_second_half_of_the_month(world: Any) -> None:
    client, keys = world
    before = by_id(get(client, keys["admin"], "/api/uptime/services", period="2026-10"))["acme-internet"]
    september = get(client, keys["admin"], "/api/uptime/services", period="2026-09")
    rewired = client.post(
        "/api/uptime/graphs/import", content=REWIRE_YAML, headers={**YAML, "X-API-Key": keys["admin"]}
    )
    assert rewired.status_code == 200, rewired.text
    assert rewired.json()["effective_from"] == "2026-10-15"
    after = by_id(get(client, keys["admin"], "/api/uptime/services", period="2026-10"))["acme-internet"]
    assert after["down_s"] == before["down_s"] - 30 * M  # the 22nd's dist-sw-01 outage no longer reaches Acme
    incidents = get(client, keys["admin"], "/api/uptime/services/acme-internet/incidents", period="2026-10")
    assert [i["start"] for i in incidents["incidents"]] == ["2026-10-07T10:00:00Z", "2026-10-20T08:00:00Z"]
    assert get(client, keys["admin"], "/api/uptime/services", period="2026-09")["services"] == september["services"]
    versions = get(client, keys["admin"], "/api/uptime/graphs")
    assert [(v["effective_from"], v["in_force"]) for v in versions] == [("2026-10-15", True), ("2026-01-01", True)]


def test_the_csv_export_opens_with_the_csv_module_and_matches_the_json(world: Any) -> None:
    client, keys = world
    response = client.get(
        "/api/uptime/services.csv", params={"period": "2026-10"}, headers={"X-API-Key": keys["admin"]}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == 'attachment; filename="uptime-2026-10.csv"'
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    document = by_id(get(client, keys["admin"], "/api/uptime/services", period="2026-10"))
    assert [r["id"] for r in rows] == list(document)
    for row in rows:
        expected = document[row["id"]]
        for column in ("up_s", "down_s", "unknown_s", "maintenance_s", "budget_left_s", "sli", "sli_conservative"):
            assert float(row[column]) == pytest.approx(expected[column])
        assert int(row["incidents"]) == expected["incidents"]
        assert row["client_name"] in {"Acme", "Globex"}
        assert row["period_start"] == "2026-09-30T22:00:00+00:00"


def test_a_customer_sees_only_its_own_services_and_another_clients_service_is_not_found(world: Any) -> None:
    client, keys = world
    mine = get(client, keys["customer of acme"], "/api/uptime/services", period="2026-10")
    assert list(by_id(mine)) == ["acme-internet"]
    assert mine["totals"]["services"] == 1
    other = client.get("/api/uptime/services/globex-internet/incidents", params={"period": "2026-10"},
                       headers={"X-API-Key": keys["customer of acme"]})  # fmt: skip
    assert other.status_code == 404
    not_mine = client.get("/api/uptime/services", params={"client": "globex"},
                          headers={"X-API-Key": keys["customer of acme"]})  # fmt: skip
    assert not_mine.status_code == 404
    assert list(by_id(get(client, keys["account manager of globex"], "/api/uptime/services"))) == ["globex-internet"]
    csv_rows = client.get("/api/uptime/services.csv", headers={"X-API-Key": keys["customer of acme"]}).text
    assert "globex" not in csv_rows


def test_the_daily_trend_sums_the_callers_services_per_local_day(world: Any) -> None:
    client, keys = world
    days = get(client, keys["admin"], "/api/uptime/daily", **{"from": "2026-10-06", "to": "2026-10-08"})["days"]
    assert [d["day"] for d in days] == ["2026-10-06", "2026-10-07", "2026-10-08"]
    assert [d["down_s"] for d in days] == [0, 2400, 0]
    assert days[1]["incidents"] == 1
    acme_only = get(
        client, keys["admin"], "/api/uptime/daily", client="Acme", **{"from": "2026-10-07", "to": "2026-10-07"}
    )
    assert acme_only["services"] == 1


@pytest.mark.parametrize(
    ("params", "sentence"),
    [
        ({"period": "2026-13"}, "is not a month like 2026-10"),
        ({"period": "2026-10", "from": "2026-10-01", "to": "2026-10-02"}, "not both"),
        ({"from": "2026-10-01"}, "Give both from= and to="),
        ({"from": "2026-10-09", "to": "2026-10-01"}, "is before"),
        ({"from": "2026-10-xx", "to": "2026-10-02"}, "is not a date"),
        ({"from": "2024-01-01", "to": "2026-10-02"}, "at most 400 days"),
    ],
)
def test_a_period_that_cannot_be_read_is_a_400_with_a_sentence(
    world: Any, params: dict[str, str], sentence: str
) -> None:
    client, keys = world
    response = client.get("/api/uptime/services", params=params, headers={"X-API-Key": keys["viewer"]})
    assert response.status_code == 400
    assert sentence in response.json()["detail"]


def test_an_import_with_problems_is_a_400_listing_every_problem_with_its_line(world: Any) -> None:
    client, keys = world
    bad = GRAPH_YAML.replace("client: ACME", "client: Initech").replace("slo: 99.9}", "slo: 120}")
    response = client.post("/api/uptime/graphs/import", content=bad, headers={**YAML, "X-API-Key": keys["admin"]})
    assert response.status_code == 400
    problems = response.json()["problems"]
    assert [p["line"] for p in problems] == [11, 12]
    assert "client 'Initech', which is not a client in [[clients]]" in problems[0]["message"]
    assert "SLO 120%" in problems[1]["message"]
    assert response.json()["detail"] == "the graph has 2 problems."
    assert len(get(client, keys["admin"], "/api/uptime/graphs")) == 1


def test_a_dry_run_validates_and_stores_nothing(world: Any) -> None:
    client, keys = world
    response = client.post("/api/uptime/graphs/import", params={"dry_run": "true"}, content=REWIRE_YAML,
                           headers={**YAML, "X-API-Key": keys["admin"]})  # fmt: skip
    assert response.status_code == 200
    assert response.json() == {"dry_run": True, "effective_from": "2026-10-15", "devices": 7, "services": 2,
                               "maintenance": 1}  # fmt: skip
    assert len(get(client, keys["admin"], "/api/uptime/graphs")) == 1


def test_a_csv_graph_imports_like_the_yaml_one(world: Any) -> None:
    client, keys = world
    text = (
        "kind,device,role,need,of,service_id,client,name,slo,effective_from\n"
        "parents,cpe-acme-01,,1,acc-sw-03,,,,,2026-10-20\n"
        "service,cpe-acme-01,,,,acme-internet,Acme,Internet 100M,99.5,\n"
    )
    response = client.post("/api/uptime/graphs/import", content=text,
                           headers={"Content-Type": "text/csv", "X-API-Key": keys["admin"]})  # fmt: skip
    assert response.status_code == 200, response.text
    assert response.json()["effective_from"] == "2026-10-20"


def test_writing_graphs_needs_uptime_admin(world: Any) -> None:
    client, keys = world
    response = client.post(
        "/api/uptime/graphs/import", content=GRAPH_YAML, headers={**YAML, "X-API-Key": keys["viewer"]}
    )
    assert response.status_code == 403
    assert "uptime:admin" in response.json()["detail"]
