"""Availability of services over a period: slices, figures, error budget and incidents. Pure: ``now`` is
passed in, nothing is read from a clock or a database.

The period ``[start, end)`` is split where the graph version changes and each piece is computed with the
version in force. Time after ``now`` is not observed; for the error budget it still counts as scheduled
time, so "budget left this month" is the month's budget minus what has been used so far.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction

from deskpulse.domain.sla.calendar import BusinessCalendar
from deskpulse.domain.sla.hours import Interval
from deskpulse.uptime.effective import DeviceEvaluator
from deskpulse.uptime.figures import Figures, counted_segments
from deskpulse.uptime.graph import MaintenanceWindow, Service
from deskpulse.uptime.history import GraphHistory
from deskpulse.uptime.incidents import Incident, find_incidents
from deskpulse.uptime.monitoring import Monitoring
from deskpulse.uptime.policy import UptimePolicy
from deskpulse.uptime.timeline import Slice, service_slices

DEFAULT_POLICY = UptimePolicy()


@dataclass(frozen=True, slots=True)
class ServiceAvailability:
    """Everything a report shows about one service over one period."""

    service: Service  # as defined in the last version in force during the period
    period: Interval
    observed_end: datetime  # min(period end, now)
    policy: UptimePolicy
    figures: Figures
    allowed_down_s: float
    scheduled_ahead_s: float  # scheduled time after ``now`` that is still to come
    slices: tuple[Slice, ...] = ()
    scheduled: tuple[Interval, ...] = ()  # the observed scheduled intervals the figures count
    incidents: tuple[Incident, ...] = ()

    @property
    def budget_left_s(self) -> float:
        """Allowed downtime minus counted downtime; negative once the SLO is broken."""
        return self.allowed_down_s - self.figures.down_s

    def summary(self) -> dict[str, str | float | int | None]:
        """The flat row of the services API and CSV export (seconds as numbers, SLIs as fractions)."""
        f = self.figures
        return {
            "id": self.service.id,
            "client": self.service.client,
            "name": self.service.name,
            "slo": self.service.slo,
            "sli": f.sli,
            "sli_note": f.sli_note,
            "sli_conservative": f.sli_conservative,
            "up_s": f.up_s,
            "down_s": f.down_s,
            "unknown_s": f.unknown_s,
            "maintenance_s": f.maintenance_s,
            "scheduled_s": f.scheduled_s,
            "budget_left_s": self.budget_left_s,
            "incidents": len(self.incidents),
            "policy": self.policy.describe(),
        }


def _aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {value!r}")


def _allowed_down(slo: float, seconds: float) -> float:
    # Exact arithmetic so that 99.9% of a 30-day month is exactly 2592 s, not 2592.0000000000023.
    return float((100 - Fraction(repr(slo))) / 100 * Fraction(max(seconds, 0.0)))


class _Schedules:
    """Scheduled intervals per (schedule, lo, hi), computed once for all services sharing a calendar."""

    def __init__(self, calendars: Mapping[str, BusinessCalendar]) -> None:
        self.calendars = calendars
        self._cache: dict[tuple[str | None, datetime, datetime], list[Interval]] = {}

    def within(self, service: Service, lo: datetime, hi: datetime) -> list[Interval]:
        """The scheduled intervals of ``service`` inside ``[lo, hi)``; the whole span without a schedule."""
        key = (service.schedule, lo, hi)
        found = self._cache.get(key)
        if found is None:
            if lo >= hi:
                found = []
            elif service.schedule is None:
                found = [Interval(lo, hi)]
            elif service.schedule in self.calendars:
                found = self.calendars[service.schedule].open_intervals(lo, hi)
            else:
                raise ValueError(
                    f"service {service.id} uses schedule {service.schedule}, which is not a known calendar"
                )
            self._cache[key] = found
        return found


@dataclass
class _Piece:
    service: Service
    observed: list[Interval]
    ahead_s: float
    slices: list[Slice]


def service_availability(
    history: GraphHistory,
    monitoring: Monitoring,
    start: datetime,
    end: datetime,
    *,
    now: datetime,
    policy: UptimePolicy = DEFAULT_POLICY,
    calendars: Mapping[str, BusinessCalendar] | None = None,
    service_ids: Collection[str] | None = None,
) -> list[ServiceAvailability]:
    """Availability of every service defined during ``[start, end)`` (or only ``service_ids``), sorted by
    client, name and id. A service counts only while a version in force defines it."""
    for value, name in ((start, "start"), (end, "end"), (now, "now")):
        _aware(value, name)
    if end <= start:
        raise ValueError(f"the period must end after it starts, got {start.isoformat()} .. {end.isoformat()}")
    schedules = _Schedules(calendars or {})
    observed_end = max(start, min(end, now))
    maintenance: dict[str, list[MaintenanceWindow]] = defaultdict(list)
    for window in history.maintenance:
        maintenance[window.device].append(window)

    pieces: dict[str, list[_Piece]] = defaultdict(list)
    for (lo, hi), version in history.pieces(start, end):
        seen = min(hi, observed_end)
        evaluator = DeviceEvaluator(version, monitoring, maintenance, Interval(lo, seen)) if lo < seen else None
        for service in version.services:
            if service_ids is not None and service.id not in service_ids:
                continue
            slices = service_slices(evaluator.effective(service.device)) if evaluator is not None else []
            observed = schedules.within(service, lo, seen)
            ahead = sum((iv.duration for iv in schedules.within(service, max(lo, seen), hi)), timedelta(0))
            pieces[service.id].append(_Piece(service, observed, ahead.total_seconds(), slices))

    results = [_summarise(parts, Interval(start, end), observed_end, now, policy) for parts in pieces.values()]
    return sorted(results, key=lambda r: (r.service.client, r.service.name, r.service.id))


def _summarise(
    parts: Sequence[_Piece], period: Interval, observed_end: datetime, now: datetime, policy: UptimePolicy
) -> ServiceAvailability:
    slices = policy.apply([s for part in parts for s in part.slices])
    figures = Figures()
    allowed = 0.0
    for part in parts:
        # Per piece, so a changed SLO or schedule applies from its version's date on.
        piece_figures = Figures.from_segments(counted_segments(slices, part.observed))
        figures += piece_figures
        budget_base = piece_figures.measured_s + part.ahead_s
        allowed += _allowed_down(part.service.slo, budget_base)
    scheduled = tuple(iv for part in parts for iv in part.observed)
    service = parts[-1].service
    incidents = find_incidents(service.id, slices, scheduled, period, now)
    return ServiceAvailability(
        service=service,
        period=period,
        observed_end=observed_end,
        policy=policy,
        figures=figures,
        allowed_down_s=allowed,
        scheduled_ahead_s=sum(part.ahead_s for part in parts),
        slices=tuple(slices),
        scheduled=scheduled,
        incidents=tuple(incidents),
    )
