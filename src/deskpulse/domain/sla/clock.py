"""The auditable SLA clock of one ticket and one target kind. Pure: ``now`` is an argument.

The clock runs in business time from the ticket's creation and stands still outside opening hours and
while the ticket is in a pausing status. Every stretch of time up to the completion (or ``now``) is reported
as a segment, so a reader can see why the clock stood still. When the vendor reports a due time, that due
time wins: the state is judged against it instead of the computed one.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import NamedTuple

from deskpulse.domain.sla.calendar import BusinessCalendar
from deskpulse.domain.sla.policy import AtRiskRule
from deskpulse.domain.tickets import StatusCategory

DEFAULT_PAUSING: frozenset[StatusCategory] = frozenset({StatusCategory.WAITING_ON_CUSTOMER})
_ZERO = timedelta(0)
_SECOND = timedelta(seconds=1)


class ClockState(StrEnum):
    """``met``/``breached`` once completed (final); ``ok``/``at_risk``/``breached`` while running."""

    OK = "ok"
    AT_RISK = "at_risk"
    BREACHED = "breached"
    MET = "met"


class SegmentKind(StrEnum):
    """Why the clock ran or stood still during a segment; a pausing status wins over closed hours."""

    RUNNING = "running"
    PAUSED_STATUS = "paused_status"
    CLOSED_HOURS = "closed_hours"


class Segment(NamedTuple):
    """A stretch ``[start, end)`` of the ticket's life (UTC) with one kind."""

    start: datetime
    end: datetime
    kind: SegmentKind


class Transition(NamedTuple):
    """From ``at`` on the ticket is in ``status``; a bool is an explicit paused flag (True = paused)."""

    at: datetime
    status: StatusCategory | bool


@dataclass(frozen=True, slots=True)
class SlaClock:
    """The clock at its reference instant (the completion, or ``now`` while the target is open).

    ``remaining_seconds`` is business time left before ``due_at`` (negative once overdue; it reads 0 for a
    target that fell due exactly at closing time until the desk reopens). Whole seconds, floored.
    ``due_at`` of a running or paused clock that has not reached its target is a projection: the due time
    if the clock ran from the reference instant on.
    """

    state: ClockState
    due_at: datetime
    started_at: datetime
    elapsed_business_seconds: int
    remaining_seconds: int
    completed_at: datetime | None
    breached_at: datetime | None
    target: timedelta | None
    vendor_due: bool
    segments: tuple[Segment, ...]


def _aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {value!r}")
    return value.astimezone(UTC)


def status_pieces(
    start: datetime,
    end: datetime,
    transitions: Iterable[tuple[datetime, StatusCategory | bool]],
    pausing: Collection[StatusCategory],
) -> list[tuple[datetime, datetime, bool]]:
    """``[start, end)`` cut into alternating (from, to, paused) pieces by the status transitions."""
    # Sorted by time only, so of several changes at one instant the last one given wins.
    changes = sorted(
        (
            (_aware(at, "transition time"), s if isinstance(s, bool) else StatusCategory(s) in pausing)
            for at, s in transitions
        ),
        key=lambda change: change[0],
    )
    pieces: list[tuple[datetime, datetime, bool]] = []
    cursor, paused = start, False
    for at, now_paused in changes:
        if at >= end:
            break
        if at > cursor and now_paused != paused:
            pieces.append((cursor, at, paused))
            cursor = at
        paused = now_paused
    if cursor < end:
        pieces.append((cursor, end, paused))
    return pieces


def _append(segments: list[Segment], start: datetime, end: datetime, kind: SegmentKind) -> None:
    if end <= start:
        return
    if segments and segments[-1].kind == kind and segments[-1].end == start:
        segments[-1] = Segment(segments[-1].start, end, kind)
    else:
        segments.append(Segment(start, end, kind))


def sla_clock(
    *,
    created_at: datetime,
    calendar: BusinessCalendar,
    target: timedelta | None,
    now: datetime,
    transitions: Iterable[tuple[datetime, StatusCategory | bool]] = (),
    completed_at: datetime | None = None,
    vendor_due_at: datetime | None = None,
    pausing: Collection[StatusCategory] = DEFAULT_PAUSING,
    at_risk: AtRiskRule | None = None,
) -> SlaClock:
    """Run the clock of one target from ``created_at`` to ``completed_at`` (or ``now`` while open).

    ``transitions`` are (at, status) changes in any order; the clock runs before the first one. A target
    completed after its due time is ``breached``, at or before it ``met``. Raises ValueError for naive
    datetimes, a non-positive target, or neither a target nor a vendor due time (no SLA: make no clock).
    """
    rule = AtRiskRule() if at_risk is None else at_risk
    created = _aware(created_at, "created_at")
    completed = None if completed_at is None else _aware(completed_at, "completed_at")
    reference = max(created, _aware(now, "now") if completed is None else completed)
    if target is not None and target <= _ZERO:
        raise ValueError(f"the target must be positive, got {target}")

    segments: list[Segment] = []
    elapsed, reached_at = _ZERO, None
    for start, end, paused in status_pieces(created, reference, transitions, pausing):
        if paused:
            _append(segments, start, end, SegmentKind.PAUSED_STATUS)
            continue
        cursor = start
        for iv in calendar.open_intervals(start, end):
            _append(segments, cursor, iv.start, SegmentKind.CLOSED_HOURS)
            _append(segments, iv.start, iv.end, SegmentKind.RUNNING)
            if target is not None and reached_at is None and elapsed + iv.duration >= target:
                reached_at = iv.start + (target - elapsed)
            elapsed += iv.duration
            cursor = iv.end
        _append(segments, cursor, end, SegmentKind.CLOSED_HOURS)

    if vendor_due_at is not None:
        due = _aware(vendor_due_at, "vendor_due_at")
        # The vendor moves its own due time for pauses, so only our calendar's closed hours are left out here.
        remaining = calendar.business_time(reference, due)
    elif target is not None:
        remaining = target - elapsed
        due = reached_at if reached_at is not None else calendar.add_business_time(reference, remaining)
    else:
        raise ValueError("a clock needs a target or a vendor due time")

    breached = reference > due
    if breached:
        state = ClockState.BREACHED
    elif completed is not None:
        state = ClockState.MET
    elif rule.is_at_risk(remaining, target):
        state = ClockState.AT_RISK
    else:
        state = ClockState.OK
    return SlaClock(
        state=state,
        due_at=due,
        started_at=created,
        elapsed_business_seconds=elapsed // _SECOND,
        remaining_seconds=remaining // _SECOND,
        completed_at=completed,
        breached_at=due if breached else None,
        target=target,
        vendor_due=vendor_due_at is not None,
        segments=tuple(segments),
    )
