"""The due ranking: overdue ratio, ties to closer circles, snoozed and imported left out."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from bot.core.circles import DEFAULT_CIRCLES, Circles
from bot.core.due import due_info, is_snoozed, rank_due
from bot.core.model import Circle, Person

TODAY = date(2026, 11, 25)
CIRCLES = Circles()


def person(pid: int, name: str, circle: str, days_ago: int | None, **kw: object) -> Person:
    last = TODAY - timedelta(days=days_ago) if days_ago is not None else None
    base = Person(pid, name, circle, added_on=TODAY - timedelta(days=400), last_contact=last)
    return replace(base, **kw)  # type: ignore[arg-type]


def names(people: list[Person]) -> list[str]:
    return [d.person.name for d in rank_due(people, CIRCLES, TODAY)]


def test_not_due_before_the_cadence_is_reached() -> None:
    assert names([person(1, "A", "inner", 13)]) == []
    assert names([person(1, "A", "inner", 14)]) == ["A"]


def test_highest_ratio_first() -> None:
    people = [
        person(1, "Inner 21d", "inner", 21),  # 1.5
        person(2, "Close 60d", "close", 60),  # 2.0
        person(3, "Friends 100d", "friends", 100),  # 1.11
    ]
    assert names(people) == ["Close 60d", "Inner 21d", "Friends 100d"]


def test_inner_circles_win_ties() -> None:
    people = [person(1, "Close", "close", 60), person(2, "Inner", "inner", 28)]
    assert names(people) == ["Inner", "Close"]


def test_own_cadence_overrides_the_circle() -> None:
    p = person(1, "A", "wider", 20, cadence_days=10)
    info = due_info(p, CIRCLES, TODAY)
    assert info is not None and info.ratio == 2.0


def test_paused_people_are_never_due() -> None:
    p = person(1, "A", "inner", 400, paused=True)
    assert due_info(p, CIRCLES, TODAY) is None
    assert names([p]) == []


def test_never_logged_people_count_from_when_they_were_added() -> None:
    fresh = person(1, "New", "inner", None, added_on=TODAY - timedelta(days=3))
    old = person(2, "Old", "inner", None, added_on=TODAY - timedelta(days=20))
    ranked = rank_due([fresh, old], CIRCLES, TODAY)
    assert [d.person.name for d in ranked] == ["Old"]
    assert ranked[0].never_logged


def test_snoozed_and_imported_people_are_left_out() -> None:
    snoozed = person(1, "Snoozed", "inner", 30, snoozed_until=TODAY + timedelta(days=1))
    woke = person(2, "Woke", "inner", 30, snoozed_until=TODAY)
    imported = person(3, "Imported", "inner", None, imported=True)
    assert is_snoozed(snoozed, TODAY) and not is_snoozed(woke, TODAY)
    assert names([snoozed, woke, imported]) == ["Woke"]
    everyone = rank_due([snoozed, woke, imported], CIRCLES, TODAY, include_snoozed=True)
    assert [d.person.name for d in everyone] == ["Snoozed", "Woke"]


def test_circles_find_and_further_out() -> None:
    assert CIRCLES.find("Inner") == DEFAULT_CIRCLES[0]
    assert CIRCLES.find("friend") == Circle("friends", 90)
    assert CIRCLES.find("martians") is None
    assert CIRCLES.further_out("inner") == "close"
    assert CIRCLES.further_out("wider") is None
    assert CIRCLES.default_new == "friends" and CIRCLES.default_import == "wider"


def test_custom_circles_without_friends() -> None:
    circles = Circles([Circle("family", 7), Circle("pals", 30), Circle("others", 365)])
    assert circles.default_new == "pals"
    assert circles.default_import == "others"
    assert circles.rank("gone") == 2  # an unknown circle sorts as the widest


def test_next_yearly_handles_leap_days_and_year_ends() -> None:
    from bot.core.dates import describe_yearly, next_yearly

    assert next_yearly(11, 25, TODAY) == TODAY
    assert next_yearly(1, 2, TODAY) == date(2027, 1, 2)
    assert next_yearly(2, 29, TODAY) == date(2027, 2, 28)
    assert describe_yearly("birthday", 11, 25, TODAY) == "Birthday today! 🎂"
    assert describe_yearly("birthday", 11, 26, TODAY) == "Birthday tomorrow (Thu 26 Nov)"


def _crowd(seed: int, n: int) -> list[Person]:
    """Many people with ties everywhere: few distinct days, names, circles (one unknown)."""
    import random

    rng = random.Random(seed)
    circles = ["inner", "close", "friends", "wider", "old-circle", "gone"]
    first = ["Ana", "ana", "Bo", "Émile", "Zoë", "Kai"]
    out = []
    for pid in range(1, n + 1):
        days = rng.choice([None, 0, 14, 30, 90, 100, 180, 200, 365])
        out.append(
            person(
                pid,
                f"{rng.choice(first)} {rng.choice('ABC')}",
                rng.choice(circles),
                days,
                cadence_days=rng.choice([None, None, 7, 60]),
                paused=rng.random() < 0.05,
                imported=rng.random() < 0.1,
                snoozed_until=TODAY + timedelta(days=3) if rng.random() < 0.1 else None,
            )
        )
    return out


def test_a_page_of_the_ranking_is_the_same_slice_of_the_whole_ranking() -> None:
    """/who ranks only its page (due_page): the same people, order and counts as the
    whole ranking sliced, whatever the ties."""
    from collections import Counter

    from bot.core.due import due_page

    for seed in range(6):
        people = _crowd(seed, 400)
        whole = rank_due(people, CIRCLES, TODAY)
        snoozed = len(rank_due(people, CIRCLES, TODAY, include_snoozed=True)) - len(whole)
        for start, stop in [(0, 40), (40, 80), (360, 400), (0, 1000)]:
            page = due_page(people, CIRCLES, TODAY, start, stop)
            assert page.page == whole[start:stop]
            assert (page.total, page.snoozed) == (len(whole), snoozed)
            circles = Counter(d.person.circle for d in whole)
            # By first appearance in the whole ranking (circles sharing a rank included).
            assert list(page.per_circle.items()) == list(circles.items())
