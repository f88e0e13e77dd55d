"""In-process fan-out of live events to the streams of this process, with a bounded replay buffer.

Every web process has one hub. Events reach it from the sync running in the same process, or from Redis
(``redis_bus.py``) when several processes share a deployment. A stream that falls too far behind is told to
reload instead of being allowed to grow without bound.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import deque
from dataclasses import dataclass, field, replace

from deskpulse.live.events import LiveEvent

REPLAY_EVENTS = 1000
QUEUE_EVENTS = 500


@dataclass(slots=True, eq=False)
class Subscription:
    """One stream's queue; ``overflowed`` means events were dropped and the client must reload its data."""

    queue: asyncio.Queue[LiveEvent | None] = field(default_factory=lambda: asyncio.Queue(QUEUE_EVENTS))
    overflowed: bool = False


class Hub:
    """Fan-out to subscribers plus the last ``REPLAY_EVENTS`` events for ``Last-Event-ID`` replay."""

    def __init__(self, replay: int = REPLAY_EVENTS) -> None:
        self._buffer: deque[LiveEvent] = deque(maxlen=replay)
        self._subscribers: set[Subscription] = set()
        self._ids = itertools.count(1)
        self.closed = False

    def next_id(self) -> int:
        """An id for an event published from this process (without Redis, or while Redis is away): always
        above every id this hub has seen, so a stream never mistakes it for one it already sent."""
        candidate = next(self._ids)
        if candidate <= self.newest_id():
            self._ids = itertools.count(self.newest_id() + 1)
            candidate = next(self._ids)
        return candidate

    def newest_id(self) -> int:
        """The highest event id seen (0 before the first event)."""
        return self._buffer[-1].id if self._buffer else 0

    def publish(self, event: LiveEvent) -> LiveEvent:
        """Deliver ``event`` (numbered here when it has no id yet) to every subscriber and the replay buffer."""
        if event.id == 0:
            event = replace(event, id=self.next_id())
        if self._buffer and event.id <= self._buffer[-1].id:
            return event  # already seen (a duplicate delivery): never deliver twice
        self._buffer.append(event)
        for sub in list(self._subscribers):
            try:
                sub.queue.put_nowait(event)
            except asyncio.QueueFull:
                sub.overflowed = True
        return event

    def subscribe(self) -> Subscription:
        """A new subscription; call ``unsubscribe`` when the stream ends."""
        sub = Subscription()
        self._subscribers.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        """Forget ``sub``."""
        self._subscribers.discard(sub)

    def recent(self) -> list[LiveEvent]:
        """The buffered events, oldest first (for diagnostics and tests)."""
        return list(self._buffer)

    @property
    def subscribers(self) -> int:
        """Open streams in this process."""
        return len(self._subscribers)

    def since(self, last_id: int) -> list[LiveEvent] | None:
        """Events after ``last_id``, or None when that cannot be told (some are no longer buffered, or the id
        comes from before this process started): the client then reloads its data."""
        if last_id <= 0:
            return []
        if not self._buffer:
            return None
        oldest, newest = self._buffer[0].id, self._buffer[-1].id
        if last_id > newest or last_id < oldest - 1:
            return None
        return [e for e in self._buffer if e.id > last_id]

    def close(self) -> None:
        """Shutdown: every stream gets an end marker and closes politely."""
        self.closed = True
        for sub in list(self._subscribers):
            try:
                sub.queue.put_nowait(None)
            except asyncio.QueueFull:
                sub.overflowed = True
