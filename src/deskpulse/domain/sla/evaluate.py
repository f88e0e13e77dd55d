"""Many tickets' SLA clocks at once, on a shared business-time timeline (binary searches, no day walks).

The status history cuts a target's life into running and paused pieces; the business time of the running
pieces is the elapsed time, and the due time is where it reaches the target. This gives the same state, due
time and remaining time as the auditable clock (``sla_clock``, a property test holds them to it); only the
auditable clock lists its segments, so it is used where those are shown (one ticket's page).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from deskpulse.domain.sla.clock import DEFAULT_PAUSING, ClockState, Transition, status_pieces
from deskpulse.domain.sla.policy import AtRiskRule, TargetKind
from deskpulse.domain.sla.timeline import BusinessTimeline
from deskpulse.domain.tickets import StatusCategory

_SECOND = timedelta(seconds=1)
_ZERO = timedelta(0)


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
        reference = max(item.created_at, self.now if item.completed_at is None else item.completed_at)
        pieces = [(item.created_at, reference, False)]
        if any(self._pauses(t) for t in transitions):
            pieces = status_pieces(item.created_at, reference, transitions, self.pausing)
        # The clock runs only in the running pieces; the due time is where their business time reaches the target.
        elapsed, due = _ZERO, None
        for start, end, paused in pieces:
            if paused:
                continue
            piece = self.timeline.business_time(start, end)
            if due is None and item.target is not None and elapsed + piece >= item.target:
                due = self.timeline.add(start, item.target - elapsed)
            elapsed += piece
        if item.vendor_due_at is not None:
            due = item.vendor_due_at
            remaining = self.timeline.business_time(reference, due)
        else:
            assert item.target is not None
            remaining = item.target - elapsed
            if due is None:
                due = self.timeline.add(reference, remaining)
        paused_now = item.completed_at is None and bool(pieces) and pieces[-1][2]
        return self._judge(item, reference, due, remaining, elapsed, paused=paused_now)

    def _pauses(self, transition: Transition) -> bool:
        status = transition.status
        return status is True or (not isinstance(status, bool) and status in self.pausing)

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
