"""A cache of the work done per distinct query (its expansion, its analysis, its query rules'
issues) that keeps what it is given only while keeping pays.

Dashboards repeat queries, across panels and across dashboards: a cache makes the second and
later occurrences nearly free (the lint of a tree of repeated shapes runs twice as fast with
its caches as without). Where queries do not repeat, every entry kept costs and returns
nothing: tens of thousands of small objects held, then freed long after, cold in the
processor's caches. Keeping them all, the lint of 60,000 distinct queries (`bench/bench_lint.py
--unique`) peaked at 122 MB rather than 94, and took 4 to 7% more CPU time in runs alternated
with this cache's, where a lookup and an insertion alone cost a fraction of a microsecond.

So each cache counts its hits and misses over a recent window (both halved whenever they add
up to more than `_WINDOW`) and keeps a value worked out after a miss while the hits are at
least a quarter of the misses (a value worth keeping is met again often enough to pay for its
keeping, about 2 µs, out of the 5 to 20 µs of work a hit saves); during a warm-up of the first
`_WARM_UP` misses; and one miss in `_SAMPLE` otherwise, so that queries that start repeating
after a run of distinct ones are met again and open it. What is kept never changes a result:
a value is the same whether worked out or found.
"""

from __future__ import annotations

from typing import Generic, Hashable, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

_WINDOW = 8192
_WARM_UP = 1024
_SAMPLE = 16


class QueryCache(Generic[K, V]):
    """Up to `size` values by key (emptied when full); values are never None, the miss."""

    __slots__ = ("entries", "_size", "_hits", "_misses")

    def __init__(self, size: int):
        self.entries: dict[K, V] = {}
        self._size = size
        self._hits = 0
        self._misses = 0

    def get(self, key: K) -> V | None:
        found = self.entries.get(key)
        if found is not None:
            self._hits += 1
        return found

    def keep(self, key: K, value: V) -> V:
        """`value`, worked out for `key` after a miss, kept when keeping pays (see the module)."""
        hits, misses = self._hits, self._misses + 1
        if hits + misses > _WINDOW:
            hits = self._hits = hits >> 1
            misses >>= 1
        self._misses = misses
        if misses <= _WARM_UP or hits * 4 >= misses or not misses % _SAMPLE:
            entries = self.entries
            if len(entries) >= self._size:
                entries.clear()
            entries[key] = value
        return value

    def clear(self) -> None:
        """Empty it, and start counting anew (at the end of a run: the next lints other queries)."""
        self.entries.clear()
        self._hits = self._misses = 0
