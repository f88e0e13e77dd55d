"""The uptime view recomputes only today after a poll that changed nothing before today."""

from __future__ import annotations

from datetime import datetime, timedelta

from deskpulse.store.clients import sync_clients
from deskpulse.store.db import Database
from deskpulse.store.uptime_graphs import ClientDirectory, load_history, parse_graph, save_version
from deskpulse.store.uptime_monitoring import load_monitoring, monitoring_source_ids
from deskpulse.store.uptime_tables import NmsOutageRow
from deskpulse.store.uptime_writes import poll_state
from deskpulse.uptime import ServiceAvailability, service_availability
from deskpulse.web.uptime_period import month_of
from deskpulse.web.uptime_view import Report, UptimeView
from uptime_store_support import CLIENTS, GRAPH_YAML, REWIRE_YAML, at, config, seed_month

NOW = at(23, 12)  # during October: the month's report is computed in two parts


def _outage(db: Database, source_id: int, host: str, day: int, hour: int, minutes: int, month: int = 10) -> None:
    start = at(day, hour, month=month)
    with db.session() as session:
        session.add(
            NmsOutageRow(source_id=source_id, hostname=host, start=start, end=start + timedelta(minutes=minutes))
        )
        state = poll_state(session, source_id)
        state.data_version += 1
        state.changes = [*state.changes, [state.data_version, start.isoformat()]]


def _whole(db: Database, view: UptimeView, now: datetime) -> list[ServiceAvailability]:
    period = month_of(NOW.date(), view.tz).interval
    with db.session() as session:
        history = load_history(session, view.tz)
        data = load_monitoring(session, monitoring_source_ids(session), period.start, NOW, NOW)
    return service_availability(history, data, *period, now=now, policy=view.policy)


def seed_with_graph(db: Database) -> int:
    """The seeded month with the test graph imported; the LibreNMS source's id."""
    source_id = seed_month(db)
    with db.session() as session:
        sync_clients(session, CLIENTS)
        save_version(session, parse_graph(GRAPH_YAML, ClientDirectory.load(session)), fmt="yaml", now=NOW,
                     created_by="test")  # fmt: skip
    return source_id


def same(split: list[ServiceAvailability], whole: list[ServiceAvailability]) -> bool:
    """Equal figures, slices, incidents and budget (the scheduled time may be cut at midnight in one of them)."""
    keys = [(r.service, r.figures, r.slices, r.incidents, round(r.allowed_down_s, 6)) for r in split]
    return keys == [(r.service, r.figures, r.slices, r.incidents, round(r.allowed_down_s, 6)) for r in whole]


def test_a_change_today_reuses_the_days_before_and_a_change_before_today_recomputes_them(db: Database) -> None:
    source_id = seed_with_graph(db)
    view = UptimeView(config())
    october = month_of(NOW.date(), view.tz).interval

    def report(minute: int) -> Report:
        with db.session() as session:
            return view.report(session, october, NOW + timedelta(minutes=minute))

    first = report(0)
    (kept,) = view._earlier.values()
    _outage(db, source_id, "cpe-acme-01", 23, 6, 20)  # today (local): the days before stay as computed
    second = report(1)
    assert view._earlier[kept.key].earlier is kept.earlier
    assert same(second.results, _whole(db, view, second.now))
    assert second.results != first.results
    _outage(db, source_id, "cpe-acme-01", 2, 6, 20)  # before today: the days before are computed again
    third = report(2)
    assert view._earlier[kept.key].earlier is not kept.earlier
    assert same(third.results, _whole(db, view, third.now))


def test_a_month_that_is_over_is_kept_until_a_poll_changes_data_before_its_end(db: Database) -> None:
    source_id = seed_with_graph(db)
    view = UptimeView(config())
    october = month_of(NOW.date(), view.tz).interval
    later = october.end + timedelta(days=10)

    def results(minute: int) -> list[ServiceAvailability]:
        with db.session() as session:
            return view.report(session, october, later + timedelta(minutes=minute)).results

    first = results(0)
    _outage(db, source_id, "cpe-acme-01", 5, 6, 20, month=11)  # after October: October is kept as it was
    assert results(1) is first
    _outage(db, source_id, "cpe-acme-01", 30, 6, 20)  # in October: computed again, with the new outage
    again = results(2)
    assert again is not first
    assert again[0].figures.down_s == first[0].figures.down_s + 20 * 60


def test_a_version_saved_today_leaves_last_months_kept_figures_alone(db: Database) -> None:
    seed_with_graph(db)
    view = UptimeView(config())
    october = month_of(NOW.date(), view.tz).interval
    later = october.end + timedelta(days=10)
    with db.session() as session:
        first = view.report(session, october, later).results
        november = parse_graph(REWIRE_YAML.replace("2026-10-15", "2026-11-10"), ClientDirectory.load(session))
        save_version(session, november, fmt="yaml", now=later, created_by="test")
    with db.session() as session:
        assert view.report(session, october, later + timedelta(minutes=1)).results is first
        rewired = parse_graph(REWIRE_YAML, ClientDirectory.load(session))  # effective on October 15th
        save_version(session, rewired, fmt="yaml", now=later, created_by="test")
    with db.session() as session:
        assert view.report(session, october, later + timedelta(minutes=2)).results is not first
