"""What the weekly look back notices: pure rules, a fixed day, no database."""

from __future__ import annotations

from datetime import date, timedelta

from bot.core.circles import Circles
from bot.core.model import Person
from bot.core.patterns import Meeting, group_last_met, reach_out_streak, usual_places
from bot.core.review import (
    birthdays,
    drift,
    layers,
    patterns,
    review,
    seen_this_week,
    stale_open,
    suggest_cadence,
    week_key,
)

SUNDAY = date(2026, 11, 29)
CIRCLES = Circles()


def person(pid: int, name: str, circle: str = "friends", **kw: object) -> Person:
    kw.setdefault("added_on", SUNDAY - timedelta(days=400))
    return Person(id=pid, name=name, circle=circle, **kw)  # type: ignore[arg-type]


def met(
    pid: int, days_ago: int, initiator: str | None = None, iid: int = 0, place: str | None = None
) -> Meeting:
    return Meeting(
        pid,
        SUNDAY - timedelta(days=days_ago),
        "coffee",
        place,
        initiator,
        iid or pid * 1000 + days_ago,
    )


def test_the_week_is_its_iso_week() -> None:
    assert week_key(SUNDAY) == "2026-W48"
    assert week_key(SUNDAY - timedelta(days=6)) == "2026-W48"  # its Monday
    assert week_key(SUNDAY + timedelta(days=1)) == "2026-W49"


def test_who_you_saw_this_week_in_the_order_you_saw_them() -> None:
    alice, bob, carol = person(1, "Alice"), person(2, "Bob"), person(3, "Carol")
    meetings = [met(1, 0), met(2, 5), met(1, 3), met(3, 7)]  # Carol: last week
    assert seen_this_week([alice, bob, carol], meetings, SUNDAY) == [bob, alice]


def test_a_close_friend_seen_once_in_a_quarter_is_drifting() -> None:
    alice = person(1, "Alice", "close", last_contact=SUNDAY - timedelta(days=60))
    bob = person(2, "Bob", "close")  # seen every month: fine
    carol = person(3, "Carol", "friends")  # every 3 months asks for one meeting: never drift
    meetings = [met(1, 60), met(2, 10), met(2, 40), met(2, 70)]
    [found] = drift([alice, bob, carol], meetings, CIRCLES, SUNDAY)
    assert found.person == alice and found.seen == 1
    # Seen about every 91 days, a cadence of 3 months is their real rhythm.
    assert found.suggested_days == 90


def test_someone_new_is_not_drifting_yet() -> None:
    dana = person(4, "Dana", "inner", added_on=SUNDAY - timedelta(days=20))
    assert drift([dana], [], CIRCLES, SUNDAY) == []


def test_the_suggested_cadence_rounds_up_to_one_that_reads_well() -> None:
    alice = person(1, "Alice", last_contact=SUNDAY - timedelta(days=200))
    assert suggest_cadence(2, alice, SUNDAY) == 60  # every ~45 days -> 2 months
    assert suggest_cadence(0, alice, SUNDAY) == 270  # unseen for 200 days


def test_a_circle_well_past_its_layer_is_mentioned_once() -> None:
    inner = [person(i, f"P{i}", "inner") for i in range(1, 10)]  # 9 > 5 × 1.5
    [layer] = layers(inner, CIRCLES)
    assert (layer.circle, layer.count, layer.layer, layer.further_out) == ("inner", 9, 5, "close")
    assert layers(inner[:7], CIRCLES) == []  # 7: a little past, not well past


def test_layers_count_the_circles_inside_them() -> None:
    people = [person(i, f"P{i}", "inner") for i in range(4)]
    people += [person(i, f"Q{i}", "close") for i in range(10, 30)]  # 4 + 20 = 24 > 22.5
    [layer] = layers(people, CIRCLES)
    assert layer.circles == ("inner", "close") and layer.count == 24


def test_a_long_one_sided_run_either_way_is_a_pattern() -> None:
    bob, carol, dan = person(2, "Bob"), person(3, "Carol"), person(4, "Dan")
    meetings = [met(2, d, "them") for d in (1, 10, 20, 30)]
    meetings += [met(3, d, "me") for d in (2, 12, 22, 32, 42)]
    meetings += [met(4, 1, "them"), met(4, 5, "me"), met(4, 9, "them"), met(4, 14, "them")]
    found = patterns([bob, carol, dan], sorted(meetings, key=lambda m: m.day, reverse=True))
    assert [(p.person.name, p.streak.who, p.streak.count) for p in found] == [
        ("Carol", "me", 5),
        ("Bob", "them", 4),
    ]


def test_the_run_skips_meetings_that_did_not_say() -> None:
    meetings = [
        met(1, 1, None),
        met(1, 2, "them"),
        met(1, 3, None),
        met(1, 4, "them"),
        met(1, 5, "me"),
    ]
    streak = reach_out_streak(meetings)
    assert streak is not None and (streak.who, streak.count) == ("them", 2)
    assert reach_out_streak([met(1, 1)]) is None


def test_only_old_open_things_and_the_oldest_first() -> None:
    alice = person(1, "Alice")
    items = [
        ("favors", 1, 1, "offered: help with the move", SUNDAY - timedelta(days=45)),
        ("follow_ups", 2, 1, "ask about Lisbon", SUNDAY - timedelta(days=10)),
        ("follow_ups", 3, 1, "ask about the job", SUNDAY - timedelta(days=90)),
        ("follow_ups", 4, 99, "someone forgotten", SUNDAY - timedelta(days=90)),
    ]
    assert [o.id for o in stale_open([alice], items, SUNDAY)] == [3, 1]


def test_birthdays_in_the_week_ahead() -> None:
    alice, bob = person(1, "Alice"), person(2, "Bob")
    found = birthdays([alice, bob], [(1, "birthday", 12, 3), (2, "birthday", 12, 20)], SUNDAY)
    assert [(b.person.name, b.on) for b in found] == [("Alice", date(2026, 12, 3))]


def test_usual_places_most_often_first_as_first_written() -> None:
    meetings = [
        met(1, 1, place="the Crown"),
        met(1, 2, place="bakery"),
        met(1, 3, place="Bakery"),
        met(1, 4),
    ]
    assert usual_places(meetings) == [("bakery", 2), ("the Crown", 1)]


def test_a_group_met_when_most_of_it_was_there() -> None:
    meetings = [
        Meeting(1, SUNDAY - timedelta(days=3), "game", None, None, 50),
        Meeting(2, SUNDAY - timedelta(days=3), "game", None, None, 50),  # 2 of 3: met
        Meeting(1, SUNDAY - timedelta(days=1), "coffee", None, None, 60),  # 1 of 3: not
    ]
    assert group_last_met((1, 2, 3), meetings) == SUNDAY - timedelta(days=3)
    assert group_last_met((1, 2, 3), meetings[2:]) is None


def test_a_quiet_account_has_nothing_to_say() -> None:
    r = review([person(1, "Alice", added_on=SUNDAY)], [], [], [], CIRCLES, SUNDAY)
    assert r.empty
