"""Odd, hostile or mistaken input gets a friendly reply and never a half-made change."""

from __future__ import annotations

import pytest

from bot.compose import Services
from tests.conversation import Chat
from tests.engine.observe import account

COMMANDS_WITH_A_NAME = [
    "/show",
    "/circle",
    "/every",
    "/note",
    "/ask",
    "/tag",
    "/alias",
    "/favor",
    "/date",
    "/snooze",
    "/forget",
    "/rename",
]


async def count(app: Services, what: str) -> int:
    """How many people, interactions or notes the user has, read through the store."""
    doc = await account(app, 1)
    return {
        "people": len(doc.people),
        "interactions": len(doc.interactions),
        "notes": sum(len(p.notes) for p in doc.people),
    }[what]


@pytest.mark.parametrize("command", [*COMMANDS_WITH_A_NAME, "/add", "/log"])
async def test_every_command_without_arguments_explains_itself(user: Chat, command: str) -> None:
    reply = await user.says(command)
    assert "e.g." in reply or "Usage" in reply or "Who" in reply or "What" in reply
    assert "Traceback" not in reply


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/show Zed", "I don't know anyone called Zed"),
        ("/note Zed likes tea", "I don't know anyone called Zed"),
        ("/circle Zed inner", "I don't know anyone called Zed"),
        ("/every Zed 2 weeks", "I don't know anyone called Zed"),
    ],
)
async def test_unknown_person_is_asked_about_not_guessed(
    user: Chat, app: Services, command: str, expected: str
) -> None:
    await user.says("/add Alice")
    assert expected in await user.says(command)
    assert "Cancel" in user.labels
    assert await count(app, "notes") == 0


async def test_unknown_person_can_be_added_from_the_question(user: Chat) -> None:
    await user.says("/note Zed likes tea")
    reply = await user.presses("Add Zed")
    assert reply.startswith("Noted for Zed: likes tea")


async def test_typo_in_a_name_finds_the_person(user: Chat) -> None:
    await user.says("/add Alice Smith")
    assert (await user.says("/show Alcie")).startswith("Alice Smith —")


async def test_ambiguous_command_asks_which(user: Chat) -> None:
    await user.says("/add Alice Smith")
    await user.says("/add Alice Wong")
    assert "Which Alice" in await user.says("/note Alice likes tea")
    assert "Noted for Alice Wong" in await user.presses("Alice Wong")


async def test_ten_thousand_characters(user: Chat, app: Services) -> None:
    await user.says("/add Alice")
    reply = await user.says("coffee with Alice " + "x" * 10_000)
    assert "10,018 characters" in reply
    assert await count(app, "interactions") == 0
    assert "keep it under" in await user.says("/add " + "A" * 500)
    assert await count(app, "people") == 1


@pytest.mark.parametrize("name", ["🌸 Mei", "محمد علي", "דנה לוי", "O'Brien", 'Ann "Nan" Lee'])
async def test_emoji_rtl_and_quoted_names(user: Chat, name: str) -> None:
    assert f"Added {name} to friends" in await user.says(f"/add {name}")
    assert (await user.says(f"/show {name}")).startswith(name)
    assert f"Logged coffee with {name}" in await user.says(f"/log coffee with {name} yesterday")


async def test_sql_in_input_is_just_text(user: Chat, app: Services) -> None:
    evil = "Robert'); DROP TABLE people;--"
    reply = await user.says(f"/add {evil}")
    assert "Added Robert'); DROP TABLE people;-- to friends" in reply
    await user.says("/note Robert '; DELETE FROM notes; -- hi")
    assert await count(app, "people") == 1
    assert "DELETE FROM notes" in await user.says("/show Robert")


async def test_unicode_names_match_regardless_of_case(user: Chat) -> None:
    await user.says("/add María José")
    assert (await user.says("/show maría josé")).startswith("María José")
    assert (await user.says("/show MARÍA JOSÉ")).startswith("María José")


@pytest.mark.parametrize(
    "text",
    [
        "coffee with Alice on 31 February",
        "coffee with Alice 2027-01-05",
        "coffee with Alice tomorrow",
    ],
)
async def test_impossible_and_future_dates(user: Chat, app: Services, text: str) -> None:
    await user.says("/add Alice")
    reply = await user.says(text)
    assert "Logged" not in reply
    assert await count(app, "interactions") == 0


async def test_bad_intervals_and_circles(user: Chat) -> None:
    await user.says("/add Alice")
    assert "didn't get “sometimes” as a length of time" in await user.says("/every Alice sometimes")
    assert "no circle called “galaxy”" in await user.says("/circle Alice galaxy")
    assert "Tags look like #climbing" in await user.says("/tag Alice climbing")
    assert "Say gave, got or offered" in await user.says("/favor Alice lent a drill")
    assert "Alice" in await user.says("/show Alice")


async def test_control_characters_are_dropped(user: Chat) -> None:
    assert "Added Alice Bell to friends" in await user.says("/add Alice\x00 Bell\x07")


async def test_names_that_cannot_be_names(user: Chat) -> None:
    assert "doesn't look like a name" in await user.says("/add ???")
    assert "can't start with" in await user.says("/add #work")


async def test_buttons_with_forged_data(user: Chat) -> None:
    for data in ("q:999:0", "q:abc:1", "zz:1", "q:", "n:r:notanumber"):
        replies = await user.engine.press(user.owner, data)
        assert replies and "Traceback" not in replies[0].text


async def test_emoji_joined_with_zero_width_joiners_stay_whole(user: Chat) -> None:
    assert "Added 👩‍👩‍👧 Family to friends" in await user.says("/add 👩‍👩‍👧 Family")
