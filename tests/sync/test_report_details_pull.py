"""Pulling a client's report details: fetched once and cached, fetched again after the ticket changed, a failure
half-way keeps what was fetched and says why, the request cap leaves the rest for the next pull."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2
import pytest
from sqlalchemy import func, select, update

from deskpulse.config import ClientConfig, Config
from deskpulse.connectors.autotask import AutotaskConnector, AutotaskSettings
from deskpulse.connectors.freshservice import FreshserviceConnector, FreshserviceSettings
from deskpulse.connectors.trengo.connector import TrengoConnector
from deskpulse.simulators import freshservice_records as records
from deskpulse.simulators.autotask import SIM_INTEGRATION_CODE, SIM_SECRET, SIM_USERNAME, AutotaskScenario
from deskpulse.simulators.autotask import create_app as create_at_app
from deskpulse.simulators.autotask_lifecycle import COMPLETE, IN_PROGRESS
from deskpulse.simulators.freshservice import FreshserviceScenario
from deskpulse.simulators.freshservice import create_app as create_fs_app
from deskpulse.store.clients import sync_clients
from deskpulse.store.db import Database
from deskpulse.store.report_tables import SlaResultRow, TicketCsatRow, TicketDetailsStateRow, TicketTimeEntryRow
from deskpulse.store.sources import ensure_source
from deskpulse.store.tables import ClientRow, TicketRow
from deskpulse.sync.engine import SyncEngine
from deskpulse.sync.report_details import incomplete_note, pull_client_details, pull_report_details
from support import Clock, RecordingSleep, source_config

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
MONTH = (NOW - timedelta(days=30), NOW)
LOOKUP = "http://sim.test/atservicesrest/v1.0/zoneInformation"


class Breaking(httpx2.AsyncBaseTransport):
    """The simulator in-process; after ``healthy`` requests every answer is a 500 (a vendor outage mid-pull)."""

    def __init__(self, app: Any) -> None:
        self.inner = httpx2.ASGITransport(app=app)
        self.healthy: int | None = None
        self.count = 0

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        self.count += 1
        if self.healthy is not None and self.count > self.healthy:
            return httpx2.Response(500, json={"message": "Server Error"})
        return await self.inner.handle_async_request(request)


class FsDesk:
    """A Freshservice account synced into the store, one department claimed by the client "acme"."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.scenario = FreshserviceScenario(11, active_tickets=40, history_days=20, resolved_per_day=8, now=NOW)
        self.department = next(iter(self.scenario.departments))
        self.settings = FreshserviceSettings(
            name="fs", base_url="http://fs.test/api/v2", api_key="sim-fs-key", plan="enterprise", budget_share=1,
            timeout_seconds=2, max_retries=0,
        )  # fmt: skip
        self.config = Config(
            sources=[self.settings],
            clients=[ClientConfig(id="acme", name="Acme", accounts=[f"fs:department:{self.department}"])],
        )
        self.transport = Breaking(create_fs_app(self.scenario, plan="enterprise"))
        self.connector = FreshserviceConnector(
            self.settings, transport=self.transport, sleep=RecordingSleep(), now=lambda: NOW
        )
        self.clock = Clock(NOW)
        self.engine = SyncEngine(db, self.config, self.settings, self.connector, clock=self.clock)

    async def sync(self) -> None:
        for _ in range(2):  # the second cycle sweeps the closed tickets
            result = await self.engine.run_cycle()
            assert result.ok, result.error
            self.clock.tick(seconds=30)

    async def pull(self, **kwargs: Any) -> Any:
        return await pull_report_details(
            self.db, self.config, "fs", "acme", *MONTH, NOW, connector=self.connector, **kwargs
        )

    def wanted(self) -> list[dict[str, Any]]:
        """The department's tickets that were open, or resolved or closed, in the month (from the simulator)."""
        start, end = MONTH
        found = []
        for ticket in self.scenario.tickets.values():
            stats = self.scenario.stats[ticket["id"]]
            ends = [datetime.fromisoformat(s.replace("Z", "+00:00")) for s in (stats["resolved_at"],
                    stats["closed_at"]) if s]  # fmt: skip
            created = datetime.fromisoformat(ticket["created_at"].replace("Z", "+00:00"))
            if ticket["department_id"] != self.department or created >= end or ticket["deleted"] or ticket["spam"]:
                continue
            if ends and max(ends) < start:
                continue
            found.append(ticket)
        return found


def count(db: Database, table: Any) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


async def test_the_first_pull_fetches_the_clients_month_and_the_second_is_a_cache_hit(db: Database) -> None:
    desk = FsDesk(db)
    await desk.sync()
    wanted = desk.wanted()
    assert wanted, "the scenario should give the client some tickets"
    first = await desk.pull()
    assert first.complete and first.supported
    assert (first.fetched, first.failed) == (len(wanted), 0)
    assert count(db, TicketDetailsStateRow) == len(wanted)
    entries = sum(len(records.time_entries(desk.scenario, t)) for t in wanted)
    assert count(db, TicketTimeEntryRow) == entries
    answers = [t for t in wanted if t["status"] in (4, 5) and records.csat_response(desk.scenario, t)]
    assert count(db, TicketCsatRow) == len(answers)
    with db.session() as session:
        replies = dict(session.execute(
            select(TicketRow.external_id, TicketDetailsStateRow.conversations)
            .join(TicketDetailsStateRow, TicketDetailsStateRow.ticket_id == TicketRow.id)
        ).all())  # fmt: skip
    ticket = wanted[0]
    public = [c for c in records.conversations(desk.scenario, ticket) if not c["incoming"] and not c["private"]]
    assert replies[str(ticket["id"])] == len(public)

    calls = desk.transport.count
    second = await desk.pull()
    assert (second.fetched, second.skipped, second.requests) == (0, len(wanted), 0)
    assert desk.transport.count == calls  # nothing asked of Freshservice


async def test_a_ticket_that_changed_since_its_details_were_fetched_is_fetched_again(db: Database) -> None:
    desk = FsDesk(db)
    await desk.sync()
    await desk.pull()
    changed = str(desk.wanted()[0]["id"])
    with db.session() as session:
        session.execute(
            update(TicketRow).where(TicketRow.external_id == changed).values(updated_at=NOW + timedelta(minutes=5))
        )
    again = await desk.pull()
    assert (again.fetched, again.skipped) == (1, len(desk.wanted()) - 1)
    assert again.requests in (1, 3)  # time entries; replies and the CSAT answer too when the ticket is finished


async def test_a_failure_half_way_keeps_what_was_fetched_notes_the_error_and_says_why(db: Database) -> None:
    desk = FsDesk(db)
    await desk.sync()
    wanted = desk.wanted()
    desk.transport.healthy = desk.transport.count + 4  # the outage starts after a ticket or two
    result = await desk.pull()
    assert not result.complete
    assert result.fetched >= 1 and result.failed == 1 and result.remaining == len(wanted) - result.fetched - 1
    assert result.reason is not None and "HTTP 500" in result.reason
    with db.session() as session:
        states = session.execute(
            select(TicketRow.external_id, TicketDetailsStateRow.error)
            .join(TicketDetailsStateRow, TicketDetailsStateRow.ticket_id == TicketRow.id)
        ).all()  # fmt: skip
    assert len(states) == result.fetched + 1
    assert sum(error is not None for _, error in states) == 1

    desk.transport.healthy = None  # the vendor is back: the failed ticket and the rest are fetched, not the others
    healed = await desk.pull()
    assert healed.complete and (healed.fetched, healed.skipped) == (len(wanted) - result.fetched, result.fetched)


async def test_a_failed_refetch_never_deletes_stored_details(db: Database) -> None:
    desk = FsDesk(db)
    await desk.sync()
    await desk.pull()
    stored = (count(db, TicketTimeEntryRow), count(db, TicketCsatRow))
    with db.session() as session:
        session.execute(update(TicketRow).values(updated_at=NOW + timedelta(minutes=5)))  # everything changed
    desk.transport.healthy = desk.transport.count  # and Freshservice is down
    result = await desk.pull()
    assert result.failed == 1 and result.fetched == 0 and result.reason
    assert (count(db, TicketTimeEntryRow), count(db, TicketCsatRow)) == stored


async def test_the_request_cap_stops_a_pull_and_the_next_one_carries_on(db: Database) -> None:
    desk = FsDesk(db)
    await desk.sync()
    total = len(desk.wanted())
    capped = await desk.pull(max_requests=5)
    assert 5 <= capped.requests <= 7 and capped.fetched >= 2 and capped.remaining == total - capped.fetched
    assert capped.reason is not None and "cap" in capped.reason and not capped.complete
    rest = await desk.pull()
    assert rest.complete and rest.fetched == total - capped.fetched


# ---------------------------------------------------------------------------------------------------- Autotask
def at_desk(db: Database) -> tuple[AutotaskScenario, Config, AutotaskConnector, SyncEngine]:
    scenario = AutotaskScenario.empty(now=NOW)
    settings = AutotaskSettings(
        name="at", username=SIM_USERNAME, secret=SIM_SECRET, integration_code=SIM_INTEGRATION_CODE,
        zone_lookup_url=LOOKUP,
    )  # fmt: skip
    company = scenario.customer_ids[0]
    config = Config(
        sources=[settings], clients=[ClientConfig(id="acme", name="Acme", accounts=[f"at:company:{company}"])]
    )
    connector = AutotaskConnector(
        settings, transport=httpx2.ASGITransport(app=create_at_app(scenario)), sleep=RecordingSleep()
    )
    return scenario, config, connector, SyncEngine(db, config, settings, connector, clock=Clock(NOW))


async def test_an_autotask_pull_takes_the_month_in_batches_and_keeps_sla_verdicts(db: Database) -> None:
    scenario, config, connector, engine = at_desk(db)
    start, end = MONTH
    inside = [
        scenario.add_ticket(
            created_at=start - timedelta(days=3), status=COMPLETE, updated_at=start + timedelta(days=1)
        ),
        scenario.add_ticket(created_at=start + timedelta(days=2), status=IN_PROGRESS),
        scenario.add_ticket(created_at=start - timedelta(days=60), status=IN_PROGRESS),  # open all month
    ]
    done_before = scenario.add_ticket(
        created_at=start - timedelta(days=20), status=COMPLETE, updated_at=start - timedelta(days=10)
    )
    for ticket in (*inside, done_before):
        scenario.add_time_entry(ticket["id"], hours=1.25, at=int((start + timedelta(days=3)).timestamp()))
    clock = engine.clock
    assert isinstance(clock, Clock)
    for _ in range(2):
        assert (await engine.run_cycle()).ok
        clock.tick(seconds=30)
    with db.session() as session:
        stored = set(session.scalars(select(TicketRow.external_id)))
    assert str(done_before["id"]) in stored  # synced, but finished before the month began

    result = await pull_report_details(db, config, "at", "acme", start, end, NOW, connector=connector)
    assert result.complete and result.fetched == len(inside)
    assert result.requests <= 3  # two queries (plus perhaps a threshold probe) for the whole batch
    with db.session() as session:
        fetched = set(session.scalars(
            select(TicketRow.external_id).join(TicketDetailsStateRow, TicketDetailsStateRow.ticket_id == TicketRow.id)
        ))  # fmt: skip
        hours = session.scalar(select(func.sum(TicketTimeEntryRow.hours)))
        verdicts = session.scalar(select(func.count()).select_from(SlaResultRow))
    assert fetched == {str(t["id"]) for t in inside}
    expected = sum(e["hoursWorked"] for e in scenario.store["TimeEntries"].values() if e["ticketID"] in
                   {t["id"] for t in inside})  # fmt: skip
    assert hours == pytest.approx(expected)
    assert verdicts == len(inside)  # every ticket here has an SLA, so Autotask keeps a result for each
    await connector.aclose()


async def test_a_source_without_report_details_says_so(db: Database) -> None:
    trengo = source_config()
    config = Config(sources=[trengo], clients=[ClientConfig(id="acme", name="Acme")])
    with db.session() as session:
        ensure_source(session, trengo)
        sync_clients(session, config.clients)
    connector = TrengoConnector(trengo)
    result = await pull_report_details(db, config, "trengo", "acme", *MONTH, NOW, connector=connector)
    assert not result.supported and result.fetched == 0 and result.reason is None
    await connector.aclose()


async def test_an_unknown_client_or_source_is_refused_with_a_sentence(db: Database) -> None:
    desk = FsDesk(db)
    await desk.sync()
    with pytest.raises(ValueError, match="no client 'initech'"):
        await pull_report_details(db, desk.config, "fs", "initech", *MONTH, NOW, connector=desk.connector)
    with pytest.raises(ValueError, match="no ticket source named 'nope'"):
        await pull_report_details(db, desk.config, "nope", "acme", *MONTH, NOW, connector=desk.connector)
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(ClientRow)) == 1


async def test_a_client_pull_over_every_source_gives_the_note_the_report_prints(db: Database) -> None:
    desk = FsDesk(db)
    await desk.sync()
    desk.transport.healthy = desk.transport.count  # Freshservice is down
    pulls = await pull_client_details(db, desk.config, "acme", *MONTH, NOW, connectors={"fs": desk.connector})
    assert list(pulls) == ["fs"]
    note = incomplete_note(pulls)
    assert note is not None and note.startswith("details incomplete: fs: ") and "HTTP 500" in note
    desk.transport.healthy = None
    healed = await pull_client_details(db, desk.config, "acme", *MONTH, NOW, connectors={"fs": desk.connector})
    assert incomplete_note(healed) is None


async def test_a_survey_answer_given_days_after_resolution_is_still_picked_up(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    desk = FsDesk(db)
    await desk.sync()
    await desk.pull()
    with db.session() as session:
        unanswered = session.execute(
            select(TicketRow.external_id, TicketRow.resolved_at, TicketRow.closed_at)
            .join(TicketDetailsStateRow, TicketDetailsStateRow.ticket_id == TicketRow.id)
            .outerjoin(TicketCsatRow, TicketCsatRow.ticket_id == TicketRow.id)
            .where(TicketCsatRow.id.is_(None), TicketRow.status_category.in_(["resolved", "closed"]))
        ).all()
    recent = {ext for ext, resolved, closed in unanswered if (resolved or closed) > NOW - timedelta(days=14)}
    assert recent, "the month should end with some freshly resolved tickets without an answer"
    late = sorted(recent)[0]
    answer = records.csat_response  # the requester answers now, which does not change the ticket
    ticket = desk.scenario.tickets[int(late)]
    survey = {"id": 1, "overall_rating": 103, "score": {"acquired_score": 4, "total_score": 4},
              "questionnaire_responses": [], "created_at": "2026-11-19T09:00:00Z"}  # fmt: skip
    monkeypatch.setattr(records, "csat_response", lambda s, t: survey if t is ticket else answer(s, t))

    same_day = await desk.pull()  # asked less than a day ago: not again
    assert same_day.fetched == 0
    two_days_on = await pull_report_details(
        db, desk.config, "fs", "acme", *MONTH, NOW + timedelta(days=2), connector=desk.connector
    )
    assert two_days_on.fetched == len(recent)  # only tickets resolved within the last two weeks are asked again
    with db.session() as session:
        rating = session.scalar(
            select(TicketCsatRow.rating).join(TicketRow, TicketRow.id == TicketCsatRow.ticket_id)
            .where(TicketRow.external_id == late)
        )  # fmt: skip
    assert rating == 5
