"""Reusable building blocks for vendor simulators: time handling, workload shape, rate limiting.

Times inside simulators are integer Unix seconds (UTC): arithmetic on ints is far cheaper than on
aware datetimes, which matters when a benchmark builds 100k tickets.
"""

from __future__ import annotations

import math
import random
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

DAY = 86_400
HOUR = 3_600

FIRST_NAMES: tuple[str, ...] = (
    "Anna", "Bram", "Chloé", "Daan", "Emma", "Femke", "Gijs", "Hanna", "Ivo", "Julia",
    "Kees", "Lotte", "Milan", "Noor", "Oscar", "Priya", "Quinten", "Ruben", "Sara", "Thijs",
    "Uma", "Vera", "Wout", "Xander", "Yara", "Zoë", "Ahmed", "Fatima", "Lucas", "Mila",
)  # fmt: skip
LAST_NAMES: tuple[str, ...] = (
    "de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "Mulder", "de Boer", "Bos",
    "Vos", "Peters", "Hendriks", "van Dijk", "Dekker", "Brouwer", "Koster", "Yilmaz", "El Amrani",
)  # fmt: skip
COMPANIES: tuple[str, ...] = (
    "acme.nl", "globex.eu", "initech.com", "umbrella.nl", "hooli.io", "stark.eu", "wayne.nl",
    "tyrell.com", "cyberdyne.nl", "soylent.eu",
)  # fmt: skip


def require_aware(value: datetime, name: str = "datetime") -> datetime:
    """Return ``value`` converted to UTC, rejecting naive datetimes."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (got naive {value!r})")
    return value.astimezone(UTC)


def to_epoch(value: datetime) -> int:
    """Whole Unix seconds for an aware datetime."""
    return int(require_aware(value).timestamp())


def from_epoch(ts: int) -> datetime:
    """Aware UTC datetime for Unix seconds."""
    return datetime.fromtimestamp(ts, UTC)


class NaiveFormatter:
    """Formats Unix seconds as naive ``YYYY-MM-DD HH:MM:SS`` wall-clock strings in one time zone."""

    def __init__(self, timezone: str = "UTC") -> None:
        self.timezone = timezone
        self._zone = ZoneInfo(timezone)
        self._utc = timezone in ("UTC", "Etc/UTC")
        self._day_prefix: dict[int, str] = {}

    def __call__(self, ts: int) -> str:
        """Format ``ts`` (Unix seconds)."""
        if self._utc:
            # Fast path: cache the date part per day; strftime per ticket was the generation hot spot.
            day, rem = divmod(ts, DAY)
            prefix = self._day_prefix.get(day)
            if prefix is None:
                prefix = datetime.fromtimestamp(day * DAY, UTC).strftime("%Y-%m-%d ")
                self._day_prefix[day] = prefix
            hours, rem = divmod(rem, HOUR)
            minutes, seconds = divmod(rem, 60)
            return f"{prefix}{hours:02d}:{minutes:02d}:{seconds:02d}"
        return datetime.fromtimestamp(ts, self._zone).strftime("%Y-%m-%d %H:%M:%S")


class BusinessHoursShape:
    """Relative workload intensity per hour of the week: busy office hours, quiet nights and weekends."""

    def __init__(self, *, utc_start_hour: int = 7, utc_end_hour: int = 17) -> None:
        # Hours are UTC; 07-17 UTC is roughly 08/09-18/19 in Western Europe, where most users live.
        table: list[float] = []
        for weekday in range(7):
            for hour in range(24):
                if weekday >= 5:
                    weight = 0.08
                elif utc_start_hour <= hour < utc_end_hour:
                    # Monday mornings are the busiest; Fridays taper off.
                    weight = 1.3 if weekday == 0 else 0.85 if weekday == 4 else 1.0
                elif hour in (utc_start_hour - 1, utc_end_hour):
                    weight = 0.45
                else:
                    weight = 0.1
                table.append(weight)
        self._table = table
        self.peak = max(table)
        self.mean = sum(table) / len(table)

    def weight(self, ts: float) -> float:
        """Intensity at Unix time ``ts`` (1.0 is a normal working hour)."""
        # 1970-01-01 was a Thursday (weekday 3 with Monday == 0).
        hour_index = int(ts // HOUR)
        weekday = (hour_index // 24 + 3) % 7
        return self._table[weekday * 24 + hour_index % 24]

    def sample(self, rng: random.Random, start: int, end: int) -> int:
        """Draw a time in ``[start, end)`` following the shape (rejection sampling, cheap on average)."""
        if end <= start:
            return start
        for _ in range(64):
            ts = rng.randrange(start, end)
            if rng.random() * self.peak <= self.weight(ts):
                return ts
        return rng.randrange(start, end)


class ThinnedPoisson:
    """A non-homogeneous Poisson event stream (Lewis-Shedler thinning) that can be consumed in steps.

    The next candidate time is kept between calls, so advancing to t1 then t2 draws exactly the same
    random numbers as advancing straight to t2: chunked and one-shot evolution stay identical.
    """

    def __init__(self, rng: random.Random, start: float, peak_rate_per_second: float) -> None:
        self._rng = rng
        self._rate = peak_rate_per_second
        self._next = start + self._gap() if self._rate > 0 else math.inf

    def _gap(self) -> float:
        return self._rng.expovariate(self._rate)

    def candidates(self, until: float) -> Iterator[float]:
        """Yield candidate event times up to and including ``until``; the caller accepts or rejects."""
        while self._next <= until:
            current = self._next
            self._next = current + self._gap()
            yield current


def accepted_events(
    events: ThinnedPoisson, rng: random.Random, shape: BusinessHoursShape, *, since: int, until: int
) -> Iterator[int]:
    """Event times in (since, until], thinned to the business-hours intensity; ValueError for a step back."""
    if until < since:
        raise ValueError("cannot advance into the past")
    for candidate in events.candidates(until):
        # Thinning: accept in proportion to the business-hours intensity at that moment.
        if rng.random() * shape.peak > shape.weight(candidate):
            continue
        yield int(candidate)


class IndexedSet:
    """A set of ints with O(1) add, remove and uniform random choice (deterministic given insert order)."""

    def __init__(self) -> None:
        self._items: list[int] = []
        self._pos: dict[int, int] = {}

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, item: object) -> bool:
        return item in self._pos

    def add(self, item: int) -> None:
        """Add ``item`` (no-op if present)."""
        if item not in self._pos:
            self._pos[item] = len(self._items)
            self._items.append(item)

    def discard(self, item: int) -> None:
        """Remove ``item`` if present (swap with the last element to stay O(1))."""
        index = self._pos.pop(item, None)
        if index is None:
            return
        last = self._items.pop()
        if index < len(self._items):
            self._items[index] = last
            self._pos[last] = index

    def choice(self, rng: random.Random) -> int:
        """A uniformly random member; raises IndexError when empty."""
        return self._items[rng.randrange(len(self._items))]


class FixedWindowRateLimiter:
    """Per-key fixed 60 s window counter, the way Laravel's ``throttle`` middleware counts."""

    def __init__(self, limit: int, clock: Callable[[], float], window_seconds: float = 60.0) -> None:
        self.limit = limit
        self.window_seconds = window_seconds
        self._clock = clock
        self._lock = threading.Lock()
        # key -> (window start, hits in window)
        self._windows: dict[str, tuple[float, int]] = {}

    def hit(self, key: str) -> tuple[bool, int, int]:
        """Count one request for ``key``; return (allowed, remaining, seconds until the window resets)."""
        now = self._clock()
        with self._lock:
            start, hits = self._windows.get(key, (now, 0))
            if now - start >= self.window_seconds:
                start, hits = now, 0
            reset_in = max(1, math.ceil(start + self.window_seconds - now))
            if hits >= self.limit:
                # Rejected requests are not counted, as in Laravel (tooManyAttempts before hit).
                self._windows[key] = (start, hits)
                return False, 0, reset_in
            hits += 1
            self._windows[key] = (start, hits)
            return True, self.limit - hits, reset_in
