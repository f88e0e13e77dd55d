"""Live events: what changed, for whom, and how an event is written on a Server-Sent Events stream.

An event has an *audience*: ``desk`` (staff and every unscoped caller), one client id (callers scoped to that
client), or ``everyone``. A change touching three clients becomes one desk event plus one event per client,
so a scoped stream never carries another client's ticket ids.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

TOPICS = frozenset({"tickets", "metrics", "alerts", "sources", "uptime"})
DESK = "desk"
EVERYONE = "everyone"
Audience = str | int  # DESK, EVERYONE or a client id


@dataclass(frozen=True, slots=True)
class LiveEvent:
    """One event. ``id`` is assigned by the bus when it is published (monotonic per deployment)."""

    topic: str
    type: str
    audience: Audience
    data: dict[str, Any]
    at: datetime
    id: int = 0

    def __post_init__(self) -> None:
        if self.topic not in TOPICS:
            raise ValueError(f"unknown topic {self.topic!r}")

    def to_json(self) -> str:
        """The event as one JSON document (for Redis)."""
        return json.dumps(
            {"id": self.id, "topic": self.topic, "type": self.type, "audience": self.audience, "data": self.data,
             "at": self.at.isoformat()},
            separators=(",", ":"), default=str,
        )  # fmt: skip

    @classmethod
    def from_json(cls, text: str | bytes) -> LiveEvent:
        """Parse what ``to_json`` wrote; ValueError for anything else."""
        raw = json.loads(text)
        try:
            return cls(
                topic=raw["topic"], type=raw["type"], audience=raw["audience"], data=raw["data"],
                at=datetime.fromisoformat(raw["at"]), id=int(raw["id"]),
            )  # fmt: skip
        except (KeyError, TypeError) as exc:
            raise ValueError(f"not a live event: {exc}") from exc

    def sse(self) -> str:
        """The event in the text/event-stream format (one ``data:`` line: the JSON has no newlines)."""
        payload = json.dumps({"type": self.type, "at": self.at.isoformat(), **self.data}, default=str)
        return f"id: {self.id}\nevent: {self.topic}\ndata: {payload}\n\n"


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who is listening: their client scope (None: every client) and the topics they asked for."""

    client_ids: frozenset[int] | None
    topics: frozenset[str] = field(default_factory=lambda: TOPICS)

    def wants(self, event: LiveEvent) -> bool:
        """True when this viewer should receive ``event``."""
        if event.topic not in self.topics:
            return False
        if event.audience == EVERYONE:
            return True
        if self.client_ids is None:
            return event.audience == DESK
        return isinstance(event.audience, int) and event.audience in self.client_ids


def comment(text: str) -> str:
    """An SSE comment line (heartbeats): ignored by EventSource, keeps proxies and the connection alive."""
    return f": {text}\n\n"
