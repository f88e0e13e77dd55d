"""Fault drill: the vendor revokes deskpulse's token.

The next sync is refused (401): the source is marked failing with the vendor's own message and as needing a
person, every stored ticket stays, no history point is written, and the "source stale" rule fires one alert whose
notice reaches the webhook channel. A new token brings the source back and the alert resolves by itself.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from alerts_support import WEBHOOK_SECRET, alerts, receiver
from deskpulse.alerts.runner import deliver_due, evaluate_and_apply
from deskpulse.config import ClientConfig, Config
from deskpulse.simulators.trengo_scenario import TrengoScenario
from deskpulse.store.alerts_tables import AlertRow
from deskpulse.store.db import Database
from deskpulse.store.tables import SnapshotRow, SourceRow, TicketRow
from deskpulse.sync.engine import SyncEngine
from support import Clock, connector_for, simulator, source_config


def counts(db: Database) -> tuple[int, int]:
    with db.session() as session:
        tickets = session.scalar(select(func.count()).select_from(TicketRow).where(TicketRow.deleted_at.is_(None)))
        points = session.scalar(select(func.count()).select_from(SnapshotRow))
    return int(tickets or 0), int(points or 0)


async def test_a_revoked_token_marks_the_source_failing_keeps_every_ticket_and_fires_one_alert(db: Database) -> None:
    scenario = TrengoScenario(seed=5, open_tickets=25, history_days=0)
    app = simulator(scenario)
    good = source_config("desk")
    revoked = source_config("desk", token="revoked-by-the-vendor")
    with receiver() as http:
        section = alerts(
            rules=[{"id": "stale", "name": "Source stale", "severity": "critical", "actions": {"channels": ["hook"]},
                    "condition": {"type": "source_stale_for", "minutes": 15}}],
            channels=[{"type": "webhook", "name": "hook", "url": http.url("/hook/ops"), "secret": WEBHOOK_SECRET}],
        )  # fmt: skip
        config = Config(timezone="UTC", database_url="sqlite://", sources=[good],
                        clients=[ClientConfig(id="acme", name="Acme")], alerts=section)  # fmt: skip
        clock = Clock(scenario.now)

        first = await SyncEngine(db, config, good, connector_for(app, good), clock=clock).run_cycle()
        assert first.ok, first.error
        before = counts(db)
        assert before[0] == 25

        clock.tick(seconds=60)
        refused = await SyncEngine(db, config, revoked, connector_for(app, revoked), clock=clock).run_cycle()
        assert not refused.ok and refused.permanent
        with db.session() as session:
            source = session.execute(select(SourceRow).where(SourceRow.name == "desk")).scalar_one()
            assert source.stale_since is not None and source.permanent_failure
            # the vendor's own message ("Unauthenticated.") with the status, in a sentence
            assert source.last_error == "Trengo rejected the credentials (HTTP 401): Unauthenticated."
        assert counts(db) == before  # nothing deleted, no bogus history point

        for minutes in (5, 16, 30):  # evaluated on the timer; fires once the source is 15 minutes stale
            at = clock.now + timedelta(minutes=minutes)
            await evaluate_and_apply(db, config, at)
            await deliver_due(db, config, at)
        with db.session() as session:
            fired = session.scalars(select(AlertRow)).all()
            assert [(a.rule_id, a.state) for a in fired] == [("stale", "firing")]
        [notice] = http.at("/hook/ops")
        assert notice.json()["alert"]["rule"] == "stale"

        clock.tick(minutes=31)
        back = await SyncEngine(db, config, good, connector_for(app, good), clock=clock).run_cycle()
        assert back.ok, back.error
        await evaluate_and_apply(db, config, clock.now)
        with db.session() as session:
            assert [a.state for a in session.scalars(select(AlertRow))] == ["resolved"]
