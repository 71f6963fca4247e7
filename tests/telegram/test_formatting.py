"""Telegram formatting: names in bold, everything a user typed escaped, Undo buttons.

The bot sends HTML (`parse_mode="HTML"`). The fake Bot API keeps both what was sent
(`text`, the HTML) and what the user sees (`plain_text`, the HTML parsed).
"""

from __future__ import annotations

from tests.telegram.conftest import Kith, TelegramUser


async def test_names_are_bold_and_user_text_is_escaped(kith: Kith, ann: TelegramUser) -> None:
    await ann.says("/add Eve <script>& Co</b>")
    await ann.says("/note Eve <b>big</b> & <script>alert(1)</script>")

    card = await ann.says("/show Eve")

    [message] = ann.last
    assert message.parse_mode == "HTML"
    # What Ann sees is exactly what she typed: no tag was taken as markup.
    assert card.startswith("Eve <script>& Co</b> — friends")
    assert "<b>big</b> & <script>alert(1)</script>" in card
    # What was sent: the name in bold, every character of hers escaped.
    assert message.text.startswith("<b>Eve &lt;script&gt;&amp; Co&lt;/b&gt;</b> — friends")
    assert "&lt;b&gt;big&lt;/b&gt; &amp; &lt;script&gt;" in message.text


async def test_the_terminal_text_of_the_same_reply_stays_plain(kith: Kith) -> None:
    replies = await kith.services.engine.handle(9, "/add Zoë inner")
    assert replies[0].text == "Added Zoë to inner (every 2 weeks). /undo to take it back."
    assert "<b>" not in replies[0].text


async def test_a_confirmation_carries_an_undo_button(kith: Kith, ann: TelegramUser) -> None:
    await ann.says("/add Alice")
    reply = await ann.says("coffee with Alice yesterday")
    assert reply.startswith("Logged coffee with Alice on Tue 24 Nov.")
    assert [label for label, _ in ann.last[0].buttons] == ["↩ Undo"]

    undone = await ann.taps("Undo")

    assert undone == "Undone: logged coffee with Alice on Tue 24 Nov."
    assert await kith.count("interactions") == 0


async def test_an_old_undo_button_never_undoes_a_newer_change(
    kith: Kith, ann: TelegramUser
) -> None:
    await ann.says("/add Alice")
    await ann.says("coffee with Alice yesterday")
    old_message = ann.last[0]
    await ann.says("/note Alice loves jazz")
    [(_, old_undo)] = old_message.buttons

    kith.api.user_taps(ann.id, old_message.message_id, old_undo)
    edited = await kith.api.wait_for(
        lambda: (
            (m := kith.api.message(ann.id, old_message.message_id)).edit_count
            > old_message.edit_count
            and m
        ),
        3.0,
        what="the old message edited",
    )

    assert "newer changes came after it" in (edited.plain_text or "")
    assert await kith.count("interactions") == 1
    assert await kith.count("notes") == 1


async def test_questions_and_lists_have_no_undo_button(ann: TelegramUser) -> None:
    await ann.says("/add Alice")
    await ann.says("/who")
    assert all(label != "↩ Undo" for label, _ in ann.last[0].buttons)
    await ann.says("/forget Alice")
    assert [label for label, _ in ann.last[0].buttons] == ["Yes, forget Alice", "No, keep them"]


async def test_a_card_has_log_today_snooze_and_note(kith: Kith, ann: TelegramUser) -> None:
    await ann.says("/add Alice inner")
    await ann.says("/show Alice")
    assert [label for label, _ in ann.last[0].buttons] == ["Log today", "Snooze", "Note"]

    logged = await ann.taps("Log today")
    assert logged == "Logged a catch-up with Alice on Wed 25 Nov. /undo to take it back."
    assert await kith.count("interactions") == 1

    await ann.says("/show Alice")
    snoozed = await ann.taps("Snooze")
    assert snoozed == "No nudges about Alice until Wed 2 Dec. /undo to take it back."

    await ann.says("/show Alice")
    assert "note Alice" in await ann.taps("Note")


async def test_ist_on_telegram_is_a_question_with_buttons(ann: TelegramUser) -> None:
    assert await ann.says("/timezone IST") == "Which “IST” do you mean?"
    assert [label for label, _ in ann.last[0].buttons][:2] == ["India (IST)", "Israel (IST)"]
    reply = await ann.taps("Israel")
    assert reply.startswith("Time zone set to Asia/Jerusalem.")


# -- edited messages -------------------------------------------------------------------


async def edit(kith: Kith, ann: TelegramUser, message_id: int, text: str) -> str:
    before = len(kith.api.sent_to(ann.id))
    kith.api.user_edits(ann.id, message_id, text)
    sent = await kith.api.wait_for_messages(ann.id, before + 1, timeout=3.0)
    ann.last = sent[before:]
    return "\n".join(m.plain_text or "" for m in ann.last)


def my_last_message_id(kith: Kith, ann: TelegramUser) -> int:
    # The user's messages are numbered in the chat with the bot's: the bot's reply
    # to a message comes right after it.
    return ann.last[0].message_id - 1


async def test_editing_a_log_corrects_it(kith: Kith, ann: TelegramUser) -> None:
    await ann.says("/add Alice")
    await ann.says("/add Bob")
    await ann.says("coffee with Alice yesterday")
    logged = my_last_message_id(kith, ann)

    reply = await edit(kith, ann, logged, "lunch with Bob on Monday — he got the job")

    assert reply == (
        "Corrected your log: lunch, not coffee; Mon 23 Nov, not Tue 24 Nov; "
        "with Bob, not Alice; note: he got the job. "
        "It now reads: lunch with Bob on Mon 23 Nov. /undo to take it back."
    )
    assert await kith.rows(
        "SELECT i.day, i.kind, p.name FROM interactions i "
        "JOIN interaction_people ip ON ip.interaction_id = i.id "
        "JOIN people p ON p.id = ip.person_id"
    ) == [("2026-11-23", "lunch", "Bob")]
    assert "Not logged yet" in await ann.says("/show Alice")
    assert "Undone: corrected the log" in await ann.says("/undo")
    assert "coffee" in await ann.says("/show Alice")


async def test_editing_anything_else_is_ignored_politely(kith: Kith, ann: TelegramUser) -> None:
    await ann.says("/add Alice")
    await ann.says("/who")
    reply = await edit(kith, ann, my_last_message_id(kith, ann), "/people")
    assert reply.startswith("I saw your edit — only the message of a log can be corrected")
    assert await kith.count("interactions") == 0


async def test_an_edit_naming_someone_unknown_changes_nothing(
    kith: Kith, ann: TelegramUser
) -> None:
    await ann.says("/add Alice")
    await ann.says("coffee with Alice yesterday")
    reply = await edit(kith, ann, my_last_message_id(kith, ann), "coffee with Zed yesterday")
    assert "I don't know who “Zed” is" in reply
    assert await kith.count("people") == 1
    assert await kith.rows("SELECT kind, day FROM interactions") == [("coffee", "2026-11-24")]
