"""Ticket actions through the API against the Autotask simulator: applied, refused, accepted-but-not-applied,
bulk with mixed results; every attempt audited, and the store changed only by an applied change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2
from fastapi.testclient import TestClient
from sqlalchemy import select

from deskpulse.config import Config
from deskpulse.connectors.autotask import AutotaskConnector, AutotaskSettings
from deskpulse.simulators.autotask import SIM_INTEGRATION_CODE, SIM_SECRET, SIM_USERNAME, AutotaskScenario, create_app
from deskpulse.simulators.autotask_lifecycle import COMPLETE, IN_PROGRESS, NEW
from deskpulse.simulators.autotask_writes import WriteFault
from deskpulse.store.auth_tables import AuditRow
from deskpulse.store.db import Database
from deskpulse.store.tables import TicketRow
from deskpulse.sync.engine import SyncEngine
from deskpulse.web.app import create_app as create_web_app
from support import RecordingSleep, api_key_for

NOW = datetime.now(UTC).replace(microsecond=0)
SETTINGS = AutotaskSettings(
    name="at", username=SIM_USERNAME, secret=SIM_SECRET, integration_code=SIM_INTEGRATION_CODE,
    zone_lookup_url="http://sim.test/atservicesrest/v1.0/zoneInformation",
)  # fmt: skip
CONFIG = Config(database_url="sqlite://", sources=[SETTINGS])


class Desk:
    """A synced Autotask desk and the web app, both talking to one simulator in-process."""

    def __init__(self, db: Database, count: int = 3) -> None:
        self.db = db
        self.scenario = AutotaskScenario.empty(now=NOW - timedelta(hours=1))
        for index in range(count):
            self.scenario.add_ticket(created_at=NOW - timedelta(minutes=50 - index), status=NEW)
        self.sim = create_app(self.scenario)
        self.ids = [str(i) for i in sorted(self.scenario.tickets)]

    def kwargs(self) -> dict[str, Any]:
        return {"transport": httpx2.ASGITransport(app=self.sim), "sleep": RecordingSleep()}

    async def sync(self) -> None:
        engine = SyncEngine(self.db, CONFIG, SETTINGS, AutotaskConnector(SETTINGS, **self.kwargs()))
        result = await engine.run_cycle()
        assert result.ok, result.error

    def call(self, method: str, path: str, body: Any, role: str = "technician") -> tuple[int, dict[str, Any]]:
        app = create_web_app(CONFIG, db=self.db, connector_kwargs={"at": self.kwargs()})
        with TestClient(app) as client:
            response = client.request(method, path, json=body, headers={"X-API-Key": api_key_for(self.db, role)})
        return response.status_code, response.json()

    def stored_status(self, ext: str) -> str:
        with self.db.session() as session:
            return session.scalars(select(TicketRow.status_raw).where(TicketRow.external_id == ext)).one()

    def audit(self) -> list[tuple[str | None, str]]:
        with self.db.session() as session:
            rows = session.execute(
                select(AuditRow.target, AuditRow.result).where(AuditRow.action == "ticket.update").order_by(AuditRow.id)
            ).all()
            return [(t, r) for t, r in rows]


async def test_a_change_is_written_read_back_stored_and_audited(db: Database) -> None:
    desk = Desk(db)
    await desk.sync()
    ticket = desk.ids[0]
    status, body = desk.call("PATCH", f"/api/dashboard/tickets/{ticket}", {"status": str(IN_PROGRESS), "note": "On it"})
    assert status == 200, body
    assert body["success"] is True and body["data"]["outcome"] == "applied" and body["data"]["noteAdded"]
    assert body["data"]["changes"] == [
        {"field": "status", "before": str(NEW), "wanted": str(IN_PROGRESS), "after": str(IN_PROGRESS),
         "tookEffect": True},
    ]  # fmt: skip
    assert desk.scenario.tickets[int(ticket)]["status"] == IN_PROGRESS, "the PSA has it"
    assert desk.stored_status(ticket) == str(IN_PROGRESS), "and so does deskpulse, from the read-back"
    assert desk.audit() == [(f"at:{ticket}", "applied")]


async def test_a_refusal_is_a_clear_error_and_changes_nothing_locally(db: Database) -> None:
    desk = Desk(db)
    await desk.sync()
    desk.sim.state.write_faults.set(WriteFault(mode="reject", status=422, message="Queue is closed for changes."))
    ticket = desk.ids[0]
    status, body = desk.call("PATCH", f"/api/dashboard/tickets/{ticket}", {"status": str(COMPLETE)})
    assert status == 200
    assert body["success"] is False and body["data"]["outcome"] == "rejected"
    assert "Queue is closed for changes." in body["message"]
    assert desk.stored_status(ticket) == str(NEW)
    assert desk.audit() == [(f"at:{ticket}", "rejected")]


async def test_accepted_but_not_applied_is_reported_as_failed(db: Database) -> None:
    desk = Desk(db)
    await desk.sync()
    desk.sim.state.write_faults.set(WriteFault(mode="ignore"))
    ticket = desk.ids[1]
    _, body = desk.call("PATCH", f"/api/dashboard/tickets/{ticket}", {"status": str(COMPLETE)})
    assert body["success"] is False and body["data"]["outcome"] == "not_applied"
    assert "status is still" in body["message"]
    assert desk.stored_status(ticket) == str(NEW)
    assert desk.audit() == [(f"at:{ticket}", "not_applied")]


async def test_bulk_reports_each_ticket_and_applies_what_it_can(db: Database) -> None:
    desk = Desk(db, count=3)
    await desk.sync()
    desk.sim.state.write_faults.set(WriteFault(mode="reject", status=422, message="Locked.", remaining=1))
    ids = [*desk.ids, "999999"]
    status, body = desk.call("POST", "/api/dashboard/tickets/bulk", {"ticketIds": ids, "changes": {"priority": "high"}})
    assert status == 200, body
    results = body["data"]["results"]
    assert [r["outcome"] for r in results] == ["rejected", "applied", "applied", "rejected"]
    assert "Locked." in results[0]["message"] and "not found" in results[3]["message"]
    assert body["data"]["applied"] == 2 and body["message"] == "2 of 4 tickets were changed."
    assert [r for _, r in desk.audit()] == ["rejected", "applied", "applied"]


async def test_bad_requests_and_roles_without_write_access(db: Database) -> None:
    desk = Desk(db, count=1)
    await desk.sync()
    ticket = desk.ids[0]
    status, body = desk.call("PATCH", f"/api/dashboard/tickets/{ticket}", {"priority": "severe"})
    assert status == 400 and body["success"] is False and "priority" in body["message"]
    status, body = desk.call("PATCH", f"/api/dashboard/tickets/{ticket}", {})
    assert status == 400 and "Nothing to change" in body["message"]
    status, body = desk.call("PATCH", f"/api/dashboard/tickets/{ticket}", {"status": "77"})
    assert body["success"] is False and "no ticket status '77'" in body["message"]
    status, body = desk.call("POST", "/api/dashboard/tickets/bulk", {"ticketIds": [str(i) for i in range(101)],
                                                                     "changes": {"status": "5"}})  # fmt: skip
    assert status == 400 and "ticketIds" in body["message"]
    status, body = desk.call("PATCH", f"/api/dashboard/tickets/{ticket}", {"status": "5"}, role="viewer")
    assert status == 403 and "tickets:write" in body["message"]
    assert desk.scenario.tickets[int(ticket)]["status"] == NEW


async def test_hours_logged_come_from_autotask_time_entries(db: Database) -> None:
    desk = Desk(db, count=0)
    resources = sorted(desk.scenario.resources)
    worker, idle = resources[0], resources[1]
    first = desk.scenario.add_ticket(created_at=NOW - timedelta(minutes=40), resource_id=worker)
    desk.scenario.add_ticket(created_at=NOW - timedelta(minutes=30), resource_id=idle)
    desk.scenario.add_time_entry(first["id"], hours=1.5)
    desk.scenario.add_time_entry(first["id"], hours=0.25)
    await desk.sync()
    status, body = desk.call("GET", "/api/dashboard/resources", None)
    assert status == 200
    logged = {r["resourceId"]: r["hoursLogged"] for r in body["data"]}
    assert logged == {str(worker): 1.75, str(idle): 0.0}


async def test_views_cached_for_the_minute_show_an_applied_change_at_once(db: Database) -> None:
    desk = Desk(db, count=1)
    await desk.sync()
    ticket = desk.ids[0]
    app = create_web_app(CONFIG, db=db, connector_kwargs={"at": desk.kwargs()})
    with TestClient(app, headers={"X-API-Key": api_key_for(db, "technician")}) as client:

        def status_on_board() -> str:
            items = [i for s in client.get("/api/board").json()["sections"] for i in s["items"]]
            return next(i["status"] for i in items if i["id"] == ticket)

        before = status_on_board()
        assert client.patch(f"/api/dashboard/tickets/{ticket}", json={"status": str(IN_PROGRESS)}).json()["success"]
        after = status_on_board()
    assert (before, after) == ("New", "In Progress")
