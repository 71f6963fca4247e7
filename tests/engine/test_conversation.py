"""The engine as a user meets it: what they say, what kith answers."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.compose import Services
from bot.core.clock import FixedClock
from tests.conversation import Chat, kith


async def test_start_greets_and_asks_for_a_city(user: Chat) -> None:
    reply = await user.says("/start")
    assert "kith" in reply
    assert "/timezone" in reply and "city" in reply


async def test_help_lists_every_command_with_an_example(user: Chat) -> None:
    reply = await user.says("/help")
    for command in ("/add", "/log", "/who", "/show", "/undo", "/forget", "/timezone", "/digest"):
        assert command in reply
    assert "/add Alice Smith close every 3 weeks" in reply


async def test_add_then_show(user: Chat) -> None:
    assert await user.says("/add Alice Smith inner") == (
        "Added Alice Smith to inner (every 2 weeks). /undo to take it back."
    )
    card = await user.says("/show alice")
    assert card.startswith("Alice Smith — inner, every 2 weeks")
    assert "Not logged yet" in card


async def test_add_with_own_cadence(user: Chat) -> None:
    reply = await user.says("/add Bob Lee close every 3 weeks")
    assert reply == "Added Bob Lee to close (every 3 weeks). /undo to take it back."


async def test_add_lands_in_friends_by_default(user: Chat) -> None:
    assert "to friends (every 3 months)" in await user.says("/add Carla")


async def test_add_twice_is_refused(user: Chat) -> None:
    await user.says("/add Alice Smith")
    reply = await user.says("/add alice smith")
    assert "already in your friends circle" in reply
    assert "Alice Smith" in await user.says("/people")


async def test_plain_language_log_says_exactly_what_was_understood(user: Chat) -> None:
    await user.says("/add Alice Smith")
    reply = await user.says("had coffee with Alice yesterday — she's moving to Lisbon in March")
    assert reply == (
        "Logged coffee with Alice Smith on Tue 24 Nov — note: she's moving to Lisbon in March. "
        "/undo to take it back."
    )
    card = await user.says("/show Alice")
    assert "Last: coffee on Tue 24 Nov (yesterday)" in card
    assert "she's moving to Lisbon in March" in card


async def test_log_with_several_people(user: Chat) -> None:
    await user.says("/add Alice Smith")
    await user.says("/add Bob Lee")
    reply = await user.says("/log dinner with Alice and Bob on Friday")
    assert reply.startswith("Logged dinner with Alice Smith and Bob Lee on Fri 20 Nov")
    assert "Alice Smith" in await user.says("/show Bob")


async def test_future_date_is_refused_with_a_reason(user: Chat) -> None:
    await user.says("/add Alice")
    reply = await user.says("coffee with Alice 12 December")
    assert "future" in reply
    assert "Not logged yet" in await user.says("/show Alice")


async def test_unknown_name_asks_with_buttons_and_can_add(user: Chat) -> None:
    reply = await user.says("lunch with Carla today")
    assert "Carla" in reply
    assert "Add Carla to friends" in user.labels
    assert "Not a person" in user.labels
    reply = await user.presses("Add Carla")
    assert reply.startswith("Logged lunch with Carla on Wed 25 Nov")
    assert "Added Carla to friends" in reply
    assert "Last: lunch" in await user.says("/show Carla")


async def test_not_a_person_skips_the_name(user: Chat) -> None:
    await user.says("/add Alice")
    await user.says("coffee with Alice and Starbucks")
    reply = await user.presses("Not a person")
    assert reply.startswith("Logged coffee with Alice on")
    assert "Starbucks" not in reply


async def test_ambiguous_name_asks_which(user: Chat) -> None:
    await user.says("/add Alice Smith")
    await user.says("/add Alice Wong")
    reply = await user.says("walk with Alice yesterday")
    assert "Which Alice" in reply
    assert user.labels[:2] == ["Alice Smith", "Alice Wong"]
    reply = await user.presses("Alice Wong")
    assert reply.startswith("Logged a walk with Alice Wong on Tue 24 Nov")


async def test_answering_an_old_question_twice_is_harmless(user: Chat) -> None:
    await user.says("lunch with Carla today")
    button = user.button("Add Carla")
    await user.presses("Add Carla")
    replies = await user.engine.press(user.owner, button.data)
    assert "already answered" in replies[0].text
    assert (await user.says("/people")).count("Carla") == 1


async def test_who_lists_most_overdue_first_grouped(user: Chat, clock: FixedClock) -> None:
    await user.says("/add Alice inner")
    await user.says("/add Bob close")
    await user.says("/add Carol friends")
    await user.says("coffee with Alice 3 weeks ago")  # 21/14 = 1.5
    await user.says("call with Bob 2 months ago")  # ~61/30 = 2.0
    await user.says("lunch with Carol yesterday")  # not due
    reply = await user.says("who haven't I seen?")
    assert reply.index("Bob") < reply.index("Alice")
    assert "Carol" not in reply
    assert "close" in reply and "inner" in reply


async def test_who_with_nobody_due(user: Chat) -> None:
    await user.says("/add Alice inner")
    await user.says("coffee with Alice today")
    assert "Nobody's overdue" in await user.says("/who")


async def test_who_lists_never_logged_apart(user: Chat, clock: FixedClock) -> None:
    await user.says("/add Dan inner")
    clock.advance(timedelta(days=20))
    reply = await user.says("/who")
    assert "Not logged yet:" in reply and "Dan" in reply


async def test_who_by_circle_and_tag(user: Chat, clock: FixedClock) -> None:
    await user.says("/add Alice inner")
    await user.says("/add Bob inner")
    await user.says("/tag Bob #climbing")
    clock.advance(timedelta(days=30))
    assert "Alice" in await user.says("/who inner")
    reply = await user.says("/who #climbing")
    assert "Bob" in reply and "Alice" not in reply
    assert "no circle called" in await user.says("/who martians")


async def test_circle_every_snooze(user: Chat, clock: FixedClock) -> None:
    await user.says("/add Alice")
    assert "Moved Alice to inner (every 2 weeks)" in await user.says("/circle Alice inner")
    assert "Alice: every 3 weeks from now on" in await user.says("/every Alice 3 weeks")
    assert "Paused Alice" in await user.says("/every Alice never")
    await user.says("/every Alice 1 week")
    clock.advance(timedelta(days=10))
    assert "Alice" in await user.says("/who")
    assert "No nudges about Alice until Sat 12 Dec" in await user.says("/snooze Alice")
    assert "Nobody's overdue" in await user.says("/who")


async def test_note_ask_favor_date_show_on_the_card(user: Chat) -> None:
    await user.says("/add Alice Smith")
    assert "Noted for Alice Smith: loves jazz" in await user.says("/note Alice loves jazz")
    reply = await user.says("/ask Alice how the move went")
    assert "ask how the move went" in reply
    assert "You offered Alice Smith" in await user.says("/favor Alice offered help with boxes")
    assert "birthday: 12 March" in await user.says("/date Alice birthday 12 March")
    card = await user.says("/show Alice")
    assert "loves jazz" in card
    assert "how the move went" in card
    assert "help with boxes" in card
    assert "Birthday: 12 Mar" in card
    assert "Done for Alice Smith" in await user.says("/favor Alice done")
    assert "help with boxes" not in await user.says("/show Alice")


async def test_tags_and_aliases(user: Chat) -> None:
    await user.says("/add Robert Jones")
    assert "also goes by Bob" in await user.says("/alias Robert Bob")
    assert "Robert Jones — friends" in await user.says("/show bob")
    assert "#climbing #neighbor" in await user.says("/tag Bob #climbing #neighbor")
    assert "#neighbor" in await user.says("/tag Bob -#climbing")
    assert "#climbing" not in await user.says("/show Bob")


async def test_rename(user: Chat) -> None:
    await user.says("/add Ali")
    assert "Renamed Ali to Alice Smith" in await user.says("/rename Ali to Alice Smith")
    assert (await user.says("/show Alice Smith")).startswith("Alice Smith")


async def test_forget_asks_first_then_undo_brings_back(user: Chat) -> None:
    await user.says("/add Alice")
    await user.says("coffee with Alice yesterday")
    await user.says("/note Alice loves jazz")
    reply = await user.says("/forget Alice")
    assert "Forget Alice" in reply
    assert "Kept Alice" in await user.presses("No")
    await user.says("/forget Alice")
    assert "Forgot Alice" in await user.presses("Yes")
    assert "don't know anyone called Alice" in await user.says("/show Alice")
    assert "Undone: forgot Alice" in await user.says("/undo")
    card = await user.says("/show Alice")
    assert "loves jazz" in card and "Last: coffee" in card


async def test_undo_each_kind_of_change(user: Chat) -> None:
    await user.says("/add Alice")
    await user.says("coffee with Alice yesterday")
    assert "Undone: logged coffee with Alice" in await user.says("/undo")
    assert "Not logged yet" in await user.says("/show Alice")
    for command, check in (
        ("/circle Alice inner", "— inner"),
        ("/every Alice 3 weeks", "every 3 weeks"),
        ("/note Alice loves jazz", "loves jazz"),
        ("/ask Alice about the trip", "about the trip"),
        ("/favor Alice got a lift", "a lift"),
        ("/date Alice birthday 3 April", "3 Apr"),
        ("/tag Alice #work", "#work"),
        ("/alias Alice Ally", "Ally"),
        ("/snooze Alice 3 days", "snoozed until"),
    ):
        await user.says(command)
        assert check in await user.says("/show Alice"), command
        assert "Undone" in await user.says("/undo"), command
        assert check not in await user.says("/show Alice"), command
    await user.says("/rename Alice to Alicia")
    await user.says("/undo")
    assert (await user.says("/show Alice")).startswith("Alice —")
    assert "Undone: added Alice" in await user.says("/undo")
    assert "There's nothing to undo" in await user.says("/undo")


async def test_settings_timezone_and_digest(user: Chat) -> None:
    assert "Europe/Lisbon" in await user.says("/timezone Lisbon")
    assert "08:30" in await user.says("/digest 8:30")
    settings = await user.says("/settings")
    assert "Europe/Lisbon" in settings and "08:30" in settings
    assert "Digest off" in await user.says("/digest off")
    assert "couldn't find a time zone" in await user.says("/timezone Atlantis-on-Sea")
    assert "Undone: turned the digest off" in await user.says("/undo")
    assert "08:30" in await user.says("/settings")


async def test_deleteme_asks_then_deletes_everything(user: Chat, app: Services) -> None:
    await user.says("/add Alice")
    await user.says("coffee with Alice today")
    await user.says("/deleteme")
    assert "Nothing deleted" in await user.presses("No")
    await user.says("/deleteme")
    assert "everything you told me is deleted" in await user.presses("Yes")
    assert await app.store.people(user.owner) == ()
    assert await app.store.settings(user.owner) is None  # the owner is gone too
    assert await app.store.undo(user.owner) is None  # and nothing of theirs to undo
    assert "Nobody here yet" in await user.says("/people")


async def test_data_survives_closing_and_reopening(db_path: Path, clock: FixedClock) -> None:
    async with kith(db_path, clock) as app:
        user = Chat(app.engine)
        await user.says("/add Alice inner")
        await user.says("coffee with Alice yesterday — she's moving")
        await user.says("/note Alice loves jazz")
    async with kith(db_path, clock) as app:
        user = Chat(app.engine)
        card = await user.says("/show Alice")
        assert "Last: coffee" in card and "loves jazz" in card
        assert "Undone: noted about Alice" in await user.says("/undo")


async def test_unknown_command_and_gibberish_get_hints(user: Chat) -> None:
    assert "/help" in await user.says("/frobnicate")
    assert "didn't catch that" in await user.says("the weather is nice")
    assert "Tell me about someone" in await user.says("   ")


async def test_card_mentions_a_birthday_coming_up(user: Chat) -> None:
    await user.says("/add Alice")
    await user.says("/date Alice birthday 28 November 1990")
    assert "Birthday: 28 Nov 1990 — in 3 days (Sat 28 Nov), turns 36" in await user.says(
        "/show Alice"
    )
    await user.says("/date Alice birthday 3 June")
    card = await user.says("/show Alice")
    assert "Birthday: 3 Jun" in card and "in " not in card.split("Birthday:")[1].split("\n")[0]


async def test_a_newcomer_can_answer_start_with_just_a_city(user: Chat) -> None:
    await user.says("/start")
    assert "Time zone set to Europe/Lisbon" in await user.says("Lisbon")
    await user.says("/add Paris Hilton")
    assert "Time zone" not in await user.says("Paris")
    assert "Europe/Lisbon" in await user.says("/settings")


async def test_just_a_name_shows_the_card(user: Chat) -> None:
    await user.says("/add Paris Hilton")
    assert (await user.says("paris")).startswith("Paris Hilton — friends")
    assert "didn't catch that" in await user.says("Madrid")


async def test_everyday_commands_work_without_the_slash(user: Chat) -> None:
    await user.says("/add Alice Smith")
    assert "ask how the move went" in await user.says("ask Alice how the move went")
    assert "Noted for Alice Smith: loves jazz" in await user.says("note Alice loves jazz")
    assert "Undone: noted about Alice Smith" in await user.says("undo")
    assert (await user.says("date with Alice yesterday")).startswith("Logged")
