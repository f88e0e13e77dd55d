"""Behaviour of the Freshservice API simulator as a client (our connector) sees it."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2
import pytest
from starlette.applications import Starlette

from deskpulse.simulators.faults import FaultPlan
from deskpulse.simulators.freshservice import FreshserviceScenario, create_app

NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)  # a Monday morning
KEY = "sim-fs-key"
ISO_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
STATS_KEYS = [
    "created_at", "updated_at", "ticket_id", "opened_at", "group_escalated", "inbound_count", "status_updated_at",
    "outbound_count", "pending_since", "resolved_at", "closed_at", "first_assigned_at", "assigned_at",
    "agent_responded_at", "requester_responded_at", "first_responded_at", "first_resp_time_in_secs",
    "resolution_time_in_secs",
]  # fmt: skip


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@asynccontextmanager
async def api(app: Starlette, auth: tuple[str, str] | None = (KEY, "X")) -> AsyncIterator[httpx2.AsyncClient]:
    async with httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=app), base_url="http://sim/api/v2", auth=auth
    ) as client:
        yield client


def scenario_with(count: int, **kwargs: Any) -> FreshserviceScenario:
    scenario = FreshserviceScenario.empty(now=NOW, **kwargs)
    for index in range(count):
        scenario.add_ticket(created_at=NOW - timedelta(minutes=count - index), subject=f"Ticket {index}")
    return scenario


def roomy(scenario: FreshserviceScenario, **kwargs: Any) -> Starlette:
    """An app whose rate limit never gets in the way of a functional test."""
    return create_app(scenario, plan="enterprise", **kwargs)


async def collect_ids(client: httpx2.AsyncClient, url: str, **params: Any) -> tuple[list[int], int]:
    """Follow Link rel=next like the connector does; return ids and the number of pages fetched."""
    ids: list[int] = []
    pages = 0
    response = await client.get(url, params=params)
    while True:
        assert response.status_code == 200, response.text
        pages += 1
        ids.extend(ticket["id"] for ticket in response.json()["tickets"])
        link = response.headers.get("link")
        if not link:
            return ids, pages
        match = re.fullmatch(r'<([^>]+)>; rel="next"', link)
        assert match, link
        response = await client.get(match.group(1))


# --------------------------------------------------------------------------- auth
@pytest.mark.parametrize("auth", [None, ("wrong-key", "X")])
async def test_requests_without_the_right_api_key_get_401_invalid_credentials(auth: tuple[str, str] | None) -> None:
    async with api(roomy(scenario_with(1)), auth=auth) as client:
        response = await client.get("/tickets")
    assert response.status_code == 401
    assert response.json() == {
        "code": "invalid_credentials",
        "message": "You have to be logged in to perform this action.",
    }


async def test_any_password_is_accepted_because_only_the_key_is_checked() -> None:
    async with api(roomy(scenario_with(1)), auth=(KEY, "anything")) as client:
        assert (await client.get("/tickets")).status_code == 200


# --------------------------------------------------------------------------- pagination
@pytest.mark.parametrize(("count", "pages"), [(0, 1), (100, 1), (101, 2)])
async def test_per_page_100_sends_a_link_header_only_when_another_page_exists(count: int, pages: int) -> None:
    async with api(roomy(scenario_with(count))) as client:
        first = await client.get("/tickets", params={"per_page": 100})
        ids, fetched = await collect_ids(client, "/tickets", per_page=100)
    assert len(first.json()["tickets"]) == min(count, 100)
    assert ("link" in first.headers) == (count > 100)
    if count > 100:
        assert first.headers["link"] == '<http://sim/api/v2/tickets?per_page=100&page=2>; rel="next"'
    assert fetched == pages
    assert len(ids) == len(set(ids)) == count


async def test_the_default_page_size_is_30_and_link_keeps_the_other_parameters() -> None:
    async with api(roomy(scenario_with(31))) as client:
        first = await client.get("/tickets", params={"include": "stats", "order_type": "asc"})
    assert len(first.json()["tickets"]) == 30
    assert first.headers["link"] == ('<http://sim/api/v2/tickets?include=stats&order_type=asc&page=2>; rel="next"')


@pytest.mark.parametrize("per_page", [101, 0])
async def test_per_page_outside_1_to_100_is_a_400_invalid_value(per_page: int) -> None:
    async with api(roomy(scenario_with(1))) as client:
        response = await client.get("/tickets", params={"per_page": per_page})
    assert response.status_code == 400
    body = response.json()
    assert body["description"] == "Validation failed"
    assert body["errors"][0]["field"] == "per_page"
    assert body["errors"][0]["code"] == "invalid_value"


async def test_order_type_sorts_by_created_at_newest_first_by_default() -> None:
    async with api(roomy(scenario_with(5))) as client:
        default = (await client.get("/tickets")).json()["tickets"]
        ascending = (await client.get("/tickets", params={"order_type": "asc"})).json()["tickets"]
    assert [t["created_at"] for t in default] == sorted((t["created_at"] for t in default), reverse=True)
    assert [t["id"] for t in ascending] == [t["id"] for t in reversed(default)]


# --------------------------------------------------------------------------- the 30-day default and updated_since
async def test_without_updated_since_only_tickets_created_in_the_last_30_days_are_listed() -> None:
    scenario = FreshserviceScenario.empty(now=NOW)
    young = scenario.add_ticket(created_at=NOW - timedelta(days=29))
    old = scenario.add_ticket(created_at=NOW - timedelta(days=31), updated_at=NOW - timedelta(hours=1))
    async with api(roomy(scenario)) as client:
        default, _ = await collect_ids(client, "/tickets")
        since, _ = await collect_ids(client, "/tickets", updated_since="2025-01-01T00:00:00Z")
    assert default == [young["id"]]
    assert set(since) == {young["id"], old["id"]}


async def test_the_generated_backlog_has_active_tickets_hidden_by_the_30_day_default() -> None:
    scenario = FreshserviceScenario(3, now=NOW)
    async with api(roomy(scenario)) as client:
        default, _ = await collect_ids(client, "/tickets", per_page=100)
    active = {t["id"] for t in scenario.active_tickets()}
    assert active - set(default), "some active tickets must be older than 30 days"


async def test_updated_since_includes_resolved_and_closed_but_not_deleted_or_spam() -> None:
    scenario = FreshserviceScenario.empty(now=NOW)
    cutoff = NOW - timedelta(days=40)
    made = {
        status: scenario.add_ticket(
            status=status, created_at=NOW - timedelta(days=90), updated_at=NOW - timedelta(days=2)
        )
        for status in (2, 3, 4, 5)
    }
    stale = scenario.add_ticket(status=5, created_at=NOW - timedelta(days=90), updated_at=NOW - timedelta(days=60))
    deleted = scenario.add_ticket(created_at=NOW - timedelta(days=1))
    spam = scenario.add_ticket(created_at=NOW - timedelta(days=1))
    scenario.delete_ticket(deleted["id"])
    scenario.spam_ticket(spam["id"])
    async with api(roomy(scenario)) as client:
        ids, _ = await collect_ids(client, "/tickets", updated_since=cutoff.strftime("%Y-%m-%dT%H:%M:%SZ"))
        trash, _ = await collect_ids(client, "/tickets", filter="deleted")
        junk, _ = await collect_ids(client, "/tickets", filter="spam")
    assert set(ids) == {t["id"] for t in made.values()}
    assert stale["id"] not in ids
    assert trash == [deleted["id"]]
    assert junk == [spam["id"]]


async def test_updated_since_is_inclusive_to_the_second() -> None:
    scenario = FreshserviceScenario.empty(now=NOW)
    at = NOW - timedelta(hours=3)
    ticket = scenario.add_ticket(created_at=at, updated_at=at)
    async with api(roomy(scenario)) as client:
        equal, _ = await collect_ids(client, "/tickets", updated_since="2025-03-03T06:00:00Z")
        later, _ = await collect_ids(client, "/tickets", updated_since="2025-03-03T06:00:01Z")
    assert equal == [ticket["id"]]
    assert later == []


async def test_type_requester_email_and_workspace_filters_narrow_the_list() -> None:
    scenario = FreshserviceScenario.empty(now=NOW)
    requester_id = next(iter(scenario.requesters))
    email = scenario.requesters[requester_id]["primary_email"]
    request = scenario.add_ticket(type="Service Request", created_at=NOW, requester_id=requester_id)
    incident = scenario.add_ticket(created_at=NOW, requester_id=list(scenario.requesters)[1])
    other_space = scenario.add_ticket(created_at=NOW, workspace_id=3)
    async with api(roomy(scenario)) as client:
        by_type, _ = await collect_ids(client, "/tickets", type="Service Request")
        by_requester, _ = await collect_ids(client, "/tickets", requester_id=requester_id)
        by_email, _ = await collect_ids(client, "/tickets", email=email.upper())
        primary, _ = await collect_ids(client, "/tickets")
        everywhere, _ = await collect_ids(client, "/tickets", workspace_id=0)
    assert by_type == by_requester == by_email == [request["id"]]
    assert set(primary) == {request["id"], incident["id"]}
    assert other_space["id"] in everywhere


async def test_include_stats_returns_the_recorded_stats_object() -> None:
    scenario = FreshserviceScenario(1, active_tickets=20, history_days=2, now=NOW)
    async with api(roomy(scenario)) as client:
        tickets = (await client.get("/tickets", params={"include": "stats,requester,department"})).json()["tickets"]
    assert tickets
    for ticket in tickets:
        assert list(ticket["stats"]) == STATS_KEYS
        assert ticket["stats"]["ticket_id"] != ticket["id"]
        assert ticket["requester"]["id"] == ticket["requester_id"]
        assert ticket["department"] is None or ticket["department"]["id"] == ticket["department_id"]
        for field in ("created_at", "updated_at", "due_by", "fr_due_by"):
            assert ISO_Z.match(ticket[field])


# --------------------------------------------------------------------------- filter query language
def filter_scenario() -> tuple[FreshserviceScenario, dict[str, dict[str, Any]]]:
    scenario = FreshserviceScenario.empty(now=NOW)
    agent, group = next(iter(scenario.agents)), next(iter(scenario.groups))
    tickets = {
        "open_low": scenario.add_ticket(status=2, priority=1, created_at=datetime(2025, 1, 10, 8, tzinfo=UTC)),
        "open_urgent": scenario.add_ticket(
            status=2, priority=4, responder_id=agent, group_id=group, created_at=datetime(2025, 2, 1, 8, tzinfo=UTC)
        ),
        "pending_high": scenario.add_ticket(
            status=3, priority=3, responder_id=agent, created_at=datetime(2025, 2, 20, 23, 59, tzinfo=UTC),
            type="Service Request", tags=["vip"],
        ),
        "resolved": scenario.add_ticket(status=4, priority=2, created_at=datetime(2025, 3, 1, 8, tzinfo=UTC)),
    }  # fmt: skip
    return scenario, tickets


async def run_filter(query: str, **params: Any) -> tuple[int, dict[str, Any]]:
    scenario, _ = filter_scenario()
    async with api(roomy(scenario)) as client:
        response = await client.get("/tickets/filter", params={"query": query, **params})
    return response.status_code, response.json()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('"status:2"', {"open_low", "open_urgent"}),
        ('"priority:>3"', {"open_urgent", "pending_high"}),  # :> is >=
        ('"priority:<2"', {"open_low", "resolved"}),  # :< is <=
        ('"agent_id:null"', {"open_low", "resolved"}),
        ('"group_id:null AND status:2"', {"open_low"}),
        ('"status:3 OR status:4"', {"pending_high", "resolved"}),
        ('"agent_id:null AND (status:2 OR status:3)"', {"open_low"}),
        ('"(priority:4 OR priority:1) AND status:2"', {"open_low", "open_urgent"}),
        ("\"created_at:>'2025-02-01'\"", {"open_urgent", "pending_high", "resolved"}),
        ("\"created_at:<'2025-02-20'\"", {"open_low", "open_urgent", "pending_high"}),
        ("\"created_at:'2025-02-20'\"", {"pending_high"}),
        ("\"created_at:>'2025-01-15' AND created_at:<'2025-02-28'\"", {"open_urgent", "pending_high"}),
        ("\"type:'Service Request'\"", {"pending_high"}),
        ("\"tag:'vip'\"", {"pending_high"}),
    ],
)
async def test_the_filter_query_language_selects_the_right_tickets(query: str, expected: set[str]) -> None:
    scenario, tickets = filter_scenario()
    async with api(roomy(scenario)) as client:
        response = await client.get("/tickets/filter", params={"query": query})
    assert response.status_code == 200, response.text
    body = response.json()
    assert {t["id"] for t in body["tickets"]} == {tickets[name]["id"] for name in expected}
    assert body["total"] == len(expected)


@pytest.mark.parametrize(
    "query",
    [
        "status:2",  # not wrapped in double quotes
        '"status:2 AND"',
        '"(status:2"',
        '"status:2)"',
        '"status:2 and priority:1"',  # operators are upper case
        '"nonsense:2"',
        "\"status:'open'\"",
        '"created_at:>5"',
        "\"created_at:>'2025-02-30'\"",
        '"priority:>null"',
        '""',
        '"status=2"',
    ],
)
async def test_a_malformed_filter_query_is_a_400_invalid_value(query: str) -> None:
    status, body = await run_filter(query)
    assert status == 400
    assert body["errors"][0] == {"field": "query", "message": body["errors"][0]["message"], "code": "invalid_value"}


async def test_a_filter_query_over_512_characters_is_rejected() -> None:
    clause = " OR ".join(["status:2"] * 60)
    status, body = await run_filter(f'"{clause}"')
    assert len(clause) > 512
    assert status == 400
    assert "512" in body["errors"][0]["message"]


async def test_filter_pages_hold_30_by_default_honour_per_page_and_stop_at_page_10() -> None:
    scenario = scenario_with(350)
    async with api(roomy(scenario)) as client:
        first = (await client.get("/tickets/filter", params={"query": '"status:2"'})).json()
        big = (await client.get("/tickets/filter", params={"query": '"status:2"', "per_page": 100})).json()
        last = await client.get("/tickets/filter", params={"query": '"status:2"', "page": 10})
        beyond = await client.get("/tickets/filter", params={"query": '"status:2"', "page": 11})
    assert (len(first["tickets"]), first["total"]) == (30, 350)
    assert len(big["tickets"]) == 100
    assert last.status_code == 200
    assert len(last.json()["tickets"]) == 30
    assert beyond.status_code == 400
    assert beyond.json()["errors"][0]["field"] == "page"


async def test_filter_ignores_the_30_day_window_and_skips_deleted_tickets() -> None:
    scenario = FreshserviceScenario.empty(now=NOW)
    old = scenario.add_ticket(created_at=NOW - timedelta(days=200))
    gone = scenario.add_ticket(created_at=NOW)
    scenario.delete_ticket(gone["id"])
    async with api(roomy(scenario)) as client:
        body = (await client.get("/tickets/filter", params={"query": '"status:2"'})).json()
    assert [t["id"] for t in body["tickets"]] == [old["id"]]


# --------------------------------------------------------------------------- single tickets and writes
async def test_a_single_ticket_reads_with_includes_and_unknown_or_deleted_ids_give_404() -> None:
    scenario = scenario_with(2)
    first, second = list(scenario.tickets)
    scenario.delete_ticket(second)
    async with api(roomy(scenario)) as client:
        found = await client.get(f"/tickets/{first}", params={"include": "stats,conversations"})
        deleted = await client.get(f"/tickets/{second}")
        unknown = await client.get("/tickets/99999999")
    body = found.json()["ticket"]
    assert body["id"] == first
    assert list(body["stats"]) == STATS_KEYS
    assert body["conversations"] == []
    assert "sla_policy_id" in body
    assert deleted.status_code == unknown.status_code == 404
    assert unknown.json()["code"] == "access_denied"


async def test_put_updates_status_and_assignment_and_bumps_updated_at() -> None:
    scenario = FreshserviceScenario.empty(now=NOW, resolved_per_day=0)  # no background workload
    ticket = scenario.add_ticket(created_at=NOW - timedelta(days=1))
    agent = next(iter(scenario.agents))
    scenario.advance(NOW + timedelta(minutes=5))
    async with api(roomy(scenario)) as client:
        updated = await client.put(f"/tickets/{ticket['id']}", json={"status": 4, "responder_id": agent})
        bad = await client.put(f"/tickets/{ticket['id']}", json={"status": 42})
    assert updated.status_code == 200
    body = updated.json()["ticket"]
    assert (body["status"], body["responder_id"]) == (4, agent)
    assert body["updated_at"] == "2025-03-03T09:05:00Z"
    assert scenario.stats[ticket["id"]]["resolved_at"] == "2025-03-03T09:05:00Z"
    assert bad.status_code == 400


async def test_a_note_is_validated_stored_and_listed_unless_writes_are_ignored() -> None:
    scenario = FreshserviceScenario.empty(now=NOW, resolved_per_day=0)
    ticket = scenario.add_ticket(created_at=NOW - timedelta(days=1))
    notes = f"/tickets/{ticket['id']}/notes"
    async with api(roomy(scenario)) as client:
        created = await client.post(notes, json={"body": "<p>Called</p>", "private": True})
        missing = await client.post(notes, json={"private": True})
        unknown = await client.post(notes, json={"body": "x", "colour": "red"})
        gone = await client.post("/tickets/1/notes", json={"body": "x"})
        scenario.ignore_writes = True
        ignored = await client.post(notes, json={"body": "dropped"})
        put = await client.put(f"/tickets/{ticket['id']}", json={"status": 4})
        listed = (await client.get(f"/tickets/{ticket['id']}/conversations")).json()["conversations"]
    assert created.status_code == ignored.status_code == 201
    assert created.json()["conversation"]["body_text"] == "Called"
    assert missing.json()["errors"] == [
        {"field": "body", "message": "Mandatory attribute missing", "code": "missing_field"}
    ]
    assert unknown.json()["errors"][0]["code"] == "invalid_field"
    assert gone.status_code == 404
    assert put.status_code == 200 and scenario.tickets[ticket["id"]]["status"] == 2
    assert [c["body"] for c in listed] == ["<p>Called</p>"]


async def test_sub_resources_have_their_documented_envelopes() -> None:
    scenario = FreshserviceScenario(5, active_tickets=0, history_days=3, now=NOW)
    with_csat = next(t for t in scenario.tickets.values() if t["id"] % 4 == 0)
    without = next(t for t in scenario.tickets.values() if t["id"] % 4 == 1)
    async with api(roomy(scenario)) as client:
        convs = (await client.get(f"/tickets/{with_csat['id']}/conversations")).json()
        times = (await client.get(f"/tickets/{with_csat['id']}/time_entries")).json()
        csat = await client.get(f"/tickets/{with_csat['id']}/csat_response")
        no_csat = await client.get(f"/tickets/{without['id']}/csat_response")
    stats = scenario.stats[with_csat["id"]]
    assert len(convs["conversations"]) == stats["inbound_count"] - 1 + stats["outbound_count"]
    assert len(times["time_entries"]) == stats["outbound_count"]
    assert csat.json()["csat_response"]["score"]["total_score"] == 4
    assert no_csat.status_code == 404


async def test_people_lists_paginate_and_companies_answer_404_on_non_msp_accounts() -> None:
    scenario = FreshserviceScenario.empty(now=NOW, agents=35, requesters=101)
    async with api(roomy(scenario)) as client:
        agents = await client.get("/agents")
        requesters = await client.get("/requesters", params={"per_page": 100})
        groups = (await client.get("/groups")).json()["groups"]
        departments = (await client.get("/departments")).json()["departments"]
        companies = await client.get("/companies")
    assert len(agents.json()["agents"]) == 30
    assert agents.headers["link"] == '<http://sim/api/v2/agents?page=2>; rel="next"'
    assert requesters.headers["link"].startswith("<http://sim/api/v2/requesters?per_page=100&page=2>")
    assert len(groups) == 6
    assert len(departments) == 8
    assert companies.status_code == 404


async def test_form_fields_list_the_custom_statuses() -> None:
    async with api(roomy(FreshserviceScenario.empty(now=NOW))) as client:
        fields = (await client.get("/ticket_form_fields")).json()["ticket_fields"]
    status = next(f for f in fields if f["name"] == "status")
    assert {c["id"]: c["value"] for c in status["choices"]} == {
        2: "Open", 3: "Pending", 4: "Resolved", 5: "Closed",
        6: "Waiting on Customer", 7: "Waiting on Third Party", 8: "Customer Replied",
    }  # fmt: skip
    plain = FreshserviceScenario(1, active_tickets=50, history_days=1, now=NOW, custom_statuses=False)
    assert {t["status"] for t in plain.tickets.values()} <= {2, 3, 4, 5}


# --------------------------------------------------------------------------- rate limiting
async def test_rate_limit_headers_count_down_and_includes_cost_extra_credits() -> None:
    async with api(create_app(scenario_with(1), clock=FakeClock())) as client:
        plain = await client.get("/tickets")
        included = await client.get("/tickets", params={"include": "stats,requester"})
    assert plain.headers["x-ratelimit-total"] == "100"
    assert plain.headers["x-ratelimit-used-currentrequest"] == "1"
    assert plain.headers["x-ratelimit-remaining"] == "99"
    assert included.headers["x-ratelimit-used-currentrequest"] == "3"
    assert included.headers["x-ratelimit-remaining"] == "96"


async def test_the_list_sub_limit_trips_before_the_total_and_recovers_next_minute() -> None:
    clock = FakeClock()
    async with api(create_app(scenario_with(1), clock=clock)) as client:
        for _ in range(40):
            assert (await client.get("/tickets")).status_code == 200
        clock.now += 15
        limited = await client.get("/tickets")
        other = await client.get("/groups")  # the account total still has room
        clock.now += 45
        recovered = await client.get("/tickets")
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "45"
    assert limited.headers["x-ratelimit-remaining"] == "60"
    assert other.status_code == 200
    assert recovered.status_code == 200
    assert recovered.headers["x-ratelimit-remaining"] == "99"


async def test_the_account_total_trips_at_the_plan_limit() -> None:
    clock = FakeClock()
    async with api(create_app(scenario_with(1), plan="growth", clock=clock)) as client:
        statuses = [(await client.get("/ticket_form_fields")).status_code for _ in range(201)]
    assert statuses[:200] == [200] * 200
    assert statuses[200] == 429


async def test_include_credits_follow_the_configured_cost() -> None:
    async with api(create_app(scenario_with(1), clock=FakeClock(), include_cost=2)) as client:
        response = await client.get("/tickets", params={"include": "stats"})
    assert response.headers["x-ratelimit-used-currentrequest"] == "3"


# --------------------------------------------------------------------------- faults
async def test_a_rate_limit_fault_returns_429_with_retry_after_until_it_runs_out() -> None:
    app = roomy(scenario_with(1))
    app.state.faults.set(FaultPlan(mode="rate_limit", remaining=2, retry_after=7))
    async with api(app) as client:
        responses = [await client.get("/tickets") for _ in range(3)]
    assert [r.status_code for r in responses] == [429, 429, 200]
    assert responses[0].headers["retry-after"] == "7"


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_server_error_faults_answer_with_that_status_once(status: int) -> None:
    app = roomy(scenario_with(1))
    app.state.faults.set(FaultPlan(mode="server_error", status=status, remaining=1))
    async with api(app) as client:
        failed = await client.get("/tickets")
        healthy = await client.get("/tickets")
    assert failed.status_code == status
    assert healthy.status_code == 200


async def test_a_timeout_fault_trips_a_client_side_timeout() -> None:
    app = roomy(scenario_with(1))
    app.state.faults.set(FaultPlan(mode="timeout", delay_seconds=5, remaining=1))
    async with api(app) as client:
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(client.get("/tickets"), timeout=0.1)


async def test_a_timeout_fault_delays_but_then_answers() -> None:
    app = roomy(scenario_with(1))
    app.state.faults.set(FaultPlan(mode="timeout", delay_seconds=0.2, remaining=1))
    async with api(app) as client:
        started = time.perf_counter()
        response = await client.get("/tickets")
    assert response.status_code == 200
    assert time.perf_counter() - started >= 0.2


async def test_a_truncated_response_is_a_200_that_does_not_parse() -> None:
    app = roomy(scenario_with(40))
    app.state.faults.set(FaultPlan(mode="truncated", remaining=1))
    async with api(app) as client:
        broken = await client.get("/tickets")
        fine = await client.get("/tickets")
    assert broken.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(broken.content)
    assert len(fine.json()["tickets"]) == 30


async def test_fail_on_page_breaks_that_page_of_the_list_and_the_filter_only() -> None:
    app = roomy(scenario_with(100))
    app.state.faults.set(FaultPlan(mode="fail_on_page", page=3))
    async with api(app) as client:
        pages = [(await client.get("/tickets", params={"page": page})).status_code for page in (1, 2, 3, 4)]
        filtered = await client.get("/tickets/filter", params={"query": '"status:2"', "page": 3})
        agents = await client.get("/agents", params={"page": 3})
    assert pages == [200, 200, 500, 200]
    assert filtered.status_code == 500
    assert agents.status_code == 200


async def test_faults_and_time_are_controlled_over_http_outside_the_api_prefix() -> None:
    scenario = FreshserviceScenario(4, active_tickets=50, history_days=2, now=NOW)
    app = roomy(scenario)
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://sim") as control:
        created = await control.post("/_sim/faults", json={"mode": "server_error", "status": 503})
        during = await control.get("/api/v2/tickets", auth=(KEY, "X"))
        cleared = await control.delete("/_sim/faults")
        rejected = await control.post("/_sim/faults", json={"mode": "explode"})
        advanced = await control.post("/_sim/advance", json={"seconds": 3600})
        state = await control.get("/_sim/state")
    assert (created.status_code, during.status_code, cleared.status_code, rejected.status_code) == (200, 503, 204, 400)
    assert scenario.now == NOW + timedelta(hours=1)
    assert advanced.json() == state.json()
    assert state.json()["active_tickets"] == len(scenario.active_tickets())


# --------------------------------------------------------------------------- evolution
def snapshot(scenario: FreshserviceScenario) -> tuple[Any, Any]:
    return json.loads(json.dumps(scenario.tickets)), json.loads(json.dumps(scenario.stats))


def test_the_same_seed_builds_and_evolves_the_same_dataset() -> None:
    first, second, other = (FreshserviceScenario(seed, now=NOW) for seed in (11, 11, 12))
    assert snapshot(first) == snapshot(second)
    assert snapshot(first) != snapshot(other)
    for scenario in (first, second):
        scenario.advance(NOW + timedelta(days=2))
    assert snapshot(first) == snapshot(second)


def test_advancing_in_steps_gives_the_same_result_as_one_jump() -> None:
    stepped, jumped = FreshserviceScenario(5, now=NOW), FreshserviceScenario(5, now=NOW)
    for minutes in range(0, 24 * 60 + 1, 37):
        stepped.advance(NOW + timedelta(minutes=minutes))
    stepped.advance(NOW + timedelta(days=1))
    jumped.advance(NOW + timedelta(days=1))
    assert snapshot(stepped) == snapshot(jumped)


def test_a_working_week_brings_arrivals_responses_status_moves_and_trash() -> None:
    scenario = FreshserviceScenario(2, now=NOW)
    before, _ = snapshot(scenario)
    scenario.advance(NOW + timedelta(days=5))
    after, stats = snapshot(scenario)
    new_ids = set(after) - set(before)
    changed = [i for i in before if before[i]["status"] != after[i]["status"]]
    assert len(new_ids) > 100
    assert {after[i]["status"] for i in changed} >= {4, 5}
    assert any(after[i]["status"] in (6, 7, 8) for i in changed)
    assert any(t["deleted"] or t["spam"] for t in after.values())
    assert any(stats[i]["first_responded_at"] for i in new_ids)
    assert all(t["updated_at"] >= t["created_at"] for t in after.values())
    assert 150 < len(scenario.active_tickets()) < 450  # the backlog neither drains nor explodes


def test_due_dates_give_overdue_and_upcoming_sla_cases() -> None:
    scenario = FreshserviceScenario(1, now=NOW)
    now = "2025-03-03T09:00:00Z"
    soon = (NOW + timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M:%SZ")
    dues = [t["due_by"] for t in scenario.active_tickets()]
    assert any(due < now for due in dues)  # overdue
    assert any(now <= due < soon for due in dues)  # critical / warning
    assert any(due >= soon for due in dues)  # normal
    assert any(t["is_escalated"] for t in scenario.active_tickets())


def test_advancing_into_the_past_is_refused() -> None:
    scenario = FreshserviceScenario.empty(now=NOW)
    with pytest.raises(ValueError):
        scenario.advance(NOW - timedelta(seconds=1))


def test_a_bulk_scenario_builds_20k_active_tickets_quickly() -> None:
    started = time.perf_counter()
    scenario = FreshserviceScenario.bulk(now=NOW)
    assert len(scenario.active_tickets()) == 20_000
    assert time.perf_counter() - started < 10


async def test_the_request_log_records_every_api_call() -> None:
    app = roomy(scenario_with(3))
    async with api(app) as client:
        await client.get("/tickets", params={"page": 2})
        await client.get("/groups")
    assert app.state.request_log == [("GET", "/api/v2/tickets", "page=2"), ("GET", "/api/v2/groups", "")]
