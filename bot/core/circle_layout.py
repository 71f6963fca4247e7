"""Where everyone goes in the /circles picture. Pure geometry: people in, shapes out.

Concentric rings, the closest circle in the middle. Each person's angle (and their lane
within the ring) comes from a hash of their id, not from their place in a list, so the
same data always gives the same picture and adding someone moves nobody else. Coordinates
are in a unit square: the centre is (0, 0), the outermost ring has radius 1.

Colour says how due someone is: the overdue ratio (days since ÷ cadence) on viridis, a
colour-blind-safe scale, from its light yellow (just seen) to its dark violet (twice
their cadence or more): on a light background the most overdue stand out the most.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Final

from bot.core.circles import Circles
from bot.core.due import due_info, is_snoozed
from bot.core.model import Person

MAX_RATIO: Final = 2.0  # the darkest colour: twice the cadence or more
LANES: Final = 3  # radial lanes per ring, so dots at one angle don't sit on each other
# Names beyond this many would cover each other on a phone: the most overdue are named.
MAX_LABELS: Final = 20
# Viridis, sampled: (0.0 dark violet … 1.0 yellow). Interpolated linearly between stops.
VIRIDIS: Final = (
    (68, 1, 84),
    (72, 40, 120),
    (62, 74, 137),
    (49, 104, 142),
    (38, 130, 142),
    (31, 158, 137),
    (53, 183, 121),
    (110, 206, 88),
    (181, 222, 43),
    (253, 231, 37),
)
Rgb = tuple[int, int, int]


@dataclass(frozen=True, slots=True)
class Ring:
    """One circle's band, from `inner` to `outer` radius."""

    name: str
    inner: float
    outer: float
    count: int


@dataclass(frozen=True, slots=True)
class Dot:
    """One person: where, how due (colour), hollow when paused or snoozed, maybe named."""

    person_id: int
    x: float
    y: float
    ratio: float | None  # None: paused (no cadence)
    colour: Rgb
    hollow: bool
    label: str | None


@dataclass(frozen=True, slots=True)
class Layout:
    title: str
    subtitle: str
    rings: tuple[Ring, ...]
    dots: tuple[Dot, ...]
    unnamed: int = 0  # overdue people left without a name (beyond MAX_LABELS)

    def dots_in(self, ring: Ring) -> list[Dot]:
        return [d for d in self.dots if ring.inner <= math.hypot(d.x, d.y) < ring.outer]


def colour(ratio: float) -> Rgb:
    """Viridis from yellow (ratio 0: just seen) to violet (ratio ≥ MAX_RATIO)."""
    t = 1.0 - min(max(ratio, 0.0), MAX_RATIO) / MAX_RATIO
    pos = t * (len(VIRIDIS) - 1)
    i = min(int(pos), len(VIRIDIS) - 2)
    frac = pos - i
    a, b = VIRIDIS[i], VIRIDIS[i + 1]
    return (
        round(a[0] + (b[0] - a[0]) * frac),
        round(a[1] + (b[1] - a[1]) * frac),
        round(a[2] + (b[2] - a[2]) * frac),
    )


def _unit(person_id: int, salt: str) -> float:
    """A stable number in [0, 1) for this id: Python's hash() changes between runs."""
    digest = hashlib.blake2b(f"{salt}:{person_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def label_names(people: Sequence[Person]) -> dict[int, str]:
    """First names, or the full name where two people share a first name."""
    first = {p.id: (p.name.split() or [p.name])[0] for p in people}
    counts: dict[str, int] = {}
    for name in first.values():
        counts[name.casefold()] = counts.get(name.casefold(), 0) + 1
    return {p.id: first[p.id] if counts[first[p.id].casefold()] == 1 else p.name for p in people}


def layout(
    people: Sequence[Person],
    circles: Circles,
    today: date,
    *,
    everyone: Sequence[Person] | None = None,
    scope: str = "",
) -> Layout:
    """The picture of `people` (already filtered) in the user's circles.

    `everyone` is the whole list, so a name is shortened only when no one else shares
    it, whatever the filter. Imported contacts not yet tracked stay out of the picture.
    """
    shown = [p for p in people if not p.imported]
    names = label_names([p for p in (everyone if everyone is not None else shown)])
    n = len(circles.order)
    rings: list[Ring] = []
    for i, circle in enumerate(circles.order):
        count = sum(1 for p in shown if circles.rank(p.circle) == i)
        rings.append(Ring(circle.name, i / n, (i + 1) / n, count))
    dots: list[Dot] = []
    overdue = 0
    for person in shown:
        ring = rings[circles.rank(person.circle)]
        angle = 2 * math.pi * _unit(person.id, "angle")
        lane = int(_unit(person.id, "lane") * LANES)
        width = ring.outer - ring.inner
        # Keep dots off the ring's edges (and off the very centre).
        inner = ring.inner + width * (0.25 if ring.inner == 0 else 0.15)
        radius = inner + (ring.outer - width * 0.15 - inner) * (lane + 0.5) / LANES
        info = due_info(person, circles, today)
        snoozed = is_snoozed(person, today)
        ratio = info.ratio if info is not None else None
        due = info is not None and info.is_due(today) and not snoozed
        overdue += due
        dots.append(
            Dot(
                person.id,
                round(radius * math.cos(angle), 6),
                round(radius * math.sin(angle), 6),
                ratio,
                colour(ratio if ratio is not None else 0.0),
                hollow=info is None or snoozed,
                label=names.get(person.id, person.name) if due else None,
            )
        )
    named = sorted((d for d in dots if d.label), key=lambda d: (-(d.ratio or 0.0), d.person_id))
    unnamed = {d.person_id for d in named[MAX_LABELS:]}
    dots = [replace(d, label=None) if d.person_id in unnamed else d for d in dots]
    # Most overdue drawn last, so they sit on top where dots overlap.
    dots.sort(key=lambda d: (d.label is not None, d.ratio or 0.0, d.person_id))
    people_word = "person" if len(shown) == 1 else "people"
    title = f"{len(shown)} {people_word} · {overdue} to reach out to"
    subtitle = f"kith · your circles{' · ' + scope if scope else ''} · {today.isoformat()}"
    return Layout(title, subtitle, tuple(rings), tuple(dots), len(unnamed))
