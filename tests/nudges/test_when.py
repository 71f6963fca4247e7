"""When the digest comes: each user's own time zone, DST, downtime, settings changes.

Every user here has overdue friends, so each digest time that comes sends a digest.
The sweep runs whenever the test moves the clock (`nudges.at`), as the bot's
once-a-minute job would.
"""

from __future__ import annotations

from datetime import timedelta

from bot.core.clock import format_utc, parse_utc
from tests.conversation import Chat
from tests.nudges.conftest import Nudges, says_all

FRIENDS = ("Alice", "Bob", "Carol", "Dave", "Erin", "Frank", "Grace", "Heidi", "Ivan")


async def with_overdue_friends(user: Chat, *settings: str) -> None:
    """Nine long-unseen friends: three a day (max_per_digest) for three days, so the
    7-day rule never leaves a day of these tests without someone to nudge about."""
    await says_all(user, *settings)
    for name in FRIENDS:
        await says_all(user, f"/add {name} inner", f"coffee with {name} 2026-01-05")


async def sweep_every(nudges: Nudges, start: str, end: str, step: timedelta) -> list[str]:
    """Sweep from `start` to `end`; the UTC instant of every delivery, with its owner."""
    deliveries: list[str] = []
    at = parse_utc(start)
    while at <= parse_utc(end):
        before = len(nudges.phone.inbox)
        await nudges.at(at)
        deliveries += [f"{o}@{format_utc(at)}" for o, _ in nudges.phone.inbox[before:]]
        at += step
    return deliveries


async def test_each_user_at_nine_in_their_own_time_zone(nudges: Nudges) -> None:
    engine = nudges.services.engine
    await with_overdue_friends(Chat(engine, 1), "/timezone Lisbon")  # UTC+0 in winter
    await with_overdue_friends(Chat(engine, 2), "/timezone Tokyo")  # UTC+9
    await with_overdue_friends(Chat(engine, 3), "/timezone New York", "/digest 7:30am")  # UTC-5

    deliveries = await sweep_every(
        nudges, "2026-11-25T10:00:00Z", "2026-11-27T10:00:00Z", timedelta(minutes=15)
    )

    assert deliveries == [
        "3@2026-11-25T12:30:00Z",  # 07:30 Wednesday in New York: still ahead when set
        "2@2026-11-26T00:00:00Z",  # 09:00 Thursday in Tokyo
        "1@2026-11-26T09:00:00Z",  # 09:00 Thursday in Lisbon
        "3@2026-11-26T12:30:00Z",
        "2@2026-11-27T00:00:00Z",
        "1@2026-11-27T09:00:00Z",
    ]


async def test_the_day_clocks_spring_forward(nudges: Nudges, ann: Chat) -> None:
    # Berlin, Sunday 29 March 2026: at 02:00 the clocks jump to 03:00 (CET -> CEST).
    nudges.clock.set(parse_utc("2026-03-27T12:00:00Z"))
    await with_overdue_friends(ann, "/timezone Berlin")
    deliveries = await sweep_every(
        nudges, "2026-03-28T00:00:00Z", "2026-03-30T23:59:00Z", timedelta(minutes=1)
    )
    assert deliveries == [
        "1@2026-03-28T08:00:00Z",  # 09:00 CET
        "1@2026-03-29T07:00:00Z",  # 09:00 CEST: an hour earlier in UTC, same local time
        "1@2026-03-30T07:00:00Z",
    ]


async def test_a_time_skipped_by_the_spring_change_comes_right_after_the_gap(
    nudges: Nudges, ann: Chat
) -> None:
    nudges.clock.set(parse_utc("2026-03-28T12:00:00Z"))
    await with_overdue_friends(ann, "/timezone Berlin", "/digest 02:30")  # 02:30 never happens
    deliveries = await sweep_every(
        nudges, "2026-03-28T23:00:00Z", "2026-03-29T03:00:00Z", timedelta(minutes=1)
    )
    assert deliveries == ["1@2026-03-29T01:00:00Z"]  # 03:00 CEST, the first minute after


async def test_a_time_that_happens_twice_in_autumn_sends_once(nudges: Nudges, ann: Chat) -> None:
    # Berlin, Sunday 25 October 2026: 02:00-03:00 happens twice (CEST, then CET).
    nudges.clock.set(parse_utc("2026-10-24T12:00:00Z"))
    await with_overdue_friends(ann, "/timezone Berlin", "/digest 02:30")
    deliveries = await sweep_every(
        nudges, "2026-10-24T22:00:00Z", "2026-10-25T04:00:00Z", timedelta(minutes=1)
    )
    assert deliveries == ["1@2026-10-25T00:30:00Z"]  # the first 02:30 only


async def test_a_digest_missed_while_down_comes_when_back_the_same_day(
    nudges: Nudges, ann: Chat
) -> None:
    await with_overdue_friends(ann)
    # Down from before 09:00 until 15:00 UTC: the first sweep back sends it.
    assert len(await nudges.at("2026-11-26T15:00:00Z")) == 1
    assert await nudges.at("2026-11-26T15:01:00Z") == []


async def test_a_digest_missed_for_a_whole_day_is_not_sent_late(nudges: Nudges, ann: Chat) -> None:
    await with_overdue_friends(ann)
    # Down from Wednesday until Friday 06:00: Thursday's digest is simply skipped ...
    assert await nudges.at("2026-11-27T06:00:00Z") == []
    # ... and Friday's comes at its time.
    assert await nudges.at("2026-11-27T08:59:00Z") == []
    assert len(await nudges.at("2026-11-27T09:00:00Z")) == 1


async def test_back_after_midnight_with_today_s_time_passed_sends_today_s(
    nudges: Nudges, ann: Chat
) -> None:
    await with_overdue_friends(ann)
    # Down from Wednesday until Friday noon: Friday's 09:00 has passed, so it goes now.
    assert len(await nudges.at("2026-11-27T12:00:00Z")) == 1
    assert await nudges.at("2026-11-27T12:01:00Z") == []


async def test_setting_the_digest_to_later_today_brings_it_today(nudges: Nudges, ann: Chat) -> None:
    await with_overdue_friends(ann)
    assert "Your digest will come at 10:30" in await ann.says("/digest 10:30")
    assert await nudges.at("2026-11-25T10:29:00Z") == []
    assert len(await nudges.at("2026-11-25T10:30:00Z")) == 1


async def test_changing_the_time_after_today_s_digest_sends_no_second_one(
    nudges: Nudges, ann: Chat
) -> None:
    await with_overdue_friends(ann, "/digest 10:30")
    assert len(await nudges.at("2026-11-25T10:30:00Z")) == 1

    await ann.says("/digest 18:00")
    assert await nudges.at("2026-11-25T18:00:00Z") == []  # one a day
    assert "next digest: Thu 26 Nov 18:00 UTC" in await ann.says("/settings")
    assert len(await nudges.at("2026-11-26T18:00:00Z")) == 1


async def test_moving_to_another_time_zone_moves_the_digest(nudges: Nudges, ann: Chat) -> None:
    await with_overdue_friends(ann)
    await ann.says("/timezone Tokyo")  # 09:00 in Tokyo is 00:00 UTC
    assert await nudges.at("2026-11-25T23:59:00Z") == []
    assert len(await nudges.at("2026-11-26T00:00:00Z")) == 1
    assert await nudges.at("2026-11-26T09:00:00Z") == []  # not again at 09:00 UTC


async def test_undo_takes_the_digest_time_back_too(nudges: Nudges, ann: Chat) -> None:
    await with_overdue_friends(ann)
    await ann.says("/digest 10:30")
    assert "Undone: set the digest to 10:30" in await ann.says("/undo")
    assert "next digest: Thu 26 Nov 09:00 UTC" in await ann.says("/settings")
    assert await nudges.at("2026-11-25T10:30:00Z") == []
    assert len(await nudges.at("2026-11-26T09:00:00Z")) == 1


async def test_undo_after_today_s_digest_still_sends_no_second_one(
    nudges: Nudges, ann: Chat
) -> None:
    await with_overdue_friends(ann, "/digest 10:30")
    assert len(await nudges.at("2026-11-25T10:30:00Z")) == 1
    await ann.says("/digest 11:00")
    await ann.says("/undo")  # brings back a 10:30 schedule that was already used today
    assert await nudges.at("2026-11-25T11:00:00Z") == []
    assert await nudges.at("2026-11-25T12:00:00Z") == []
    assert len(await nudges.at("2026-11-26T10:30:00Z")) == 1


async def test_digest_off_sends_nothing_and_on_again_resumes(nudges: Nudges, ann: Chat) -> None:
    await with_overdue_friends(ann, "/digest off")
    assert await nudges.at("2026-11-26T09:00:00Z") == []
    await ann.says("/digest 09:30")
    assert len(await nudges.at("2026-11-26T09:30:00Z")) == 1
