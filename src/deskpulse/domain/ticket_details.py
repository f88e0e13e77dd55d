"""Per-ticket details monthly reports read beyond the ticket itself, as every connector maps them.

Pure: the dataclasses connectors return and the normalisations (CSAT ratings to 1..5, ``hh:mm`` durations).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime

NOTE_MAX_CHARS = 2000  # ticket_time_entries.note keeps at most this much
_HH_MM = re.compile(r"^\s*(\d{1,5}):([0-5]\d)\s*$")
# Freshworks' seven-point satisfaction codes (-103 "extremely unhappy" .. 103 "extremely happy") [I].
SEVEN_POINT: tuple[int, ...] = (-103, -102, -101, 100, 101, 102, 103)


@dataclass(frozen=True, slots=True)
class TimeEntry:
    """Work logged on a ticket: when it was done, by whom, how long, whether the client is billed."""

    external_id: str
    executed_at: datetime
    hours: float
    billable: bool
    agent_external_id: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class CsatAnswer:
    """A satisfaction answer: ``rating`` normalised to 1..5, ``raw_rating`` as the vendor gave it."""

    rating: int
    raw_rating: str
    submitted_at: datetime
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class SlaVerdict:
    """The vendor's own SLA verdict for a ticket (None: not decided yet)."""

    first_response_met: bool | None = None
    resolution_met: bool | None = None
    resolution_plan_met: bool | None = None


@dataclass(slots=True)
class TicketDetails:
    """What one fetch learnt about one ticket. ``None`` fields mean "this vendor does not tell" (keep stored rows);
    an empty ``time_entries`` list means the vendor has none (stored entries of the ticket go)."""

    time_entries: list[TimeEntry] | None = None
    csat: CsatAnswer | None = None
    conversations: int | None = None
    sla: SlaVerdict | None = None
    warnings: list[str] = field(default_factory=list)


def clip_note(text: str | None) -> str | None:
    """A time-entry note stripped and cut to NOTE_MAX_CHARS (None when empty)."""
    if text is None or not text.strip():
        return None
    text = text.strip()
    return text if len(text) <= NOTE_MAX_CHARS else text[: NOTE_MAX_CHARS - 1] + "…"


def hours_from_hh_mm(text: str | None) -> float | None:
    """``"01:30"`` -> 1.5 (Freshservice's ``time_spent``); None when absent or unreadable."""
    if text is None:
        return None
    match = _HH_MM.match(text)
    if match is None:
        return None
    return int(match[1]) + int(match[2]) / 60


def rating_on_five(acquired: float, total: float) -> int:
    """A score of ``acquired`` on a 1..``total`` scale placed linearly on 1..5 (half rounds up). ValueError if
    the scale is not one (total < 2) or the score is outside it."""
    if total < 2 or not 1 <= acquired <= total or math.isnan(acquired) or math.isnan(total):
        raise ValueError(f"score {acquired} of {total} is not on a scale from 1")
    return math.floor(1 + 4 * (acquired - 1) / (total - 1) + 0.5)


def rating_from_seven_point(code: int) -> int:
    """A Freshworks seven-point code (-103..103) on 1..5; ValueError for any other value."""
    if code not in SEVEN_POINT:
        raise ValueError(f"satisfaction code {code} is not one of {SEVEN_POINT}")
    return rating_on_five(SEVEN_POINT.index(code) + 1, len(SEVEN_POINT))
