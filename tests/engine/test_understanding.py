"""What kith says to messages that are not meetings, and to answers typed in words.

Today is Wed 25 Nov 2026 (tests/conversation.py); the user's zone is UTC, whose date
order is unclear, so a numeric day that reads two ways is asked about once.
"""

from __future__ import annotations

from bot.compose import Services
from tests.conversation import Chat


async def _people(user: Chat, *names: str) -> None:
    for name in names:
        assert "Added" in await user.says(f"/add {name}")


async def _last_contact(app: Services, name: str) -> object:
    people = await app.store.people(1)
    return next(p.last_contact for p in people if p.name == name)


async def test_a_plan_is_not_logged_and_can_become_a_follow_up(user: Chat, app: Services) -> None:
    await _people(user, "Sara Khan")
    reply = await user.says("going to ring Sara later")
    assert "Logged" not in reply
    assert "haven't logged anything" in reply
    assert user.labels == ["Yes, keep it as a follow-up", "No thanks"]
    assert "Next time with Sara Khan, ask about going to ring Sara later" in await user.presses(
        "Yes"
    )
    assert await _last_contact(app, "Sara Khan") is None


async def test_a_future_day_says_so_and_logs_nothing(user: Chat, app: Services) -> None:
    await _people(user, "Ana Costa")
    reply = await user.says("brunch with Ana tomorrow am")
    assert reply.startswith("Thu 26 Nov is in the future, so I haven't logged anything.")
    assert "in 3 days" not in reply
    assert "Sat 28 Nov is in the future" in await user.says("coffee with Ana in 3 days")
    assert await _last_contact(app, "Ana Costa") is None


async def test_a_birthday_statement_offers_to_save_the_birthday(user: Chat, app: Services) -> None:
    await _people(user, "Ravi Patel")
    reply = await user.says("Ravi's birthday is 3 May")
    assert reply == "Not a meeting, so nothing logged. Save Ravi Patel's birthday as 3 May?"
    assert "Ravi Patel's birthday: 3 May" in await user.says("yes")  # typed, not pressed
    assert await _last_contact(app, "Ravi Patel") is None
    assert "Ravi Patel's birthday is 3 May — next on Mon 3 May 2027" in await user.says(
        "what's Ravi's birthday?"
    )


async def test_not_seen_for_months_shows_the_last_contact_and_offers_a_snooze(
    user: Chat, app: Services
) -> None:
    await _people(user, "Ravi Patel")
    await user.says("coffee with Ravi 3 weeks ago")
    reply = await user.says("not seen Ravi for months")
    assert reply.startswith("Your last coffee with Ravi Patel was on Wed 4 Nov (3 weeks ago).")
    assert user.labels == [
        "Log a catch-up with Ravi Patel today",
        "Snooze Ravi Patel for 2 weeks",
        "Leave it",
    ]
    assert "No nudges about Ravi Patel until Wed 9 Dec" in await user.presses("Snooze")
    assert str(await _last_contact(app, "Ravi Patel")) == "2026-11-04"


async def test_not_seen_can_log_one_today_with_a_press(user: Chat, app: Services) -> None:
    await _people(user, "Omar Haddad")
    await user.says("haven't talked to Omar in ages")
    assert user.text.startswith("I have nothing logged with Omar Haddad yet.")
    assert "Logged a catch-up with Omar Haddad on Wed 25 Nov" in await user.presses("Log")


async def test_cancellations_and_news_log_nothing(user: Chat, app: Services) -> None:
    await _people(user, "Nora Quinn", "Priya Shah")
    assert "haven't logged anything" in await user.says("called off drinks with Nora")
    reply = await user.says("Priya is moving to Berlin")
    assert "news about Priya Shah" in reply and "Logged" not in reply
    assert "Noted for Priya Shah: Priya is moving to Berlin" in await user.presses("note")
    assert await _last_contact(app, "Nora Quinn") is None
    assert await _last_contact(app, "Priya Shah") is None


async def test_plain_questions(user: Chat) -> None:
    await _people(user, "Ben Carter", "Alice Smith", "Kenji Tanaka")
    await user.says("lunch with Ben on Monday")
    assert await user.says("when did I last see Ben?") == (
        "Your last lunch with Ben Carter was on Mon 23 Nov (2 days ago)."
    )
    assert await user.says("who did I see this week?") == "This week you saw Ben Carter."
    assert (await user.says("tell me about Alice Smith")).startswith("Alice Smith — friends")
    assert (await user.says("move Kenji to wider")).startswith("Moved Kenji Tanaka to wider")
    assert "birthday yet" in await user.says("what's Alice's birthday?")


async def test_chit_chat_gets_a_warm_line_and_a_near_command_a_hint(user: Chat) -> None:
    assert await user.says("thanks") == "Any time! 🌿"
    assert (await user.says("hi")).startswith("Hi! 👋")
    assert "Did you mean /help?" in await user.says("/hel")


async def test_a_typed_name_answers_which_one(user: Chat) -> None:
    await _people(user, "Alice Smith", "Alice Wong")
    assert "Which Alice" in await user.says("coffee with Alice")
    assert (await user.says("Wong")).startswith("Logged coffee with Alice Wong on Wed 25 Nov")


async def test_a_question_left_open_is_dropped_with_a_word(user: Chat, app: Services) -> None:
    await _people(user, "Alice Smith", "Alice Wong")
    await user.says("coffee with Alice")
    wong = user.button("Alice Wong")
    reply = await user.says("thanks")
    assert reply.startswith("(I've let my question go: “Which Alice did you see?”)")
    assert "Any time!" in reply
    [late] = await user.engine.press(user.owner, wong.data)
    assert "already answered" in late.text
    assert await _last_contact(app, "Alice Wong") is None


async def test_what_should_i_note_takes_the_next_message(user: Chat) -> None:
    await _people(user, "Lena Fischer")
    assert await user.says("/note Lena") == "What should I note about Lena Fischer?"
    assert (await user.says("loves bouldering")).startswith(
        "Noted for Lena Fischer: loves bouldering."
    )


async def test_an_ambiguous_numeric_day_is_asked_once_and_remembered(user: Chat) -> None:
    await _people(user, "Omar Haddad")
    reply = await user.says("lunch with Omar on 3/11")
    assert reply.startswith("Is 3/11 Tue 3 Nov or Wed 11 Mar?")
    assert (await user.presses("day first")).startswith(
        "Logged lunch with Omar Haddad on Tue 3 Nov"
    )
    assert "date order: dmy" in await user.says("/settings")
    assert "on Wed 4 Nov" in await user.says("drinks with Omar 4/11")
    assert "on Sat 14 Nov" in await user.says("coffee with Omar 11/14")  # reads one way only


async def test_date_order_command_and_time_zone_default(user: Chat) -> None:
    await _people(user, "Zoë Martin")
    assert "not set" in await user.says("/settings")
    await user.says("/timezone America/New_York")
    assert "date order: mdy (from your time zone)" in await user.says("/settings")
    assert "on Wed 4 Nov" in await user.says("/log coffee with Zoë 11/4")
    assert (await user.says("/dateorder dmy")).startswith("Got it: 14/11 is 14 November.")
    assert "on Wed 11 Nov" in await user.says("/log walk with Zoë 11/11")
    assert "on Sat 7 Nov" in await user.says("/log tea with Zoë 7/11")


async def test_a_date_word_that_could_not_be_read_is_said(user: Chat) -> None:
    await _people(user, "Nina Petrova")
    reply = await user.says("lunch with Nina on the 3st")
    assert reply.startswith(
        "Logged lunch with Nina Petrova on Wed 25 Nov (today — I couldn't read “on the 3st”)"
    )


async def test_accents_and_relatives(user: Chat) -> None:
    await _people(user, "Zoë Martin", "María José Ruiz", "Priya Shah", "Ben Carter")
    assert (await user.says("coffee with zoe")).startswith("Logged coffee with Zoë Martin")
    assert (await user.says("lunch with Maria Jose")).startswith(
        "Logged lunch with María José Ruiz"
    )
    reply = await user.says("coffee with Priya, her sister is getting married")
    assert reply.startswith("Logged coffee with Priya Shah on Wed 25 Nov")
    assert (await user.says("lunch with Ben and his wife")).startswith(
        "Logged lunch with Ben Carter on Wed 25 Nov"
    )


async def test_a_date_order_kith_cannot_read_is_said_not_ignored(user: Chat) -> None:
    reply = await user.says("/dateorder xyz")
    assert "I can't read “xyz” as a date order" in reply
    assert "/dateorder dmy, mdy or ymd" in reply


async def test_a_log_logged_after_the_date_order_question_can_still_be_corrected_by_an_edit(
    user: Chat, app: Services
) -> None:
    await _people(user, "Omar Haddad")
    [question] = await app.engine.handle(1, "lunch with Omar on 3/11", message_ref="t:7")
    assert question.text.startswith("Is 3/11 Tue 3 Nov or Wed 11 Mar?")
    [day_first] = [b for b in question.flat_buttons if "day first" in b.label]
    [logged, *_] = await app.engine.press(1, day_first.data)
    assert logged.text.startswith("Logged lunch with Omar Haddad")
    [fixed] = await app.engine.edit(1, "t:7", "dinner with Omar on 3/11")
    assert fixed.text.startswith("Corrected your log: dinner, not lunch.")


async def test_a_name_question_answered_after_that_person_was_forgotten_logs_nothing(
    user: Chat, app: Services
) -> None:
    await _people(user, "Tom Ang", "Tom Berg")
    [question] = await app.engine.handle(1, "coffee with Tom")
    assert question.text == "Which Tom did you see?"
    await user.says("/forget Tom Ang")
    await user.presses("Yes, forget Tom Ang")
    [answer] = await app.engine.press(1, question.flat_buttons[0].data)
    assert answer.text == "Nobody in that log is in your people any more — nothing was logged."
    assert "coffee" not in await user.says("/show Tom Berg")
