"""The LibreNMS poller against the simulator: devices, outages, poller silence, leases, failures, suggestions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2
import pytest
from sqlalchemy import func, select

from deskpulse.config import Config
from deskpulse.connectors.base import RequestBudget
from deskpulse.domain.sla.hours import Interval
from deskpulse.simulators.librenms_scenario import LibreNmsScenario
from deskpulse.simulators.scenario import from_epoch
from deskpulse.store.db import Database
from deskpulse.store.source_log import lines
from deskpulse.store.sources import try_lease
from deskpulse.store.tables import SourceRow
from deskpulse.store.uptime_monitoring import load_monitoring
from deskpulse.store.uptime_tables import (
    NmsDeviceRow,
    NmsOutageRow,
    NmsPollStateRow,
    NmsUnknownRow,
    UptimeSuggestionRow,
)
from deskpulse.sync.uptime_poll import UptimePoller, build_pollers, poll_events
from librenms_support import FakeTime, scenario, settings, simulator

CPE = "cpe-acme-01"


@dataclass
class Rig:
    """A simulator, and pollers of one LibreNMS source against it whose clock is the scenario's."""

    db: Database
    scn: LibreNmsScenario
    app: Any
    config: Config

    def poller(self, owner: str = "worker-a") -> UptimePoller:
        time = FakeTime()
        kwargs = {"transport": httpx2.ASGITransport(app=self.app), "sleep": time.sleep,
                  "clock": lambda: self.scn.now, "budget": RequestBudget(100_000, clock=time)}  # fmt: skip
        found = build_pollers(self.db, self.config, connector_kwargs={"nms": kwargs}, clock=lambda: self.scn.now,
                              owner=owner)  # fmt: skip
        assert found is not None
        return found.pollers[0]

    def later(self, **delta: float) -> None:
        self.scn.advance(self.scn.now + timedelta(**delta))

    def outages(self) -> set[tuple[str, datetime, datetime | None]]:
        with self.db.session() as session:
            rows = session.execute(select(NmsOutageRow.hostname, NmsOutageRow.start, NmsOutageRow.end))
            return {(host, start, end) for host, start, end in rows}


@pytest.fixture
def rig(db: Database) -> Rig:
    scn = scenario(cpes=40, access=6, distribution=2, history_days=30)
    return Rig(db, scn, simulator(scn), Config(database_url="sqlite://", sources=[settings()]))


async def test_a_poll_stores_every_device_and_the_outages_librenms_recorded(rig: Rig) -> None:
    result = await rig.poller().run_once()
    assert result is not None and result.ok, result
    truth = rig.scn.truth()
    recorded = {(h, from_epoch(s.start), from_epoch(s.end) if s.end is not None else None)
                for h, spans in truth.outages.items() for s in spans}  # fmt: skip
    assert rig.outages() == recorded
    assert any(end is None for _, _, end in recorded)  # the open outage is stored open
    with rig.db.session() as session:
        devices = {r.hostname: r for r in session.scalars(select(NmsDeviceRow))}
    assert set(devices) == set(truth.roles)
    assert all(devices[h].monitored_since == from_epoch(truth.added_at[h]) for h in devices)
    assert result.devices == len(truth.roles) and result.changes is not None
    assert result.changes.outages_added == len(recorded)


async def test_a_device_that_goes_down_and_comes_back_is_read_again_and_replaced(rig: Rig) -> None:
    poller = rig.poller()
    await poller.run_once(respect_schedule=False)
    rig.later(minutes=3)
    down_at = rig.scn.now
    rig.scn.fail(CPE)
    rig.later(minutes=2)
    second = await poller.run_once(respect_schedule=False)
    assert second is not None and second.changes is not None and second.changes.earliest == down_at
    assert (CPE, down_at, None) in rig.outages()
    rig.later(minutes=7)
    rig.scn.recover(CPE)
    up_at = rig.scn.now
    rig.later(minutes=2)
    third = await poller.run_once(respect_schedule=False)
    assert third is not None and third.changes is not None and third.changes.earliest == up_at
    assert (CPE, down_at, up_at) in rig.outages()
    with rig.db.session() as session:
        state = session.get(NmsPollStateRow, poller.source_id)
        assert state is not None and state.data_version == 3
        assert [at for _, at in state.changes[-2:]] == [down_at.isoformat(), up_at.isoformat()]


async def test_a_silent_librenms_poller_becomes_an_unknown_period_for_every_device(rig: Rig) -> None:
    poller = rig.poller()
    await poller.run_once(respect_schedule=False)
    stopped = rig.scn.now
    rig.scn.poller_down()
    rig.later(minutes=20)
    silent = await poller.run_once(respect_schedule=False)
    assert silent is not None and silent.silent and silent.changes is not None
    assert silent.changes.silence == "began"
    rig.later(minutes=20)
    rig.scn.poller_up()
    resumed = rig.scn.now
    rig.later(minutes=10)
    back = await poller.run_once(respect_schedule=False)
    assert back is not None and not back.silent and back.changes is not None and back.changes.silence == "ended"
    with rig.db.session() as session:
        (gap,) = session.scalars(select(NmsUnknownRow)).all()
        assert stopped - timedelta(minutes=5) <= gap.start <= stopped
        assert gap.end is not None and resumed <= gap.end <= rig.scn.now
        monitoring = load_monitoring(session, [poller.source_id], gap.start, rig.scn.now, rig.scn.now)
    assert monitoring.devices[CPE].unknown == (Interval(gap.start, gap.end),)


async def test_a_failed_poll_writes_nothing_but_the_stale_mark(rig: Rig) -> None:
    poller = rig.poller()
    await poller.run_once(respect_schedule=False)
    before = rig.outages()
    with rig.db.session() as session:
        state_before = session.get(NmsPollStateRow, poller.source_id)
        assert state_before is not None
        sync_state, version = state_before.outage_state, state_before.data_version
    rig.later(minutes=3)
    rig.scn.fail(CPE)
    rig.app.state.broken_hosts.add(CPE)  # its outages answer 500: the incremental read of it fails
    rig.later(minutes=2)
    failed = await poller.run_once(respect_schedule=False)
    assert failed is not None and not failed.ok and "500" in (failed.error or "")
    assert rig.outages() == before
    with rig.db.session() as session:
        row = session.get(SourceRow, poller.source_id)
        state = session.get(NmsPollStateRow, poller.source_id)
        assert row is not None and row.stale_since == rig.scn.now and row.last_error == failed.error
        assert state is not None and (state.outage_state, state.data_version) == (sync_state, version)
        assert lines(session, poller.source_id)[0].level == "error"
    assert [e.type for e in poll_events(failed)] == ["source.failed"]
    rig.app.state.broken_hosts.clear()
    healed = await poller.run_once(respect_schedule=False)
    assert healed is not None and healed.ok
    assert any(host == CPE and end is None for host, _, end in rig.outages())
    assert [e.type for e in poll_events(healed)] == ["source.synced", "uptime.changed"]


async def test_a_source_leased_by_another_worker_is_not_polled(rig: Rig) -> None:
    poller = rig.poller("worker-b")
    now = rig.scn.now
    with rig.db.session() as session:
        assert try_lease(session, poller.source_id, "worker-a", now=now, until=now + timedelta(minutes=10))
    assert await poller.run_once() is None
    assert rig.app.state.request_log == []
    with rig.db.session() as session:
        assert session.scalar(select(func.count(NmsDeviceRow.id))) == 0


async def test_two_workers_together_poll_a_source_once_per_interval(rig: Rig) -> None:
    first, second = rig.poller("worker-a"), rig.poller("worker-b")
    assert await first.run_once() is not None
    assert await second.run_once() is None  # due again only poll_seconds later
    assert second.next_run == rig.scn.now + timedelta(seconds=settings().poll_seconds)
    rig.later(seconds=settings().poll_seconds)
    assert await second.run_once() is not None


async def test_links_become_suggested_parents_one_role_further_up(rig: Rig) -> None:
    await rig.poller().run_once()
    truth = rig.scn.truth()
    with rig.db.session() as session:
        found = session.scalars(select(UptimeSuggestionRow)).all()
    assert found
    for suggestion in found:
        parents = {m for group in truth.parents[suggestion.child] for m in group.of}
        assert suggestion.parent in parents, (suggestion.child, suggestion.parent)


def test_the_poll_log_keeps_the_newest_200_lines_per_source(db: Database) -> None:
    from deskpulse.store.source_log import add_line
    from deskpulse.store.sources import ensure_source

    with db.session() as session:
        sid = ensure_source(session, settings()).id
        other = ensure_source(session, settings(name="nms-2")).id
        add_line(session, other, datetime(2026, 1, 1, tzinfo=UTC), "other source")
        for n in range(230):
            add_line(session, sid, datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=n), f"line {n}")
    with db.session() as session:
        kept = lines(session, sid)
        assert len(kept) == 200
        assert (kept[0].message, kept[-1].message) == ("line 229", "line 30")
        assert [r.message for r in lines(session, other)] == ["other source"]


async def test_a_ticket_sync_cycle_leaves_a_line_in_its_sources_log(db: Database) -> None:
    from deskpulse.simulators.trengo_scenario import TrengoScenario
    from deskpulse.sync.scheduler import Scheduler
    from support import Clock, RecordingSleep, config_for, connector_for, source_config
    from support import simulator as trengo_simulator

    now = datetime(2026, 11, 18, 10, tzinfo=UTC)
    src = source_config()
    connector = connector_for(trengo_simulator(TrengoScenario(12, open_tickets=20, history_days=2, now=now)), src,
                              RecordingSleep())  # fmt: skip
    sched = Scheduler(db, config_for(src), {src.name: connector}, owner="test", clock=Clock(now))
    await sched.run_once()
    with db.session() as session:
        (line,) = lines(session, sched.engines[src.name].source_id)
    assert line.level == "info" and line.message.startswith("synced in ")
    assert "20 active tickets" in line.message


async def test_a_web_process_watching_the_store_hears_of_each_poll(rig: Rig) -> None:
    from deskpulse.live.hub import Hub
    from deskpulse.live.watch import StoreWatch

    watch = StoreWatch(rig.db, Hub())
    poller = rig.poller()
    await poller.run_once(respect_schedule=False)
    assert watch.poll() == []  # the first look only remembers
    rig.later(minutes=3)
    await poller.run_once(respect_schedule=False)
    assert [(e.topic, e.type, e.data["source"]) for e in watch.poll()] == [
        ("sources", "source.synced", "nms"),
        ("uptime", "uptime.changed", "nms"),
    ]
