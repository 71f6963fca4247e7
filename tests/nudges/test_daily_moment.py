"""The daily moment (issue 13): birthdays for anyone, a digest that keeps its record, turns.

Ann's digest comes at 09:00 UTC; `nudges.at(...)` moves the clock and sweeps once.
"""

from __future__ import annotations

from tests.conversation import Chat
from tests.nudges.conftest import Nudges, says_all

THURSDAY_9AM = "2026-11-26T09:00:00Z"


def day(n: int) -> str:
    """09:00 UTC on the n-th day of December 2026 (n <= 0: late November)."""
    if n <= 0:
        return f"2026-11-{30 + n:02d}T09:00:00Z"
    return f"2026-12-{n:02d}T09:00:00Z"


async def test_a_birthday_of_someone_not_due_comes_ahead_and_on_the_day(
    ann: Chat, nudges: Nudges
) -> None:
    await says_all(
        ann,
        "/add Zoë inner",
        "coffee with Zoë today",  # seen today: not due for two weeks
        "/date Zoë birthday 3 December 1990",
    )
    assert "I'll mention it ahead of time" in await ann.says("/date Zoë birthday 3 December 1990")

    # A week ahead is Thursday 26 Nov: nobody is due, the birthday alone sends.
    [ahead] = await nudges.at(THURSDAY_9AM)
    assert ahead == "🎂 Coming up:\n• Zoë — birthday in 7 days (Thu 3 Dec), turns 36"
    assert nudges.phone.last().buttons == ()

    # Once ahead: not again on the days between.
    for n in (-3, -2, -1, 0, 1, 2):
        assert await nudges.at(day(n)) == [], n

    [on_the_day] = await nudges.at(day(3))
    assert on_the_day == "🎂 Coming up:\n• Zoë — birthday today! 🎂, turns 36"


async def test_a_date_added_inside_the_week_is_announced_at_once(ann: Chat, nudges: Nudges) -> None:
    await says_all(ann, "/add Raj close", "coffee with Raj today", "/date Raj anniversary 28 Nov")
    [digest] = await nudges.at(THURSDAY_9AM)
    assert digest == "🎂 Coming up:\n• Raj — anniversary in 2 days (Sat 28 Nov)"


async def test_a_due_person_and_a_birthday_share_one_digest(ann: Chat, nudges: Nudges) -> None:
    await says_all(
        ann,
        "/add Alice inner",
        "coffee with Alice 2026-10-01",
        "/add Zoë wider",
        "/date Zoë birthday 26 Nov",
    )
    [digest] = await nudges.at(THURSDAY_9AM)
    assert digest.startswith("It's been a while — maybe say hi to:\n\n• Alice (inner)")
    assert digest.endswith("🎂 Coming up:\n• Zoë — birthday today! 🎂")
    assert digest.count("irthday") == 1  # not again in Alice's or anyone's section


async def test_a_press_marks_its_line_and_keeps_everything_else(ann: Chat, nudges: Nudges) -> None:
    await says_all(
        ann,
        "/add Zoë inner",
        "/add Bob close",
        "coffee with Zoë 2026-10-01 — she's moving to Lisbon",
        "/ask Zoë about her sister's wedding",
        "call with Bob 2026-09-20",
        "/note Bob got a puppy",
    )
    [digest] = await nudges.at(THURSDAY_9AM)
    ann.replies = [nudges.phone.last()]
    bob_section = digest[digest.index("• Bob") :]

    pressed = await ann.presses("Reached out to Zoë")

    assert pressed == (
        "It's been a while — maybe say hi to:\n\n✓ Reached out to Zoë · /undo\n\n" + bob_section
    )
    assert "Note: got a puppy" in pressed
    assert ann.labels == ["Reached out to Bob", "Snooze Bob a week", "Less often for Bob"]

    done = await ann.presses("Snooze Bob")
    assert done.endswith(
        "✓ Reached out to Zoë · /undo\n\n💤 Snoozed Bob until Thu 3 Dec · /undo\n\n"
        "All done for today 🌿"
    )
    assert ann.labels == []


async def test_people_last_seen_together_are_said_so(ann: Chat, nudges: Nudges) -> None:
    await says_all(
        ann,
        "/add Noah inner",
        "/add Emma inner",
        "party with Noah and Emma 2026-10-10 — at Sam's",
    )
    [digest] = await nudges.at(THURSDAY_9AM)
    assert "You last saw Emma and Noah together — a party on Sat 10 Oct: at Sam's" in digest


async def test_turns_rotate_among_people_about_as_overdue(ann: Chat, nudges: Nudges) -> None:
    names = ["Ana", "Ben", "Cai", "Dev", "Eli", "Fay"]
    for name in names:
        await says_all(ann, f"/add {name} close", f"coffee with {name} 2026-10-20")
    seen: list[set[str]] = []
    for when in (THURSDAY_9AM, day(3), day(10)):
        [digest] = await nudges.at(when)
        seen.append({n for n in names if f"• {n} " in digest})
    assert all(len(s) == 3 for s in seen)
    # The second week brings the three who waited, not the same three again.
    assert seen[0] | seen[1] == set(names)
    assert seen[2] == seen[0]  # then the turn comes back round


async def test_the_digest_preview_shows_the_coming_birthday(ann: Chat) -> None:
    await says_all(ann, "/add Zoë inner", "coffee with Zoë today", "/date Zoë birthday 27 Nov")
    assert "• Zoë — birthday in 2 days (Fri 27 Nov)" in await ann.says("/digest now")


def test_a_note_that_continues_the_sentence_is_read_with_its_kind() -> None:
    from bot.nudges.digest import last_time

    assert last_time("catch-up", "for brunch") == "Last time you caught up with them for brunch"
    assert last_time("coffee", "she's moving") == "Last time you had coffee with them: she's moving"
    assert last_time("bumped into", "at the market") == "Last time you ran into them at the market"


async def test_a_date_added_after_the_day_s_digest_is_announced_the_next_morning(
    ann: Chat, nudges: Nudges
) -> None:
    await says_all(ann, "/add Zoë inner", "coffee with Zoë today", "/date Zoë birthday 26 Nov")
    assert len(await nudges.at(THURSDAY_9AM)) == 1  # her birthday today
    nudges.clock.set(nudges.clock.now().replace(hour=12))
    await says_all(ann, "/add Raj close", "coffee with Raj today", "/date Raj birthday 30 Nov")

    [friday] = await nudges.at("2026-11-27T09:00:00Z")

    assert friday == "🎂 Coming up:\n• Raj — birthday in 3 days (Mon 30 Nov)"
    assert await nudges.at("2026-11-28T09:00:00Z") == []
