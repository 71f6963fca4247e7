"""Who the digest is about, and what it says about each of them.

Ann lives in UTC with the default 09:00 digest; it is Wed 25 Nov 2026, 10:00 UTC, so
her first digest is due Thu 26 Nov at 09:00 UTC.
"""

from __future__ import annotations

import re
from datetime import date

from bot.compose import Services
from bot.ports.store import NewPerson
from tests.conversation import Chat
from tests.nudges.conftest import Nudges, says_all

THURSDAY_9AM = "2026-11-26T09:00:00Z"


def names_in(digest: str) -> list[str]:
    """The people of a digest, in order: each section starts with '• Name (circle)'."""
    return re.findall(r"^• (.+?) \(", digest, flags=re.MULTILINE)


async def test_the_most_overdue_come_first_and_closer_circles_win_ties(
    ann: Chat, nudges: Nudges
) -> None:
    await says_all(
        ann,
        "/add Alice inner",  # every 2 weeks; 28 days on Thursday: twice her cadence
        "/add Bob close",  # every month; 60 days on Thursday: also twice
        "/add Carol",  # friends, every 3 months; 270 days: three times
        "/add Dave wider",  # every 6 months; 200 days: just past due
        "/add Erin",  # seen last week: not due
        "coffee with Alice 2026-10-29",
        "call with Bob 2026-09-27",
        "lunch with Carol 2026-03-01",
        "walk with Dave 2026-05-10",
        "dinner with Erin 2026-11-18",
    )

    [digest] = await nudges.at(THURSDAY_9AM)

    assert digest.startswith("It's been a while — maybe say hi to:")
    # At most three (max_per_digest); Alice and Bob tie at twice their cadence and
    # Alice's inner circle puts her first; Dave waits for another day.
    assert names_in(digest) == ["Carol", "Alice", "Bob"]
    labels = [b.label for b in nudges.phone.last().flat_buttons]
    assert labels == [
        "Reached out to Carol",
        "Snooze Carol a week",
        "Less often for Carol",
        "Reached out to Alice",
        "Snooze Alice a week",
        "Less often for Alice",
        "Reached out to Bob",
        "Snooze Bob a week",
        "Less often for Bob",
    ]


async def test_each_person_comes_with_something_to_say(ann: Chat, nudges: Nudges) -> None:
    await says_all(
        ann,
        "/add Alice Smith inner",
        "coffee with Alice 5 weeks ago — she's moving to Lisbon in March",
        "/ask Alice how the move went",
        "/ask Alice about the new job in March",  # not yet: from March on
        "/date Alice birthday 30 November",
        "/favor Alice offered help with the boxes",
    )

    [digest] = await nudges.at(THURSDAY_9AM)

    assert digest == (
        "It's been a while — maybe say hi to:\n"
        "\n"
        "• Alice Smith (inner) — a month since coffee\n"
        "  Last time you had coffee with them: she's moving to Lisbon in March\n"
        "  Ask how the move went\n"
        "  You offered Alice Smith help with the boxes\n"
        "\n"
        "🎂 Coming up:\n"
        "• Alice Smith — birthday in 4 days (Mon 30 Nov)"
    )


async def test_a_later_note_is_the_one_shown(ann: Chat, nudges: Nudges) -> None:
    await says_all(
        ann,
        "/add Bob close",
        "call with Bob 2026-09-01 — talked about his band",
        "/note Bob got a puppy called Miso",
    )
    [digest] = await nudges.at(THURSDAY_9AM)
    assert "  Note: got a puppy called Miso" in digest
    assert "band" not in digest


async def test_a_birthday_more_than_a_week_away_is_not_mentioned_yet(
    ann: Chat, nudges: Nudges
) -> None:
    await says_all(ann, "/add Alice inner", "coffee with Alice 2026-10-01")
    await says_all(ann, "/date Alice birthday 4 December")  # 8 days after Thursday
    [digest] = await nudges.at(THURSDAY_9AM)
    assert "Birthday" not in digest


async def test_someone_never_logged_is_due_once_their_cadence_has_passed(
    services: Services, ann: Chat, nudges: Nudges
) -> None:
    await says_all(ann, "/add Alice inner")
    assert await nudges.at(THURSDAY_9AM) == []  # added yesterday: not due yet

    [digest] = await nudges.at("2026-12-09T09:00:00Z")  # two weeks after she was added
    assert "• Alice (inner) — added 2 weeks ago, nothing logged yet" in digest


async def test_a_day_with_nobody_due_sends_nothing(ann: Chat, nudges: Nudges) -> None:
    await says_all(ann, "/add Alice inner", "coffee with Alice yesterday")

    assert await nudges.at(THURSDAY_9AM) == []
    assert nudges.last.nobody_due == 1
    assert await nudges.rows("SELECT count(*) FROM digests") == [(0,)]
    # The day passed quietly; the next digest time is tomorrow's.
    assert await nudges.rows("SELECT next_digest_at FROM users") == [("2026-11-27T09:00:00Z",)]


async def test_snoozed_imported_and_paused_people_are_left_out(
    services: Services, ann: Chat, nudges: Nudges
) -> None:
    await says_all(
        ann,
        "/add Alice inner",
        "/add Bob inner",
        "/add Carol inner",
        "coffee with Alice, Bob and Carol 2026-09-01",
        "/snooze Alice 2 weeks",
        "/every Bob never",
    )
    store = services.store
    async with store.change(1, "imported", nudges.clock.now()) as ch:
        await ch.add_people([NewPerson("Zed", "inner", date(2025, 1, 1), imported=True)])

    [digest] = await nudges.at(THURSDAY_9AM)
    assert names_in(digest) == ["Carol"]


async def test_someone_nudged_is_left_out_for_a_week(ann: Chat, nudges: Nudges) -> None:
    await says_all(ann, "/add Alice inner", "/add Bob close", "coffee with Alice 2026-10-01")
    await says_all(ann, "call with Bob 2026-10-01")

    [first] = await nudges.at(THURSDAY_9AM)
    assert names_in(first) == ["Alice", "Bob"]

    # Still due, but just nudged: the next days are quiet, no digest at all.
    assert await nudges.at("2026-11-27T09:00:00Z") == []
    assert await nudges.at("2026-11-28T09:00:00Z") == []

    # Someone newly due that week still gets their nudge, alone.
    await says_all(ann, "/add Carol close", "lunch with Carol 2026-10-15")
    [alone] = await nudges.at("2026-11-29T09:00:00Z")
    assert names_in(alone) == ["Carol"]
    for day in ("11-30", "12-01", "12-02"):
        assert await nudges.at(f"2026-{day}T09:00:00Z") == []

    # A week after their nudge Alice and Bob are back; Carol's week is not over yet.
    [week_later] = await nudges.at("2026-12-03T09:00:00Z")
    assert names_in(week_later) == ["Alice", "Bob"]


async def test_digest_now_shows_today_s_digest_without_counting_as_it(
    ann: Chat, nudges: Nudges
) -> None:
    await says_all(ann, "/add Alice inner", "coffee with Alice 2026-10-01")
    nudges.clock.set(nudges.clock.now().replace(day=26, hour=7))

    preview = await ann.says("/digest now")
    assert names_in(preview) == ["Alice"]
    assert "Reached out to Alice" in ann.labels

    # The real digest still comes at 09:00, with Alice in it: the preview marked nobody.
    [digest] = await nudges.at(THURSDAY_9AM)
    assert digest == preview
    # Asked again after it came, it still shows today's people.
    assert names_in(await ann.says("/digest now")) == ["Alice"]


async def test_digest_now_with_nobody_due(ann: Chat) -> None:
    await says_all(ann, "/add Alice inner", "coffee with Alice yesterday")
    assert await ann.says("/digest now") == (
        "Nobody's due today — you're in touch with everyone. 🌿"
    )


async def test_settings_show_the_next_digest_in_the_user_s_own_time(ann: Chat) -> None:
    assert "• next digest: Thu 26 Nov 09:00 UTC" in await ann.says("/settings")

    await ann.says("/timezone Lisbon")
    assert "• next digest: Thu 26 Nov 09:00 Europe/Lisbon" in await ann.says("/settings")

    await ann.says("/digest 21:30")  # still ahead today
    assert "• next digest: Wed 25 Nov 21:30 Europe/Lisbon" in await ann.says("/settings")

    await ann.says("/timezone Tokyo")  # 19:00 there: 21:30 is still to come today
    assert "• next digest: Wed 25 Nov 21:30 Asia/Tokyo" in await ann.says("/settings")

    await ann.says("/timezone Auckland")  # 23:00 there: today's 21:30 has passed
    assert "• next digest: Thu 26 Nov 21:30 Pacific/Auckland" in await ann.says("/settings")

    await ann.says("/digest off")
    assert "• next digest: off" in await ann.says("/settings")


async def test_the_wording_stays_warm(ann: Chat, nudges: Nudges) -> None:
    await says_all(ann, "/add Alice wider", "coffee with Alice 2025-01-01")
    [digest] = await nudges.at(THURSDAY_9AM)
    ann.replies = [nudges.phone.last()]
    pressed = await ann.presses("Less often")
    everything = (digest + pressed).casefold()
    for cold in ("demote", "score", "ratio", "overdue", "fail", "neglect"):
        assert cold not in everything
    assert "already in wider, your widest circle" in pressed
