"""The /circles picture's geometry: rings, dots, colours, names. Pure, no drawing."""

from __future__ import annotations

import itertools
import math
from dataclasses import replace
from datetime import date, timedelta

from bot.core.circle_layout import MAX_LABELS, VIRIDIS, colour, layout
from bot.core.circles import Circles
from bot.core.model import Person

TODAY = date(2026, 11, 29)
CIRCLES = Circles()


def person(pid: int, name: str, circle: str, days_ago: int | None, **kw: object) -> Person:
    return Person(
        id=pid,
        name=name,
        circle=circle,
        added_on=TODAY - timedelta(days=300),
        last_contact=None if days_ago is None else TODAY - timedelta(days=days_ago),
        **kw,  # type: ignore[arg-type]
    )


PEOPLE = [
    person(1, "Alice Smith", "inner", 20),  # 20/14: overdue
    person(2, "Alice Wong", "close", 40),  # 40/30: overdue, shares "Alice"
    person(3, "Bob Lee", "close", 3),
    person(4, "Carol", "friends", 10),
    person(5, "Dan", "friends", 200, paused=True),
    person(6, "Eve", "wider", 400, snoozed_until=TODAY + timedelta(days=2)),
    person(7, "Frank", "wider", 5, imported=True),
]


def test_one_ring_per_circle_closest_in_the_middle_with_each_person_in_theirs() -> None:
    picture = layout(PEOPLE, CIRCLES, TODAY)
    assert [(r.name, r.inner, r.outer, r.count) for r in picture.rings] == [
        ("inner", 0.0, 0.25, 1),
        ("close", 0.25, 0.5, 2),
        ("friends", 0.5, 0.75, 2),
        ("wider", 0.75, 1.0, 1),  # Frank, imported and not yet tracked, is not drawn
    ]
    assert [sorted(d.person_id for d in picture.dots_in(r)) for r in picture.rings] == [
        [1],
        [2, 3],
        [4, 5],
        [6],
    ]
    assert picture.title == "6 people · 2 to reach out to"


def test_the_overdue_are_named_first_name_or_full_where_shared() -> None:
    picture = layout(PEOPLE, CIRCLES, TODAY)
    labels = {d.person_id: d.label for d in picture.dots}
    assert labels == {1: "Alice Smith", 2: "Alice Wong", 3: None, 4: None, 5: None, 6: None}
    # Shared with someone filtered out of the picture still counts as shared.
    inner = layout(PEOPLE[:1], CIRCLES, TODAY, everyone=PEOPLE, scope="inner")
    assert [d.label for d in inner.dots] == ["Alice Smith"]
    assert "inner" in inner.subtitle
    alone = layout([replace(PEOPLE[0], name="Alice")], CIRCLES, TODAY)
    assert [d.label for d in alone.dots] == ["Alice"]


def test_paused_and_snoozed_are_hollow() -> None:
    hollow = {d.person_id for d in layout(PEOPLE, CIRCLES, TODAY).dots if d.hollow}
    assert hollow == {5, 6}


def test_colour_runs_from_fresh_yellow_to_overdue_violet() -> None:
    assert colour(0.0) == VIRIDIS[-1]
    assert colour(2.0) == colour(9.0) == VIRIDIS[0]
    lightness = [sum(colour(r / 10)) for r in range(21)]
    assert lightness == sorted(lightness, reverse=True)  # darker the more overdue


def test_the_same_data_gives_the_same_layout_and_a_newcomer_moves_nobody() -> None:
    first = layout(PEOPLE, CIRCLES, TODAY)
    assert layout(list(reversed(PEOPLE)), CIRCLES, TODAY) == first
    newcomer = person(99, "Zoe", "close", 1)
    after = layout([*PEOPLE, newcomer], CIRCLES, TODAY)
    where = {d.person_id: (d.x, d.y) for d in after.dots}
    assert all(where[d.person_id] == (d.x, d.y) for d in first.dots)


def test_dots_spread_round_the_ring() -> None:
    crowd = [person(i, f"P{i}", "friends", 1) for i in range(1, 41)]
    angles = sorted(math.atan2(d.y, d.x) for d in layout(crowd, CIRCLES, TODAY).dots)
    gaps = [b - a for a, b in itertools.pairwise(angles)]
    assert max(gaps) < math.pi / 2  # no empty quarter in a ring of forty


def test_names_are_kept_to_the_most_overdue_few() -> None:
    crowd = [person(i, f"P{i}", "friends", 100 + i) for i in range(1, 41)]
    picture = layout(crowd, CIRCLES, TODAY)
    named = {d.person_id for d in picture.dots if d.label}
    assert len(named) == MAX_LABELS and picture.unnamed == 40 - MAX_LABELS
    assert named == set(range(41 - MAX_LABELS, 41))  # the longest unseen
    assert picture.title == "40 people · 40 to reach out to"
