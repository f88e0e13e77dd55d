"""Uptime reports for the API and the pages: computed from the store, cached per minute and poll state.

A report covers every service (the caller's scope is applied afterwards), so one computation serves every
caller. A period that is over is kept until a poll changes data before its end or the graph changes. A period
that includes today is computed in two parts (``deskpulse.uptime.incremental``): the days before today are kept
and reused until a poll changes data before today or the graph changes; after an ordinary poll only today is
read and recomputed, and only for the services on which something happened today.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from deskpulse.config import Config
from deskpulse.domain.board import local_day_start, local_midnight
from deskpulse.domain.sla.hours import Interval
from deskpulse.store.uptime_graphs import ClientDirectory, graph_key, load_history_rows
from deskpulse.store.uptime_monitoring import (
    DeviceIndex,
    changed_from,
    data_versions,
    devices_key,
    load_devices,
    load_monitoring,
    monitoring_source_ids,
)
from deskpulse.uptime import GraphHistory, ServiceAvailability, service_availability
from deskpulse.uptime.incremental import Earlier, earlier_parts, with_today
from deskpulse.uptime_config import calendars
from deskpulse.web.view_cache import ViewCache

StateKey = tuple[tuple[tuple[int, int], ...], tuple[int, int]]
_GC_LOCK = threading.Lock()
_gc_pauses = 0
_gc_was_enabled = False


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector off while a report is computed (re-entrant across threads).

    A report allocates millions of small objects without reference cycles (refcounting frees them); with
    the collector on, the large heap of kept reports is scanned again and again while they are built, which
    doubled the time of a 5,000-service month (bench/uptime_sli.py).
    """
    global _gc_pauses, _gc_was_enabled
    with _GC_LOCK:
        if _gc_pauses == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
    finally:
        with _GC_LOCK:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_was_enabled:
                gc.enable()


@dataclass(frozen=True, slots=True)
class Report:
    """Every service's availability over one period, as of ``now`` (a whole minute)."""

    results: list[ServiceAvailability]
    period: Interval
    now: datetime
    clients: ClientDirectory
    policy: str

    def visible(self, client_ids: frozenset[int] | None, client: str | None = None) -> list[ServiceAvailability]:
        """The services the caller may see (their client scope), optionally of one client id only."""
        found = []
        for result in self.results:
            key = result.service.client
            if client is not None and key != client:
                continue
            if client_ids is not None and self.clients.ids.get(key) not in client_ids:
                continue
            found.append(result)
        return found


@dataclass(slots=True)
class _Kept:
    """The days before today of one period, and the data versions they were computed (or confirmed) at."""

    key: tuple[Any, ...]
    versions: dict[int, int]
    earlier: Earlier


@dataclass(slots=True)
class _Over:
    """A period that is over: its results, and the data versions they were computed (or confirmed) at."""

    versions: dict[int, int]
    results: list[ServiceAvailability]


KEEP_OVER = 14  # periods that are over kept at once: the page's twelve months and two more (each holds slices)


class UptimeView:
    """Availability reports of one app, cached per (minute, poll data versions, graph versions, period)."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.tz = config.tz
        self.policy = config.uptime.policy
        self.calendars = calendars(config.sla_policy)
        # Small: a past minute's report is never asked for again, and each holds every service's slices.
        self._reports = ViewCache[Report](size=4)
        self._history: tuple[tuple[int, int], GraphHistory, tuple[tuple[date | None, int], ...]] | None = None
        self._devices: tuple[tuple[tuple[int, int], ...], DeviceIndex] | None = None
        self._earlier: dict[tuple[Any, ...], _Kept] = {}
        self._over: OrderedDict[tuple[Interval, tuple[Any, ...]], _Over] = OrderedDict()
        self._lock = threading.Lock()

    def state(self, session: Session) -> tuple[list[int], StateKey]:
        """Monitoring source ids and the key of the stored state (data versions, graph versions)."""
        ids = monitoring_source_ids(session)
        return ids, (data_versions(session, ids), graph_key(session))

    def history(self, session: Session, key: tuple[int, int]) -> GraphHistory:
        """The graph history, rebuilt only when a version was saved."""
        if self._history is None or self._history[0] != key:
            self._history = (key, *load_history_rows(session, self.tz))
        return self._history[1]

    def graph_of(self, period: Interval) -> tuple[Any, ...]:
        """What of the graph can touch ``period``: the versions starting before its end and the maintenance
        windows overlapping it. A version saved today leaves the key of last month as it was."""
        assert self._history is not None
        _, history, rows = self._history
        versions = tuple(row_id for day, row_id in rows if day is None or local_midnight(day, self.tz) < period.end)
        windows = tuple(
            (w.device, w.start, w.end) for w in history.maintenance if w.start < period.end and w.end > period.start
        )
        return versions, windows

    def devices(self, session: Session, ids: list[int]) -> DeviceIndex:
        """The device list, read again only when a poll added, removed or re-dated a device."""
        key = devices_key(session, ids)
        if self._devices is None or self._devices[0] != key:
            self._devices = (key, load_devices(session, ids))
        return self._devices[1]

    def report(self, session: Session, period: Interval, now: datetime) -> Report:
        """Every service's availability over ``period`` as of ``now`` (truncated to the minute)."""
        now = now.replace(second=0, microsecond=0)
        ids, state = self.state(session)
        cache_key = (now, state, period)
        found = self._reports.get(cache_key)
        if found is not None:
            return found
        with self._lock:
            found = self._reports.get(cache_key)
            if found is None:
                with gc_paused():
                    results = self._compute(session, ids, state, period, now)
                found = Report(results, period, now, ClientDirectory.load(session), self.policy.describe())
                self._reports.put(cache_key, found)
        return found

    def _compute(
        self, session: Session, ids: list[int], state: StateKey, period: Interval, now: datetime
    ) -> list[ServiceAvailability]:
        history = self.history(session, state[1])
        if not history.versions:
            return []
        if period.end < now:
            return self._period_over(session, ids, state, history, period, now)
        today = local_day_start(now, self.tz)
        if not period.start < today < period.end:
            monitoring = load_monitoring(
                session, ids, period.start, min(period.end, now), now, self.devices(session, ids)
            )
            return service_availability(
                history, monitoring, period.start, period.end, now=now, policy=self.policy, calendars=self.calendars
            )
        earlier = self._earlier_days(session, ids, state, history, period, today, now)
        current = load_monitoring(session, ids, today, min(period.end, now), now, self.devices(session, ids))
        return with_today(history, earlier, current, period, now, self.policy, self.calendars)

    def _period_over(
        self, session: Session, ids: list[int], state: StateKey, history: GraphHistory, period: Interval, now: datetime
    ) -> list[ServiceAvailability]:
        key = (period, self.graph_of(period))
        kept = self._over.get(key)
        if kept is not None:
            changed = changed_from(session, kept.versions, ids)
            if changed is None or (isinstance(changed, datetime) and changed >= period.end):
                kept.versions = dict(state[0])
                self._over.move_to_end(key)
                return kept.results
        monitoring = load_monitoring(session, ids, period.start, period.end, now, self.devices(session, ids))
        results = service_availability(
            history, monitoring, period.start, period.end, now=now, policy=self.policy, calendars=self.calendars
        )
        self._over[key] = _Over(dict(state[0]), results)
        while len(self._over) > KEEP_OVER:
            self._over.popitem(last=False)
        return results

    def _earlier_days(
        self, session: Session, ids: list[int], state: StateKey, history: GraphHistory, period: Interval,
        today: datetime, now: datetime,
    ) -> Earlier:  # fmt: skip
        key = (period, today, state[1])
        kept = self._earlier.get(key)
        versions = dict(state[0])
        if kept is not None:
            changed = changed_from(session, kept.versions, ids)
            if changed is None or (isinstance(changed, datetime) and changed >= today):
                kept.versions = versions
                return kept.earlier
        monitoring = load_monitoring(session, ids, period.start, today, now, self.devices(session, ids))
        earlier = earlier_parts(history, monitoring, period, today, self.policy, self.calendars)
        # Only today's entries of the current graph are worth keeping (yesterday's are never asked for again).
        self._earlier = {k: v for k, v in self._earlier.items() if k[1] == today and k[2] == state[1]}
        self._earlier[key] = _Kept(key, versions, earlier)
        return earlier


def uptime_view(app_state: Any) -> UptimeView:
    """The app's shared ``UptimeView`` (created on first use)."""
    view: UptimeView | None = getattr(app_state, "uptime_view", None)
    if view is None:
        view = app_state.uptime_view = UptimeView(app_state.config)
    return view
