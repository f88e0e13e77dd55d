"""SLA compliance of a period, per target kind, with breakdowns per priority and per client.

A target is decided once: ``met`` at its completion, ``breached`` at its due time (whether or not it was
completed later). A period counts the targets decided within it, so consecutive periods never count one
target twice and a report does not change when a late ticket is finally closed.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from deskpulse.domain.sla.clock import ClockState, SlaClock
from deskpulse.domain.sla.policy import TargetKind
from deskpulse.domain.tickets import Priority

NO_SLA_REASON = "no ticket in this selection has an SLA target"
NOTHING_DECIDED_REASON = "no SLA target was met or breached in this period"

_K = TypeVar("_K", bound=Hashable)


@dataclass(frozen=True, slots=True)
class SlaRecord:
    """One ticket's clock for one target kind; ``clock`` None means the ticket has no SLA for that kind."""

    kind: TargetKind
    clock: SlaClock | None
    priority: Priority | None = None
    client: str | None = None


@dataclass(frozen=True, slots=True)
class Compliance:
    """Counts and ``rate = met / (met + breached)``; ``rate`` is None with a ``reason`` when nothing counts.

    ``at_risk`` and ``pending`` are open targets started before the period ended and not yet breached
    (at risk, or not yet at risk); they are shown beside the rate, never in it. ``no_sla`` tickets are excluded.
    """

    met: int
    breached: int
    at_risk: int
    pending: int
    no_sla: int
    rate: float | None
    reason: str | None

    @property
    def decided(self) -> int:
        """The denominator: targets met or breached in the period."""
        return self.met + self.breached


@dataclass(frozen=True, slots=True)
class ComplianceReport:
    """Compliance of one target kind over ``[start, end)``; breakdown keys None mean no priority / no client."""

    kind: TargetKind
    start: datetime
    end: datetime
    overall: Compliance
    by_priority: Mapping[Priority | None, Compliance]
    by_client: Mapping[str | None, Compliance]


def _count(records: Iterable[SlaRecord], start: datetime, end: datetime) -> Compliance:
    met = breached = at_risk = pending = no_sla = with_sla = 0
    for record in records:
        clock = record.clock
        if clock is None:
            no_sla += 1
            continue
        with_sla += 1
        if clock.breached_at is not None:
            if start <= clock.breached_at < end:
                breached += 1
        elif clock.state is ClockState.MET:
            if clock.completed_at is not None and start <= clock.completed_at < end:
                met += 1
        elif clock.started_at < end:
            if clock.state is ClockState.AT_RISK:
                at_risk += 1
            else:
                pending += 1
    decided = met + breached
    if decided:
        return Compliance(met, breached, at_risk, pending, no_sla, met / decided, None)
    reason = NOTHING_DECIDED_REASON if with_sla else NO_SLA_REASON
    return Compliance(met, breached, at_risk, pending, no_sla, None, reason)


def _grouped(
    records: list[SlaRecord], key: Callable[[SlaRecord], _K], start: datetime, end: datetime
) -> dict[_K, Compliance]:
    groups: dict[_K, list[SlaRecord]] = {}
    for record in records:
        groups.setdefault(key(record), []).append(record)
    return {k: _count(rs, start, end) for k, rs in groups.items()}


def compliance(records: Iterable[SlaRecord], kind: TargetKind, start: datetime, end: datetime) -> ComplianceReport:
    """Compliance of the ``kind`` targets among ``records`` decided within ``[start, end)``."""
    if end <= start:
        raise ValueError("the period must end after it starts")
    selected = [r for r in records if r.kind == kind]
    return ComplianceReport(
        kind=kind,
        start=start,
        end=end,
        overall=_count(selected, start, end),
        by_priority=_grouped(selected, lambda r: r.priority, start, end),
        by_client=_grouped(selected, lambda r: r.client, start, end),
    )


def compliance_by_kind(
    records: Iterable[SlaRecord], start: datetime, end: datetime
) -> dict[TargetKind, ComplianceReport]:
    """One report per target kind present in ``records`` (kinds are never mixed in one rate)."""
    materialized = list(records)
    kinds = sorted({r.kind for r in materialized})
    return {kind: compliance(materialized, kind, start, end) for kind in kinds}
