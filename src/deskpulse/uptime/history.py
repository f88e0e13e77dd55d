"""Graph versions over time: which version is in force at an instant, and splitting a period into pieces.

A version effective from a date applies from local midnight of that date (in the history's time zone)
until the next version, so rewiring today leaves the figures of last month as they were.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import UTC, date, datetime, time
from itertools import pairwise
from zoneinfo import ZoneInfo

from deskpulse.domain.sla.hours import Interval, wall_to_utc
from deskpulse.uptime.graph import GraphError, GraphProblem, GraphVersion, MaintenanceWindow
from deskpulse.uptime.validation import validate_version


class GraphHistory:
    """Validated graph versions in effective order, plus the maintenance windows of all of them.

    Maintenance windows are facts about time, not wiring: a window applies at its own times whichever
    version (or ``maintenance`` argument) declared it.
    """

    __slots__ = ("_starts", "maintenance", "tz", "versions")

    def __init__(
        self,
        versions: Iterable[GraphVersion],
        *,
        tz: str | ZoneInfo = "UTC",
        maintenance: Iterable[MaintenanceWindow] = (),
        inventory: Collection[str] | None = None,
        schedules: Collection[str] | None = None,
    ) -> None:
        """Raise GraphError listing every problem of every version, or two versions with the same date."""
        self.tz = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
        ordered = sorted(versions, key=lambda v: (v.effective_from is not None, v.effective_from or date.min))
        problems: list[GraphProblem] = []
        for version in ordered:
            label = f"version from {version.effective_from}" if version.effective_from else "undated version"
            for problem in validate_version(version, inventory=inventory, schedules=schedules):
                problems.append(GraphProblem(f"{label}: {problem.message}", problem.kind, problem.key, problem.group))
        dates = [v.effective_from for v in ordered]
        for first, second in pairwise(dates):
            if first == second:
                what = f"effective from {first}" if first else "without an effective date"
                problems.append(GraphProblem(f"two graph versions are {what}; each version needs its own date"))
        extra = list(maintenance)
        for window in extra:
            if window.start.tzinfo is None or window.end.tzinfo is None:
                problems.append(GraphProblem(f"maintenance window for {window.device} needs times with a UTC offset"))
            elif window.end <= window.start:
                problems.append(GraphProblem(f"maintenance window for {window.device} does not end after it starts"))
        if problems:
            raise GraphError(problems)
        self.versions = tuple(ordered)
        self._starts = [self._start_of(v) for v in ordered]
        windows = [*(w for v in ordered for w in v.maintenance), *extra]
        unique = {(w.device, w.start.astimezone(UTC), w.end.astimezone(UTC)) for w in windows}
        self.maintenance = tuple(MaintenanceWindow(d, s, e) for d, s, e in sorted(unique))

    def _start_of(self, version: GraphVersion) -> datetime | None:
        if version.effective_from is None:
            return None
        return wall_to_utc(datetime.combine(version.effective_from, time()), self.tz)

    def effective_at(self, version: GraphVersion) -> datetime | None:
        """The UTC instant a version takes effect (None for an undated version: since always)."""
        return self._start_of(version)

    def version_at(self, at: datetime) -> GraphVersion | None:
        """The version in force at ``at``; None before the first dated version."""
        found = None
        for start, version in zip(self._starts, self.versions, strict=True):
            if start is None or start <= at:
                found = version
        return found

    def pieces(self, start: datetime, end: datetime) -> list[tuple[Interval, GraphVersion]]:
        """``[start, end)`` split where the version in force changes; time before any version is left out."""
        bounds = [s for s in self._starts if s is not None and start < s < end]
        cuts = [start, *bounds, end]
        found: list[tuple[Interval, GraphVersion]] = []
        for lo, hi in pairwise(cuts):
            version = self.version_at(lo)
            if version is not None and lo < hi:
                found.append((Interval(lo, hi), version))
        return found
