"""Replies that read well (issue 13): grammar, time spans, hidden state, loops closed,
and arguments that don't parse answered as errors, never as new people.

Today is Wed 25 Nov 2026.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.compose import Services
from bot.core.clock import FixedClock
from tests.conversation import Chat


async def says_all(user: Chat, *lines: str) -> None:
    for line in lines:
        reply = await user.says(line)
        assert "Sorry" not in reply and "I didn't catch" not in reply, (line, reply)


async def people_named(app: Services) -> list[str]:
    return [str(r[0]) for r in await app.db.fetchall("SELECT name FROM people ORDER BY id", ())]


# -- grammar ---------------------------------------------------------------------------


async def test_a_log_says_what_happened_in_words_that_fit(user: Chat) -> None:
    await says_all(user, "/add Tom", "/add Lukas")
    assert (await user.says("bumped into Tom yesterday")).startswith(
        "Logged running into Tom on Tue 24 Nov."
    )
    assert (await user.says("played tennis with Lukas on Monday")).startswith(
        "Logged tennis with Lukas on Mon 23 Nov."
    )
    assert "you ran into them" not in await user.says("/who")
    card = await user.says("/show Lukas")
    assert "Last: tennis on Mon 23 Nov" in card


async def test_a_note_ends_once(user: Chat) -> None:
    await says_all(user, "/add Zoë")
    reply = await user.says("coffee with Zoë — she's pregnant!")
    assert "note: she's pregnant! /undo" in reply
    assert "!." not in reply
    assert "!." not in await user.says("/note Zoë due in May!")


async def test_follow_ups_and_favors_read_as_sentences(user: Chat) -> None:
    await says_all(user, "/add Zoë")
    reply = await user.says("/ask Zoë about her sister's wedding")
    assert reply.startswith("Next time with Zoë, ask about her sister's wedding.")
    reply = await user.says("/favor Zoë got they gave me a stroller")
    assert reply.startswith("Zoë gave you a stroller.")
    card = await user.says("/show Zoë")
    assert "Next time: Ask about her sister's wedding" in card
    assert "Open favors: Zoë gave you a stroller" in card
    assert "about about" not in card and "helped with: they" not in card


async def test_overdue_people_read_as_overdue(user: Chat) -> None:
    await says_all(user, "/add Ana inner", "coffee with Ana 17 days ago")
    who = await user.says("/who")
    assert "• Ana — 2 weeks since coffee (every 2 weeks, 3 days overdue)" in who
    await says_all(user, "/add Ben inner", "call with Ben 13 days ago")
    assert "nearly 2 weeks" in await user.says("/show Ben")


# -- hidden state ------------------------------------------------------------------------


async def test_people_shows_who_is_snoozed_or_paused_and_who_counts_them(user: Chat) -> None:
    await says_all(
        user,
        "/add Ana inner",
        "/add Ben inner",
        "/add Cy inner",
        "coffee with Ana, Ben and Cy 2026-10-01",
        "/snooze Ana 2 weeks",
        "/snooze Ben a week",
        "/every Cy never",
    )
    people = await user.says("/people")
    assert "• Ana — nearly 2 months since coffee 💤 until Wed 9 Dec" in people
    assert "• Cy — nearly 2 months since coffee ⏸ paused" in people
    assert (await user.says("/who")).endswith("(2 snoozed)")


# -- closing the loop ----------------------------------------------------------------------


async def test_a_log_lists_what_was_open_with_them(user: Chat, app: Services) -> None:
    await says_all(
        user,
        "/add Zoë",
        "/ask Zoë how the move went",
        "/favor Zoë offered to help her paint",
        "/favor Zoë gave a lift home",  # given: not open, never listed
    )
    await user.says("coffee with Zoë")
    assert user.replies[1].text == (
        "While you're at it — still open:\n• Ask how the move went\n• You offered to help her paint"
    )
    assert user.labels == [
        "Asked ✓ how the move went",
        "Keep",
        "Done ✓ You offered to help her paint",
        "Keep",
    ]

    reply = await user.presses("Asked ✓")
    assert reply == (
        "While you're at it — still open:\n✓ Ask how the move went · /undo\n"
        "• You offered to help her paint"
    )
    assert user.labels == ["Done ✓ You offered to help her paint", "Keep"]
    reply = await user.presses("Keep")
    assert reply.endswith("• You offered to help her paint (kept for next time)")
    card = await user.says("/show Zoë")
    assert "how the move went" not in card and "help her paint" in card
    assert "lift home" not in card


async def test_done_with_several_open_asks_which(user: Chat) -> None:
    await says_all(user, "/add Zoë", "/ask Zoë how the move went", "/ask Zoë about the job")
    question = await user.says("/ask Zoë done")
    assert question == "Which of Zoë's follow-ups is done?"
    assert user.labels == ["Ask how the move went", "Ask about the job", "All of them", "Cancel"]
    assert (await user.presses("the job")).startswith("Done for Zoë: about the job.")
    card = await user.says("/show Zoë")
    assert "how the move went" in card and "the job" not in card

    await says_all(user, "/favor Zoë offered to cook", "/favor Zoë got a book to give back")
    assert await user.says("/favor Zoë done") == "Which of Zoë's favors is done?"
    assert (await user.presses("All of them")).startswith("Done for Zoë: to cook; a book")


async def test_done_with_one_open_closes_it(user: Chat) -> None:
    await says_all(user, "/add Zoë", "/favor Zoë offered to cook")
    assert (await user.says("/favor Zoë done")).startswith("Done for Zoë: to cook.")


# -- arguments that don't parse -------------------------------------------------------------


async def test_snooze_until_a_month(user: Chat) -> None:
    await says_all(user, "/add Raj")
    assert (await user.says("/snooze Raj until January")).startswith(
        "No nudges about Raj until Fri 1 Jan 2027."
    )


async def test_snooze_forever_pauses(user: Chat, app: Services) -> None:
    await says_all(user, "/add June")
    assert (await user.says("/snooze June forever")).startswith("Paused June")
    assert await people_named(app) == ["June"]


async def test_an_interval_too_long_is_said_so(user: Chat, app: Services) -> None:
    await says_all(user, "/add June")
    assert "more than 10 years" in await user.says("/every June 500 years")
    assert await people_named(app) == ["June"]


async def test_forget_twice_and_rename_nobody(user: Chat, app: Services) -> None:
    await says_all(user, "/add Alice")
    await user.says("/forget Alice")
    await user.presses("Yes, forget")
    assert await user.says("/forget Alice") == "There's nobody called Alice in your circles."
    assert user.labels == []
    assert await user.says("/rename Nobody to X") == (
        "There's nobody called Nobody in your circles."
    )
    assert await people_named(app) == []


@pytest.mark.parametrize(
    ("command", "name", "cadence"),
    [
        ("/add Sunny Day", "Sunny Day", "every 3 months"),
        ("/add Sunny Day every week", "Sunny Day", "every week"),
        ("/add Bea weekly", "Bea", "every week"),
    ],
)
async def test_a_trailing_word_is_a_cadence_only_when_it_means_one(
    user: Chat, app: Services, command: str, name: str, cadence: str
) -> None:
    assert (await user.says(command)).startswith(f"Added {name} to friends ({cadence}).")
    assert await people_named(app) == [name]


# -- time zones --------------------------------------------------------------------------


async def test_ist_asks_india_or_israel(user: Chat) -> None:
    question = await user.says("/timezone IST")
    assert question == "Which “IST” do you mean?"
    assert user.labels == ["India (IST)", "Israel (IST)", "Ireland (IST)", "Cancel"]
    assert (await user.presses("India")).startswith("Time zone set to Asia/Kolkata.")
    assert "time zone: Asia/Kolkata" in await user.says("/settings")


async def test_a_fixed_offset_reads_as_utc_plus(user: Chat) -> None:
    assert (await user.says("/timezone UTC+2")).startswith("Time zone set to UTC+2.")
    settings = await user.says("/settings")
    assert "time zone: UTC+2" in settings and "Etc/GMT" not in settings


async def test_a_city_in_several_zones_asks(user: Chat) -> None:
    assert await user.says("/timezone Springfield") == "Which “Springfield” do you mean?"
    assert "Springfield, MA" in user.labels and "Springfield, MO" in user.labels
    assert (await user.presses("Springfield, MA")).startswith("Time zone set to America/New_York.")


async def test_did_you_mean_is_buttons(user: Chat) -> None:
    reply = await user.says("/timezone Lisbn")
    assert reply == "I couldn't find a time zone for “Lisbn”. Did you mean one of these?"
    assert user.labels[0] == "Europe/Lisbon" and user.labels[-1] == "None of these"
    assert (await user.presses("Europe/Lisbon")).startswith("Time zone set to Europe/Lisbon.")


# -- edited messages -------------------------------------------------------------------------


async def test_an_edited_log_is_re_read_within_a_day(
    user: Chat, app: Services, clock: FixedClock
) -> None:
    engine = app.engine
    await says_all(user, "/add Tom")
    await engine.handle(1, "coffee with Tom yesterday", message_ref="t:1")
    [reply] = await engine.edit(1, "t:1", "ran into Tom yesterday")
    assert reply.text == (
        "Corrected your log: running into them, not coffee. "
        "It now reads: running into Tom on Tue 24 Nov. /undo to take it back."
    )
    [same] = await engine.edit(1, "t:1", "ran into Tom yesterday")
    assert same.text == "Your edit reads the same as the log — nothing to change."

    clock.set(clock.now() + timedelta(days=2))
    [late] = await engine.edit(1, "t:1", "dinner with Tom yesterday")
    assert late.text.startswith("That log is more than a day old, so I left it as it was.")
    [other] = await engine.edit(1, "t:2", "dinner with Tom")
    assert other.text.startswith("I saw your edit")
