"""How raw service slices become counted downtime: flap merging and blip ignoring, printed on reports.

Flaps: LibreNMS sees a device once per poll, so two outages closer together than one poll interval are one
outage seen twice; the UP time between them is counted as DOWN. Only UP slices in such a gap change,
maintenance and unknown time stay what they are. Blips: a DOWN run (after merging) shorter than
``min_outage_s`` is counted as UP. Off by default, since forgiving short outages is a contract decision.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import pairwise

from deskpulse.uptime.timeline import Slice, State, coalesce


@dataclass(frozen=True, slots=True)
class UptimePolicy:
    """The counting rules; ``describe()`` is what a report prints."""

    poll_interval_s: float = 300
    merge_flaps: bool = True
    min_outage_s: float = 0

    def __post_init__(self) -> None:
        if self.poll_interval_s < 0 or self.min_outage_s < 0:
            raise ValueError("the poll interval and the minimum outage cannot be negative")

    def describe(self) -> str:
        """One sentence, e.g. ``"Outages less than 300 s apart are merged; every outage counts."``."""
        if self.merge_flaps and self.poll_interval_s > 0:
            flaps = f"Outages less than {self.poll_interval_s:g} s apart (one poll interval) are merged"
        else:
            flaps = "Outages are not merged"
        blips = (
            f"outages shorter than {self.min_outage_s:g} s are ignored"
            if self.min_outage_s > 0
            else "every outage counts"
        )
        return f"{flaps}; {blips}."

    def apply(self, slices: Sequence[Slice]) -> list[Slice]:
        """The slices with flaps merged, then blips ignored (sorted, non-overlapping slices in and out)."""
        out = list(slices)
        if self.merge_flaps and self.poll_interval_s > 0:
            out = _merge_flaps(out, self.poll_interval_s)
        if self.min_outage_s > 0:
            out = _ignore_blips(out, self.min_outage_s)
        return coalesce(out)


def _runs(slices: Sequence[Slice], state: State) -> list[tuple[int, int]]:
    """Index ranges ``[i, j)`` of maximal runs of contiguous slices in ``state``."""
    runs: list[tuple[int, int]] = []
    i = 0
    while i < len(slices):
        if slices[i].state is not state:
            i += 1
            continue
        j = i + 1
        while j < len(slices) and slices[j].state is state and slices[j].start == slices[j - 1].end:
            j += 1
        runs.append((i, j))
        i = j
    return runs


def _merge_flaps(slices: list[Slice], poll_interval_s: float) -> list[Slice]:
    out = list(slices)
    runs = _runs(slices, State.DOWN)
    for (_, end_a), (start_b, _) in pairwise(runs):
        between = slices[end_a - 1 : start_b + 1]
        contiguous = all(a.end == b.start for a, b in pairwise(between))
        gap = (slices[start_b].start - slices[end_a - 1].end).total_seconds()
        if contiguous and gap < poll_interval_s:
            cause = slices[end_a - 1].cause  # the gap belongs to the outage it continues
            for k in range(end_a, start_b):
                if out[k].state is State.UP:
                    out[k] = replace(out[k], state=State.DOWN, cause=cause)
    return out


def _ignore_blips(slices: list[Slice], min_outage_s: float) -> list[Slice]:
    out = list(slices)
    for i, j in _runs(slices, State.DOWN):
        if (slices[j - 1].end - slices[i].start).total_seconds() < min_outage_s:
            for k in range(i, j):
                out[k] = replace(out[k], state=State.UP, cause=None)
    return out
