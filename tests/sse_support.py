"""A small Server-Sent Events reader for tests: blocking, with a deadline per event."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import httpx2


@dataclass
class Sse:
    """One parsed event (``comments`` counts the heartbeat comments seen before it)."""

    event: str
    data: dict[str, Any]
    id: str | None = None
    comments: int = 0


@dataclass
class SseReader:
    """GET ``url`` as a stream and read events one at a time."""

    url: str
    headers: dict[str, str] = field(default_factory=dict)

    def __enter__(self) -> SseReader:
        self.client = httpx2.Client(timeout=httpx2.Timeout(10.0))
        self._cm = self.client.stream("GET", self.url, headers={"Accept": "text/event-stream", **self.headers})
        self.response = self._cm.__enter__()
        self._lines = self.response.iter_lines()
        self.comments = 0
        return self

    def __exit__(self, *exc: object) -> None:
        self._cm.__exit__(None, None, None)
        self.client.close()

    def next(self, timeout: float = 5.0) -> Sse | None:
        """The next event (None when the stream ended); AssertionError after ``timeout`` seconds without one."""
        deadline = time.monotonic() + timeout
        fields: dict[str, str] = {}
        for line in self._lines:
            if time.monotonic() > deadline:
                raise AssertionError(f"no event within {timeout} s")
            if line.startswith(":"):
                self.comments += 1
                continue
            if line == "":
                if "event" in fields or "data" in fields:
                    data = json.loads(fields.get("data", "{}"))
                    return Sse(fields.get("event", "message"), data, fields.get("id"), self.comments)
                fields = {}
                continue
            name, _, value = line.partition(":")
            fields[name] = value.removeprefix(" ")
        return None

    def next_of(self, topic: str, timeout: float = 5.0) -> Sse:
        """The next event of ``topic``, skipping others."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.next(max(0.1, deadline - time.monotonic()))
            assert found is not None, "the stream ended"
            if found.event == topic:
                return found
