"""Behaviour of the Autotask REST simulator as a client sees it: zones, auth, the query language, paging, writes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2
import pytest
from starlette.applications import Starlette

from deskpulse.simulators.autotask import (
    SIM_INTEGRATION_CODE,
    SIM_SECRET,
    SIM_USERNAME,
    AutotaskScenario,
    WriteFault,
    create_app,
)
from deskpulse.simulators.autotask_lifecycle import COMPLETE, IN_PROGRESS, NEW
from deskpulse.simulators.faults import FaultPlan
from deskpulse.simulators.scenario import to_epoch

NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)  # a Monday morning
HEADERS = {"UserName": SIM_USERNAME, "Secret": SIM_SECRET, "ApiIntegrationCode": SIM_INTEGRATION_CODE}
EVERYTHING = [{"op": "exist", "field": "id"}]


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@asynccontextmanager
async def api(app: Starlette, headers: dict[str, str] | None = None) -> AsyncIterator[httpx2.AsyncClient]:
    async with httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=app), base_url="http://sim.test/ATServicesRest/V1.0",
        headers=HEADERS if headers is None else headers,
    ) as client:  # fmt: skip
        yield client


def scenario_with(count: int, **kwargs: Any) -> AutotaskScenario:
    scenario = AutotaskScenario.empty(now=NOW, **kwargs)
    for index in range(count):
        scenario.add_ticket(created_at=NOW - timedelta(minutes=count - index), title=f"Ticket {index}")
    return scenario


async def ids(client: httpx2.AsyncClient, filters: list[dict[str, Any]], entity: str = "Tickets") -> list[int]:
    response = await client.post(f"/{entity}/query", json={"filter": filters})
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def walk(client: httpx2.AsyncClient, body: dict[str, Any], how: str) -> tuple[list[int], int]:
    """Follow nextPageUrl the way one client family does: GET, POST re-sending the body, or POST without one."""
    response = await client.post("/Tickets/query", json=body)
    found, pages = [], 0
    while True:
        assert response.status_code == 200, response.text
        pages += 1
        page = response.json()
        found += [item["id"] for item in page["items"]]
        link = page["pageDetails"]["nextPageUrl"]
        if link is None:
            return found, pages
        assert link.startswith("http://sim.test/ATServicesRest/V1.0/Tickets/query/next?")
        if how == "get":
            response = await client.get(link)
        elif how == "post-body":
            response = await client.post(link, json=body)
        else:
            response = await client.post(link)


# --------------------------------------------------------------------------- zone discovery and auth
async def test_zone_discovery_needs_no_credentials_and_points_back_at_the_simulator() -> None:
    async with api(create_app(scenario_with(0)), headers={}) as client:
        response = await client.get(
            "http://sim.test/atservicesrest/v1.0/zoneInformation", params={"user": SIM_USERNAME}
        )
    assert response.status_code == 200
    assert response.json() == {
        "zoneName": "Simulated Zone", "url": "http://sim.test/ATServicesRest/", "webUrl": "http://sim.test/", "ci": 123,
    }  # fmt: skip


@pytest.mark.parametrize("user", ["", "   ", "nobody@example.com"])
async def test_zone_discovery_answers_500_for_a_blank_or_unknown_user(user: str) -> None:
    async with api(create_app(scenario_with(0)), headers={}) as client:
        response = await client.get("http://sim.test/atservicesrest/v1.0/zoneInformation", params={"user": user})
    assert response.status_code == 500
    assert "errors" in response.json()


@pytest.mark.parametrize("missing", ["UserName", "Secret", "ApiIntegrationCode"])
async def test_a_request_without_all_three_credential_headers_gets_401_with_an_errors_body(missing: str) -> None:
    headers = {k: v for k, v in HEADERS.items() if k != missing}
    async with api(create_app(scenario_with(1)), headers=headers) as client:
        response = await client.get("/Tickets/query", params={"search": json.dumps({"filter": EVERYTHING})})
    assert response.status_code == 401
    assert isinstance(response.json()["errors"][0], str)


async def test_a_wrong_secret_is_401_but_the_user_name_ignores_case() -> None:
    app = create_app(scenario_with(1))
    async with api(app, headers={**HEADERS, "Secret": "nope"}) as wrong:
        assert (await wrong.get("/ThresholdInformation")).status_code == 401
    async with api(app, headers={**HEADERS, "UserName": SIM_USERNAME.upper()}) as shouting:
        assert (await shouting.get("/ThresholdInformation")).status_code == 200


async def test_a_moved_zone_answers_401_on_the_old_origin_only() -> None:
    app = create_app(scenario_with(1))
    app.state.zone.url = "http://ww2.sim.test/ATServicesRest/"
    async with api(app) as client:
        old = await client.get("/ThresholdInformation")
        new = await client.get("http://ww2.sim.test/ATServicesRest/V1.0/ThresholdInformation")
        zone = await client.get("http://sim.test/atservicesrest/v1.0/zoneInformation", params={"user": SIM_USERNAME})
    assert (old.status_code, new.status_code) == (401, 200)
    assert zone.json()["url"] == "http://ww2.sim.test/ATServicesRest/"


# --------------------------------------------------------------------------- the query language
@pytest.fixture
def tickets() -> AutotaskScenario:
    """Five tickets with known titles, statuses and priorities."""
    scenario = AutotaskScenario.empty(now=NOW)
    for index, (title, status, priority) in enumerate([
        ("VPN down", NEW, 1), ("vpn slow", IN_PROGRESS, 2), ("Printer jam", IN_PROGRESS, 3),
        ("New laptop", COMPLETE, 2), ("Password reset", NEW, 4),
    ]):  # fmt: skip
        scenario.add_ticket(created_at=NOW - timedelta(hours=5 - index), title=title, status=status, priority=priority)
    return scenario


def titles(scenario: AutotaskScenario, found: list[int]) -> list[str]:
    return [scenario.tickets[i]["title"] for i in found]


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"op": "eq", "field": "status", "value": 1}, ["VPN down", "Password reset"]),
        ({"op": "noteq", "field": "status", "value": 5}, ["VPN down", "vpn slow", "Printer jam", "Password reset"]),
        ({"op": "gt", "field": "priority", "value": 2}, ["Printer jam", "Password reset"]),
        ({"op": "gte", "field": "priority", "value": 2}, ["vpn slow", "Printer jam", "New laptop", "Password reset"]),
        ({"op": "lt", "field": "priority", "value": 2}, ["VPN down"]),
        ({"op": "lte", "field": "priority", "value": "2"}, ["VPN down", "vpn slow", "New laptop"]),
        ({"op": "beginsWith", "field": "title", "value": "VPN"}, ["VPN down", "vpn slow"]),
        ({"op": "endsWith", "field": "title", "value": "JAM"}, ["Printer jam"]),
        ({"op": "contains", "field": "title", "value": "a"}, ["Printer jam", "New laptop", "Password reset"]),
        ({"op": "exist", "field": "completedDate"}, ["New laptop"]),
        ({"op": "notExist", "field": "completedDate"}, ["VPN down", "vpn slow", "Printer jam", "Password reset"]),
        ({"op": "in", "field": "priority", "value": [1, 4]}, ["VPN down", "Password reset"]),
        ({"op": "notIn", "field": "status", "value": [1, 5]}, ["vpn slow", "Printer jam"]),
    ],
)
async def test_each_filter_operator_selects_what_it_says(
    tickets: AutotaskScenario, condition: dict[str, Any], expected: list[str]
) -> None:
    async with api(create_app(tickets)) as client:
        assert titles(tickets, await ids(client, [condition])) == expected


async def test_nested_and_or_groups_combine_and_top_level_conditions_are_anded(tickets: AutotaskScenario) -> None:
    new_and_critical = [{"op": "eq", "field": "status", "value": 1}, {"op": "gt", "field": "priority", "value": 3}]
    nested = {"op": "or", "items": [
        {"op": "and", "items": new_and_critical}, {"op": "contains", "field": "title", "value": "slow"},
    ]}  # fmt: skip
    async with api(create_app(tickets)) as client:
        either = await ids(client, [nested])
        both = await ids(client, [nested, {"op": "eq", "field": "priority", "value": 4}])
    assert titles(tickets, either) == ["vpn slow", "Password reset"]
    assert titles(tickets, both) == ["Password reset"]


async def test_field_names_operators_and_body_keys_are_case_insensitive(tickets: AutotaskScenario) -> None:
    body = {"Filter": [{"op": "BEGINSWITH", "field": "TITLE", "value": "vpn"}], "maxrecords": 1,
            "includefields": ["ID", "ticketnumber"]}  # fmt: skip
    async with api(create_app(tickets)) as client:
        response = await client.post("/tickets/QUERY", json=body)
    page = response.json()
    assert response.status_code == 200
    assert list(page["items"][0]) == ["id", "ticketNumber"]
    assert page["pageDetails"]["count"] == 1 and page["pageDetails"]["nextPageUrl"] is not None


async def test_a_null_field_matches_neither_noteq_nor_notin_only_notexist(tickets: AutotaskScenario) -> None:
    async with api(create_app(tickets)) as client:
        noteq = await ids(client, [{"op": "noteq", "field": "assignedResourceID", "value": 1}])
        missing = await ids(client, [{"op": "notExist", "field": "assignedResourceID"}])
    assert noteq == []
    assert len(missing) == 5


async def test_dates_compare_as_instants_whether_sent_with_or_without_z(tickets: AutotaskScenario) -> None:
    cut = NOW - timedelta(hours=3, minutes=30)
    async with api(create_app(tickets)) as client:
        zulu = await ids(client, [{"op": "gt", "field": "createDate", "value": cut.strftime("%Y-%m-%dT%H:%M:%S.000Z")}])
        naive = await ids(client, [{"op": "gt", "field": "createdate", "value": cut.strftime("%Y-%m-%dT%H:%M:%S")}])
    assert zulu == naive
    assert titles(tickets, zulu) == ["Printer jam", "New laptop", "Password reset"]


@pytest.mark.parametrize(
    "body",
    [
        {"filter": []},
        {"MaxRecords": 10},
        {"filter": [{"op": "eq", "field": "nosuchfield", "value": 1}]},
        {"filter": [{"op": "eq", "field": "creatorType", "value": 1}]},
        {"filter": [{"op": "like", "field": "title", "value": "x"}]},
        {"filter": [{"op": "in", "field": "status", "value": 1}]},
        {"filter": [{"op": "eq", "field": "status", "value": "five"}]},
        {"filter": [{"op": "eq", "field": "serviceLevelAgreementHasBeenMet", "value": 1}]},
        {"filter": [{"op": "contains", "field": "status", "value": "1"}]},
        {"filter": [{"op": "or", "items": []}]},
        {"filter": [{"op": "gt", "field": "createDate", "value": "yesterday"}]},
        {"filter": EVERYTHING, "IncludeFields": ["title", "bogus"]},
    ],
)
async def test_malformed_queries_are_refused_with_400_and_a_sentence(body: dict[str, Any]) -> None:
    async with api(create_app(scenario_with(1))) as client:
        response = await client.post("/Tickets/query", json=body)
    assert response.status_code == 400
    assert response.json()["errors"][0].endswith(".")


@pytest.mark.parametrize(("max_records", "status"), [(0, 400), (501, 400), ("10", 400), (1, 200), (500, 200)])
async def test_max_records_must_be_an_integer_from_1_to_500(max_records: Any, status: int) -> None:
    async with api(create_app(scenario_with(2))) as client:
        response = await client.post("/Tickets/query", json={"filter": EVERYTHING, "MaxRecords": max_records})
    assert response.status_code == status


async def test_more_than_500_or_conditions_are_refused() -> None:
    many = {"op": "or", "items": [{"op": "eq", "field": "id", "value": i} for i in range(501)]}
    async with api(create_app(scenario_with(1))) as client:
        refused = await client.post("/Tickets/query", json={"filter": [many]})
        allowed = await client.post("/Tickets/query", json={"filter": [{**many, "items": many["items"][:500]}]})
    assert (refused.status_code, allowed.status_code) == (400, 200)


async def test_get_with_search_gives_the_same_answer_as_post_and_count_counts(tickets: AutotaskScenario) -> None:
    body = {"filter": [{"op": "noteq", "field": "status", "value": 5}]}
    async with api(create_app(tickets)) as client:
        posted = await client.post("/Tickets/query", json=body)
        got = await client.get("/Tickets/query", params={"search": json.dumps(body)})
        count = await client.get("/Tickets/query/count", params={"search": json.dumps(body)})
        counted = await client.post("/Tickets/query/count", json=body)
    assert posted.json() == got.json()
    assert count.json() == counted.json() == {"queryCount": 4}


async def test_get_by_id_answers_item_or_item_null_never_404(tickets: AutotaskScenario) -> None:
    first = next(iter(tickets.tickets))
    async with api(create_app(tickets)) as client:
        found = await client.get(f"/Tickets/{first}")
        missing = await client.get("/Tickets/999999")
    assert found.json()["item"]["id"] == first
    assert (missing.status_code, missing.json()) == (200, {"item": None})


async def test_include_fields_without_id_is_refused_once_a_second_page_is_needed() -> None:
    async with api(create_app(scenario_with(3))) as client:
        one_page = await client.post("/Tickets/query", json={"filter": EVERYTHING, "IncludeFields": ["title"]})
        paged = await client.post(
            "/Tickets/query", json={"filter": EVERYTHING, "IncludeFields": ["title"], "MaxRecords": 2}
        )
    assert one_page.status_code == 200
    assert list(one_page.json()["items"][0]) == ["title"]
    assert paged.status_code == 400


# --------------------------------------------------------------------------- paging
@pytest.mark.parametrize("how", ["get", "post-body", "post-empty"])
@pytest.mark.parametrize(("count", "pages"), [(0, 1), (10, 1), (11, 2), (25, 3)])
async def test_next_page_url_works_with_get_and_with_post_with_or_without_a_body(
    how: str, count: int, pages: int
) -> None:
    scenario = scenario_with(count)
    async with api(create_app(scenario)) as client:
        found, fetched = await walk(client, {"filter": EVERYTHING, "MaxRecords": 10}, how)
    assert found == sorted(scenario.tickets)
    assert fetched == pages


async def test_the_page_envelope_carries_count_request_count_and_null_prev() -> None:
    async with api(create_app(scenario_with(3))) as client:
        page = (await client.post("/Tickets/query", json={"filter": EVERYTHING, "MaxRecords": 2})).json()
    details = page["pageDetails"]
    assert (details["count"], details["requestCount"], details["prevPageUrl"]) == (2, 2, None)


# --------------------------------------------------------------------------- entities and fields
async def test_entity_fields_list_tenant_picklists_with_string_values_and_custom_statuses() -> None:
    async with api(create_app(scenario_with(0))) as client:
        fields = {f["name"]: f for f in (await client.get("/Tickets/entityInformation/fields")).json()["fields"]}
    status = {v["value"]: v for v in fields["status"]["picklistValues"]}
    assert status["5"]["label"] == "Complete"
    assert {"Customer Note Added", "Waiting on Third Party", "Triage Board"} <= {v["label"] for v in status.values()}
    assert any(not v["isActive"] for v in status.values())
    for name in ("priority", "queueID", "source", "issueType"):
        assert fields[name]["isPickList"] and fields[name]["picklistValues"], name
    assert not fields["creatorType"]["isQueryable"]
    assert fields["companyID"]["referenceEntityType"] == "Company"


async def test_timestamps_come_with_and_without_z_on_one_ticket() -> None:
    scenario = scenario_with(1)
    ticket_id = next(iter(scenario.tickets))
    async with api(create_app(scenario)) as client:
        item = (await client.get(f"/Tickets/{ticket_id}")).json()["item"]
        company = (await client.post("/Companies/query", json={"filter": EVERYTHING})).json()["items"][0]
    assert item["createDate"].endswith(".000Z")
    assert item["resolvedDueDateTime"].endswith(".000") and "Z" not in item["resolvedDueDateTime"]
    assert "Z" not in company["createDate"] and "Z" not in company["lastTrackedModifiedDateTime"]


@pytest.mark.parametrize(
    "entity",
    ["Resources", "Companies", "TicketNotes", "TimeEntries", "ServiceLevelAgreementResults", "DeletedTicketLogs"],
)
async def test_every_related_entity_answers_queries(entity: str) -> None:
    scenario = AutotaskScenario(3, active_tickets=20, history_days=2, now=NOW)
    async with api(create_app(scenario)) as client:
        found = await ids(client, EVERYTHING, entity)
    assert found and found == sorted(scenario.store[entity])


async def test_a_ticket_deleted_in_the_ui_leaves_tickets_and_appears_in_deleted_ticket_logs() -> None:
    scenario = scenario_with(2)
    gone = next(iter(scenario.tickets))
    scenario.delete_ticket(gone)
    async with api(create_app(scenario)) as client:
        item = (await client.get(f"/Tickets/{gone}")).json()
        logs = (await client.post("/DeletedTicketLogs/query", json={"filter": EVERYTHING})).json()["items"]
    assert item == {"item": None}
    assert [log["ticketID"] for log in logs] == [gone]
    assert logs[0]["deletedDateTime"].endswith("Z")


# --------------------------------------------------------------------------- writes
async def test_patch_changes_only_the_listed_fields_and_completing_sets_completed_date() -> None:
    scenario = scenario_with(1)
    ticket_id = next(iter(scenario.tickets))
    title = scenario.tickets[ticket_id]["title"]
    scenario.advance(NOW + timedelta(minutes=5))
    async with api(create_app(scenario)) as client:
        response = await client.patch("/Tickets", json={"id": ticket_id, "Status": 5})
    ticket = scenario.tickets[ticket_id]
    assert response.json() == {"itemId": ticket_id}
    assert (ticket["status"], ticket["title"]) == (5, title)
    assert ticket["completedDate"] == ticket["lastActivityDate"] == to_epoch(NOW + timedelta(minutes=5))


@pytest.mark.parametrize(
    ("body", "status"),
    [({"id": 1, "status": 5}, 500), ({"status": 5}, 400), ("ID", 400), ({"id": "x", "nosuch": 1}, 400),
     ({"id": "x", "ticketNumber": "T1"}, 400), ({"id": "x", "status": 77}, 400), ({"id": "x", "priority": None}, 400)],
)  # fmt: skip
async def test_patch_refuses_missing_records_unknown_or_read_only_fields_and_bad_picklist_values(
    body: Any, status: int
) -> None:
    scenario = scenario_with(1)
    ticket_id = next(iter(scenario.tickets))
    if body == "ID":
        body = {"id": ticket_id, "title": ""}
    elif isinstance(body, dict) and body.get("id") == "x":
        body = {**body, "id": ticket_id}
    async with api(create_app(scenario)) as client:
        response = await client.patch("/Tickets", json=body)
    assert response.status_code == status
    assert response.json()["errors"]
    if status == 500:
        assert response.json()["errors"] == ["No matching records found."]


async def test_notes_are_created_on_the_child_path_and_on_ticket_notes_and_count_as_activity() -> None:
    scenario = scenario_with(1)
    ticket_id = next(iter(scenario.tickets))
    scenario.advance(NOW + timedelta(minutes=1))
    note = {"title": "Hello", "description": "Text", "noteType": 1, "publish": 1}
    async with api(create_app(scenario)) as client:
        child = await client.post(f"/Tickets/{ticket_id}/Notes", json=note)
        direct = await client.post("/TicketNotes", json={**note, "ticketID": ticket_id})
        missing = await client.post(f"/Tickets/{ticket_id}/Notes", json={"title": "x"})
        listed = await client.get(f"/tickets/{ticket_id}/notes")
    created = {child.json()["itemId"], direct.json()["itemId"]}
    assert created <= {n["id"] for n in listed.json()["items"]}
    assert missing.status_code == 400
    assert scenario.tickets[ticket_id]["lastActivityDate"] == to_epoch(NOW + timedelta(minutes=1))


async def test_an_ignored_write_answers_200_but_keeps_the_old_value() -> None:
    scenario = scenario_with(1)
    ticket_id = next(iter(scenario.tickets))
    app = create_app(scenario)
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://sim.test") as control:
        await control.post("/_sim/write_faults", json={"mode": "ignore", "remaining": 2})
    async with api(app) as client:
        patched = await client.patch("/Tickets", json={"id": ticket_id, "status": 5})
        noted = await client.post(f"/Tickets/{ticket_id}/Notes", json={"title": "t", "description": "d", "noteType": 1,
                                                                        "publish": 1})  # fmt: skip
        note = await client.get(f"/TicketNotes/{noted.json()['itemId']}")
        later = await client.patch("/Tickets", json={"id": ticket_id, "status": 8})
    assert (patched.status_code, patched.json()) == (200, {"itemId": ticket_id})
    assert note.json() == {"item": None}
    assert later.status_code == 200 and scenario.tickets[ticket_id]["status"] == 8  # the fault ran out


@pytest.mark.parametrize(
    ("fault", "status", "text"),
    [({"mode": "reject", "status": 422, "message": "Queue is closed."}, 422, "Queue is closed."),
     ({"mode": "permission"}, 500, "does not have the adequate permissions")],
)  # fmt: skip
async def test_rejected_writes_answer_with_an_errors_body(fault: dict[str, Any], status: int, text: str) -> None:
    scenario = scenario_with(1)
    ticket_id = next(iter(scenario.tickets))
    app = create_app(scenario)
    app.state.write_faults.set(WriteFault(**fault))
    async with api(app) as client:
        response = await client.patch("/Tickets", json={"id": ticket_id, "status": 5})
    assert response.status_code == status
    assert text in response.json()["errors"][0]
    assert scenario.tickets[ticket_id]["status"] == NEW


# --------------------------------------------------------------------------- limits
async def test_threshold_information_counts_requests_and_the_hourly_limit_answers_429_until_it_rolls() -> None:
    clock = FakeClock()
    app = create_app(scenario_with(1), hourly_limit=3, clock=clock, usage_latency=False)
    async with api(app) as client:
        first = (await client.get("/ThresholdInformation")).json()
        await client.get("/ThresholdInformation")
        await client.get("/ThresholdInformation")
        refused = await client.get("/ThresholdInformation")
        clock.now += 3600
        again = await client.get("/ThresholdInformation")
    assert first == {"externalRequestThreshold": 3, "requestThresholdTimeframe": 60, "currentTimeframeRequestCount": 1}
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "3600"
    assert "errors" in refused.json()
    assert again.status_code == 200


async def test_latency_is_added_per_call_once_the_database_is_past_half_its_limit() -> None:
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    app = create_app(scenario_with(1), hourly_limit=100, sleep=record)
    app.state.hour.spend(48)  # this call makes 49: no delay yet
    async with api(app) as client:
        for _ in range(3):
            await client.get("/ThresholdInformation")
        app.state.hour.spend(25)
        await client.get("/ThresholdInformation")
    assert waits == [0.5, 0.5, 1.0]


# --------------------------------------------------------------------------- faults
async def test_a_rate_limit_fault_answers_429_with_retry_after_then_clears() -> None:
    app = create_app(scenario_with(1))
    app.state.faults.set(FaultPlan(mode="rate_limit", remaining=1, retry_after=7))
    async with api(app) as client:
        limited = await client.get("/ThresholdInformation")
        fine = await client.get("/ThresholdInformation")
    assert (limited.status_code, limited.headers["retry-after"], fine.status_code) == (429, "7", 200)


@pytest.mark.parametrize(("status", "json_body"), [(500, True), (503, False)])
async def test_server_errors_are_json_from_the_app_and_html_from_the_proxy(status: int, json_body: bool) -> None:
    app = create_app(scenario_with(1))
    app.state.faults.set(FaultPlan(mode="server_error", status=status, remaining=1))
    async with api(app) as client:
        response = await client.get("/ThresholdInformation")
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/json") == json_body


async def test_a_timeout_fault_trips_a_client_side_timeout() -> None:
    app = create_app(scenario_with(1))
    app.state.faults.set(FaultPlan(mode="timeout", delay_seconds=5, remaining=1))
    async with api(app) as client:
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(client.get("/ThresholdInformation"), timeout=0.1)


async def test_a_truncated_response_is_a_200_that_does_not_parse() -> None:
    app = create_app(scenario_with(3))
    app.state.faults.set(FaultPlan(mode="truncated", remaining=1))
    async with api(app) as client:
        broken = await client.post("/Tickets/query", json={"filter": EVERYTHING})
    assert broken.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(broken.content)


async def test_fail_on_page_breaks_that_page_of_a_query_walk_only() -> None:
    app = create_app(scenario_with(25))
    app.state.faults.set(FaultPlan(mode="fail_on_page", page=2))
    async with api(app) as client:
        first = await client.post("/Tickets/query", json={"filter": EVERYTHING, "MaxRecords": 10})
        second = await client.get(first.json()["pageDetails"]["nextPageUrl"])
        other = await client.get("/ThresholdInformation")
    assert (first.status_code, second.status_code, other.status_code) == (200, 500, 200)


async def test_control_endpoints_move_time_spend_usage_and_move_the_zone() -> None:
    scenario = AutotaskScenario(4, active_tickets=30, history_days=2, now=NOW)
    app = create_app(scenario)
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://sim.test") as control:
        advanced = await control.post("/_sim/advance", json={"seconds": 3600})
        usage = await control.post("/_sim/usage", json={"requests": 1200})
        moved = await control.post("/_sim/zone", json={"url": "http://ww9.sim.test/ATServicesRest/"})
        refused = await control.post("/_sim/write_faults", json={"mode": "explode"})
    assert scenario.now == NOW + timedelta(hours=1)
    assert advanced.json()["active_tickets"] == len(scenario.active_tickets())
    assert usage.json()["currentTimeframeRequestCount"] == 1200
    assert moved.json() == {"url": "http://ww9.sim.test/ATServicesRest/"}
    assert refused.status_code == 400


# --------------------------------------------------------------------------- the scenario
def snapshot(scenario: AutotaskScenario) -> str:
    return json.dumps(scenario.store, sort_keys=True)


def test_the_same_seed_builds_and_evolves_the_same_tenant_and_steps_equal_one_jump() -> None:
    first, second, other = (AutotaskScenario(seed, now=NOW) for seed in (11, 11, 12))
    assert snapshot(first) == snapshot(second) != snapshot(other)
    for minutes in range(0, 24 * 60 + 1, 41):
        first.advance(NOW + timedelta(minutes=minutes))
    first.advance(NOW + timedelta(days=1))
    second.advance(NOW + timedelta(days=1))
    assert snapshot(first) == snapshot(second)


def test_a_working_week_brings_arrivals_completions_notes_time_and_deletions() -> None:
    scenario = AutotaskScenario(2, companies=8, now=NOW)
    before = {name: len(rows) for name, rows in scenario.store.items()}
    tickets_before = {i: t["status"] for i, t in scenario.tickets.items()}
    scenario.advance(NOW + timedelta(days=5))
    after = {name: len(rows) for name, rows in scenario.store.items()}
    completed = [
        i for i, s in tickets_before.items() if i in scenario.tickets and s != 5 and scenario.tickets[i]["status"] == 5
    ]
    assert after["Tickets"] > before["Tickets"]
    assert completed
    assert after["TicketNotes"] > before["TicketNotes"] and after["TimeEntries"] > before["TimeEntries"]
    assert after["DeletedTicketLogs"] > before["DeletedTicketLogs"]
    assert len({t["companyID"] for t in scenario.tickets.values()}) == 8
    assert 60 < len(scenario.active_tickets()) < 400  # the backlog neither drains nor explodes


def test_some_tickets_carry_sla_due_dates_and_some_do_not() -> None:
    scenario = AutotaskScenario(1, now=NOW)
    active = scenario.active_tickets()
    with_sla = [t for t in active if t["firstResponseDueDateTime"] is not None]
    assert 0 < len(with_sla) < len(active)
    assert all(t["resolvedDueDateTime"] and t["resolutionPlanDueDateTime"] for t in with_sla)
    now = to_epoch(NOW)
    assert any(t["resolvedDueDateTime"] < now for t in with_sla) and any(
        t["resolvedDueDateTime"] > now for t in with_sla
    )
    assert scenario.store["ServiceLevelAgreementResults"]


def test_advancing_into_the_past_is_refused() -> None:
    scenario = AutotaskScenario.empty(now=NOW)
    with pytest.raises(ValueError):
        scenario.advance(NOW - timedelta(seconds=1))
