"""The Autotask connector against the Autotask simulator: zones, paging, incremental reads, limits and writes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx2
import pytest
from starlette.applications import Starlette

from deskpulse.connectors.autotask import AutotaskConnector, AutotaskSettings, WriteRejected
from deskpulse.connectors.autotask.settings import api_base
from deskpulse.connectors.base import ConnectorError
from deskpulse.connectors.protocol import IncrementalConnector, ReportsWarnings
from deskpulse.domain.tickets import Priority, StatusCategory
from deskpulse.simulators.autotask import SIM_INTEGRATION_CODE, SIM_SECRET, SIM_USERNAME, AutotaskScenario, create_app
from deskpulse.simulators.autotask_lifecycle import AWAITING_CONFIRMATION, COMPLETE, IN_PROGRESS, NEW, TRIAGE
from deskpulse.simulators.autotask_writes import WriteFault
from deskpulse.simulators.faults import FaultPlan
from support import RecordingSleep

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
LOOKUP = "http://sim.test/atservicesrest/v1.0/zoneInformation"


class Recorder(httpx2.AsyncBaseTransport):
    """The simulator in-process, remembering every request (and optionally acting on it first)."""

    def __init__(self, app: Starlette, before: Callable[[httpx2.Request], None] | None = None) -> None:
        self.inner = httpx2.ASGITransport(app=app)
        self.before = before
        self.requests: list[httpx2.Request] = []

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        if self.before is not None:
            self.before(request)
        return await self.inner.handle_async_request(request)

    def paths(self, needle: str) -> list[httpx2.Request]:
        return [r for r in self.requests if needle.lower() in r.url.path.lower()]


class FakeTime:
    """A monotonic clock moved by the connector's own sleeps (so budget waits cost nothing)."""

    def __init__(self) -> None:
        self.now = 1_000.0
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


def settings(**overrides: Any) -> AutotaskSettings:
    values: dict[str, Any] = {"name": "at", "username": SIM_USERNAME, "secret": SIM_SECRET,
                              "integration_code": SIM_INTEGRATION_CODE, "zone_lookup_url": LOOKUP}  # fmt: skip
    return AutotaskSettings(**{**values, **overrides})


def connect(
    app: Starlette, sleep: Any = None, transport: httpx2.AsyncBaseTransport | None = None, **overrides: Any
) -> AutotaskConnector:
    return AutotaskConnector(
        settings(**overrides), transport=transport or httpx2.ASGITransport(app=app),
        sleep=sleep or RecordingSleep(),
    )  # fmt: skip


def scenario_with(count: int, status: int = NEW, **kwargs: Any) -> AutotaskScenario:
    scenario = AutotaskScenario.empty(now=NOW, **kwargs)
    for index in range(count):
        scenario.add_ticket(created_at=NOW - timedelta(minutes=count - index), status=status)
    return scenario


# --------------------------------------------------------------------------- zone discovery
async def test_the_zone_is_discovered_without_credentials_once_and_then_cached() -> None:
    app = create_app(scenario_with(3))
    recorder = Recorder(app)
    connector = connect(app, transport=recorder)
    await connector.fetch_active()
    await connector.fetch_changed_since(NOW - timedelta(hours=1))
    lookups = recorder.paths("zoneInformation")
    assert len(lookups) == 1
    assert "secret" not in lookups[0].headers and lookups[0].url.params["user"] == SIM_USERNAME
    assert all(r.url.path.startswith("/ATServicesRest/V1.0/") for r in recorder.requests if r not in lookups)
    await connector.aclose()


async def test_a_zone_url_with_a_double_slash_still_gives_a_working_base() -> None:
    app = create_app(scenario_with(2))
    app.state.zone.double_slash = True
    connector = connect(app)
    assert len(await connector.fetch_active()) == 2
    assert await connector.at.base() == "http://sim.test/ATServicesRest/V1.0"
    assert api_base("https://webservices5.autotask.net//ATServicesRest/") == (
        "https://webservices5.autotask.net/ATServicesRest/V1.0"
    )


async def test_a_401_after_the_tenant_moved_zones_re_resolves_once_and_succeeds() -> None:
    app = create_app(scenario_with(2))
    connector = connect(app)
    assert len(await connector.fetch_active()) == 2
    app.state.zone.url = "http://ww2.sim.test/ATServicesRest/"
    assert len(await connector.fetch_active()) == 2
    assert len(app.state.zone.lookups) == 2
    assert await connector.at.base() == "http://ww2.sim.test/ATServicesRest/V1.0"


async def test_wrong_credentials_re_resolve_the_zone_once_then_fail_permanently() -> None:
    app = create_app(scenario_with(1))
    connector = connect(app, secret="wrong")
    with pytest.raises(ConnectorError) as info:
        await connector.fetch_active()
    assert info.value.permanent and info.value.status == 401
    assert len(app.state.zone.lookups) == 2


async def test_an_unknown_user_is_a_permanent_error_naming_the_user() -> None:
    connector = connect(create_app(scenario_with(1)), username="nobody@example.com")
    with pytest.raises(ConnectorError) as info:
        await connector.check()
    assert info.value.permanent
    assert "nobody@example.com" in info.value.message


async def test_a_configured_base_url_skips_zone_discovery() -> None:
    app = create_app(scenario_with(2))
    connector = connect(app, base_url="http://sim.test/ATServicesRest")
    assert len(await connector.fetch_active()) == 2
    assert app.state.zone.lookups == []


# --------------------------------------------------------------------------- paging and the same-origin rule
async def test_the_active_set_is_read_completely_across_pages_of_500() -> None:
    scenario = scenario_with(1_200)
    recorder = Recorder(create_app(scenario))
    connector = connect(recorder.inner.app, transport=recorder)
    tickets = await connector.fetch_active()
    assert {t.external_id for t in tickets} == {str(i) for i in scenario.tickets}
    assert [r.method for r in recorder.paths("/Tickets/query")] == ["POST", "GET", "GET"]


async def test_credentials_follow_next_page_urls_only_on_the_same_origin() -> None:
    scenario = scenario_with(700)
    same = Recorder(create_app(scenario, next_page_origin="http://SIM.test:80"))
    tickets = await connect(same.inner.app, transport=same).fetch_active()
    assert len(tickets) == 700
    assert all(r.headers.get("secret") == SIM_SECRET for r in same.paths("/Tickets/query"))

    other = Recorder(create_app(scenario, next_page_origin="http://elsewhere.test"))
    with pytest.raises(ConnectorError) as info:
        await connect(other.inner.app, transport=other).fetch_active()
    foreign = [r for r in other.requests if r.url.host == "elsewhere.test"]
    assert foreign and all("secret" not in r.headers and "apiintegrationcode" not in r.headers for r in foreign)
    assert info.value.status == 401 and "another host (elsewhere.test)" in info.value.message


async def test_a_failure_mid_pagination_is_retried_and_the_walk_completes() -> None:
    app = create_app(scenario_with(600))
    app.state.faults.set(FaultPlan(mode="fail_on_page", page=2, remaining=1))
    sleep = RecordingSleep()
    assert len(await connect(app, sleep=sleep).fetch_active()) == 600
    assert sleep.waits == [1.0]


# --------------------------------------------------------------------------- incremental reads and deletions
async def test_incremental_reads_use_last_activity_after_the_watermark_minus_overlap() -> None:
    scenario = scenario_with(0)
    old = scenario.add_ticket(created_at=NOW - timedelta(days=2), updated_at=NOW - timedelta(days=1))
    recent = scenario.add_ticket(created_at=NOW - timedelta(days=2), updated_at=NOW - timedelta(minutes=8))
    recorder = Recorder(create_app(scenario))
    connector = connect(recorder.inner.app, transport=recorder, overlap_seconds=600)
    changed = await connector.fetch_changed_since(NOW - timedelta(minutes=5))
    assert [t.external_id for t in changed] == [str(recent["id"])]
    body = recorder.paths("/Tickets/query")[0].content
    assert b'"op":"gt","field":"lastActivityDate","value":"2026-11-18T09:45:00.000Z"' in body.replace(b" ", b"")
    assert str(old["id"]) not in {t.external_id for t in changed}


@pytest.mark.parametrize(("overlap", "caught"), [(300, True), (0, False)])
async def test_the_overlap_catches_a_ticket_updated_while_the_previous_cycle_was_paging(
    overlap: int, caught: bool
) -> None:
    scenario = scenario_with(600)  # two pages of 500
    early = next(iter(scenario.tickets))  # on page 1
    cycle_start = scenario.now  # the engine's next watermark

    def update_during_page_two(request: httpx2.Request) -> None:
        # Page 1 (with the ticket) is already read; the change is stamped with the cycle's own start time.
        if request.url.path.endswith("/query/next") and scenario.tickets[early]["status"] == NEW:
            scenario.update_ticket(early, status=IN_PROGRESS)

    app = create_app(scenario)
    connector = connect(app, transport=Recorder(app, update_during_page_two), overlap_seconds=overlap)
    first = {t.external_id: t for t in await connector.fetch_changed_since(cycle_start - timedelta(days=1))}
    assert first[str(early)].status_raw == str(NEW)  # the copy read before the change
    second = {t.external_id: t for t in await connector.fetch_changed_since(cycle_start)}
    assert (str(early) in second) is caught
    if caught:
        assert second[str(early)].status_raw == str(IN_PROGRESS)


async def test_deleted_tickets_become_tombstones_and_fetch_ticket_answers_none() -> None:
    scenario = scenario_with(3)
    gone, other_gone, kept = list(scenario.tickets)
    scenario.advance(NOW + timedelta(minutes=10))
    scenario.delete_ticket(gone)
    recorder = Recorder(create_app(scenario))
    connector = connect(recorder.inner.app, transport=recorder)
    changed = await connector.fetch_changed_since(NOW)
    assert {t.external_id for t in changed} == {str(other_gone), str(kept)}
    assert str(gone) in connector.tombstones
    before = len(recorder.requests)
    assert await connector.fetch_ticket(str(gone)) is None
    assert len(recorder.requests) == before  # a known tombstone needs no request
    scenario.delete_ticket(other_gone)  # not yet seen in the log: Autotask answers {"item": null}
    assert await connector.fetch_ticket(str(other_gone)) is None
    assert (await connector.fetch_ticket(str(kept))) is not None
    active = {t.external_id for t in await connector.fetch_active()}
    assert active == {str(kept)}


# --------------------------------------------------------------------------- statuses, priorities and mapping
async def test_statuses_are_classified_by_name_and_complete_or_resolved_leave_the_active_set() -> None:
    scenario = scenario_with(0)
    made = {s: scenario.add_ticket(created_at=NOW - timedelta(hours=1), status=s) for s in
            (NEW, IN_PROGRESS, 7, 12, 16, 17, 19, AWAITING_CONFIRMATION, COMPLETE)}  # fmt: skip
    connector = connect(create_app(scenario), status_map={16: StatusCategory.WAITING_ON_CUSTOMER})
    active = {t.external_id: t.status_category for t in await connector.fetch_active()}
    by_status = {s: active.get(str(t["id"])) for s, t in made.items()}
    assert by_status == {
        NEW: StatusCategory.NEW, IN_PROGRESS: StatusCategory.OPEN, 7: StatusCategory.WAITING_ON_CUSTOMER,
        12: StatusCategory.WAITING_ON_THIRD_PARTY, 16: StatusCategory.WAITING_ON_CUSTOMER, 17: StatusCategory.OPEN,
        19: StatusCategory.WAITING_ON_THIRD_PARTY, AWAITING_CONFIRMATION: None, COMPLETE: None,
    }  # fmt: skip
    closed = {t.external_id: t for t in await connector.fetch_closed_since(NOW - timedelta(days=1))}
    assert closed[str(made[COMPLETE]["id"])].status_category is StatusCategory.CLOSED
    assert closed[str(made[AWAITING_CONFIRMATION]["id"])].status_category is StatusCategory.RESOLVED


async def test_an_unknown_status_code_is_open_with_a_warning_not_a_crash() -> None:
    scenario = scenario_with(2)
    odd = next(iter(scenario.tickets))
    scenario.tickets[odd]["status"] = 42
    scenario.add_ticket(created_at=NOW, status=TRIAGE)
    connector = connect(create_app(scenario))
    tickets = {t.external_id: t for t in await connector.fetch_active()}
    assert tickets[str(odd)].status_category is StatusCategory.OPEN
    assert tickets[str(odd)].status_label == "Status 42"
    warnings = connector.take_warnings()
    assert any("42" in w and "status_map" in w for w in warnings)
    assert any("Triage Board" in w for w in warnings)
    assert connector.take_warnings() == []


async def test_a_ticket_maps_queue_resource_company_sla_targets_and_both_timestamp_forms() -> None:
    scenario = scenario_with(0)
    resource = next(iter(scenario.resources))
    company = scenario.customer_ids[1]
    raw = scenario.add_ticket(created_at=NOW - timedelta(hours=2), status=IN_PROGRESS, priority=4,
                              resource_id=resource, company_id=company)  # fmt: skip
    plain = scenario.add_ticket(created_at=NOW - timedelta(hours=2), sla=False)
    plan_only = scenario.add_ticket(created_at=NOW - timedelta(hours=2))
    plan_only["resolvedDueDateTime"] = None
    connector = connect(create_app(scenario))
    await connector.fetch_directory()
    tickets = {t.external_id: t for t in await connector.fetch_active()}
    ticket = tickets[str(raw["id"])]
    assert ticket.team_external_id == str(raw["queueID"]) and ticket.agent_external_id == str(resource)
    assert ticket.extra["company_id"] == str(company)
    assert ticket.extra["company_name"] == scenario.store["Companies"][company]["companyName"]
    assert (ticket.priority, ticket.priority_raw) == (Priority.URGENT, "Critical")
    assert ticket.created_at == NOW - timedelta(hours=2)  # "…000Z"
    assert ticket.first_response_due_at == NOW - timedelta(hours=1)  # naive, read as UTC
    assert ticket.resolution_due_at == NOW + timedelta(hours=2)
    assert ticket.number == raw["ticketNumber"] and ticket.url is None
    assert tickets[str(plain["id"])].first_response_due_at is None
    # Medium priority: the resolution plan is due a day after creation.
    assert tickets[str(plan_only["id"])].resolution_due_at == NOW + timedelta(hours=22)


async def test_the_directory_has_queues_as_teams_and_resources_as_agents() -> None:
    scenario = scenario_with(0, queues=3)
    directory = await connect(create_app(scenario)).fetch_directory()
    assert [t.external_id for t in directory.teams] == [str(q) for q in sorted(scenario.queue_ids)]
    assert {a.external_id for a in directory.agents} == {str(r) for r in scenario.resources}
    assert all(a.email and a.email.endswith("@msp.example") for a in directory.agents)


async def test_companies_and_hours_per_resource_are_read() -> None:
    scenario = AutotaskScenario(5, companies=6, active_tickets=40, history_days=3, now=NOW)
    since = NOW - timedelta(days=2)
    expected: dict[str, float] = {}
    for entry in scenario.store["TimeEntries"].values():
        if entry["startDateTime"] >= since.timestamp():
            expected[str(entry["resourceID"])] = expected.get(str(entry["resourceID"]), 0.0) + entry["hoursWorked"]
    connector = connect(create_app(scenario))
    companies = await connector.fetch_companies()
    hours = await connector.fetch_time_entries(since)
    assert len(companies) == 7 and companies[0].name == "Deskpulse Managed Services"
    assert hours.keys() == expected.keys()
    assert all(abs(hours[k] - v) < 1e-6 for k, v in expected.items())


# --------------------------------------------------------------------------- retries and limits
async def test_a_429_is_waited_out_with_its_retry_after_seconds_then_succeeds() -> None:
    app = create_app(scenario_with(3))
    app.state.faults.set(FaultPlan(mode="rate_limit", remaining=1, retry_after=7))
    sleep = RecordingSleep()
    assert len(await connect(app, sleep=sleep).fetch_active()) == 3
    assert sleep.waits == [7.0]


async def test_a_retry_after_given_as_an_http_date_is_honoured() -> None:
    app = create_app(scenario_with(2))
    sent = {"done": False}

    class DateLimited(Recorder):
        async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
            if request.url.path.endswith("/query") and not sent["done"]:
                sent["done"] = True
                when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
                return httpx2.Response(429, headers={"Retry-After": when}, json={"errors": ["slow down"]})
            return await super().handle_async_request(request)

    sleep = RecordingSleep()
    assert len(await connect(app, sleep=sleep, transport=DateLimited(app)).fetch_active()) == 2
    assert len(sleep.waits) == 1 and 25 < sleep.waits[0] <= 30


async def test_server_errors_back_off_and_then_give_up_with_a_transient_error() -> None:
    app = create_app(scenario_with(1))
    app.state.faults.set(FaultPlan(mode="server_error", status=503))
    sleep = RecordingSleep()
    with pytest.raises(ConnectorError) as info:
        await connect(app, sleep=sleep, max_retries=2).fetch_active()
    assert not info.value.permanent and info.value.status == 503
    assert sleep.waits == [1.0, 2.0]


async def test_past_half_the_database_limit_the_connector_pauses_between_calls_and_warns() -> None:
    app = create_app(scenario_with(3), usage_latency=False)
    app.state.hour.spend(6_000)
    sleep = RecordingSleep()
    connector = connect(app, sleep=sleep)
    await connector.fetch_active()
    assert connector.hourly.pause_seconds == 0.5
    assert sleep.waits and set(sleep.waits) == {0.5}
    assert any("slowing down" in w for w in connector.take_warnings())
    assert connector.budget.vendor_limit == 10_000


async def test_near_the_database_limit_the_cycle_stops_instead_of_risking_suspension() -> None:
    app = create_app(scenario_with(3), usage_latency=False)
    app.state.hour.spend(9_700)
    with pytest.raises(ConnectorError) as info:
        await connect(app).fetch_active()
    assert not info.value.permanent
    assert "all integrations" in info.value.message


async def test_when_our_hourly_share_is_spent_the_cycle_ends_instead_of_sleeping_an_hour() -> None:
    app = create_app(scenario_with(3))
    time = FakeTime()
    connector = AutotaskConnector(
        settings(requests_per_hour=12, budget_share=0.5), transport=httpx2.ASGITransport(app=app), sleep=time.sleep,
        monotonic=time,
    )  # fmt: skip
    for _ in range(4):  # picklists, threshold and a query page, then one page each: our share of 6
        await connector.fetch_active()
    with pytest.raises(ConnectorError) as info:
        await connector.fetch_active()
    assert "share" in info.value.message
    assert all(w < 120 for w in time.waits)


async def test_slow_answers_make_the_connector_pause_and_re_read_the_threshold() -> None:
    time = FakeTime()

    async def vendor_delay(seconds: float) -> None:
        time.now += seconds  # the simulator's added latency passes on the connector's clock

    app = create_app(scenario_with(3), latency_seconds=1.5, sleep=vendor_delay)
    recorder = Recorder(app)
    connector = AutotaskConnector(settings(), transport=recorder, sleep=time.sleep, monotonic=time)
    for _ in range(3):
        await connector.fetch_ticket(str(next(iter(app.state.scenario.tickets))))
    assert connector.hourly.latency_pause == pytest.approx(1.5)
    await connector.fetch_active()
    assert recorder.paths("ThresholdInformation")  # slowness triggers a reading
    assert 1.5 in time.waits


async def test_no_more_than_three_requests_per_endpoint_are_in_flight() -> None:
    scenario = scenario_with(12)
    app = create_app(scenario, latency_seconds=0.01)
    connector = connect(app)
    await connector.picklists()
    await asyncio.gather(*(connector.fetch_ticket(str(i)) for i in scenario.tickets))
    assert app.state.endpoints.peak["tickets"] == 3


# --------------------------------------------------------------------------- writes
async def test_an_update_is_written_then_read_back_as_applied() -> None:
    scenario = scenario_with(1)
    ticket_id = next(iter(scenario.tickets))
    connector = connect(create_app(scenario))
    result = await connector.update_ticket(str(ticket_id), {"status": COMPLETE, "title": "Done"})
    assert (result["outcome"], result["applied"], result["unapplied"]) == ("applied", True, {})
    assert result["ticket"] is not None and result["ticket"].status_category is StatusCategory.CLOSED
    assert scenario.tickets[ticket_id]["title"] == "Done"


async def test_a_note_is_added_on_the_child_path_and_read_back() -> None:
    scenario = scenario_with(1)
    ticket_id = next(iter(scenario.tickets))
    recorder = Recorder(create_app(scenario))
    result = await connect(recorder.inner.app, transport=recorder).add_note(str(ticket_id), "Called", "Left a message")
    assert result["outcome"] == "applied"
    note = scenario.store["TicketNotes"][result["item_id"]]
    assert (note["ticketID"], note["description"]) == (ticket_id, "Left a message")
    assert recorder.paths(f"/Tickets/{ticket_id}/Notes")[0].method == "POST"


async def test_an_accepted_but_not_applied_update_reports_the_old_value() -> None:
    scenario = scenario_with(1)
    ticket_id = next(iter(scenario.tickets))
    app = create_app(scenario)
    app.state.write_faults.set(WriteFault(mode="ignore"))
    connector = connect(app)
    result = await connector.update_ticket(str(ticket_id), {"status": COMPLETE})
    assert (result["outcome"], result["applied"]) == ("not applied", False)
    assert result["unapplied"] == {"status": {"sent": COMPLETE, "read_back": NEW}}
    note = await connector.add_note(str(ticket_id), "Hi", "There")
    assert note["outcome"] == "not applied"


async def test_a_rejected_write_raises_with_autotasks_message() -> None:
    scenario = scenario_with(1)
    ticket_id = next(iter(scenario.tickets))
    app = create_app(scenario)
    app.state.write_faults.set(WriteFault(mode="reject", status=422, message="Queue is closed for changes."))
    with pytest.raises(WriteRejected) as info:
        await connect(app).update_ticket(str(ticket_id), {"status": COMPLETE})
    assert info.value.status == 422 and not info.value.permanent and not info.value.permission
    assert "Queue is closed for changes." in info.value.message


async def test_a_permission_failure_sent_as_500_is_a_clear_rejection_and_not_retried() -> None:
    scenario = scenario_with(1)
    ticket_id = next(iter(scenario.tickets))
    app = create_app(scenario)
    app.state.write_faults.set(WriteFault(mode="permission"))
    recorder = Recorder(app)
    with pytest.raises(WriteRejected) as info:
        await connect(app, transport=recorder).update_ticket(str(ticket_id), {"status": COMPLETE})
    assert info.value.permission and info.value.status == 500
    assert "lacks permission" in info.value.message
    assert [r.method for r in recorder.requests if r.url.path.endswith("/Tickets")] == ["PATCH"]


async def test_a_gateway_error_on_a_write_is_an_unknown_outcome_sent_only_once() -> None:
    scenario = scenario_with(1)
    ticket_id = next(iter(scenario.tickets))
    app = create_app(scenario)
    recorder = Recorder(app)
    connector = connect(app, transport=recorder)
    await connector.picklists()
    app.state.faults.set(FaultPlan(mode="server_error", status=503, remaining=1))
    with pytest.raises(ConnectorError) as info:
        await connector.add_note(str(ticket_id), "Hi", "There")
    assert not isinstance(info.value, WriteRejected) and info.value.status == 503
    assert "read the ticket back" in info.value.message
    assert len(recorder.paths("/Notes")) == 1
    assert scenario.store["TicketNotes"] == {}


async def test_an_invalid_value_is_refused_by_the_psa_not_silently_sent() -> None:
    scenario = scenario_with(1)
    ticket_id = next(iter(scenario.tickets))
    with pytest.raises(WriteRejected) as info:
        await connect(create_app(scenario)).update_ticket(str(ticket_id), {"status": 999})
    assert info.value.status == 400 and "999" in info.value.message


# --------------------------------------------------------------------------- protocol and check
async def test_check_names_the_base_and_the_database_usage() -> None:
    message = await connect(create_app(scenario_with(0))).check()
    assert "http://sim.test/ATServicesRest/V1.0" in message and "of 10000 requests" in message


def test_the_connector_is_incremental_reports_warnings_and_hides_secrets() -> None:
    connector = connect(create_app(scenario_with(0)))
    assert isinstance(connector, IncrementalConnector) and isinstance(connector, ReportsWarnings)
    assert SIM_SECRET not in repr(connector.cfg) and SIM_INTEGRATION_CODE not in repr(connector.cfg)
