"""kith on Telegram as a user meets it: messages in, answers and buttons out."""

from __future__ import annotations

from bot.telegram.handlers import NOT_TEXT
from tests.support import FakeBotApi
from tests.telegram.conftest import Kith, TelegramUser


async def test_start_greets(ann: TelegramUser) -> None:
    greeting = await ann.says("/start")
    assert greeting.startswith("Hi! I'm kith")
    assert "/timezone" in greeting


async def test_startup_sets_the_command_menu_and_description(kith: Kith, api: FakeBotApi) -> None:
    menu = {c["command"]: c["description"] for c in api.commands()}
    assert menu == dict(kith.services.engine.command_menu())
    assert {"start", "help", "add", "log", "who", "show"} <= set(menu)
    assert "friendships" in (api.description() or "")
    assert api.short_description()
    # getMe proves the token before anything else; the menu is set before polling starts.
    names = api.method_names()
    assert names[0] == "getMe"
    assert names.index("setMyCommands") < names.index("getUpdates")


async def test_plain_language_log_after_add(ann: TelegramUser) -> None:
    assert "Added Alice to friends" in await ann.says("/add Alice")
    reply = await ann.says("coffee with Alice yesterday")
    assert reply == "Logged coffee with Alice on Tue 24 Nov. /undo to take it back."


async def test_who_and_show(ann: TelegramUser) -> None:
    await ann.says("/add Alice Smith inner")
    await ann.says("/add Bob close")
    await ann.says("coffee with Alice 3 weeks ago")
    who = await ann.says("/who")
    assert "Alice Smith" in who
    card = await ann.says("/show Alice")
    assert card.startswith("Alice Smith — inner, every 2 weeks")
    assert "coffee" in card


async def test_unknown_name_asks_with_buttons_and_add_adds(kith: Kith, ann: TelegramUser) -> None:
    question = await ann.says("dinner with Carla yesterday")
    assert "Carla" in question
    assert any(label.startswith("Add Carla") for label in ann.labels)

    outcome = await ann.taps("Add Carla")

    # The pressed message now shows the outcome; its question buttons gave way to Undo.
    assert "Carla" in outcome and "Logged dinner" in outcome
    assert [label for label, _ in ann.last[0].buttons] == ["↩ Undo"]
    assert await kith.rows("SELECT name, circle FROM people") == [("Carla", "friends")]
    answered = kith.api.calls_of("answerCallbackQuery")
    assert len(answered) == 1 and answered[0].ok


async def test_cancel_button_changes_nothing(kith: Kith, ann: TelegramUser) -> None:
    await ann.says("dinner with Carla yesterday")
    assert await ann.taps("Cancel")
    assert await kith.count("people") == 0
    assert await kith.count("interactions") == 0


async def test_a_button_pressed_twice_says_it_was_answered(
    kith: Kith, api: FakeBotApi, ann: TelegramUser
) -> None:
    await ann.says("/show Zed")
    message, data = ann.button("Add Zed")
    await ann.taps("Add Zed")
    # A second tap on the same (now edited) message, e.g. from another device.
    api.user_taps(ann.id, message.message_id, data, check=False)
    edited = await api.wait_for(
        lambda: "already answered" in (api.message(ann.id, message.message_id).plain_text or ""),
        what="the second press's outcome",
    )
    assert edited
    assert await kith.count("people") == 1


async def test_long_reply_is_split_on_line_breaks(ann: TelegramUser) -> None:
    await ann.says("/add Alice")
    for letter in "xyz":
        await ann.says(f"/note Alice {(letter * 9 + ' ') * 190}")
    card = await ann.says("/show Alice", replies=2)
    first, second = ann.last
    assert len(first.plain_text or "") <= 4096 and len(second.plain_text or "") <= 4096
    assert (first.plain_text or "").startswith("Alice — friends")
    # Cut between lines: every note line is whole in one message or the other.
    for letter in "xyz":
        assert card.count(letter * 9) == 190


async def test_shared_contact_card_adds_the_person(kith: Kith, ann: TelegramUser) -> None:
    reply = await ann.shares_contact("Dana", "Scully")
    assert reply.startswith("Added Dana Scully to friends")
    assert await kith.rows("SELECT name FROM people") == [("Dana Scully",)]
    assert "Dana Scully" in await ann.says("/show Dana")


async def test_a_sent_file_with_nobody_in_it_says_so(kith: Kith, ann: TelegramUser) -> None:
    reply = await ann.sends_document("contacts.vcf", b"BEGIN:VCARD\nEND:VCARD\n")
    assert reply == "I found no contacts in contacts.vcf. The only card had no name."
    assert await kith.count("people") == 0


async def test_other_messages_get_a_hint(kith: Kith, api: FakeBotApi, ann: TelegramUser) -> None:
    with api._lock:  # the fake has no sticker helper; push one the way it pushes texts
        api._user_message(ann.id, None, "private", None, None, {"sticker": _STICKER})
    await api.wait_for_messages(ann.id, 1)
    assert api.texts_to(ann.id) == [NOT_TEXT]
    assert await kith.count("people") == 0


async def test_every_keyboard_fits_telegrams_callback_limit(
    api: FakeBotApi, ann: TelegramUser
) -> None:
    await ann.says("/add Alice Smith")
    await ann.says("/add Alice Wong")
    await ann.says("lunch with Alice")  # ambiguous: which Alice?
    await ann.says("dinner with Bartholomew-Maximilian Featherstonehaugh and Zoë Ångström")
    await ann.says("/forget Alice Smith")
    sent = [c for c in api.calls if c.method in ("sendMessage", "editMessageText")]
    datas = [data for c in sent for _, data in api.buttons(c.params.get("reply_markup") or {})]
    assert len(datas) >= 5
    assert all(0 < len(d.encode()) <= 64 for d in datas), datas


_STICKER = {
    "file_id": "CAACAgIAAx0",
    "file_unique_id": "AgAD",
    "type": "regular",
    "width": 512,
    "height": 512,
    "is_animated": False,
    "is_video": False,
}


async def test_circles_comes_as_a_photo_with_a_short_caption(
    kith: Kith, api: FakeBotApi, ann: TelegramUser
) -> None:
    await ann.says("/add Alice Smith inner")
    await ann.says("coffee with Alice 3 weeks ago")

    await ann.says("/circles")

    [photo] = ann.last
    assert photo.method == "sendPhoto"
    assert photo.caption == "1 person · 1 to reach out to"
    assert photo.document is not None and photo.document.content.startswith(b"\x89PNG")
    assert not api.calls_of("sendDocument")
