"""Circles: layers of closeness, closest first, each with a default cadence."""

from __future__ import annotations

from collections.abc import Iterable

from bot.core.model import Circle, Person

DEFAULT_CIRCLES: tuple[Circle, ...] = (
    Circle("inner", 14),
    Circle("close", 30),
    Circle("friends", 90),
    Circle("wider", 180),
)


class Circles:
    """The user's circles in order, closest first."""

    def __init__(self, circles: Iterable[Circle] = DEFAULT_CIRCLES) -> None:
        self.order: tuple[Circle, ...] = tuple(circles)
        if not self.order:
            raise ValueError("at least one circle is needed")
        self._rank = {c.name: i for i, c in enumerate(self.order)}

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.order)

    def find(self, text: str) -> Circle | None:
        """The circle named `text` (case-insensitive, a trailing 's' forgiven)."""
        key = text.strip().casefold()
        for candidate in (key, key.rstrip("s"), key + "s"):
            if candidate in self._rank:
                return self.order[self._rank[candidate]]
        return None

    def rank(self, name: str) -> int:
        """Position of a circle, closest = 0; unknown circles sort as the widest."""
        return self._rank.get(name, len(self.order) - 1)

    def cadence(self, name: str) -> int:
        return self.order[self.rank(name)].cadence_days

    @property
    def default_new(self) -> str:
        """Where a new person lands unless told otherwise."""
        return "friends" if "friends" in self._rank else self.order[len(self.order) // 2].name

    @property
    def default_import(self) -> str:
        return "wider" if "wider" in self._rank else self.order[-1].name

    def further_out(self, name: str) -> str | None:
        """The next circle out, or None when already the widest."""
        i = self.rank(name)
        return self.order[i + 1].name if i + 1 < len(self.order) else None

    def cadence_of(self, person: Person) -> int | None:
        """Days between contacts wanted for `person`; None when tracking is paused."""
        if person.paused:
            return None
        return person.cadence_days or self.cadence(person.circle)
