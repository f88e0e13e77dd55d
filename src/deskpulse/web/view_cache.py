"""A small LRU of computed views, keyed by (sources and their sync state, minute, scope).

Figures read from the store only change when a sync commits (which changes ``last_ok_at``) or when the clock
moves a ticket across a boundary, so a result is reused for at most the rest of its minute.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


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
