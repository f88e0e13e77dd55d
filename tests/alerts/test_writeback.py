"""The write-back action against the Autotask simulator: the ticket is changed, read back, audited and stored;
"accepted but not applied" is a failed action, audited, and leaves the store as it was."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2
from sqlalchemy import select

from alerts_support import Tables
from deskpulse.alerts.runner import deliver_due, evaluate_and_apply
from deskpulse.alerts.settings import AlertsConfig
from deskpulse.config import Config
from deskpulse.connectors.autotask import AutotaskConnector, AutotaskSettings
from deskpulse.simulators.autotask import SIM_INTEGRATION_CODE, SIM_SECRET, SIM_USERNAME, AutotaskScenario, create_app
from deskpulse.simulators.autotask_lifecycle import NEW
from deskpulse.simulators.autotask_writes import WriteFault
from deskpulse.store.auth_tables import AuditRow
from deskpulse.store.db import Database
from deskpulse.store.tables import TicketRow
from deskpulse.sync.engine import SyncEngine
from support import RecordingSleep

NOW = datetime.now(UTC).replace(microsecond=0)
SETTINGS = AutotaskSettings(
    name="at", username=SIM_USERNAME, secret=SIM_SECRET, integration_code=SIM_INTEGRATION_CODE,
    zone_lookup_url="http://sim.test/atservicesrest/v1.0/zoneInformation",
)  # fmt: skip
CONFIG = Config(database_url="sqlite://", sources=[SETTINGS])
HIGH = 1  # the simulator's priority picklist: 4 Critical, 1 High, 2 Medium, 3 Low
NOTE = "Unassigned for 30 minutes: priority raised by deskpulse."
SECTION = AlertsConfig.model_validate({"rules": [{
    "id": "unassigned", "name": "Unassigned half an hour",
    "condition": {"type": "unassigned_for", "minutes": 30},
    "actions": {"writeback": {"raise_priority_to": "high", "note": NOTE}},
}]})  # fmt: skip


class AutotaskDesk:
    """One unassigned medium-priority ticket, 50 minutes old, synced from the simulator into the store."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.scenario = AutotaskScenario.empty(now=NOW - timedelta(hours=1))
        self.ticket = self.scenario.add_ticket(created_at=NOW - timedelta(minutes=50), status=NEW, priority=2)
        self.sim = create_app(self.scenario)

    def kwargs(self) -> dict[str, Any]:
        return {"transport": httpx2.ASGITransport(app=self.sim), "sleep": RecordingSleep()}

    async def sync(self) -> None:
        engine = SyncEngine(self.db, CONFIG, SETTINGS, AutotaskConnector(SETTINGS, **self.kwargs()))
        result = await engine.run_cycle()
        assert result.ok, result.error

    async def run_alerts(self) -> None:
        await evaluate_and_apply(self.db, CONFIG, NOW, alerts=SECTION)
        await deliver_due(self.db, CONFIG, NOW, alerts=SECTION, connector_kwargs={"at": self.kwargs()})

    def notes(self) -> list[str]:
        return [n["description"] for n in self.scenario.store["TicketNotes"].values()
                if n["ticketID"] == self.ticket["id"]]  # fmt: skip

    def stored_priority(self) -> str | None:
        with self.db.session() as session:
            return session.scalars(select(TicketRow.priority)).one()

    def audit(self) -> list[tuple[str, str | None, str]]:
        with self.db.session() as session:
            rows = session.execute(select(AuditRow.actor, AuditRow.target, AuditRow.result).order_by(AuditRow.id))
            return [(a, t, r) for a, t, r in rows]


async def test_the_write_back_raises_priority_adds_a_note_and_is_read_back_audited_and_stored(db: Database) -> None:
    desk = AutotaskDesk(db)
    await desk.sync()
    await desk.run_alerts()
    assert desk.scenario.tickets[desk.ticket["id"]]["priority"] == HIGH, "the PSA has the new priority"
    assert desk.notes() == [NOTE]
    assert desk.stored_priority() == "high", "and so does deskpulse, from the read-back"
    assert desk.audit() == [("alerts", f"at:{desk.ticket['id']}", "applied")]
    view = Tables(db)
    assert view.outbox() == [("writeback", "~writeback", 1, "sent")]
    await desk.run_alerts()
    assert desk.notes() == [NOTE], "the alert is still open: its action is not taken again"


async def test_accepted_but_not_applied_fails_the_action_and_changes_nothing_locally(db: Database) -> None:
    desk = AutotaskDesk(db)
    await desk.sync()
    desk.sim.state.write_faults.set(WriteFault(mode="ignore"))
    await desk.run_alerts()
    assert desk.scenario.tickets[desk.ticket["id"]]["priority"] == 2
    assert desk.stored_priority() == "medium"
    assert desk.audit() == [("alerts", f"at:{desk.ticket['id']}", "not_applied")]
    view = Tables(db)
    assert view.outbox() == [("writeback", "~writeback", 1, "failed")]
    [attempt] = view.deliveries()
    assert not attempt.ok and "accepted the change but did not apply it" in (attempt.error or "")
    assert view.events()[-1] == "delivery_failed"
