"""Behaviour of the Trengo API simulator as a client (our connector) sees it."""

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
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette

from deskpulse.simulators.faults import FaultController, FaultPlan
from deskpulse.simulators.trengo import TrengoScenario, create_app

NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)  # a Monday morning
TOKEN = "sim-token"
NAIVE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
FIXTURE_TICKET_KEYS = [
    "id", "status", "subject", "closed_at", "created_at", "updated_at", "user_id", "team_id",
    "assigned_at", "contact_id", "contact", "channel", "channelMeta", "latest_message", "labels",
    "custom_data", "messages_count",
]  # fmt: skip


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@asynccontextmanager
async def api(app: Starlette, token: str | None = TOKEN) -> AsyncIterator[httpx2.AsyncClient]:
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"} if token else {}
    async with httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=app), base_url="http://sim/api/v2", headers=headers
    ) as client:
        yield client


def scenario_with(count: int, **kwargs: Any) -> TrengoScenario:
    scenario = TrengoScenario.empty(now=NOW, **kwargs)
    for index in range(count):
        scenario.add_ticket(created_at=NOW - timedelta(minutes=count - index), subject=f"Ticket {index}")
    return scenario


async def collect_ids(client: httpx2.AsyncClient, url: str) -> tuple[list[int], int]:
    """Follow links.next like the connector does; return ids and the number of pages fetched."""
    ids: list[int] = []
    pages = 0
    next_url: str | None = url
    while next_url:
        response = await client.get(next_url)
        assert response.status_code == 200
        body = response.json()
        pages += 1
        ids.extend(ticket["id"] for ticket in body["data"])
        if not body["data"]:
            break
        next_url = body["links"]["next"]
    return ids, pages


# --------------------------------------------------------------------------- auth
@pytest.mark.parametrize("token", [None, "wrong-token"])
async def test_requests_without_the_right_bearer_token_get_401_unauthenticated(token: str | None) -> None:
    app = create_app(scenario_with(1))
    async with api(app, token=token) as client:
        response = await client.get("/tickets")
    assert response.status_code == 401
    assert response.json() == {"message": "Unauthenticated."}
    assert response.headers["x-ratelimit-limit"] == "120"


# --------------------------------------------------------------------------- ticket pagination
async def test_an_account_without_tickets_returns_one_empty_page_with_no_next_link() -> None:
    async with api(create_app(TrengoScenario.empty(now=NOW))) as client:
        body = (await client.get("/tickets")).json()
    assert body["data"] == []
    assert body["links"] == {"first": "http://sim/api/v2/tickets?page=1", "last": None, "prev": None, "next": None}
    assert body["meta"] == {
        "current_page": 1, "from": None, "path": "http://sim/api/v2/tickets", "per_page": 25, "to": None,
    }  # fmt: skip


async def test_exactly_25_tickets_fit_on_one_page_with_a_null_next_link() -> None:
    async with api(create_app(scenario_with(25))) as client:
        body = (await client.get("/tickets", params={"page": 1})).json()
    assert len(body["data"]) == 25
    assert body["links"]["next"] is None
    assert (body["meta"]["from"], body["meta"]["to"]) == (1, 25)


async def test_26_tickets_spill_one_ticket_onto_page_two_and_meta_never_reveals_totals() -> None:
    async with api(create_app(scenario_with(26))) as client:
        first = (await client.get("/tickets")).json()
        second = (await client.get(first["links"]["next"])).json()
    assert first["links"]["next"] == "http://sim/api/v2/tickets?page=2"
    assert len(second["data"]) == 1
    assert second["links"]["next"] is None
    assert second["links"]["prev"] == "http://sim/api/v2/tickets?page=1"
    assert second["links"]["last"] is None
    assert (second["meta"]["current_page"], second["meta"]["from"], second["meta"]["to"]) == (2, 26, 26)
    for meta in (first["meta"], second["meta"]):
        assert "last_page" not in meta
        assert "total" not in meta


async def test_a_page_past_the_end_is_empty_with_null_from_and_to() -> None:
    async with api(create_app(scenario_with(26))) as client:
        body = (await client.get("/tickets", params={"page": 7})).json()
    assert body["data"] == []
    assert body["meta"]["from"] is None
    assert body["meta"]["to"] is None
    assert body["links"]["next"] is None
    assert body["links"]["prev"] == "http://sim/api/v2/tickets?page=6"


async def test_the_limit_parameter_is_ignored_and_pages_always_hold_25_tickets() -> None:
    async with api(create_app(scenario_with(60))) as client:
        body = (await client.get("/tickets", params={"limit": 100})).json()
    assert len(body["data"]) == 25
    assert body["meta"]["per_page"] == 25


@settings(max_examples=20, deadline=None)
@given(count=st.integers(min_value=0, max_value=80))
def test_following_next_links_visits_every_ticket_exactly_once(count: int) -> None:
    async def run() -> tuple[list[int], int]:
        async with api(create_app(scenario_with(count))) as client:
            return await collect_ids(client, "/tickets")

    ids, pages = asyncio.run(run())
    assert len(ids) == len(set(ids)) == count
    assert pages == max(1, -(-count // 25))
    assert ids == sorted(ids, reverse=True)  # default order: newest id first


async def test_next_links_keep_the_other_query_parameters() -> None:
    scenario = scenario_with(0)
    for index in range(30):
        scenario.add_ticket(status="OPEN", created_at=NOW - timedelta(hours=index))
        scenario.add_ticket(status="CLOSED", created_at=NOW - timedelta(hours=index))
    async with api(create_app(scenario)) as client:
        first = (await client.get("/tickets", params={"status": "OPEN", "sort": "-date"})).json()
        next_url = first["links"]["next"]
        second = (await client.get(next_url)).json()
    assert "status=OPEN" in next_url
    assert "sort=-date" in next_url
    assert next_url.endswith("page=2")
    assert len(first["data"]) + len(second["data"]) == 30
    assert {t["status"] for t in first["data"] + second["data"]} == {"OPEN"}


async def test_status_users_and_contact_filters_narrow_the_list() -> None:
    scenario = scenario_with(0)
    user_a, user_b = list(scenario.users)[:2]
    mine = scenario.add_ticket(status="ASSIGNED", created_at=NOW, user_id=user_a)
    scenario.add_ticket(status="ASSIGNED", created_at=NOW, user_id=user_b)
    scenario.add_ticket(status="CLOSED", created_at=NOW - timedelta(days=1), user_id=user_a)
    async with api(create_app(scenario)) as client:
        assigned_to_a = await client.get("/tickets", params={"status": "ASSIGNED", "users[]": [user_a]})
        by_contact = await client.get("/tickets", params={"contact_id": mine["contact_id"]})
        closed = await client.get("/tickets", params={"status": "CLOSED"})
    assert [t["id"] for t in assigned_to_a.json()["data"]] == [mine["id"]]
    assert mine["id"] in [t["id"] for t in by_contact.json()["data"]]
    assert all(t["contact_id"] == mine["contact_id"] for t in by_contact.json()["data"])
    assert [t["status"] for t in closed.json()["data"]] == ["CLOSED"]


async def test_sort_date_orders_by_latest_message_time_both_ways() -> None:
    scenario = TrengoScenario(3, open_tickets=60, history_days=2, now=NOW)
    async with api(create_app(scenario)) as client:
        ascending = (await client.get("/tickets", params={"sort": "date"})).json()["data"]
        descending = (await client.get("/tickets", params={"sort": "-date"})).json()["data"]
    asc_times = [t["latest_message"]["created_at"] for t in ascending]
    desc_times = [t["latest_message"]["created_at"] for t in descending]
    assert asc_times == sorted(asc_times)
    assert desc_times == sorted(desc_times, reverse=True)
    assert asc_times[0] < desc_times[0]


async def test_the_api_lists_exactly_the_scenarios_open_and_assigned_tickets() -> None:
    scenario = TrengoScenario(7, now=NOW)
    async with api(create_app(scenario)) as client:
        open_ids, _ = await collect_ids(client, "/tickets?status=OPEN")
        assigned_ids, _ = await collect_ids(client, "/tickets?status=ASSIGNED")
    expected = {t["id"] for t in scenario.open_tickets()}
    assert len(expected) == 300
    assert set(open_ids) | set(assigned_ids) == expected
    assert not set(open_ids) & set(assigned_ids)


# --------------------------------------------------------------------------- ticket objects
async def test_ticket_objects_carry_the_recorded_fixture_fields_with_naive_timestamps() -> None:
    scenario = TrengoScenario(1, open_tickets=40, history_days=3, now=NOW)
    async with api(create_app(scenario)) as client:
        tickets = (await client.get("/tickets")).json()["data"]
    for ticket in tickets:
        assert list(ticket) == FIXTURE_TICKET_KEYS
        assert ticket["channelMeta"] is None
        assert ticket["labels"] == []
        assert ticket["custom_data"] is None
        assert set(ticket["channel"]) == {"id", "name", "title", "type", "display_name", "is_private"}
        assert set(ticket["latest_message"]) == {"id", "type", "message", "created_at", "attachments"}
        for field in ("created_at", "updated_at", "assigned_at", "closed_at"):
            assert ticket[field] is None or NAIVE.match(ticket[field]), ticket[field]
        assert NAIVE.match(ticket["latest_message"]["created_at"])


async def test_naive_timestamps_are_rendered_in_the_configured_time_zone() -> None:
    created = datetime(2025, 1, 15, 12, 30, 5, tzinfo=UTC)
    utc = TrengoScenario.empty(now=NOW)
    amsterdam = TrengoScenario(1, open_tickets=0, history_days=0, now=NOW, naive_timezone="Europe/Amsterdam")
    assert utc.add_ticket(created_at=created)["created_at"] == "2025-01-15 12:30:05"
    assert amsterdam.add_ticket(created_at=created)["created_at"] == "2025-01-15 13:30:05"


async def test_a_single_ticket_can_be_read_and_unknown_ids_give_a_json_404() -> None:
    scenario = scenario_with(2)
    ticket_id = next(iter(scenario.tickets))
    async with api(create_app(scenario)) as client:
        found = await client.get(f"/tickets/{ticket_id}")
        scenario.delete(ticket_id)
        gone = await client.get(f"/tickets/{ticket_id}")
    assert found.status_code == 200
    assert found.json()["id"] == ticket_id
    assert gone.status_code == 404
    assert "message" in gone.json()


async def test_assign_close_and_reopen_change_what_the_list_shows() -> None:
    scenario = scenario_with(1)
    ticket_id = next(iter(scenario.tickets))
    user_id = next(iter(scenario.users))
    async with api(create_app(scenario)) as client:
        assigned = await client.post(f"/tickets/{ticket_id}/assign", json={"type": "user", "user_id": user_id})
        after_assign = (await client.get(f"/tickets/{ticket_id}")).json()
        await client.post(f"/tickets/{ticket_id}/close")
        closed_list = (await client.get("/tickets", params={"status": "CLOSED"})).json()["data"]
        await client.post(f"/tickets/{ticket_id}/reopen")
        after_reopen = (await client.get(f"/tickets/{ticket_id}")).json()
        bad = await client.post(f"/tickets/{ticket_id}/assign", json={"type": "user", "user_id": 1})
    assert assigned.status_code == 200
    assert (after_assign["status"], after_assign["user_id"]) == ("ASSIGNED", user_id)
    assert NAIVE.match(after_assign["assigned_at"])
    assert [t["id"] for t in closed_list] == [ticket_id]
    assert closed_list[0]["closed_at"] == "2025-03-03 09:00:00"
    assert (after_reopen["status"], after_reopen["closed_at"]) == ("ASSIGNED", None)
    assert bad.status_code == 422


# --------------------------------------------------------------------------- teams and users
async def test_teams_and_users_use_the_full_paginator_with_totals() -> None:
    scenario = TrengoScenario.empty(teams=3, agents=30, now=NOW)
    async with api(create_app(scenario)) as client:
        teams = (await client.get("/teams")).json()
        users_1 = (await client.get("/users")).json()
        users_2 = (await client.get(users_1["links"]["next"])).json()
    assert teams["data"] == [{"id": t["id"], "name": t["name"]} for t in scenario.teams.values()]
    assert teams["meta"]["total"] == 3
    assert teams["meta"]["last_page"] == 1
    assert teams["links"]["next"] is None
    assert users_1["meta"]["total"] == 30
    assert users_1["meta"]["last_page"] == 2
    assert users_1["links"]["last"] == "http://sim/api/v2/users?page=2"
    assert len(users_1["data"]) + len(users_2["data"]) == 30
    assert users_2["links"]["next"] is None
    assert set(users_2["meta"]) == {"current_page", "from", "last_page", "path", "per_page", "to", "total"}


async def test_user_objects_have_the_documented_agent_fields() -> None:
    async with api(create_app(TrengoScenario.empty(now=NOW))) as client:
        user = (await client.get("/users")).json()["data"][0]
    for field in ("id", "first_name", "last_name", "name", "full_name", "email", "abbr", "authorization"):
        assert user[field] not in (None, "")
    assert user["status"] == "ACTIVE"
    assert user["timezone"] == "Europe/Amsterdam"
    assert user["full_name"] == f"{user['first_name']} {user['last_name']}"


# --------------------------------------------------------------------------- rate limiting
async def test_rate_limit_remaining_counts_down_with_every_request() -> None:
    async with api(create_app(scenario_with(1), clock=FakeClock())) as client:
        responses = [await client.get("/teams") for _ in range(3)]
    assert [r.headers["x-ratelimit-remaining"] for r in responses] == ["119", "118", "117"]
    assert {r.headers["x-ratelimit-limit"] for r in responses} == {"120"}


async def test_the_121st_request_in_a_minute_gets_429_and_the_next_window_recovers() -> None:
    clock = FakeClock()
    app = create_app(scenario_with(1), clock=clock)
    async with api(app) as client:
        for _ in range(120):
            assert (await client.get("/teams")).status_code == 200
        clock.now += 20
        limited = await client.get("/teams")
        clock.now += 40
        recovered = await client.get("/teams")
    assert limited.status_code == 429
    assert limited.json() == {"message": "Too Many Attempts."}
    assert limited.headers["retry-after"] == "40"
    assert int(limited.headers["x-ratelimit-reset"]) >= int(time.time())
    assert limited.headers["x-ratelimit-remaining"] == "0"
    assert recovered.status_code == 200
    assert recovered.headers["x-ratelimit-remaining"] == "119"


# --------------------------------------------------------------------------- faults
async def test_a_rate_limit_fault_returns_429s_until_its_count_runs_out() -> None:
    app = create_app(scenario_with(1))
    app.state.faults.set(FaultPlan(mode="rate_limit", remaining=2, retry_after=7))
    async with api(app) as client:
        statuses = [(await client.get("/tickets")) for _ in range(3)]
    assert [r.status_code for r in statuses] == [429, 429, 200]
    assert statuses[0].headers["retry-after"] == "7"
    assert app.state.faults.plan.mode == "none"


@pytest.mark.parametrize("status", [502, 503, 504])
async def test_gateway_errors_come_back_with_an_html_body(status: int) -> None:
    app = create_app(scenario_with(1))
    app.state.faults.set(FaultPlan(mode="server_error", status=status, remaining=1))
    async with api(app) as client:
        failed = await client.get("/tickets")
        healthy = await client.get("/tickets")
    assert failed.status_code == status
    assert failed.headers["content-type"].startswith("text/html")
    assert "<html>" in failed.text
    assert healthy.status_code == 200


async def test_an_internal_server_error_has_a_json_body() -> None:
    app = create_app(scenario_with(1))
    app.state.faults.set(FaultPlan(mode="server_error", status=500))
    async with api(app) as client:
        responses = [await client.get("/users") for _ in range(3)]
    assert {r.status_code for r in responses} == {500}  # remaining=None: until cleared
    assert responses[0].json() == {"message": "Server Error"}


async def test_a_timeout_fault_delays_the_answer() -> None:
    app = create_app(scenario_with(1))
    app.state.faults.set(FaultPlan(mode="timeout", delay_seconds=0.2, remaining=1))
    async with api(app) as client:
        started = time.perf_counter()
        slow = await client.get("/tickets")
        slow_elapsed = time.perf_counter() - started
    assert slow.status_code == 200
    assert slow_elapsed >= 0.2


async def test_a_timeout_fault_trips_a_client_side_timeout() -> None:
    app = create_app(scenario_with(1))
    app.state.faults.set(FaultPlan(mode="timeout", delay_seconds=5, remaining=1))
    async with api(app) as client:
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(client.get("/tickets"), timeout=0.1)


async def test_a_truncated_response_is_a_200_json_reply_that_does_not_parse() -> None:
    app = create_app(scenario_with(30))
    app.state.faults.set(FaultPlan(mode="truncated", remaining=1))
    async with api(app) as client:
        broken = await client.get("/tickets")
        fine = await client.get("/tickets")
    assert broken.status_code == 200
    assert broken.headers["content-type"].startswith("application/json")
    assert int(broken.headers["content-length"]) == len(broken.content)
    with pytest.raises(json.JSONDecodeError):
        json.loads(broken.content)
    assert len(fine.json()["data"]) == 25


async def test_fail_on_page_breaks_only_that_page_of_the_ticket_list() -> None:
    app = create_app(scenario_with(80))
    app.state.faults.set(FaultPlan(mode="fail_on_page", page=3))
    async with api(app) as client:
        pages = [await client.get("/tickets", params={"page": page}) for page in (1, 2, 3, 4)]
        teams = await client.get("/teams", params={"page": 3})
    assert [r.status_code for r in pages] == [200, 200, 500, 200]
    assert teams.status_code == 200


async def test_faults_are_controlled_over_http_outside_the_api_prefix() -> None:
    app = create_app(scenario_with(1))
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://sim") as control:
        created = await control.post("/_sim/faults", json={"mode": "server_error", "status": 503})
        during = await control.get("/api/v2/tickets", headers={"Authorization": f"Bearer {TOKEN}"})
        cleared = await control.delete("/_sim/faults")
        after = await control.get("/api/v2/tickets", headers={"Authorization": f"Bearer {TOKEN}"})
        rejected = await control.post("/_sim/faults", json={"mode": "explode"})
    assert created.status_code == 200
    assert during.status_code == 503
    assert cleared.status_code == 204
    assert after.status_code == 200
    assert rejected.status_code == 400


def test_fault_controller_counts_down_and_clears_itself() -> None:
    controller = FaultController()
    controller.set(FaultPlan(mode="fail_on_page", page=2, remaining=2))
    decisions = [controller.maybe_fault("/api/v2/tickets", page) for page in (1, 2, None, 2, 2)]
    assert [d.mode if d else None for d in decisions] == [None, "fail_on_page", None, "fail_on_page", None]
    assert controller.plan.mode == "none"


# --------------------------------------------------------------------------- evolution
def snapshot(scenario: TrengoScenario) -> dict[int, dict[str, Any]]:
    return json.loads(json.dumps(scenario.tickets))


def test_the_same_seed_builds_and_evolves_the_same_dataset() -> None:
    first, second, other = (TrengoScenario(seed, now=NOW) for seed in (11, 11, 12))
    assert snapshot(first) == snapshot(second)
    assert snapshot(first) != snapshot(other)
    for scenario in (first, second):
        scenario.advance(NOW + timedelta(days=2))
    assert snapshot(first) == snapshot(second)


def test_advancing_in_steps_gives_the_same_result_as_one_jump() -> None:
    stepped, jumped = TrengoScenario(5, now=NOW), TrengoScenario(5, now=NOW)
    for minutes in range(0, 24 * 60 + 1, 37):
        stepped.advance(NOW + timedelta(minutes=minutes))
    stepped.advance(NOW + timedelta(days=1))
    jumped.advance(NOW + timedelta(days=1))
    assert snapshot(stepped) == snapshot(jumped)


def test_a_working_day_brings_new_assigned_closed_and_removed_tickets() -> None:
    scenario = TrengoScenario(2, now=NOW)
    before = snapshot(scenario)
    scenario.advance(NOW + timedelta(days=5))
    after = snapshot(scenario)
    new_ids = set(after) - set(before)
    removed_ids = set(before) - set(after)
    newly_closed = [i for i in before if i in after and before[i]["status"] != "CLOSED" == after[i]["status"]]
    assert len(new_ids) > 100  # ~40 arrivals per working day
    assert newly_closed
    assert removed_ids or any(after[i]["status"] == "ASSIGNED" for i in new_ids)
    assert all(NAIVE.match(t["created_at"]) for t in after.values())
    # The backlog stays in the same ballpark instead of draining or exploding.
    assert 150 < len(scenario.open_tickets()) < 450
    assert scenario.now == NOW + timedelta(days=5)


def test_advancing_into_the_past_is_refused() -> None:
    scenario = TrengoScenario.empty(now=NOW)
    with pytest.raises(ValueError):
        scenario.advance(NOW - timedelta(seconds=1))


async def test_the_advance_control_endpoint_moves_simulated_time() -> None:
    scenario = TrengoScenario(4, now=NOW)
    app = create_app(scenario)
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://sim") as control:
        response = await control.post("/_sim/advance", json={"seconds": 3600})
    assert response.status_code == 200
    assert scenario.now == NOW + timedelta(hours=1)
    assert response.json()["open_tickets"] == len(scenario.open_tickets())


# --------------------------------------------------------------------------- instrumentation
async def test_the_request_log_counts_every_api_call() -> None:
    app = create_app(scenario_with(30))
    async with api(app) as client:
        await client.get("/tickets", params={"page": 2})
        await client.get("/teams")
    assert app.state.request_log == [("GET", "/api/v2/tickets", "page=2"), ("GET", "/api/v2/teams", "")]


async def test_configured_latency_slows_every_response() -> None:
    app = create_app(scenario_with(1), latency_seconds=0.05)
    async with api(app) as client:
        started = time.perf_counter()
        await client.get("/teams")
        await client.get("/teams")
    assert time.perf_counter() - started >= 0.1
