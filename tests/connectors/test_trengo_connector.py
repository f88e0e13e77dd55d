"""The Trengo connector against the Trengo simulator: pagination, auth, rate limits, faults."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx2
import pytest

from deskpulse.connectors.base import ConnectorError, HttpClient, LinksNextPaginator, RequestBudget
from deskpulse.domain.tickets import StatusCategory
from deskpulse.simulators.faults import FaultPlan
from deskpulse.simulators.trengo_scenario import TrengoScenario
from support import RecordingSleep, connector_for, simulator, source_config

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)


def scenario_with(n_open: int, n_assigned: int = 0) -> TrengoScenario:
    scenario = TrengoScenario.empty(now=NOW)
    user = next(iter(scenario.users))
    for i in range(n_open):
        scenario.add_ticket(status="OPEN", created_at=NOW - timedelta(hours=i + 1))
    for i in range(n_assigned):
        scenario.add_ticket(status="ASSIGNED", created_at=NOW - timedelta(hours=i + 1), user_id=user)
    return scenario


def ticket_list_requests(app: object) -> list[str]:
    return [query for method, path, query in app.state.request_log if path.endswith("/tickets")]  # type: ignore[attr-defined]


@pytest.mark.parametrize(("n_open", "pages"), [(0, 1), (25, 1), (26, 2), (51, 3)])
async def test_open_list_is_read_completely_whatever_the_page_boundary(n_open: int, pages: int) -> None:
    app = simulator(scenario_with(n_open))
    connector = connector_for(app)
    tickets = await connector.fetch_active()
    assert len(tickets) == n_open
    assert len({t.external_id for t in tickets}) == n_open
    open_requests = [q for q in ticket_list_requests(app) if "status=OPEN" in q]
    assert len(open_requests) == pages
    await connector.aclose()


async def test_open_and_assigned_map_to_new_and_assigned_categories() -> None:
    connector = connector_for(simulator(scenario_with(3, 2)))
    tickets = await connector.fetch_active()
    categories = sorted(t.status_category for t in tickets)
    assert categories.count(StatusCategory.NEW) == 3
    assert categories.count(StatusCategory.ASSIGNED) == 2
    assert all(t.created_at.tzinfo is not None for t in tickets)
    await connector.aclose()


async def test_naive_timestamps_are_read_as_utc_unless_the_source_says_otherwise() -> None:
    scenario = scenario_with(1)
    app = simulator(scenario)
    utc = (await connector_for(app).fetch_active())[0]
    amsterdam = (await connector_for(app, source_config(naive_timezone="Europe/Amsterdam")).fetch_active())[0]
    assert utc.created_at == NOW - timedelta(hours=1)
    # Read as Amsterdam wall time (UTC+1 in November), the same string is one hour earlier in UTC.
    assert utc.created_at - amsterdam.created_at == timedelta(hours=1)


async def test_a_wrong_token_gives_a_permanent_error_that_says_so() -> None:
    connector = connector_for(simulator(scenario_with(1)), source_config(token="wrong"))
    with pytest.raises(ConnectorError) as info:
        await connector.fetch_active()
    assert info.value.permanent
    assert info.value.status == 401
    assert "rejected the credentials" in info.value.message
    assert "Unauthenticated" in info.value.message


async def test_a_429_is_waited_out_with_retry_after_and_then_succeeds() -> None:
    app = simulator(scenario_with(30))
    app.state.faults.set(FaultPlan(mode="rate_limit", remaining=2, retry_after=7))
    sleep = RecordingSleep()
    tickets = await connector_for(app, sleep=sleep).fetch_active()
    assert len(tickets) == 30
    assert sleep.waits.count(7) == 2


async def test_a_429_storm_gives_up_after_the_retry_bound() -> None:
    app = simulator(scenario_with(3))
    app.state.faults.set(FaultPlan(mode="rate_limit", retry_after=1))
    sleep = RecordingSleep()
    with pytest.raises(ConnectorError) as info:
        await connector_for(app, source_config(max_retries=3), sleep=sleep).fetch_active()
    assert "429" in info.value.message
    assert not info.value.permanent
    assert len(sleep.waits) == 3


@pytest.mark.parametrize(
    ("plan", "words"),
    [
        (FaultPlan(mode="server_error", status=503), "HTTP 503"),
        (FaultPlan(mode="truncated"), "malformed JSON"),
        (FaultPlan(mode="fail_on_page", page=3), "HTTP 500"),
        (FaultPlan(mode="timeout", delay_seconds=5), "did not answer"),
    ],
)
async def test_faults_surface_as_transient_errors_with_a_reason(plan: FaultPlan, words: str) -> None:
    app = simulator(scenario_with(80))
    app.state.faults.set(plan)
    connector = connector_for(app, source_config(timeout_seconds=0.3, max_retries=1))
    with pytest.raises(ConnectorError) as info:
        await connector.fetch_active()
    assert words in info.value.message
    assert not info.value.permanent


async def test_directory_reads_every_team_and_user() -> None:
    scenario = TrengoScenario.empty(teams=3, agents=40, now=NOW)
    directory = await connector_for(simulator(scenario)).fetch_directory()
    assert {t.external_id for t in directory.teams} == {str(i) for i in scenario.teams}
    assert {a.external_id for a in directory.agents} == {str(i) for i in scenario.users}
    assert all(a.name for a in directory.agents)


async def test_closed_sweep_stops_at_the_watermark() -> None:
    scenario = scenario_with(0)
    old = scenario.add_ticket(status="OPEN", created_at=NOW - timedelta(days=20))
    recent = scenario.add_ticket(status="OPEN", created_at=NOW - timedelta(days=2))
    scenario.close(old["id"])
    scenario.add_message(recent["id"], inbound=False)  # the agent answers, then closes
    scenario.close(recent["id"])
    # Make the old one's last message old, as if it was closed long ago.
    old["latest_message"]["created_at"] = (NOW - timedelta(days=19)).strftime("%Y-%m-%d %H:%M:%S")
    found = await connector_for(simulator(scenario)).fetch_closed_since(NOW - timedelta(days=1))
    assert [t.external_id for t in found] == [str(recent["id"])]
    assert found[0].closed_at is not None


async def test_a_deleted_ticket_reads_as_none() -> None:
    scenario = scenario_with(1)
    ticket = scenario.open_tickets()[0]
    scenario.delete(ticket["id"])
    assert await connector_for(simulator(scenario)).fetch_ticket(str(ticket["id"])) is None


def _mock_pages(pages: dict[int, dict[str, object]]) -> httpx2.MockTransport:
    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, json=pages[int(request.url.params.get("page", "1"))])

    return httpx2.MockTransport(handler)


async def test_pagination_stops_on_an_empty_page_even_if_next_is_set() -> None:
    base = "http://v.test/api/v2"
    pages = {
        1: {"data": [{"id": 1}], "links": {"next": f"{base}/tickets?page=2"}},
        2: {"data": [], "links": {"next": f"{base}/tickets?page=3"}},
        3: {"data": [{"id": 99}], "links": {"next": None}},
    }
    http = HttpClient(base_url=base, headers={}, budget=RequestBudget(1000), vendor="V", transport=_mock_pages(pages))
    seen = [
        item["id"] async for page in http.pages("tickets", LinksNextPaginator(), {"page": 1}) for item in page.items
    ]
    assert seen == [1]


async def test_credentials_are_never_sent_to_another_host_named_in_links() -> None:
    pages = {1: {"data": [{"id": 1}], "links": {"next": "http://evil.test/api/v2/tickets?page=2"}}}
    http = HttpClient(
        base_url="http://v.test/api/v2",
        headers={},
        budget=RequestBudget(1000),
        vendor="V",
        transport=_mock_pages(pages),
    )
    with pytest.raises(ConnectorError, match="another host"):
        async for _ in http.pages("tickets", LinksNextPaginator(), {"page": 1}):
            pass


async def test_the_latest_message_says_who_wrote_last() -> None:
    scenario = scenario_with(2)
    first, second = scenario.open_tickets()
    scenario.add_message(first["id"], inbound=False)
    scenario.add_message(second["id"], inbound=True)
    tickets = {t.external_id: t for t in await connector_for(simulator(scenario)).fetch_active()}
    agent_last, contact_last = tickets[str(first["id"])], tickets[str(second["id"])]
    assert agent_last.agent_responded_at is not None and agent_last.requester_responded_at is None
    assert contact_last.requester_responded_at is not None and contact_last.agent_responded_at is None
