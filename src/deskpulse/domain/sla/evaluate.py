"""Many tickets' SLA clocks at once: the fast path for lists and totals, the full clock where it is needed.

A target whose ticket never sat in a pausing status runs the plain business-time clock: two timeline lookups.
A ticket with pauses gets the full auditable clock (``sla_clock``). Both give the same state, due time and
remaining time (a property test holds them to it); only the full clock lists segments.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from deskpulse.domain.sla.clock import DEFAULT_PAUSING, ClockState, Transition, sla_clock
from deskpulse.domain.sla.policy import AtRiskRule, TargetKind
from deskpulse.domain.sla.timeline import BusinessTimeline
from deskpulse.domain.tickets import StatusCategory

_SECOND = timedelta(seconds=1)


@dataclass(frozen=True, slots=True)
class TargetInput:
    """One target of one ticket: when it started, its target (None: vendor due time only), completion."""

    kind: TargetKind
    created_at: datetime
    target: timedelta | None
    completed_at: datetime | None
    vendor_due_at: datetime | None


@dataclass(frozen=True, slots=True)
class TargetResult:
    """A target's state; ``remaining_seconds`` is business seconds (negative: overdue), floored."""

    kind: TargetKind
    state: ClockState
    due_at: datetime
    remaining_seconds: int
    elapsed_business_seconds: int
    completed_at: datetime | None
    breached_at: datetime | None
    target_seconds: int | None
    vendor_due: bool
    paused: bool = False


@dataclass(slots=True)
class Evaluator:
    """Evaluates targets against one timeline (one calendar) at ``now``."""

    timeline: BusinessTimeline
    now: datetime
    rule: AtRiskRule = field(default_factory=AtRiskRule)
    pausing: Collection[StatusCategory] = DEFAULT_PAUSING

    def evaluate(self, item: TargetInput, transitions: Sequence[Transition] = ()) -> TargetResult:
        """The target's state at ``now`` (or at its completion)."""
        if item.target is None and item.vendor_due_at is None:
            raise ValueError("a target needs a duration or a vendor due time")
        if any(t.status is True or (not isinstance(t.status, bool) and t.status in self.pausing) for t in transitions):
            return self._full(item, transitions)
        reference = max(item.created_at, self.now if item.completed_at is None else item.completed_at)
        elapsed = self.timeline.business_time(item.created_at, reference)
        if item.vendor_due_at is not None:
            due = item.vendor_due_at
            remaining = self.timeline.business_time(reference, due)
        else:
            assert item.target is not None
            due = self.timeline.add(item.created_at, item.target)
            remaining = item.target - elapsed
        return self._judge(item, reference, due, remaining, elapsed, paused=False)

    def _judge(
        self, item: TargetInput, reference: datetime, due: datetime, remaining: timedelta, elapsed: timedelta,
        *, paused: bool,
    ) -> TargetResult:  # fmt: skip
        breached = reference > due
        if breached:
            state = ClockState.BREACHED
        elif item.completed_at is not None:
            state = ClockState.MET
        elif self.rule.is_at_risk(remaining, item.target):
            state = ClockState.AT_RISK
        else:
            state = ClockState.OK
        return TargetResult(
            kind=item.kind,
            state=state,
            due_at=due,
            remaining_seconds=remaining // _SECOND,
            elapsed_business_seconds=elapsed // _SECOND,
            completed_at=item.completed_at,
            breached_at=due if breached else None,
            target_seconds=item.target // _SECOND if item.target is not None else None,
            vendor_due=item.vendor_due_at is not None,
            paused=paused,
        )

    def _full(self, item: TargetInput, transitions: Sequence[Transition]) -> TargetResult:
        clock = sla_clock(
            created_at=item.created_at, calendar=self.timeline.calendar, target=item.target, now=self.now,
            transitions=transitions, completed_at=item.completed_at, vendor_due_at=item.vendor_due_at,
            pausing=self.pausing, at_risk=self.rule,
        )  # fmt: skip
        last = max(transitions, key=lambda t: t.at)
        paused_now = item.completed_at is None and (
            last.status is True or (not isinstance(last.status, bool) and last.status in self.pausing)
        )
        return TargetResult(
            kind=item.kind,
            state=clock.state,
            due_at=clock.due_at,
            remaining_seconds=clock.remaining_seconds,
            elapsed_business_seconds=clock.elapsed_business_seconds,
            completed_at=clock.completed_at,
            breached_at=clock.breached_at,
            target_seconds=item.target // _SECOND if item.target is not None else None,
            vendor_due=clock.vendor_due,
            paused=paused_now,
        )
