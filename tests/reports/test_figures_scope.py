"""Report figures hold one client's data only, say "no data" instead of zeros, and take uptime from the store."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from deskpulse.config import Config
from deskpulse.reports.figures import ReportFiguresError, client_zone, compute_report_figures
from deskpulse.reports.period import parse_period
from deskpulse.sla_config import ClientSlaSettings, SlaConfig
from deskpulse.store.db import Database
from deskpulse.store.report_tables import TicketDetailsStateRow
from deskpulse.store.tables import SourceRow, TicketRow
from deskpulse.store.uptime_graphs import ClientDirectory, parse_graph, save_version
from report_month_support import CLIENTS, CONFIG, NOW, SOURCE, build_month
from uptime_store_support import GRAPH_YAML, OCTOBER_S, H, M, seed_month
from uptime_store_support import settings as nms_settings

AMS = ZoneInfo("Europe/Amsterdam")
OCTOBER = parse_period("2026-10", AMS)


def _figures(db: Database, client: str, config: Config = CONFIG) -> dict[str, Any]:
    with db.session() as session:
        return compute_report_figures(session, config, client, OCTOBER, now=NOW)


def test_two_clients_computed_at_once_each_get_only_their_own_tickets(db: Database) -> None:
    build_month(db)
    with ThreadPoolExecutor(max_workers=2) as pool:
        jobs = [pool.submit(_figures, db, client) for client in ("acme", "globex") * 4]
        results = [job.result() for job in jobs]
    for found in results:
        numbers = {t["number"] for t in found["ticket_list"]}
        if found["client"]["key"] == "acme":
            assert numbers == {"#T1", "#T2", "#T3", "#T4", "#T5", "#T6", "#T7"}
            assert found["tickets"]["opened"] == 6
            assert found["csat"]["responses"] == 3
            assert found["hours"]["total"] == 6.0
        else:
            assert numbers == {"#G1"}
            assert found["tickets"] == {"opened": 1, "resolved": 0, "closed": 0, "backlog_start": 0, "backlog_end": 1}
            comment = {"rating": 1, "comment": "Globex only", "ticket": "#G1"}
            assert found["csat"] == {"responses": 1, "positive": 0, "pct": 0.0, "comments": [comment]}
            assert found["hours"]["by_agent"] == [{"name": "Ann Agent", "billable": 9.0, "non_billable": 0.0}]
            assert found["top_requesters"] == [{"name": "gina@globex.test", "email": "gina@globex.test", "tickets": 1}]


def test_a_client_without_data_gets_empty_sections_not_zeros(db: Database) -> None:
    build_month(db)
    found = _figures(db, "initech")
    assert found["tickets"] == {"opened": 0, "resolved": 0, "closed": 0, "backlog_start": 0, "backlog_end": 0}
    assert found["by_type"] == found["by_priority"] == found["by_category"] == []
    assert found["times"] == {"first_response": None, "resolution": None}
    no_target = {"met": 0, "breached": 0, "met_pct": None}
    assert found["sla"] == {"response": no_target, "resolution": no_target, "breached": []}
    for section in ("first_contact_resolution", "reopened", "csat", "hours", "uptime", "previous"):
        assert found[section] is None, section
    assert found["top_requesters"] == found["ticket_list"] == found["sources"] == []
    assert len(found["daily"]) == 31 and not any(d["opened"] or d["resolved"] for d in found["daily"])


def test_an_unknown_client_is_refused_with_a_sentence(db: Database) -> None:
    build_month(db)
    with pytest.raises(ReportFiguresError, match="Unknown client 'umbrella'; known clients: acme, globex, initech"):
        _figures(db, "umbrella")


def test_a_client_with_its_own_sla_zone_gets_its_periods_in_that_zone(db: Database) -> None:
    sla = SlaConfig(clients=[ClientSlaSettings(client="globex", timezone="America/New_York")])
    config = Config(database_url="sqlite://", sources=[SOURCE], clients=CLIENTS, sla=sla)
    assert client_zone(config, "globex") == ZoneInfo("America/New_York")
    assert client_zone(config, "acme") == AMS
    build_month(db)
    found = _figures(db, "globex", config)
    assert found["client"]["timezone"] == "America/New_York"
    assert found["period"]["start"] == "2026-10-01T00:00:00-04:00"
    assert found["period"]["end"] == "2026-11-01T00:00:00-04:00"


def test_uptime_comes_from_the_uptime_engine_for_the_client_s_services_only(db: Database) -> None:
    config = Config(database_url="sqlite://", sources=[SOURCE, nms_settings()], clients=CLIENTS)
    build_month(db)
    seed_month(db)
    with db.session() as session:
        save_version(session, parse_graph(GRAPH_YAML, ClientDirectory.load(session)), fmt="yaml", now=NOW,
                     created_by="test")  # fmt: skip
    found = _figures(db, "acme", config)
    (service,) = found["uptime"]["services"]
    # October: 80 min down (dist-sw-01 40 + 30 min, the CPE 10 min), 30 min maintenance, 1 h without data.
    down, up = 80 * M, OCTOBER_S - 80 * M - 30 * M - H
    assert (service["id"], service["name"], service["slo"], service["down_s"]) == (
        "acme-internet",
        "Internet 100M",
        99.5,
        down,
    )
    assert service["sli"] == round(100 * up / (up + down), 3)
    assert service["budget_left_s"] == round(0.005 * (up + down) - down)
    assert service["incidents"] == [
        {"start": "2026-10-07T12:00:00+02:00", "end": "2026-10-07T12:40:00+02:00", "duration_s": 2400,
         "root_cause": "dist-sw-01", "location": "our network", "customer_device_up": True},
        {"start": "2026-10-20T10:00:00+02:00", "end": "2026-10-20T10:10:00+02:00", "duration_s": 600,
         "root_cause": "cpe-acme-01", "location": "customer premises", "customer_device_up": False},
        {"start": "2026-10-22T12:00:00+02:00", "end": "2026-10-22T12:30:00+02:00", "duration_s": 1800,
         "root_cause": "dist-sw-01", "location": "our network", "customer_device_up": True},
    ]  # fmt: skip
    assert _figures(db, "initech", config)["uptime"] is None


def test_a_stale_source_and_unreadable_details_are_named_in_the_sources(db: Database) -> None:
    build_month(db)
    with db.session() as session:
        row = session.scalars(select(SourceRow).where(SourceRow.name == "desk")).one()
        row.stale_since = datetime(2026, 10, 30, 21, 10, tzinfo=UTC)
        t7 = session.scalars(select(TicketRow.id).where(TicketRow.external_id == "T7")).one()
        session.add(TicketDetailsStateRow(ticket_id=t7, fetched_at=NOW, error="HTTP 500 from the vendor"))
    (source,) = _figures(db, "acme")["sources"]
    assert source == {
        "name": "desk", "kind": "trengo", "stale_since": "2026-10-30T22:10:00+01:00",
        "note": "Replies, satisfaction answers and time entries could not be read for 1 ticket(s); the figures "
                "made from them may be incomplete.",
    }  # fmt: skip
    assert "HTTP 500" not in json.dumps(_figures(db, "acme"))  # vendor errors stay out of a client's report
    assert _figures(db, "globex")["sources"][0]["note"] is None
