"""The weekly look back: what it picks out. Pure: people and meetings in, findings out.

Kind on purpose (DESIGN.md): no score, no ranking of anyone's worth, nothing "demoted".
It notices — who you saw, who has drifted from what their circle asks, a circle grown past
what most people can hold close, a one-sided run of reaching out, an old open favor —
and offers a next step; the user decides.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

from bot.core.circles import Circles
from bot.core.dates import next_yearly
from bot.core.model import Person
from bot.core.names import name_key
from bot.core.patterns import STREAK_REVIEW, Meeting, Streak, reach_out_streak

QUARTER_DAYS: Final = 91
STALE_DAYS: Final = 30  # an open favor or follow-up older than this is worth a word
BIRTHDAYS_AHEAD: Final = 7
# The layers of friendship (Dunbar): about 5 · 15 · 50 · 150, each layer counting the
# ones inside it. A circle is mentioned only when well past its layer.
LAYERS: Final = (5, 15, 50, 150)
WELL_PAST: Final = 1.5
MAX_DRIFT: Final = 3
MAX_PATTERNS: Final = 2
MAX_OPEN: Final = 4
# Cadences the review suggests, in days: a real rhythm is rounded up to one of these.
NICE_CADENCES: Final = (14, 21, 30, 60, 90, 120, 180, 270, 365)


@dataclass(frozen=True, slots=True)
class Drift:
    """Seen far less often than their circle asks over the last quarter."""

    person: Person
    seen: int  # meetings in the quarter
    since: date  # the start of the quarter
    suggested_days: int | None  # a cadence from their real rhythm, when wider than today's


@dataclass(frozen=True, slots=True)
class Layer:
    """A circle (with the ones inside it) holding well more than its layer."""

    circle: str
    circles: tuple[str, ...]  # this circle and the closer ones, closest first
    count: int
    layer: int
    further_out: str | None


@dataclass(frozen=True, slots=True)
class Pattern:
    person: Person
    streak: Streak


@dataclass(frozen=True, slots=True)
class OpenItem:
    """An open favor or follow-up, old enough to mention; `table` says which."""

    table: str
    id: int
    person: Person
    text: str
    since: date


@dataclass(frozen=True, slots=True)
class Birthday:
    person: Person
    label: str
    on: date


@dataclass(frozen=True, slots=True)
class Review:
    week_start: date
    today: date
    seen: tuple[Person, ...]
    drift: tuple[Drift, ...]
    layers: tuple[Layer, ...]
    patterns: tuple[Pattern, ...]
    open_items: tuple[OpenItem, ...]
    birthdays: tuple[Birthday, ...]

    @property
    def empty(self) -> bool:
        return not (
            self.seen
            or self.drift
            or self.layers
            or self.patterns
            or self.open_items
            or self.birthdays
        )


def week_key(day: date) -> str:
    """The ISO week a review belongs to: `2026-W48` (Monday to Sunday)."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def tracked(people: Iterable[Person]) -> list[Person]:
    return [p for p in people if not p.paused and not p.imported]


def seen_this_week(
    people: Sequence[Person], meetings: Sequence[Meeting], today: date
) -> list[Person]:
    """Who you saw in the seven days up to today, in the order you saw them."""
    start = today - timedelta(days=6)
    by_id = {p.id: p for p in people}
    order: dict[int, date] = {}
    for m in meetings:
        if start <= m.day <= today and m.person_id in by_id:
            order[m.person_id] = min(order.get(m.person_id, m.day), m.day)
    return [by_id[i] for i in sorted(order, key=lambda i: (order[i], name_key(by_id[i].name)))]


def drift(
    people: Sequence[Person], meetings: Sequence[Meeting], circles: Circles, today: date
) -> list[Drift]:
    """People seen far less than their cadence asks over the last quarter.

    Only people known for the whole quarter, whose cadence asks for at least two meetings
    in it, and who had at most a third of what it asks: drift, not a busy month.
    """
    since = today - timedelta(days=QUARTER_DAYS)
    counts: dict[int, int] = {}
    for m in meetings:
        if since <= m.day <= today:
            counts[m.person_id] = counts.get(m.person_id, 0) + 1
    found: list[tuple[float, int, str, Drift]] = []
    for person in tracked(people):
        cadence = circles.cadence_of(person)
        if cadence is None or person.added_on > since:
            continue
        asked = QUARTER_DAYS / cadence
        seen = counts.get(person.id, 0)
        if asked < 2 or seen > asked / 3:
            continue
        suggestion = suggest_cadence(seen, person, today)
        found.append(
            (
                seen / asked,
                circles.rank(person.circle),
                name_key(person.name),
                Drift(person, seen, since, suggestion if suggestion > cadence else None),
            )
        )
    found.sort(key=lambda f: (f[1], f[0], f[2]))
    return [f[3] for f in found[:MAX_DRIFT]]


def suggest_cadence(seen_in_quarter: int, person: Person, today: date) -> int:
    """Their real rhythm, rounded up to a cadence that reads well.

    Seen n times in the quarter means about every 91/n days; not at all means at least
    as long as it has been since the last meeting (or the quarter).
    """
    if seen_in_quarter > 0:
        gap = QUARTER_DAYS / seen_in_quarter
    else:
        last = person.last_contact or person.added_on
        gap = max(QUARTER_DAYS, (today - last).days)
    # A few days' slack: seen once in 91 days is "every 3 months", not every 4.
    return next((c for c in NICE_CADENCES if c >= gap * 0.95), NICE_CADENCES[-1])


def layers(people: Sequence[Person], circles: Circles) -> list[Layer]:
    """The innermost circle (counting the ones inside it) that is well past its layer."""
    counts: dict[str, int] = {}
    for p in tracked(people):
        counts[p.circle] = counts.get(p.circle, 0) + 1
    total = 0
    for i, circle in enumerate(circles.order[: len(LAYERS)]):
        total += counts.get(circle.name, 0)
        if total > LAYERS[i] * WELL_PAST:
            names = tuple(c.name for c in circles.order[: i + 1])
            return [Layer(circle.name, names, total, LAYERS[i], circles.further_out(circle.name))]
    return []


def patterns(people: Sequence[Person], meetings: Sequence[Meeting]) -> list[Pattern]:
    """People with a long one-sided run of reaching out, either way, longest first."""
    by_person: dict[int, list[Meeting]] = {}
    for m in meetings:  # newest first
        by_person.setdefault(m.person_id, []).append(m)
    found: list[Pattern] = []
    for person in tracked(people):
        streak = reach_out_streak(by_person.get(person.id, []))
        if streak is not None and streak.count >= STREAK_REVIEW:
            found.append(Pattern(person, streak))
    found.sort(key=lambda f: (-f.streak.count, name_key(f.person.name)))
    return found[:MAX_PATTERNS]


def stale_open(
    people: Sequence[Person], items: Iterable[tuple[str, int, int, str, date]], today: date
) -> list[OpenItem]:
    """Open favors and follow-ups older than a month, oldest first."""
    by_id = {p.id: p for p in people}
    cutoff = today - timedelta(days=STALE_DAYS)
    found = [
        OpenItem(table, item_id, by_id[pid], text, since)
        for table, item_id, pid, text, since in items
        if pid in by_id and since <= cutoff
    ]
    found.sort(key=lambda o: (o.since, o.id))
    return found[:MAX_OPEN]


def birthdays(
    people: Sequence[Person], dates: Iterable[tuple[int, str, int, int]], today: date
) -> list[Birthday]:
    """Yearly dates in the week ahead (today included), soonest first."""
    by_id = {p.id: p for p in people}
    found: list[Birthday] = []
    for pid, label, month, day in dates:
        if pid not in by_id:
            continue
        on = next_yearly(month, day, today)
        if (on - today).days <= BIRTHDAYS_AHEAD:
            found.append(Birthday(by_id[pid], label, on))
    found.sort(key=lambda b: (b.on, name_key(b.person.name)))
    return found


def review(
    people: Sequence[Person],
    meetings: Sequence[Meeting],
    items: Iterable[tuple[str, int, int, str, date]],
    dates: Iterable[tuple[int, str, int, int]],
    circles: Circles,
    today: date,
) -> Review:
    """Everything the week's look back says, from `meetings` newest first."""
    return Review(
        week_start=today - timedelta(days=6),
        today=today,
        seen=tuple(seen_this_week(people, meetings, today)),
        drift=tuple(drift(people, meetings, circles, today)),
        layers=tuple(layers(people, circles)),
        patterns=tuple(patterns(people, meetings)),
        open_items=tuple(stale_open(people, items, today)),
        birthdays=tuple(birthdays(people, dates, today)),
    )
