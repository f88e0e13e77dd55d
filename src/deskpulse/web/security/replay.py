"""Remembers recently accepted webhook signatures so a captured callout cannot be played again.

Without Redis the memory is this process's: with several web processes a replay could be accepted once by
each of them (harmless beyond the extra vendor reads, since a callout only makes deskpulse re-read tickets).
With ``redis_url`` set, one ``SET NX EX`` in Redis makes the check deployment-wide; if Redis is unreachable
the process's own memory is used for that callout instead of refusing it.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)
REMEMBER_SECONDS = 600
MAX_REMEMBERED = 50_000
REDIS_PREFIX = "deskpulse:hook:"


class ReplayGuard(Protocol):
    """Answers whether a signature is seen for the first time (and remembers it)."""

    async def first_time(self, key: str) -> bool:
        """True the first time ``key`` is offered within the window; False for a replay."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...


class MemoryReplayGuard:
    """Keys with their expiry, oldest first; bounded so a flood of valid callouts cannot exhaust memory."""

    def __init__(
        self,
        *,
        seconds: float = REMEMBER_SECONDS,
        max_keys: int = MAX_REMEMBERED,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.seconds = seconds
        self.max_keys = max_keys
        self.clock = clock
        self._expiry: OrderedDict[str, float] = OrderedDict()

    def __len__(self) -> int:
        return len(self._expiry)

    async def first_time(self, key: str) -> bool:
        """See ``ReplayGuard``; expired keys are dropped first, then the oldest beyond ``max_keys``."""
        now = self.clock()
        while self._expiry and (next(iter(self._expiry.values())) <= now or len(self._expiry) >= self.max_keys):
            self._expiry.popitem(last=False)
        if key in self._expiry:
            return False
        self._expiry[key] = now + self.seconds
        return True

    async def aclose(self) -> None:
        """Nothing to release."""


class RedisReplayGuard:
    """``SET key 1 NX EX 600`` in Redis: only the first process to offer a signature gets True."""

    def __init__(self, url: str, *, seconds: int = REMEMBER_SECONDS, fallback: MemoryReplayGuard | None = None) -> None:
        self.url = url
        self.seconds = seconds
        self.fallback = fallback or MemoryReplayGuard(seconds=seconds)
        self._redis: Redis | None = None

    async def first_time(self, key: str) -> bool:
        """See ``ReplayGuard``; the key is hashed so no signature is stored in clear."""
        digest = hashlib.sha256(key.encode()).hexdigest()
        try:
            if self._redis is None:
                self._redis = Redis.from_url(self.url)
            return bool(await self._redis.set(REDIS_PREFIX + digest, 1, nx=True, ex=self.seconds))
        except (RedisError, OSError) as exc:
            log.warning("webhook replay check falls back to this process's memory: Redis unavailable (%s)", exc)
            return await self.fallback.first_time(digest)

    async def aclose(self) -> None:
        """Close the Redis connection."""
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None


def replay_guard(redis_url: str) -> ReplayGuard:
    """The guard for this deployment: Redis-backed when ``redis_url`` is set, else in memory."""
    return RedisReplayGuard(redis_url) if redis_url else MemoryReplayGuard()
