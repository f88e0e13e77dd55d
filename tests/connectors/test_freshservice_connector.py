"""The Freshservice connector against a small in-test fake (httpx2.MockTransport): paging, errors, budget."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2
import pytest

from deskpulse.connectors.base import ConnectorError
from deskpulse.connectors.freshservice import FreshserviceConnector, FreshserviceSettings
from deskpulse.connectors.freshservice.pagination import next_link
from deskpulse.domain.tickets import StatusCategory
from deskpulse.simulators.freshservice import FreshserviceScenario, create_app

BASE = "https://acme.freshservice.com/api/v2"
KEY = "fs-key"
NOW = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)


def ticket(
    i: int, *, status: int = 2, created: datetime | None = None, updated: datetime | None = None
) -> dict[str, Any]:
    created = created or NOW - timedelta(hours=i)
    return {
        "id": i,
        "subject": f"Ticket {i}",
        "status": status,
        "priority": 1 + i % 4,
        "type": "Incident",
        "created_at": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "updated_at": (updated or created).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


@dataclass
class FakeFreshservice:
    """Just enough Freshservice: list (Link header), filter (total, 10-page cap), show, form fields, people."""

    tickets: dict[int, dict[str, Any]] = field(default_factory=dict)
    custom_statuses: dict[int, str] = field(default_factory=dict)
    requests: list[httpx2.Request] = field(default_factory=list)
    replies: list[httpx2.Response] = field(default_factory=list)  # served first, one per request

    def handler(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        if self.replies:
            return self.replies.pop(0)
        if request.headers.get("authorization") != "Basic " + base64.b64encode(f"{KEY}:X".encode()).decode():
            return httpx2.Response(401, json={"code": "invalid_credentials", "message": "You have to be logged in"})
        path = request.url.path.removeprefix("/api/v2/")
        params = dict(request.url.params)
        page, per_page = int(params.get("page", 1)), int(params.get("per_page", 30))
        if path == "tickets":
            since = params["updated_since"]
            rows = sorted((t for t in self.tickets.values() if t["updated_at"] >= since), key=lambda t: t["created_at"])
            return self._linked("tickets", rows, page, per_page, request)
        if path == "tickets/filter":
            if page > 10:
                return httpx2.Response(400, json={"description": "Validation failed", "errors": [{"field": "page"}]})
            rows = [t for t in self.tickets.values() if matches(params["query"].strip('"'), t)]
            chunk = rows[(page - 1) * per_page : page * per_page]
            return httpx2.Response(200, json={"tickets": chunk, "total": len(rows)})
        if path.startswith("tickets/") and path.removeprefix("tickets/").isdigit():
            found = self.tickets.get(int(path.removeprefix("tickets/")))
            return httpx2.Response(200, json={"ticket": found}) if found else httpx2.Response(404, json={})
        if path == "ticket_form_fields":
            choices = [{"id": c, "value": v} for c, v in {2: "Open", 3: "Pending", **self.custom_statuses}.items()]
            return httpx2.Response(200, json={"ticket_fields": [{"name": "status", "choices": choices}]})
        if path in ("groups", "agents", "requesters", "departments"):
            rows = [{"id": 1, "name": f"{path} one", "first_name": "A", "email": "a@acme.io"}]
            return self._linked(path, rows, page, per_page, request)
        return httpx2.Response(404, json={"message": "not found"})

    @staticmethod
    def _linked(
        key: str, rows: list[dict[str, Any]], page: int, per_page: int, request: httpx2.Request
    ) -> httpx2.Response:
        headers = {"x-ratelimit-total": "100", "x-ratelimit-remaining": "90"}
        if page * per_page < len(rows):
            headers["link"] = f'<{request.url.copy_set_param("page", page + 1)}>; rel="next"'
        return httpx2.Response(200, json={key: rows[(page - 1) * per_page : page * per_page]}, headers=headers)


def matches(query: str, t: dict[str, Any]) -> bool:
    """The fake's reading of the filter syntax: status alternatives, created_at >= day and <= end of day."""
    statuses = {int(s) for s in re.findall(r"status:(\d+)", query)}
    created = t["created_at"][:10]
    after = re.search(r"created_at:>'([\d-]+)'", query)
    before = re.search(r"created_at:<'([\d-]+)'", query)
    return (
        t["status"] in statuses
        and (after is None or created >= after.group(1))
        and (before is None or created <= before.group(1))
    )


@dataclass
class FakeTime:
    """A monotonic clock that only moves when the code under test sleeps (so budget waits cost nothing)."""

    now: float = 1000.0
    waits: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


def settings(**overrides: Any) -> FreshserviceSettings:
    return FreshserviceSettings(**{"name": "fs", "base_url": BASE, "api_key": KEY, **overrides})


def connect(fake: FakeFreshservice, time: FakeTime | None = None, **overrides: Any) -> FreshserviceConnector:
    time = time or FakeTime()
    return FreshserviceConnector(
        settings(**overrides),
        transport=httpx2.MockTransport(fake.handler),
        sleep=time.sleep,
        now=lambda: NOW,
        monotonic=time,
    )


def fake_with(n: int, **kwargs: Any) -> FakeFreshservice:
    return FakeFreshservice(tickets={i: ticket(i, **kwargs) for i in range(1, n + 1)})


@pytest.mark.parametrize(("n", "pages"), [(0, 1), (100, 1), (101, 2)])
async def test_the_changed_list_follows_the_link_header_whatever_the_page_boundary(n: int, pages: int) -> None:
    fake = fake_with(n)
    connector = connect(fake)
    tickets = await connector.fetch_changed_since(NOW - timedelta(days=30))
    assert len({t.external_id for t in tickets}) == n
    listed = [r for r in fake.requests if r.url.path.endswith("/tickets")]
    assert len(listed) == pages
    first = listed[0].url.params
    assert (first["include"], first["order_type"], first["per_page"]) == ("stats", "asc", "100")
    await connector.aclose()


async def test_the_watermark_is_moved_back_by_the_overlap() -> None:
    fake = fake_with(1)
    await connect(fake, overlap_seconds=600, workspace_id=3).fetch_closed_since(NOW)
    listed = next(r for r in fake.requests if r.url.path.endswith("/tickets"))
    assert listed.url.params["updated_since"] == "2026-11-18T09:50:00Z"
    assert listed.url.params["workspace_id"] == "3"


async def test_a_wrong_key_gives_a_permanent_error_with_the_vendor_message() -> None:
    connector = connect(fake_with(1))
    connector.fs.http._client.headers["authorization"] = "Basic d3Jvbmc6WA=="
    with pytest.raises(ConnectorError) as info:
        await connector.check()
    assert info.value.permanent
    assert info.value.status == 401
    assert "You have to be logged in" in info.value.message


async def test_a_429_is_waited_out_with_its_integer_retry_after_and_then_succeeds() -> None:
    fake = fake_with(3)
    fake.replies.append(httpx2.Response(429, headers={"retry-after": "7"}, json={"message": "slow down"}))
    time = FakeTime()
    tickets = await connect(fake, time).fetch_changed_since(NOW - timedelta(days=1))
    assert len(tickets) == 3
    assert time.waits == [7.0]


async def test_a_truncated_json_body_is_a_transient_connector_error() -> None:
    fake = fake_with(3)
    connector = connect(fake)
    await connector.status_table()
    fake.replies.append(httpx2.Response(200, content=b'{"tickets": [{"id": 1, "sta'))
    with pytest.raises(ConnectorError) as info:
        await connector.fetch_changed_since(NOW - timedelta(days=1))
    assert not info.value.permanent
    assert "malformed JSON" in info.value.message


async def test_the_active_set_is_read_by_filter_over_standard_and_custom_active_statuses() -> None:
    fake = FakeFreshservice(custom_statuses={6: "Waiting on third party", 7: "Cancelled"})
    fake.tickets = {1: ticket(1, status=2), 2: ticket(2, status=3), 3: ticket(3, status=6), 4: ticket(4, status=7),
                    5: ticket(5, status=4)}  # fmt: skip
    tickets = await connect(fake).fetch_active()
    by_id = {t.external_id: t.status_category for t in tickets}
    assert by_id == {"1": StatusCategory.OPEN, "2": StatusCategory.WAITING_ON_CUSTOMER,
                     "3": StatusCategory.WAITING_ON_THIRD_PARTY}  # fmt: skip
    query = next(r for r in fake.requests if r.url.path.endswith("/filter")).url.params["query"]
    assert query == '"status:2 OR status:3 OR status:6"'


async def test_an_active_set_beyond_the_filter_page_cap_is_split_by_creation_date_and_read_completely() -> None:
    fake = FakeFreshservice(tickets={i: ticket(i, created=NOW - timedelta(hours=5 * i)) for i in range(1, 2501)})
    time = FakeTime()
    connector = connect(fake, time)
    tickets = await connector.fetch_active()
    assert len(tickets) == 2500
    assert len({t.external_id for t in tickets}) == 2500
    assert not connector.take_warnings()
    pages = [int(r.url.params.get("page", 1)) for r in fake.requests if r.url.path.endswith("/filter")]
    assert max(pages) <= 10
    # More filter calls than the Starter list sub-limit (40/min x 0.8 share) allows: the budget paced them.
    assert len(pages) > 32
    assert time.waits
    assert any("created_at:>" in r.url.params["query"] for r in fake.requests if r.url.path.endswith("/filter"))


async def test_the_status_table_is_loaded_once_and_cached() -> None:
    fake = fake_with(2)
    connector = connect(fake)
    await connector.fetch_active()
    await connector.fetch_changed_since(NOW - timedelta(days=1))
    assert sum(r.url.path.endswith("/ticket_form_fields") for r in fake.requests) == 1


async def test_an_unknown_status_code_is_kept_as_open_with_a_warning() -> None:
    fake = FakeFreshservice(tickets={1: ticket(1, status=99)})
    connector = connect(fake)
    tickets = await connector.fetch_changed_since(NOW - timedelta(days=1))
    assert tickets[0].status_category is StatusCategory.OPEN
    assert any("99" in w for w in connector.take_warnings())


async def test_include_credits_and_the_list_sub_limit_are_both_charged() -> None:
    fake = fake_with(150)
    connector = connect(fake, include_credit_cost=2)
    await connector.fetch_changed_since(NOW - timedelta(days=30))
    # form fields: 1 credit; two list pages: 1 + 2 include credits each.
    assert connector.budget.requests_made == 1 + 2 * 3
    # The list sub-limit is charged the include credits too (conservative: not documented either way).
    assert connector.budget.sub["list_tickets"].requests_made == 2 * 3
    assert connector.budget.vendor_limit == 100


async def test_a_missing_or_trashed_ticket_is_none() -> None:
    fake = fake_with(2)
    fake.tickets[2]["deleted"] = True
    connector = connect(fake)
    assert (await connector.fetch_ticket("1")) is not None
    assert await connector.fetch_ticket("2") is None
    assert await connector.fetch_ticket("404") is None


async def test_the_directory_maps_groups_and_agents_and_falls_back_to_departments() -> None:
    fake = fake_with(0)
    connector = connect(fake)
    directory = await connector.fetch_directory()
    assert [t.name for t in directory.teams] == ["groups one"]
    assert [(a.name, a.email) for a in directory.agents] == [("agents one", "a@acme.io")]
    assert connector.organisations[0] == "departments"
    assert 1 in connector.requesters


def test_the_link_header_parser_finds_rel_next_among_others() -> None:
    header = '<https://a/x?page=1>; rel="prev", <https://a/x?page=3>; rel="next"'
    assert next_link(header) == "https://a/x?page=3"
    assert next_link("<https://a/x?page=3>; rel=next") == "https://a/x?page=3"
    assert next_link('<https://a/x?page=1>; rel="prev"') is None
    assert next_link(None) is None


async def test_unreadable_form_fields_leave_the_standard_statuses_working_with_a_warning() -> None:
    fake = fake_with(2)
    fake.replies.append(httpx2.Response(200, content=b'{"ticket_fields": [{"na'))
    connector = connect(fake)
    assert len(await connector.fetch_active()) == 2
    assert any("form fields" in w for w in connector.take_warnings())


# ----------------------------------------------------------------- against the Freshservice simulator
SIM_BASE = "http://sim.test/api/v2"


def sim_connector(app: Any, time: FakeTime | None = None, **overrides: Any) -> FreshserviceConnector:
    time = time or FakeTime()
    cfg = FreshserviceSettings(**{"name": "fs", "base_url": SIM_BASE, "api_key": "sim-fs-key", **overrides})
    return FreshserviceConnector(
        cfg, transport=httpx2.ASGITransport(app=app), sleep=time.sleep, now=lambda: NOW, monotonic=time
    )


async def test_the_active_set_read_from_the_simulator_equals_the_scenarios_active_tickets() -> None:
    scenario = FreshserviceScenario(7, active_tickets=250, now=NOW)
    connector = sim_connector(create_app(scenario))
    tickets = await connector.fetch_active()
    expected = {str(t["id"]) for t in scenario.active_tickets() if t["workspace_id"] == 2}
    assert {t.external_id for t in tickets} == expected
    assert all(t.status_category.is_active for t in tickets)
    await connector.aclose()


async def test_a_change_after_the_watermark_is_picked_up_and_a_deleted_ticket_leaves_the_active_set() -> None:
    scenario = FreshserviceScenario.empty(now=NOW)
    first = scenario.add_ticket(status=2, created_at=NOW - timedelta(days=2))
    second = scenario.add_ticket(status=2, created_at=NOW - timedelta(days=1))
    connector = sim_connector(create_app(scenario), overlap_seconds=0)
    assert {t.external_id for t in await connector.fetch_active()} >= {str(first["id"]), str(second["id"])}
    scenario.advance(NOW + timedelta(minutes=10))
    scenario.update_ticket(first["id"], status=3)
    scenario.delete_ticket(second["id"])
    changed = {t.external_id: t for t in await connector.fetch_changed_since(NOW + timedelta(minutes=5))}
    assert changed[str(first["id"])].status_category is StatusCategory.WAITING_ON_CUSTOMER
    active = {t.external_id for t in await connector.fetch_active()}
    assert str(second["id"]) not in active
    assert await connector.fetch_ticket(str(second["id"])) is None
    await connector.aclose()


async def test_the_simulator_rejects_a_wrong_key_permanently() -> None:
    connector = sim_connector(create_app(FreshserviceScenario.empty(now=NOW)), api_key="wrong")
    with pytest.raises(ConnectorError) as info:
        await connector.check()
    assert info.value.permanent
    assert "logged in" in info.value.message
