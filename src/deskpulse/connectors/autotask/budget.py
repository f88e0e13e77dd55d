"""The hourly request budget of an Autotask database, and how deskpulse adapts to the vendor's own count.

Autotask allows 10,000 requests per rolling 60 minutes per database, shared by every integration, and adds
latency to each call as usage grows (from about 50 %: 0.5-1 s per call) [D]. ``GET ThresholdInformation`` says how
many requests the whole database made in the current window [C]. So deskpulse:

* paces itself to ``budget_share`` of the hourly limit over a rolling hour (our own count);
* reads ThresholdInformation now and then and, once the database is past half its limit, leaves a pause between
  calls (0.5 s, then 1 s from 75 %) [I, mirroring the vendor's own added delay];
* stops the cycle (a transient error) rather than sleep for up to an hour, and stops before the database is
  within ``RESERVE`` of the limit, because going past it suspends every integration of the tenant [D].
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass

from deskpulse.connectors.base import Clock, ConnectorError, RequestBudget, Sleep

WINDOW_SECONDS = 3600.0
MAX_WAIT_SECONDS = 120.0  # longer waits end the cycle instead; the next poll tries again
RESERVE = 0.05  # [I] share of the database limit left untouched for other integrations and people
THRESHOLD_TTL_SECONDS = 300.0  # a ThresholdInformation reading is trusted this long, then re-read


@dataclass(frozen=True, slots=True)
class Threshold:
    """One ``ThresholdInformation`` reading: the database's limit, window and usage."""

    limit: int
    timeframe_minutes: int
    used: int

    @property
    def usage(self) -> float:
        """Fraction of the limit used by all integrations together."""
        return self.used / self.limit if self.limit > 0 else 1.0


def pause_for(usage: float) -> float:
    """Seconds to leave between calls at this database usage: none below 50 %, 0.5 s, then 1 s from 75 %."""
    return 0.0 if usage < 0.5 else 0.5 if usage < 0.75 else 1.0


class HourlyBudget(RequestBudget):
    """``RequestBudget`` over a rolling hour, that refuses (instead of sleeping for long) when spent."""

    def __init__(self, per_hour: int, share: float, *, clock: Clock = time.monotonic) -> None:
        super().__init__(per_hour, share, clock=clock)
        self.window = WINDOW_SECONDS
        self.usage_pause = 0.0  # from the last ThresholdInformation reading
        self.latency_pause = 0.0  # from the latency watch (client.py)
        self.threshold: Threshold | None = None
        self._reading_at: float | None = None
        self._sent: deque[float] = deque()

    def _trim(self, now: float) -> None:
        cutoff = now - self.window
        while self._sent and self._sent[0] <= cutoff:
            self._sent.popleft()

    def wait_time(self) -> float:
        """Seconds until our own share has room for one more request (0 when it has room now)."""
        now = self._clock()
        self._trim(now)
        if len(self._sent) < self.limit:
            return 0.0
        return max(0.0, self._sent[0] + self.window - now)

    async def acquire(self, sleep: Sleep) -> None:
        """Wait for room (briefly) and the adaptive pause, then count one request; ConnectorError when spent."""
        fresh = self._reading_at is not None and self._clock() - self._reading_at < THRESHOLD_TTL_SECONDS
        # A stale reading no longer blocks: the window has rolled on, and the next reading needs a call itself.
        if fresh and self.vendor_remaining is not None and self.vendor_remaining <= int(self.vendor_limit * RESERVE):
            raise ConnectorError(
                f"the Autotask database has used {self.vendor_limit - self.vendor_remaining} of its "
                f"{self.vendor_limit} requests this hour (all integrations); pausing until usage drops"
            )
        delay = self.wait_time()
        if delay > MAX_WAIT_SECONDS:
            raise ConnectorError(
                f"deskpulse's share of the Autotask hourly limit ({self.limit} requests) is used up; "
                f"room again in {delay:.0f} s"
            )
        if delay > 0:
            await sleep(delay)
        if self.pause_seconds > 0:
            await sleep(self.pause_seconds)
        self._sent.append(self._clock())
        self.requests_made += 1
        if self.vendor_remaining is not None:
            self.vendor_remaining -= 1  # our own call counts against the database too

    @property
    def pause_seconds(self) -> float:
        """The pause left before each call: the larger of the usage and the latency pause."""
        return max(self.usage_pause, self.latency_pause)

    def observe_threshold(self, reading: Threshold) -> None:
        """Adopt a ThresholdInformation reading: the vendor's limit, what is left, and the pause to keep."""
        self.threshold = reading
        self._reading_at = self._clock()
        self.vendor_limit = reading.limit
        self.vendor_remaining = max(0, reading.limit - reading.used)
        self.usage_pause = pause_for(reading.usage)
