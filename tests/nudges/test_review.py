"""The weekly look back as a user lives it: it comes on Sunday at the digest time, once,
across restarts; its buttons act and /undo takes them back; /review turns it off."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.compose import Services
from bot.core.clock import FixedClock, parse_utc
from bot.nudges.sweep import Sweeper
from bot.store.sqlite.migrations import MIGRATIONS, V_REVIEWS
from tests.conversation import Chat, kith
from tests.nudges.conftest import Nudges, Phone, says_all

HEADING = "Your week in kith — a look back"


def looking_back(texts: list[str]) -> list[str]:
    return [t for t in texts if t.startswith(HEADING)]


def weekly(services: Services, clock: FixedClock, phone: Phone) -> Nudges:
    return Nudges(
        services, clock, phone, Sweeper(services.engine, clock, phone, weekly_review=True)
    )


async def a_summer_and_an_autumn(ann: Chat, clock: FixedClock) -> None:
    """Alice (close) last seen in July; Bob seen this week; a favor offered long ago."""
    clock.set(parse_utc("2026-07-20T10:00:00Z"))
    await says_all(
        ann,
        "/add Alice Smith close",
        "/add Bob Lee",
        "coffee with Alice",
        "/favor Bob offered help with the move",
    )
    clock.set(parse_utc("2026-11-25T10:00:00Z"))  # Wed
    await says_all(ann, "met Bob at the bakery, he called me")


async def test_the_review_comes_on_sunday_at_the_digest_time_once(
    services: Services, clock: FixedClock, phone: Phone, ann: Chat, db_path: Path
) -> None:
    await a_summer_and_an_autumn(ann, clock)
    nudges = weekly(services, clock, phone)

    assert looking_back(await nudges.at("2026-11-28T09:00:00Z")) == []  # Saturday
    assert looking_back(await nudges.at("2026-11-29T08:59:00Z")) == []  # not yet
    [text] = looking_back(await nudges.at("2026-11-29T09:00:00Z"))

    assert "This week you saw Bob Lee." in text
    assert (
        "You haven't seen Alice Smith since August; they're in your close circle. "
        "Plan something, or let their rhythm relax?"
    ) in text
    assert "Still open from a while ago:\n• Bob Lee: offered: help with the move" in text
    for word in ("score", "demot", "rank"):
        assert word not in text.casefold()
    labels = [b.label for row in phone.last().buttons for b in row]
    assert labels == [
        "Plan something with Alice",
        "Alice: every 6 months",
        "Keep Alice",
        "Done: Bob — offered: help with the move",
    ]

    # Once: again that day, and after a restart, nothing more.
    assert looking_back(await nudges.at("2026-11-29T09:01:00Z")) == []
    async with kith(db_path, clock) as again:
        restarted = weekly(again, clock, phone)
        assert looking_back(await restarted.at("2026-11-29T12:00:00Z")) == []
    assert await nudges.rows("SELECT week, status FROM reviews") == [("2026-W48", "sent")]
    # The next Sunday has its own.
    assert len(looking_back(await nudges.at("2026-12-06T09:00:00Z"))) == 1


async def test_its_buttons_act_and_undo(
    services: Services, clock: FixedClock, phone: Phone, ann: Chat
) -> None:
    await a_summer_and_an_autumn(ann, clock)
    nudges = weekly(services, clock, phone)
    await nudges.at("2026-11-29T09:00:00Z")
    review = phone.last()
    ann.replies = [review]

    assert await ann.presses("Plan something with Alice") == (
        "Added to Alice Smith's card: plan something together. It'll come with their next "
        "nudge. /undo to take it back."
    )
    assert "Next time: Plan something together" in await ann.says("/show Alice")
    assert await ann.says("/undo") == "Undone: planned something with Alice Smith."
    assert "plan something together" not in await ann.says("/show Alice")

    ann.replies = [review]
    assert await ann.presses("Alice: every 6 months") == (
        "OK — Alice Smith stays in close, every 6 months. /undo to take it back."
    )
    assert (await ann.says("/show Alice")).startswith("Alice Smith — close, every 6 months")
    await ann.says("/undo")
    assert (await ann.says("/show Alice")).startswith("Alice Smith — close, every month")

    ann.replies = [review]
    assert await ann.presses("Done: Bob") == "Marked done. ✓ /undo to take it back."
    assert "Open favors" not in await ann.says("/show Bob")
    await ann.says("/undo")
    assert "Open favors: You offered Bob Lee help with the move" in await ann.says("/show Bob")

    ann.replies = [review]
    assert await ann.presses("Keep Alice") == "Keeping Alice Smith as they are. 💛"


async def test_review_off_and_on_and_now(
    services: Services, clock: FixedClock, phone: Phone, ann: Chat
) -> None:
    await a_summer_and_an_autumn(ann, clock)
    assert await ann.says("/review") == (
        "Your weekly look back is on, Sundays at 09:00. /review weekly or /review off "
        "changes it; /review now shows this week's."
    )
    preview = await ann.says("/review now")
    assert preview.startswith(HEADING) and "Bob Lee" in preview
    assert await ann.says("/review off") == (
        "Weekly look back off. /review weekly turns it back on. /undo to take it back."
    )
    nudges = weekly(services, clock, phone)
    assert looking_back(await nudges.at("2026-11-29T09:00:00Z")) == []
    assert await ann.says("/review weekly") == (
        "The weekly look back comes on Sundays at 09:00. /undo to take it back."
    )
    assert len(looking_back(await nudges.at("2026-12-06T09:00:00Z"))) == 1
    assert await ann.says("/review sometimes") == "Try /review weekly, /review off, or /review now."


async def test_a_quiet_week_sends_nothing(
    services: Services, clock: FixedClock, phone: Phone, ann: Chat
) -> None:
    await ann.says("/settings")  # a user with nobody yet
    nudges = weekly(services, clock, phone)
    assert await nudges.at("2026-11-29T09:00:00Z") == []
    assert await nudges.rows("SELECT status FROM reviews") == [("expired",)]
    assert await ann.says("/review now") == (
        "Nothing to look back on yet — log a meeting or two first. 🌱"
    )


async def test_people_from_before_the_review_are_not_signed_up(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    before = MIGRATIONS.index(V_REVIEWS)
    with sqlite3.connect(path) as conn:
        for statements in MIGRATIONS[:before]:
            for statement in statements:
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {before}")
        conn.execute(
            "INSERT INTO users (id, timezone, digest_time, created_at) "
            "VALUES (1, 'UTC', '09:00', '2026-01-01T00:00:00Z')"
        )
    clock = FixedClock(parse_utc("2026-11-25T10:00:00Z"))
    async with kith(path, clock) as s:
        old, new = Chat(s.engine, owner=1), Chat(s.engine, owner=2)
        assert "is off" in await old.says("/review")
        assert "is on" in await new.says("/review")


async def test_it_mentions_one_sided_reaching_out_and_a_crowded_circle_kindly(ann: Chat) -> None:
    await says_all(ann, "/add Bob Lee", "/add Carol")
    for when in ("4 weeks ago", "3 weeks ago", "2 weeks ago", "yesterday"):
        await says_all(ann, f"call with Bob {when}, he rang me", f"I called Carol {when}")
    for n in range(1, 10):
        await says_all(ann, f"/add Friend{n} inner")
    text = await ann.says("/review now")
    assert "Bob Lee has reached out the last 4 times — maybe you go first?" in text
    assert (
        "You've reached out to Carol the last 4 times — lovely; it's fine to leave them "
        "room to reach out too."
    ) in text
    assert (
        "Your inner circle has 9 people; most people can keep about 5 that close. "
        "Anyone to move to close?"
    ) in text


async def test_a_review_that_could_not_be_sent_is_retried_that_sunday_only(
    services: Services, clock: FixedClock, phone: Phone, ann: Chat
) -> None:
    from bot.nudges.sweep import TryLater

    await a_summer_and_an_autumn(ann, clock)
    await ann.says("/digest off")  # only the review is sent: it comes at 09:00 all the same
    nudges = weekly(services, clock, phone)
    phone.fail_with = [TryLater("network down")]
    assert looking_back(await nudges.at("2026-11-29T09:00:00Z")) == []  # the review fails
    assert await nudges.rows("SELECT status, attempts FROM reviews") == [("pending", 1)]
    [again] = looking_back(await nudges.at("2026-11-29T09:01:00Z"))
    assert again.startswith(HEADING)
    assert await nudges.rows("SELECT status FROM reviews") == [("sent",)]

    phone.fail_with = [TryLater("down")] * 5
    await nudges.at("2026-12-06T23:59:00Z")  # next Sunday's, failing all day
    assert looking_back(await nudges.at("2026-12-07T00:01:00Z")) == []  # Monday: too late
    assert await nudges.rows("SELECT week, status FROM reviews ORDER BY id") == [
        ("2026-W48", "sent"),
        ("2026-W49", "expired"),
    ]


class Crash(BaseException):
    """The process dying inside the request: nothing in the sweep may catch this."""


async def test_a_review_cut_off_while_sending_is_not_sent_again_but_counted(
    db_path: Path, clock: FixedClock
) -> None:
    """Like a digest: marked sending before its request, so after a crash inside it the
    restarted bot does not send it twice (at most once when unknown), and says so."""
    phone = Phone(fail_with=[Crash()])
    async with kith(db_path, clock) as services:
        ann = Chat(services.engine, owner=1)
        await a_summer_and_an_autumn(ann, clock)
        await ann.says("/digest off")  # only the review goes out on Sunday
        nudges = weekly(services, clock, phone)
        try:
            await nudges.at("2026-11-29T09:00:00Z")
        except Crash:
            pass
        else:
            raise AssertionError("the review was never sent")
        assert await nudges.rows("SELECT status, sending_at FROM reviews") == [
            ("pending", "2026-11-29T09:00:00Z")
        ]

    async with kith(db_path, clock) as services:
        again = weekly(services, clock, phone)
        assert looking_back(await again.at("2026-11-29T09:01:00Z")) == []
        assert again.last.reviews_unknown == 1
        assert looking_back(await again.at("2026-11-29T12:00:00Z")) == []
        assert phone.attempts == 1
        assert await again.rows("SELECT status, outcome_unknown FROM reviews") == [("sent", 1)]


async def test_a_review_that_timed_out_after_its_request_is_not_resent(
    services: Services, clock: FixedClock, phone: Phone, ann: Chat
) -> None:
    from bot.nudges.sweep import Unknown

    await a_summer_and_an_autumn(ann, clock)
    await ann.says("/digest off")
    nudges = weekly(services, clock, phone)
    phone.fail_with = [Unknown("read timeout")]
    assert looking_back(await nudges.at("2026-11-29T09:00:00Z")) == []
    assert nudges.last.reviews_unknown == 1
    assert looking_back(await nudges.at("2026-11-29T09:01:00Z")) == []
    assert phone.attempts == 1
    assert await nudges.rows("SELECT status, outcome_unknown, sending_at FROM reviews") == [
        ("sent", 1, "2026-11-29T09:00:00Z")
    ]


def test_the_review_sweep_skips_only_minutes_when_it_is_sunday_nowhere() -> None:
    """Every minute (hourly, and around midnight) of a week: wherever it is Sunday and
    the review time has come, from UTC-11 to UTC+14, the sweep still looks."""
    from datetime import timedelta

    from bot.nudges.review import review_due, sunday_somewhere
    from bot.ports.insight import ReviewUser

    zones = ("Pacific/Pago_Pago", "America/Los_Angeles", "UTC", "Asia/Tokyo")
    users = [ReviewUser(i, tz, "09:00") for i, tz in enumerate(zones)]
    users += [ReviewUser(9, "Pacific/Kiritimati", "00:00"), ReviewUser(8, "Etc/GMT+12", "23:59")]
    start = parse_utc("2026-11-23T00:00:00Z")  # a Monday
    skipped = 0
    for minutes in range(0, 8 * 24 * 60, 15):
        now = start + timedelta(minutes=minutes)
        if any(review_due(u, now) for u in users):
            assert sunday_somewhere(now), now
        skipped += not sunday_somewhere(now)
    assert skipped > 3 * 24 * 4  # Tuesday to Friday cost nothing


async def test_a_sunday_sweep_reads_only_the_users_whose_time_has_come(
    services: Services, clock: FixedClock, phone: Phone, ann: Chat
) -> None:
    """Ann (09:00 UTC) is looked at once early on Sunday, then not again until 09:00;
    moving her digest time earlier brings her review forward with it."""
    await a_summer_and_an_autumn(ann, clock)
    nudges = weekly(services, clock, phone)
    insight = services.store.insight
    assert looking_back(await nudges.at("2026-11-29T06:00:00Z")) == []
    assert await insight.review_users(now=parse_utc("2026-11-29T08:59:00Z")) == []
    assert [u.owner for u in await insight.review_users(now=parse_utc("2026-11-29T09:00:00Z"))] == [
        ann.owner
    ]

    clock.set(parse_utc("2026-11-29T07:00:00Z"))
    await says_all(ann, "/digest 07:30")
    assert looking_back(await nudges.at("2026-11-29T07:29:00Z")) == []
    assert len(looking_back(await nudges.at("2026-11-29T07:30:00Z"))) == 1
    # Done for the week: not read again until next Sunday's 07:30.
    assert await insight.review_users(now=parse_utc("2026-12-06T07:29:00Z")) == []
    assert looking_back(await nudges.at("2026-11-29T09:00:00Z")) == []
    assert len(looking_back(await nudges.at("2026-12-06T07:30:00Z"))) == 1


def test_the_next_review_instant_is_never_later_than_the_review() -> None:
    """Every quarter hour of two weeks across DST changes (Europe/Lisbon in March, and
    a 01:30 that the autumn change repeats): the instant given is when `review_due`
    first says yes, or earlier."""
    from datetime import timedelta

    from bot.nudges.review import next_review_time, review_due
    from bot.ports.insight import ReviewUser

    for zone, clock_time, start in (
        ("Europe/Lisbon", "01:30", "2027-03-22T00:00:00Z"),
        ("America/New_York", "01:30", "2026-10-26T00:00:00Z"),
        ("Asia/Tokyo", "09:00", "2026-11-23T00:00:00Z"),
    ):
        user = ReviewUser(1, zone, clock_time)
        begin = parse_utc(start)
        for step in range(0, 14 * 24 * 4):
            now = begin + timedelta(minutes=15 * step)
            if review_due(user, now) is not None:
                continue
            at = next_review_time(user, now)
            assert at is not None  # (before now inside a skipped hour: looked at again)
            # Nothing is due between now and `at`: the sweep misses nothing by waiting.
            probe = now
            while probe < at:
                assert review_due(user, probe) is None, (zone, now, probe)
                probe += timedelta(minutes=15)
            later = at + timedelta(hours=2)
            assert any(review_due(user, at + timedelta(minutes=m)) for m in range(0, 121, 15)), (
                zone,
                now,
                at,
                later,
            )
