"""Who is due: the overdue ratio and the ranking used by `/who` and the digest."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from bot.core.circles import Circles
from bot.core.model import Person
from bot.core.names import name_key


@dataclass(frozen=True, slots=True)
class DueInfo:
    """Where one person stands: days since contact against their cadence."""

    person: Person
    cadence_days: int
    days_since: int
    due_on: date

    @property
    def ratio(self) -> float:
        return self.days_since / self.cadence_days

    @property
    def never_logged(self) -> bool:
        return self.person.last_contact is None

    def is_due(self, today: date) -> bool:
        return today >= self.due_on


def due_info(person: Person, circles: Circles, today: date) -> DueInfo | None:
    """Cadence standing of `person`, or None when their tracking is paused.

    Never-logged people count from the day they were added.
    """
    cadence = circles.cadence_of(person)
    if cadence is None:
        return None
    since = person.last_contact or person.added_on
    return DueInfo(person, cadence, max(0, (today - since).days), since + timedelta(days=cadence))


def is_snoozed(person: Person, today: date) -> bool:
    return person.snoozed_until is not None and today < person.snoozed_until


def rank_due(
    people: Iterable[Person],
    circles: Circles,
    today: date,
    *,
    include_snoozed: bool = False,
    include_imported: bool = False,
) -> list[DueInfo]:
    """Due people, highest overdue ratio first; closer circles win ties, then name.

    Imported contacts stay out until the user moves them or logs a meeting, so an
    address-book import never floods the list.
    """
    due: list[DueInfo] = []
    for person in people:
        if person.imported and not include_imported:
            continue
        if not include_snoozed and is_snoozed(person, today):
            continue
        info = due_info(person, circles, today)
        if info is not None and info.is_due(today):
            due.append(info)
    due.sort(key=lambda d: (-d.ratio, circles.rank(d.person.circle), name_key(d.person.name)))
    return due


def ratio_band(ratio: float, factor: float) -> int:
    """The band of an overdue ratio on a log scale of `factor` (1.25: 1.0-1.25 is band 0,
    1.25-1.56 band 1, ...): ratios in one band count as about as overdue as each other."""
    return math.floor(math.log(max(ratio, 1e-9)) / math.log(factor))


@dataclass(frozen=True, slots=True)
class Bands:
    """Keep only candidates whose ratio band reaches that of the `top`-th highest ratio.

    Exact for a choice that takes its `top` by band first (`nudges.digest.choose`): fewer
    than `top` people are in higher bands, so nobody below the `top`-th's band can be
    among them, whatever the order inside a band.
    """

    factor: float
    top: int

    def keep(self, ratios: Sequence[float]) -> list[bool]:
        """For each ratio (in any order): whether its candidate can be chosen."""
        if self.top <= 0:
            return [False] * len(ratios)
        if len(ratios) <= self.top:
            return [True] * len(ratios)
        lowest = ratio_band(sorted(ratios, reverse=True)[self.top - 1], self.factor)
        return [ratio_band(r, self.factor) >= lowest for r in ratios]


def overdue_ratio(since: date, cadence_days: int, today: date) -> float:
    """`DueInfo.ratio` from its parts, for rows not built into a `Person` yet."""
    return max(0, (today - since).days) / cadence_days
