"""Dashboard arithmetic: local days, age buckets and closed-ticket windows. Pure functions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo


@dataclass(frozen=True, slots=True)
class AgeBucket:
    """One age bucket; ``max_days`` is the exclusive upper bound of whole days elapsed (None = no bound)."""

    key: str
    label: str
    sublabel: str
    max_days: int | None


# "today" is by local calendar date; the rest by whole days elapsed since created_at.
AGE_BUCKETS: tuple[AgeBucket, ...] = (
    AgeBucket("today", "Today", "created today", None),
    AgeBucket("week", "< 1 week", "1-6 days", 7),
    AgeBucket("twoweeks", "1-2 weeks", "7-13 days", 14),
    AgeBucket("month", "2 weeks - 1 month", "14-29 days", 30),
    AgeBucket("quarter", "1-3 months", "30-89 days", 90),
    AgeBucket("older", "> 3 months", "90+ days", None),
)


def local_day_start(now: datetime, tz: tzinfo, days_back: int = 0) -> datetime:
    """UTC instant of local midnight ``days_back`` days before the local date of ``now`` (DST-safe)."""
    local_date = now.astimezone(tz).date() - timedelta(days=days_back)
    return local_midnight(local_date, tz)


def local_midnight(day: date, tz: tzinfo) -> datetime:
    """UTC instant at which the local calendar date ``day`` begins."""
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def age_bucket(created_at: datetime, now: datetime, tz: tzinfo) -> str:
    """Bucket key of a ticket created at ``created_at`` as seen at ``now`` in time zone ``tz``."""
    if created_at.astimezone(tz).date() >= now.astimezone(tz).date():
        return "today"
    days = (now - created_at) // timedelta(days=1)
    for bucket in AGE_BUCKETS[1:]:
        if bucket.max_days is not None and days < bucket.max_days:
            return bucket.key
    return "older"


@dataclass(frozen=True, slots=True)
class BucketBounds:
    """Instants that separate the age buckets, for counting in a database.

    A ticket is ``today`` when created_at >= today_start; otherwise it is in the first bucket whose
    ``created_after`` bound it exceeds (created_at > now - max_days days, i.e. fewer whole days elapsed).
    """

    today_start: datetime
    created_after: tuple[tuple[str, datetime], ...]


def bucket_bounds(now: datetime, tz: tzinfo) -> BucketBounds:
    """The separating instants of AGE_BUCKETS at ``now``."""
    limits = tuple((b.key, now - timedelta(days=b.max_days)) for b in AGE_BUCKETS[1:] if b.max_days is not None)
    return BucketBounds(today_start=local_day_start(now, tz), created_after=limits)


@dataclass(frozen=True, slots=True)
class ClosedWindows:
    """Starts of the closed-ticket windows: today, last 7 / 30 / 90 local days (today included)."""

    today: datetime
    week: datetime
    month: datetime
    quarter: datetime


def closed_windows(now: datetime, tz: tzinfo) -> ClosedWindows:
    """Window starts for closed statistics, each at a local midnight."""
    return ClosedWindows(
        today=local_day_start(now, tz),
        week=local_day_start(now, tz, 6),
        month=local_day_start(now, tz, 29),
        quarter=local_day_start(now, tz, 89),
    )


def local_date(instant: datetime, tz: tzinfo) -> date:
    """The local calendar date of an instant."""
    return instant.astimezone(tz).date()


NO_TEAM = "No team"


@dataclass(frozen=True, slots=True)
class CountRow:
    """Number of active tickets sharing one (source, category, team, agent, age bucket)."""

    source_id: int
    category: str
    team: str | None
    agent: str | None
    bucket: str
    count: int


@dataclass(frozen=True, slots=True)
class TeamFigure:
    """Open tickets of one team (``id`` None: tickets without a team)."""

    source_id: int | None
    id: str | None
    name: str
    total: int
    new: int
    assigned: int


@dataclass(frozen=True, slots=True)
class AgentFigure:
    """Assigned tickets of one agent."""

    source_id: int
    id: str
    name: str
    assigned: int


@dataclass(frozen=True, slots=True)
class BoardFigures:
    """Everything the live dashboard shows, derived from one consistent set of counts."""

    total: int
    new: int
    assigned: int
    new_today: int
    ages: dict[str, int]
    teams: list[TeamFigure]
    agents: list[AgentFigure]


def summarize(
    rows: Sequence[CountRow],
    team_names: Mapping[tuple[int, str], str],
    agent_names: Mapping[tuple[int, str], str],
) -> BoardFigures:
    """Totals, teams (by total, "No team" last), agents and age buckets from grouped counts.

    "New" is an open ticket nobody is assigned to, "assigned" one with an agent: the same for every vendor
    (Trengo's OPEN / ASSIGNED statuses mean exactly that; Freshservice and Autotask keep the assignee apart
    from the status).
    """
    ages = {b.key: 0 for b in AGE_BUCKETS}
    teams: dict[tuple[int, str | None], list[int]] = {}
    agents: dict[tuple[int, str], int] = {}
    total = new = assigned = new_today = 0
    for r in rows:
        total += r.count
        ages[r.bucket] = ages.get(r.bucket, 0) + r.count
        new_today += r.count if r.bucket == "today" else 0
        is_assigned = r.agent is not None
        is_new = not is_assigned
        new += r.count if is_new else 0
        assigned += r.count if is_assigned else 0
        slot = teams.setdefault((r.source_id, r.team), [0, 0, 0])
        slot[0] += r.count
        slot[1] += r.count if is_new else 0
        slot[2] += r.count if is_assigned else 0
        if is_assigned and r.agent is not None:
            agents[(r.source_id, r.agent)] = agents.get((r.source_id, r.agent), 0) + r.count
    named = [
        TeamFigure(sid, ext, team_names.get((sid, ext)) or f"Team {ext}", *counts)
        for (sid, ext), counts in teams.items()
        if ext is not None
    ]
    named.sort(key=lambda t: (-t.total, t.name.lower()))
    loose = [(sid, counts) for (sid, ext), counts in teams.items() if ext is None]
    if loose:
        sid = loose[0][0] if len(loose) == 1 else None
        named.append(TeamFigure(sid, None, NO_TEAM, *(sum(c[i] for _, c in loose) for i in range(3))))
    people = [
        AgentFigure(sid, ext, agent_names.get((sid, ext)) or f"Agent {ext}", n) for (sid, ext), n in agents.items()
    ]
    people.sort(key=lambda a: (-a.assigned, a.name.lower()))
    return BoardFigures(total, new, assigned, new_today, ages, named, people)
