"""Availability of a period computed in two parts: the days before today (computed once, then reused) and today.

Each part is computed with the raw counting rules (no flap merging, no blip ignoring), which keeps its slices
as they were measured. Joining the two slice lists and applying the policy then gives the same figures,
budget and incidents as computing the whole period at once: the effective status at an instant depends only
on that instant, and the policy only turns up into down or down into up, so the measured time the error
budget is based on is the same before and after it. Only today's part has to be recomputed after a poll that
changed nothing before today, and only for the services on which something happened today (``quiet.py``): the
others were up all day, and their figures as of midnight are extended by the time since.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from deskpulse.domain.sla.calendar import BusinessCalendar
from deskpulse.domain.sla.hours import Interval
from deskpulse.uptime.availability import ServiceAvailability, _allowed_down, service_availability
from deskpulse.uptime.figures import Figures, counted_segments
from deskpulse.uptime.graph import Service
from deskpulse.uptime.history import GraphHistory
from deskpulse.uptime.incidents import find_incidents
from deskpulse.uptime.monitoring import Monitoring
from deskpulse.uptime.policy import UptimePolicy
from deskpulse.uptime.quiet import quiet_services
from deskpulse.uptime.timeline import Slice, State, coalesce

RAW = UptimePolicy(merge_flaps=False, min_outage_s=0)
Parts = dict[str, ServiceAvailability]


def raw_parts(
    history: GraphHistory,
    monitoring: Monitoring,
    start: datetime,
    end: datetime,
    *,
    now: datetime,
    calendars: Mapping[str, BusinessCalendar] | None = None,
    service_ids: Collection[str] | None = None,
) -> Parts:
    """Every service's raw availability over ``[start, end)`` by service id (empty for an empty span)."""
    if end <= start:
        return {}
    found = service_availability(
        history, monitoring, start, end, now=now, policy=RAW, calendars=calendars, service_ids=service_ids
    )
    return {r.service.id: r for r in found}


def combine(
    parts: list[ServiceAvailability], period: Interval, now: datetime, policy: UptimePolicy
) -> ServiceAvailability:
    """One service's availability over ``period`` from its raw parts (consecutive, in time order)."""
    if not parts:
        raise ValueError("combine needs at least one part")
    slices = policy.apply([s for part in parts for s in part.slices])
    scheduled = tuple(iv for part in parts for iv in part.scheduled)
    service = parts[-1].service
    return ServiceAvailability(
        service=service,
        period=period,
        observed_end=max(period.start, min(period.end, now)),
        policy=policy,
        figures=Figures.from_segments(counted_segments(slices, scheduled)),
        allowed_down_s=sum(part.allowed_down_s for part in parts),
        scheduled_ahead_s=sum(part.scheduled_ahead_s for part in parts),
        slices=tuple(slices),
        scheduled=scheduled,
        incidents=tuple(find_incidents(service.id, slices, scheduled, period, now)),
    )


def combine_all(
    earlier: Parts, today: Parts, period: Interval, now: datetime, policy: UptimePolicy
) -> list[ServiceAvailability]:
    """Every service of either part over ``period``, sorted like ``service_availability`` sorts."""
    results = []
    for service_id in dict.fromkeys([*earlier, *today]):
        parts = [p for p in (earlier.get(service_id), today.get(service_id)) if p is not None]
        results.append(combine(parts, period, now, policy))
    return sorted(results, key=lambda r: (r.service.client, r.service.name, r.service.id))


@dataclass(frozen=True, slots=True)
class Earlier:
    """The days of a period before today: raw parts (to join with today's) and the results as of midnight (to
    extend for services on which nothing happened today)."""

    today: datetime
    raw: Parts
    final: Parts


def earlier_parts(
    history: GraphHistory,
    monitoring: Monitoring,
    period: Interval,
    today: datetime,
    policy: UptimePolicy,
    calendars: Mapping[str, BusinessCalendar] | None = None,
) -> Earlier:
    """Every service's availability from the period's start to ``today`` (local midnight)."""
    raw = raw_parts(history, monitoring, period.start, today, now=today, calendars=calendars)
    return Earlier(today, raw, {sid: combine([part], period, today, policy) for sid, part in raw.items()})


def extend_up(final: ServiceAvailability, service: Service, since: datetime, now: datetime) -> ServiceAvailability:
    """``final`` (as of ``since``) followed by up time until ``now``: what a service without a schedule on which
    nothing happened since then adds. An incident still going on at ``since`` ended then."""
    period = final.period
    up = max(0.0, (now - since).total_seconds())
    ahead = max(0.0, (period.end - max(now, since)).total_seconds())
    incidents = list(final.incidents)
    if incidents and incidents[-1].end is None and up > 0:
        incidents[-1] = replace(incidents[-1], end=since)
    slices, scheduled = list(final.slices), list(final.scheduled)
    if up > 0:
        slices.append(Slice(since, now, State.UP))
        scheduled.append(Interval(since, now))
    return ServiceAvailability(
        service=service,
        period=period,
        observed_end=max(period.start, min(period.end, now)),
        policy=final.policy,
        figures=final.figures + Figures(up_s=up, scheduled_s=up),
        allowed_down_s=final.allowed_down_s + _allowed_down(service.slo, up + ahead),
        scheduled_ahead_s=final.scheduled_ahead_s + ahead,
        slices=tuple(coalesce(slices)),
        scheduled=tuple(scheduled),
        incidents=tuple(incidents),
    )


def with_today(
    history: GraphHistory,
    earlier: Earlier,
    monitoring: Monitoring,
    period: Interval,
    now: datetime,
    policy: UptimePolicy,
    calendars: Mapping[str, BusinessCalendar] | None = None,
) -> list[ServiceAvailability]:
    """Every service's availability over ``period`` from the kept ``earlier`` days and today's monitoring data
    (only today's part of it is read): quiet services are extended, the others computed and joined."""
    today = earlier.today
    pieces = history.pieces(today, period.end)
    # A version starting later in the period changes the budget of the time still to come: compute them all.
    quiet = quiet_services(history, monitoring, Interval(today, now)) if now > today and len(pieces) == 1 else set()
    quiet &= set(earlier.final)
    current = {s.id: s for _, version in pieces for s in version.services}
    later = raw_parts(
        history, monitoring, today, period.end, now=now, calendars=calendars, service_ids=set(current) - quiet
    )
    results = []
    for service_id in dict.fromkeys([*earlier.raw, *current]):
        if service_id in quiet:
            results.append(extend_up(earlier.final[service_id], current[service_id], today, now))
            continue
        parts = [p for p in (earlier.raw.get(service_id), later.get(service_id)) if p is not None]
        if parts:
            results.append(combine(parts, period, now, policy))
    return sorted(results, key=lambda r: (r.service.client, r.service.name, r.service.id))
