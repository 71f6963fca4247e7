"""Who is due: the overdue ratio and the ranking used by `/who` and the digest."""

from __future__ import annotations

import heapq
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


@dataclass(frozen=True, slots=True)
class DuePage:
    """One page of `rank_due`'s list, with what the page's footer counts."""

    total: int  # due people (not snoozed)
    snoozed: int  # due but snoozed: hidden from the list, counted in its tail
    per_circle: dict[str, int]  # due people per circle
    page: list[DueInfo]  # rank_due(...)[start:stop]


def due_page(
    people: Iterable[Person], circles: Circles, today: date, start: int, stop: int
) -> DuePage:
    """`rank_due(people)[start:stop]` and its counts, in one pass over `people`.

    At 5,000 people `/who` ranked everyone twice (with and without the snoozed), each
    time building a `DueInfo` and a `name_key` per person: ~80 ms on the event loop.
    Here a person is a small tuple until they make the page, and names are keyed only
    for those tied with the page at (overdue ratio, circle): the same order, since the
    ranking sorts on those first and the sort is stable.
    """
    rank = circles.rank
    cheap: list[tuple[float, int]] = []
    found: list[tuple[Person, int, int]] = []
    snoozed = 0
    per_circle: dict[str, int] = {}
    of_circle: dict[str, tuple[int, int]] = {}  # circle -> (rank, cadence), looked up once
    for person in people:
        if person.imported or person.paused:
            continue
        known = of_circle.get(person.circle)
        if known is None:
            known = of_circle[person.circle] = (rank(person.circle), circles.cadence(person.circle))
        cadence = person.cadence_days or known[1]
        days = (today - (person.last_contact or person.added_on)).days
        if days < cadence:  # due on `since + cadence`: not yet
            continue
        if person.snoozed_until is not None and today < person.snoozed_until:
            snoozed += 1
            continue
        cheap.append((-(max(0, days) / cadence), known[0]))
        found.append((person, cadence, days))
        per_circle[person.circle] = per_circle.get(person.circle, 0) + 1
    picked: Iterable[int] = range(len(found))
    if 0 < stop < len(found):
        at = heapq.nsmallest(stop, cheap)[-1]  # the page's last (ratio, circle) at best
        picked = [i for i, key in enumerate(cheap) if key <= at]
    order = sorted(picked, key=lambda i: (cheap[i], name_key(found[i][0].name)))
    page = [
        DueInfo(p, cadence, days, (p.last_contact or p.added_on) + timedelta(days=cadence))
        for p, cadence, days in (found[i] for i in order[start:stop])
    ]
    ranks = [rank(c) for c in per_circle]
    if len(set(ranks)) < len(ranks):
        # Circles sharing a rank (names the config no longer has rank as the widest):
        # counted in the order of their first member in the whole ranking, as before.
        first: dict[str, int] = {}
        everyone = sorted(range(len(found)), key=lambda i: (cheap[i], name_key(found[i][0].name)))
        for place, i in enumerate(everyone):
            first.setdefault(found[i][0].circle, place)
        per_circle = {c: per_circle[c] for c in sorted(per_circle, key=first.__getitem__)}
    return DuePage(len(found), snoozed, per_circle, page)


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
