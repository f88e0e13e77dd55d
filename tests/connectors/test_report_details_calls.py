"""Report details against the vendor simulators: Freshservice per ticket (replies, time entries, CSAT; 404 = none),
Autotask per batch (TimeEntries and ServiceLevelAgreementResults by ticketID), and every fault the simulators inject."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2
import pytest

from deskpulse.connectors.autotask import AutotaskConnector, AutotaskSettings
from deskpulse.connectors.base import ConnectorError
from deskpulse.connectors.freshservice import FreshserviceConnector, FreshserviceSettings
from deskpulse.connectors.protocol import DetailsWanted, FetchesReportDetails
from deskpulse.simulators import freshservice_records as records
from deskpulse.simulators.autotask import SIM_INTEGRATION_CODE, SIM_SECRET, SIM_USERNAME, AutotaskScenario
from deskpulse.simulators.autotask import create_app as create_at_app
from deskpulse.simulators.autotask_lifecycle import COMPLETE
from deskpulse.simulators.faults import FaultPlan
from deskpulse.simulators.freshservice import FreshserviceScenario
from deskpulse.simulators.freshservice import create_app as create_fs_app
from support import RecordingSleep

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
LOOKUP = "http://sim.test/atservicesrest/v1.0/zoneInformation"


class Counting(httpx2.AsyncBaseTransport):
    """The simulator in-process, keeping every request path."""

    def __init__(self, app: Any) -> None:
        self.inner = httpx2.ASGITransport(app=app)
        self.paths: list[str] = []

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        self.paths.append(request.url.path)
        return await self.inner.handle_async_request(request)


# ---------------------------------------------------------------------------------------------------- Freshservice
@pytest.fixture(scope="module")
def fs_scenario() -> FreshserviceScenario:
    return FreshserviceScenario(5, active_tickets=40, history_days=15, resolved_per_day=8, now=NOW)


def fs_connector(app: Any, sleep: RecordingSleep | None = None) -> tuple[FreshserviceConnector, Counting]:
    settings = FreshserviceSettings(
        name="fs", base_url="http://fs.test/api/v2", api_key="sim-fs-key", plan="enterprise", budget_share=1,
        timeout_seconds=2, max_retries=2,
    )  # fmt: skip
    transport = Counting(app)
    return FreshserviceConnector(settings, transport=transport, sleep=sleep or RecordingSleep(), now=lambda: NOW), (
        transport
    )


def answered(scenario: FreshserviceScenario) -> dict[str, Any]:
    """A resolved ticket with a CSAT answer that carries a comment, and one resolved ticket without an answer."""
    with_comment = next(
        t
        for t in scenario.tickets.values()
        if (r := records.csat_response(scenario, t)) is not None and len(r["questionnaire_responses"]) > 1
    )
    return with_comment


def finished_without_csat(scenario: FreshserviceScenario) -> dict[str, Any]:
    return next(
        t for t in scenario.tickets.values() if t["status"] in (4, 5) and records.csat_response(scenario, t) is None
    )


async def test_a_freshservice_ticket_gives_its_public_agent_replies_time_entries_and_csat(
    fs_scenario: FreshserviceScenario,
) -> None:
    connector, transport = fs_connector(create_fs_app(fs_scenario, plan="enterprise"))
    assert isinstance(connector, FetchesReportDetails) and connector.details_batch_size == 1
    ticket = answered(fs_scenario)
    key = str(ticket["id"])
    found = await connector.fetch_report_details([DetailsWanted(key, finished=True)])
    details = found[key]
    replies = records.conversations(fs_scenario, ticket)
    assert details.conversations == sum(1 for c in replies if not c["incoming"] and not c["private"])
    raw_entries = records.time_entries(fs_scenario, ticket)
    assert details.time_entries is not None
    assert [e.external_id for e in details.time_entries] == [str(e["id"]) for e in raw_entries]
    for entry, raw in zip(details.time_entries, raw_entries, strict=True):
        hours, minutes = raw["time_spent"].split(":")
        assert entry.hours == pytest.approx(int(hours) + int(minutes) / 60, abs=1e-4)
        assert entry.billable is raw["billable"]
        assert entry.executed_at == datetime.fromisoformat(raw["executed_at"].replace("Z", "+00:00"))
    survey = records.csat_response(fs_scenario, ticket)
    assert survey is not None and details.csat is not None
    acquired = survey["score"]["acquired_score"]
    assert details.csat.rating == {4: 5, 3: 4, 2: 2, 1: 1}[acquired]
    assert details.csat.raw_rating.startswith(str(survey["overall_rating"]))
    assert details.csat.comment == survey["questionnaire_responses"][1]["answers"][0]["answer_text"]
    assert [p.rsplit("/", 1)[1] for p in transport.paths] == ["time_entries", "conversations", "csat_response"]
    await connector.aclose()


async def test_no_csat_answer_is_a_404_and_means_none(fs_scenario: FreshserviceScenario) -> None:
    connector, transport = fs_connector(create_fs_app(fs_scenario, plan="enterprise"))
    ticket = finished_without_csat(fs_scenario)
    details = (await connector.fetch_report_details([DetailsWanted(str(ticket["id"]), finished=True)]))[
        str(ticket["id"])
    ]
    assert details.csat is None and details.conversations is not None
    assert transport.paths[-1].endswith("/csat_response")  # asked, and the 404 was read as "no answer"
    await connector.aclose()


async def test_an_open_ticket_costs_one_call_for_its_time_entries(fs_scenario: FreshserviceScenario) -> None:
    connector, transport = fs_connector(create_fs_app(fs_scenario, plan="enterprise"))
    ticket = fs_scenario.active_tickets()[0]
    found = await connector.fetch_report_details([DetailsWanted(str(ticket["id"]), finished=False)])
    # Replies and the survey matter once it is resolved, which changes the ticket and so fetches it again.
    assert [p.rsplit("/", 1)[1] for p in transport.paths] == ["time_entries"]
    details = found[str(ticket["id"])]
    assert details.time_entries is not None and details.conversations is None and details.csat is None
    await connector.aclose()


async def test_a_ticket_gone_from_freshservice_tells_nothing_instead_of_none(fs_scenario: FreshserviceScenario) -> None:
    connector, transport = fs_connector(create_fs_app(fs_scenario, plan="enterprise"))
    details = (await connector.fetch_report_details([DetailsWanted("999999999", finished=True)]))["999999999"]
    # None = unknown: the store keeps what it had, where an empty list would have wiped the ticket's hours.
    assert details.time_entries is None and details.conversations is None and details.csat is None
    assert len(transport.paths) == 1
    await connector.aclose()


async def test_a_freshservice_429_is_waited_out_for_its_retry_after(fs_scenario: FreshserviceScenario) -> None:
    app = create_fs_app(fs_scenario, plan="enterprise")
    sleep = RecordingSleep()
    connector, _ = fs_connector(app, sleep)
    app.state.faults.set(FaultPlan(mode="rate_limit", remaining=1, retry_after=7))
    ticket = answered(fs_scenario)
    found = await connector.fetch_report_details([DetailsWanted(str(ticket["id"]), finished=True)])
    assert found[str(ticket["id"])].csat is not None
    assert 7 in sleep.waits
    await connector.aclose()


@pytest.mark.parametrize(
    ("plan", "words"),
    [
        (FaultPlan(mode="server_error", status=503), "HTTP 503"),
        (FaultPlan(mode="truncated"), "malformed JSON"),
    ],
)
async def test_a_failing_freshservice_call_raises_instead_of_returning_half_the_details(
    fs_scenario: FreshserviceScenario, plan: FaultPlan, words: str
) -> None:
    app = create_fs_app(fs_scenario, plan="enterprise")
    connector, _ = fs_connector(app)
    app.state.faults.set(plan)
    with pytest.raises(ConnectorError, match=words):
        await connector.fetch_report_details([DetailsWanted(str(answered(fs_scenario)["id"]), finished=True)])
    await connector.aclose()


async def test_freshservice_time_entries_failing_on_page_two_raise() -> None:
    scenario = FreshserviceScenario(6, active_tickets=5, history_days=2, resolved_per_day=3, now=NOW)
    ticket = next(t for t in scenario.tickets.values() if records.time_entries(scenario, t))
    scenario.stats[ticket["id"]]["outbound_count"] = 130  # more than one page of 100
    app = create_fs_app(scenario, plan="enterprise")
    connector, _ = fs_connector(app)
    key = str(ticket["id"])
    found = await connector.fetch_report_details([DetailsWanted(key, finished=True)])
    entries = found[key].time_entries
    assert entries is not None and len(entries) == 130 and found[key].conversations == 130
    app.state.faults.set(FaultPlan(mode="fail_on_page", page=2))
    with pytest.raises(ConnectorError, match="HTTP 500"):
        await connector.fetch_report_details([DetailsWanted(key, finished=True)])
    await connector.aclose()


# ---------------------------------------------------------------------------------------------------- Autotask
def at_connector(app: Any, sleep: RecordingSleep | None = None) -> tuple[AutotaskConnector, Counting]:
    settings = AutotaskSettings(
        name="at", username=SIM_USERNAME, secret=SIM_SECRET, integration_code=SIM_INTEGRATION_CODE,
        zone_lookup_url=LOOKUP, max_retries=2,
    )  # fmt: skip
    transport = Counting(app)
    return AutotaskConnector(settings, transport=transport, sleep=sleep or RecordingSleep()), transport


def at_scenario() -> tuple[AutotaskScenario, list[dict[str, Any]]]:
    scenario = AutotaskScenario.empty(now=NOW)
    made = [
        scenario.add_ticket(created_at=NOW - timedelta(hours=30 - i), status=COMPLETE if i % 2 else 1, sla=i % 3 != 0)
        for i in range(12)
    ]
    return scenario, made


async def test_autotask_details_of_a_batch_take_two_queries_not_one_per_ticket() -> None:
    scenario, made = at_scenario()
    first, second = made[1], made[2]
    scenario.add_time_entry(first["id"], hours=1.5, at=int((NOW - timedelta(hours=3)).timestamp()), billable=True)
    scenario.add_time_entry(first["id"], hours=0.5, at=int((NOW - timedelta(hours=2)).timestamp()), billable=False)
    connector, transport = at_connector(create_at_app(scenario))
    await connector.adapt()  # the threshold probe is not part of the details
    before = len(transport.paths)
    wanted = [DetailsWanted(str(t["id"]), finished=True) for t in made]
    found = await connector.fetch_report_details(wanted)
    queries = [p for p in transport.paths[before:] if p.lower().endswith("/query")]
    assert [p.split("/")[-2] for p in queries] == ["TimeEntries", "ServiceLevelAgreementResults"]
    assert set(found) == {str(t["id"]) for t in made}
    stored = [e for e in scenario.store["TimeEntries"].values() if e["ticketID"] == first["id"]]
    entries = found[str(first["id"])].time_entries
    assert entries is not None
    assert sorted((e.hours, e.billable) for e in entries) == sorted(
        (e["hoursWorked"], not e["isNonBillable"]) for e in stored
    )
    assert found[str(second["id"])].time_entries is not None  # a list, perhaps empty: "none" is an answer
    for ticket in made:
        verdict = found[str(ticket["id"])].sla
        assert (verdict is not None) == (ticket["serviceLevelAgreementID"] is not None)
    assert all(d.conversations is None and d.csat is None for d in found.values())  # Autotask does not tell
    await connector.aclose()


async def test_autotask_sla_verdicts_are_autotasks_own() -> None:
    scenario, made = at_scenario()
    connector, _ = at_connector(create_at_app(scenario))
    found = await connector.fetch_report_details([DetailsWanted(str(t["id"]), finished=True) for t in made])
    results = {r["ticketID"]: r for r in scenario.store["ServiceLevelAgreementResults"].values()}
    for ticket_id, result in results.items():
        verdict = found[str(ticket_id)].sla
        assert verdict is not None
        assert (verdict.first_response_met, verdict.resolution_met, verdict.resolution_plan_met) == (
            result["firstResponseMet"], result["resolutionMet"], result["resolutionPlanMet"],
        )  # fmt: skip
    await connector.aclose()


async def test_autotask_429_is_waited_out_and_5xx_or_truncated_json_raise() -> None:
    scenario, made = at_scenario()
    app = create_at_app(scenario)
    sleep = RecordingSleep()
    connector, _ = at_connector(app, sleep)
    wanted = [DetailsWanted(str(t["id"]), finished=True) for t in made]
    await connector.adapt()
    app.state.faults.set(FaultPlan(mode="rate_limit", remaining=1, retry_after=9))
    assert len(await connector.fetch_report_details(wanted)) == len(made)
    assert 9 in sleep.waits
    for plan, words in ((FaultPlan(mode="server_error", status=502), "HTTP 502"),
                        (FaultPlan(mode="truncated"), "malformed JSON")):  # fmt: skip
        app.state.faults.set(plan)
        with pytest.raises(ConnectorError, match=words):
            await connector.fetch_report_details(wanted)
    app.state.faults.clear()
    await connector.aclose()


async def test_autotask_time_entries_failing_mid_pagination_raise() -> None:
    scenario, made = at_scenario()
    at = int((NOW - timedelta(hours=1)).timestamp())
    for _ in range(520):  # more than one page of MaxRecords 500
        scenario.add_time_entry(made[0]["id"], hours=0.25, at=at)
    app = create_at_app(scenario)
    connector, _ = at_connector(app)
    wanted = [DetailsWanted(str(t["id"]), finished=True) for t in made]
    entries = (await connector.fetch_report_details(wanted))[str(made[0]["id"])].time_entries
    assert entries is not None and len(entries) >= 520
    app.state.faults.set(FaultPlan(mode="fail_on_page", page=2))
    with pytest.raises(ConnectorError, match="HTTP 500"):
        await connector.fetch_report_details(wanted)
    await connector.aclose()
