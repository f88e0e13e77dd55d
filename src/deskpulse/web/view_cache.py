"""A small LRU of computed views, keyed by (sources and their sync state, minute, scope).

Figures read from the store only change when a sync commits (which changes ``last_ok_at``) or when the clock
moves a ticket across a boundary, so a result is reused for at most the rest of its minute. A webhook refresh
changes tickets without a sync commit, so it empties the caches of its process (``clear_views``).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Any, Generic, TypeVar

T = TypeVar("T")
# The app.state attributes holding views of store figures (dashboard.py, board.py, desk_metrics.py).
STATE_CACHES = ("dashboard_cache", "board_cache", "sla_cache")


class ViewCache(Generic[T]):
    """Least-recently-used results, at most ``size`` of them."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, T] = OrderedDict()

    def get(self, key: Hashable) -> T | None:
        """The cached value, or None."""
        found = self._items.get(key)
        if found is not None:
            self._items.move_to_end(key)
        return found

    def put(self, key: Hashable, value: T) -> None:
        """Remember ``value``; the least recently used entry goes when the cache is full."""
        self._items[key] = value
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def clear(self) -> None:
        """Forget every result."""
        self._items.clear()


def clear_views(state: Any) -> None:
    """Empty this process's cached views; for ticket writes that no sync commit announces (webhook refreshes)."""
    for name in STATE_CACHES:
        cache = getattr(state, name, None)
        if isinstance(cache, ViewCache):
            cache.clear()
