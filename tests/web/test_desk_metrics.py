"""/api/dashboard/*: SLA figures on a hand-built desk, in the {success, data, message} envelope.

The desk: Mon–Fri 09:00–17:00 Europe/Amsterdam (UTC+1 in November), default targets, now = Wednesday
2026-11-18 10:00 UTC (11:00 local).
"""

from __future__ import annotations

from typing import Any

import time_machine
from fastapi.testclient import TestClient

from desk_support import CONFIG, NOW, build_desk
from deskpulse.store.db import Database
from deskpulse.web.app import create_app
from support import api_key_for


def get(db: Database, path: str, role: str = "manager") -> tuple[int, dict[str, Any]]:
    with time_machine.travel(NOW, tick=False), TestClient(create_app(CONFIG, db=db)) as client:
        key = api_key_for(db, role, ("acme",) if role == "customer" else ())  # after start-up registered clients
        response = client.get(path, headers={"X-API-Key": key})
    return response.status_code, response.json()


def test_the_metrics_document_on_a_hand_built_desk(db: Database) -> None:
    build_desk(db)
    status, body = get(db, "/api/dashboard/metrics")
    assert status == 200 and body["success"] is True and body["message"] is None
    data = body["data"]
    overview = data["overview"]
    assert (overview["openTickets"], overview["totalTickets"], overview["closedToday"]) == (3, 4, 0)
    assert (overview["newTickets"], overview["inProgressTickets"], overview["waitingTickets"]) == (0, 2, 1)
    # First responses in the period: C after 60 business minutes, D after 20.
    assert (overview["averageResponseTime"], overview["medianResponseTime"]) == (40.0, 40.0)
    assert overview["averageResolutionTime"] == 240.0
    # Response: met C, D; breached A -> 2/3. Resolution: met C -> 1/1. Together 3/4.
    compliance = data["slaCompliance"]
    assert (compliance["response"]["met"], compliance["response"]["breached"]) == (2, 1)
    assert compliance["response"]["rate"] == 66.7
    assert compliance["resolution"]["rate"] == 100.0
    assert overview["slaComplianceRate"] == 75.0
    assert data["slaBreaches"] == {"responseBreaches": 1, "resolutionBreaches": 0, "atRiskTickets": 1}
    assert data["priority"] == {"critical": 1, "high": 0, "medium": 2, "low": 0, "none": 0}
    assert data["resources"] == []
    assert data["queues"][0]["ticketCount"] == 3 and data["queues"][0]["queueName"] == "(no queue)"
    assert "hoursLogged" in " ".join(data["reasons"])


def test_violations_list_at_risk_and_breached_tickets_with_minutes_left(db: Database) -> None:
    build_desk(db)
    status, body = get(db, "/api/dashboard/sla/violations")
    assert status == 200
    breached, at_risk = body["data"]["breached"], body["data"]["atRisk"]
    assert [t["id"] for t in breached] == ["A"]
    assert breached[0]["responseTimeRemaining"] == -60.0
    assert breached[0]["resolutionTimeRemaining"] == 120.0
    assert [t["id"] for t in at_risk] == ["B"]
    assert at_risk[0]["responseTimeRemaining"] == 30.0


def test_a_paused_ticket_is_neither_at_risk_nor_breached(db: Database) -> None:
    build_desk(db)
    _, body = get(db, "/api/dashboard/sla/violations")
    listed = {t["id"] for t in body["data"]["breached"] + body["data"]["atRisk"]}
    assert "D" not in listed


def test_no_data_gives_null_figures_with_reasons_never_zeros(db: Database) -> None:
    status, body = get(db, "/api/dashboard/metrics")
    assert status == 200
    overview, reasons = body["data"]["overview"], body["data"]["reasons"]
    for name in ("averageResponseTime", "averageResolutionTime", "slaComplianceRate"):
        assert overview[name] is None
        assert reasons[name]
    assert body["data"]["trends"]["forecast"]["points"] == []
    assert "at least 14 days" in body["data"]["trends"]["forecast"]["reason"]


def test_bad_parameters_and_forbidden_callers_get_the_envelope(db: Database) -> None:
    status, body = get(db, "/api/dashboard/metrics?days=0")
    assert status == 400
    assert body["success"] is False and body["data"] is None and "days" in body["message"]
    status, body = get(db, "/api/dashboard/metrics", role="customer")
    assert status == 403 and body["success"] is False and "tickets:internal" in body["message"]


def test_trends_count_created_and_resolved_per_local_day(db: Database) -> None:
    build_desk(db)
    status, body = get(db, "/api/dashboard/trends?days=3")
    assert status == 200
    created = {d["date"]: d["count"] for d in body["data"]["createdPerDay"]}
    resolved = {d["date"]: d["count"] for d in body["data"]["resolvedPerDay"]}
    assert created == {"2026-11-16": 1, "2026-11-17": 1, "2026-11-18": 2}
    assert resolved == {"2026-11-16": 1, "2026-11-17": 0, "2026-11-18": 0}


def test_the_sla_workload_and_trends_pages_render_for_staff(db: Database) -> None:
    build_desk(db)
    with time_machine.travel(NOW, tick=False), TestClient(create_app(CONFIG, db=db)) as client:
        key = api_key_for(db, "technician")
        pages = {p: client.get(p, headers={"X-API-Key": key}) for p in ("/sla", "/workload", "/trends")}
        customer = api_key_for(db, "customer", ("acme",))
        refused = client.get("/sla", headers={"X-API-Key": customer}, follow_redirects=False)
    assert all(r.status_code == 200 for r in pages.values())
    sla = pages["/sla"].text
    assert 'data-testid="at-risk"' in sla and "Ticket B" in sla and "30 min left" in sla
    assert 'data-testid="breached"' in sla and "overdue by 1 h 00 min" in sla
    assert "met / (met + breached)" in sla
    assert "(no queue)" in pages["/workload"].text
    trends = pages["/trends"].text
    assert "No forecast:" in trends and "2026-11-18" in trends
    assert refused.status_code in (303, 403)


def test_the_ticket_list_filters_pages_and_carries_sla(db: Database) -> None:
    build_desk(db)
    status, body = get(db, "/api/dashboard/tickets?priorities=critical,medium&pageSize=2")
    assert status == 200
    data = body["data"]
    assert (data["total"], data["pageSize"], data["totalPages"]) == (3, 2, 2)
    assert [t["id"] for t in data["items"]] == ["D", "A"], "newest first"
    a = data["items"][1]
    assert a["sla"]["response"]["state"] == "breached" and a["sla"]["response"]["remainingMinutes"] == -60.0
    _, body = get(db, "/api/dashboard/tickets?priorities=critical,medium&pageSize=2&page=2")
    assert [t["id"] for t in body["data"]["items"]] == ["B"]
    _, body = get(db, "/api/dashboard/tickets?statuses=waiting_on_customer")
    assert [t["id"] for t in body["data"]["items"]] == ["D"]
    _, body = get(db, "/api/dashboard/tickets?showClosed=true&searchText=ticket%20c")
    assert [t["id"] for t in body["data"]["items"]] == ["C"]
    _, body = get(db, "/api/dashboard/tickets?searchText=ticket%20c")
    assert body["data"]["items"] == [], "closed tickets only with showClosed"


def test_every_ticket_filter_rejects_bad_values_with_a_message(db: Database) -> None:
    build_desk(db)
    cases = {
        "priorities=severe": "priorities",
        "statuses=frozen": "statuses",
        "queues=999": "queues",
        "resources=42": "resources",
        "companies=nobody": "companies",
        "showClosed=maybe": "showClosed",
        "page=0": "page",
        "pageSize=101": "pageSize",
        "pageSize=abc": "pageSize",
        "searchText=" + "x" * 201: "searchText",
    }
    for query, name in cases.items():
        status, body = get(db, f"/api/dashboard/tickets?{query}")
        assert status == 400, query
        assert body["success"] is False and name in body["message"], (query, body)


def test_a_ticket_in_detail_shows_its_clock_segments_and_history(db: Database) -> None:
    build_desk(db)
    status, body = get(db, "/api/dashboard/tickets/D")
    assert status == 200
    data = body["data"]
    assert data["description"] is None and data["status"] == "waiting on customer"
    assert [(c["field"], c["from"], c["to"]) for c in data["changes"]] == [
        ("status_raw", "open", "waiting_on_customer"), ("status_category", "open", "waiting_on_customer"),
    ]  # fmt: skip
    resolution = data["clocks"]["resolution"]
    kinds = [s["kind"] for s in resolution["segments"]]
    assert kinds == ["running", "paused_status"]
    assert resolution["elapsedBusinessMinutes"] == 30.0 and resolution["state"] == "ok"
    assert data["clocks"]["first_response"]["state"] == "met"
    status, body = get(db, "/api/dashboard/tickets/nope")
    assert status == 404 and body["success"] is False


def test_the_ticket_page_shows_the_auditable_clock(db: Database) -> None:
    build_desk(db)
    with time_machine.travel(NOW, tick=False), TestClient(create_app(CONFIG, db=db)) as client:
        key = api_key_for(db, "technician")
        page = client.get("/tickets/desk:D", headers={"X-API-Key": key})
        missing = client.get("/tickets/desk:nope", headers={"X-API-Key": key})
    assert page.status_code == 200
    resolution = page.text.split('data-testid="clock-resolution"')[1].split("</section>")[0]
    assert "running" in resolution and "paused (status)" in resolution
    assert "30.0 business minutes used" in resolution
    assert missing.status_code == 404
