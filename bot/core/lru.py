"""A least-recently-used cache bounded by a budget of weight (e.g. people), not entries.

kith caches per owner (their people, their name index); owners differ a thousandfold in
size, so a bound on owners bounds nothing: 512 owners of 5,000 people is 2.5 M people.
Weighing each entry (its number of people) bounds memory by what it is made of. Eviction
is one entry at a time, least recently used first, never everything at once.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class WeightedLRU(Generic[K, V]):
    """Entries whose total `weight` stays within `budget` (the newest one always stays)."""

    def __init__(
        self,
        budget: int,
        weight: Callable[[V], int],
        on_evict: Callable[[K], None] | None = None,
    ) -> None:
        self.budget = budget
        self._weight = weight
        self._on_evict = on_evict  # told each key dropped to stay within budget
        self._entries: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self.total = 0  # the weight held now

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: K) -> bool:
        return key in self._entries

    def get(self, key: K) -> V | None:
        """The entry, now the most recently used; None when absent."""
        found = self._entries.get(key)
        if found is None:
            return None
        self._entries.move_to_end(key)
        return found[0]

    def peek(self, key: K) -> V | None:
        """The entry without touching its recency."""
        found = self._entries.get(key)
        return None if found is None else found[0]

    def put(self, key: K, value: V) -> None:
        """Store `value` as the most recently used, evicting the least recent over budget."""
        self.pop(key)
        weight = max(1, self._weight(value))  # an owner with no people still costs a row
        self._entries[key] = (value, weight)
        self.total += weight
        while self.total > self.budget and len(self._entries) > 1:
            evicted, (_, dropped) = self._entries.popitem(last=False)
            self.total -= dropped
            if self._on_evict is not None:
                self._on_evict(evicted)

    def pop(self, key: K) -> V | None:
        found = self._entries.pop(key, None)
        if found is None:
            return None
        self.total -= found[1]
        return found[0]

    def clear(self) -> None:
        self._entries.clear()
        self.total = 0
