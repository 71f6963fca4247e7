"""The fake Bot API itself, proven with a bare python-telegram-bot echo bot.

In-process (FakeRequest) for most tests; the loopback HTTP face for real-socket round trips.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import json
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import AsyncIterator
from typing import Any

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.support import TOKEN, FakeBotApi, LoopbackServer, WaitTimeout, fake_application_builder
from tests.support.loopback import parse_multipart

USER = 42
VCARD = b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Bea\r\nEND:VCARD\r\n\x00\xff"

AnyApp = Application[Any, Any, Any, Any, Any, Any]


# --------------------------------------------------------------------------- the echo bot


def add_echo_handlers(app: AnyApp) -> list[BaseException]:
    """Echo text, offer a button on /start, edit on tap, report document sizes."""
    errors: list[BaseException] = []

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message
        keyboard = [[InlineKeyboardButton("Snooze 1w", callback_data="snz:1:7")]]
        await update.effective_message.reply_text(
            "Hi <b>Ann</b>", parse_mode="HTML", reply_markup=InlineKeyboardMarkup(keyboard)
        )

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message and update.effective_message.text
        await update.effective_message.reply_text(update.effective_message.text)

    async def tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query and isinstance(query.message, Message)
        await query.answer("Snoozed")
        await query.edit_message_text(f"{query.message.text} -> {query.data}")

    async def document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message and update.message.document
        file = await update.message.document.get_file()
        data = bytes(await file.download_as_bytearray())
        await update.message.reply_text(f"got {len(data)} bytes, same={data == VCARD}")
        await update.message.reply_document(data, filename='Контакты "1".vcf')

    async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert context.error
        errors.append(context.error)

    app.add_handler(CommandHandler("start", start))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.add_handler(MessageHandler(filters.Document.ALL, document))
    app.add_handler(CallbackQueryHandler(tapped))
    app.add_error_handler(on_error)
    return errors


@contextlib.asynccontextmanager
async def polling(app: AnyApp, *, poll_timeout: int = 5) -> AsyncIterator[AnyApp]:
    """Run the app the way run_polling does, without owning the event loop."""
    async with app:
        assert app.updater
        await app.updater.start_polling(timeout=dtm.timedelta(seconds=poll_timeout))
        await app.start()
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


def assert_stopped_cleanly(api: FakeBotApi) -> None:
    """Stopping polling ends with a getUpdates timeout=0 that acknowledges everything.

    Over sockets, the cancelled long poll's request may reach the server after that
    final call, so look for the final call instead of asserting it came last.
    """
    last_send = max(i for i, c in enumerate(api.calls) if c.method.startswith("send"))
    final = [c for c in api.calls[last_send:] if c.method == "getUpdates"]
    assert any(c.params.get("timeout") == 0 and c.ok for c in final), api.describe()
    assert api.pending_updates() == []


@pytest.fixture
def api() -> FakeBotApi:
    return FakeBotApi()


def echo_app(api: FakeBotApi) -> tuple[AnyApp, list[BaseException]]:
    app = fake_application_builder(api).build()
    return app, add_echo_handlers(app)


# --------------------------------------------------------------------------- in-process face


async def test_polling_delivers_message_and_records_echo(api: FakeBotApi) -> None:
    app, errors = echo_app(api)
    async with polling(app):
        api.user_sends(USER, "hello there")
        [reply] = await api.wait_for_messages(USER)
    assert reply.plain_text == "hello there"
    assert reply.raw["from"]["username"] == "kith_bot"
    assert reply.message_id == 2  # the user's message was 1 in the same chat
    names = api.method_names()
    assert names[:3] == ["getMe", "deleteWebhook", "getUpdates"]
    send = api.calls_of("sendMessage")[0]
    assert send.params["chat_id"] == USER and send.params["text"] == "hello there"
    assert names[-1] == "getUpdates" and api.calls[-1].params["timeout"] == 0
    assert errors == []
    assert api.internal_errors == []


async def test_numeric_text_stays_a_string(api: FakeBotApi) -> None:
    app, _ = echo_app(api)
    async with polling(app):
        api.user_sends(USER, "42")
        await api.wait_for_messages(USER)
    assert api.calls_of("sendMessage")[0].params["text"] == "42"
    assert api.texts_to(USER) == ["42"]


async def test_offsets_acknowledge_updates_across_restarts(api: FakeBotApi) -> None:
    first, _ = echo_app(api)
    async with polling(first):
        api.user_sends(USER, "one")
        await api.wait_for_text(USER, "one")
    assert api.pending_updates() == []  # the final getUpdates acknowledged it

    second, _ = echo_app(api)
    async with polling(second):
        api.user_sends(USER, "two")
        await api.wait_for_text(USER, "two")
    assert api.texts_to(USER) == ["one", "two"]
    delivered = [u["update_id"] for c in api.calls_of("getUpdates") for u in c.result or []]
    assert sorted(delivered) == sorted(set(delivered)) == [1, 2]


async def test_get_updates_long_poll_offset_limit_and_timeout(api: FakeBotApi) -> None:
    url = f"https://api.telegram.org/bot{TOKEN}/getUpdates"

    async def get_updates(**params: Any) -> Any:
        reply = await api.handle_async("POST", url, params)
        return reply.json()["result"]

    started = time.monotonic()
    assert await get_updates(timeout=0) == []
    assert await get_updates(timeout=0.2) == []
    assert 0.15 < time.monotonic() - started < 1

    waiting = asyncio.create_task(get_updates(timeout=5))
    await asyncio.sleep(0.01)
    api.user_sends(USER, "wake up")
    [update] = await asyncio.wait_for(waiting, 1)
    assert update["message"]["text"] == "wake up"

    for text in ("a", "b", "c"):
        api.user_sends(USER, text)
    first_id = update["update_id"]
    assert [u["update_id"] for u in await get_updates(limit=2)] == [first_id, first_id + 1]
    batch = await get_updates(offset=first_id + 2)  # acknowledges the first two
    assert [u["message"]["text"] for u in batch] == ["b", "c"]
    assert [u["update_id"] for u in api.pending_updates()] == [first_id + 2, first_id + 3]
    assert [u["message"]["text"] for u in await get_updates(offset=-1)] == ["c"]


async def test_a_newer_get_updates_terminates_the_older_one(api: FakeBotApi) -> None:
    app, _ = echo_app(api)
    async with app:
        older = asyncio.create_task(app.bot.get_updates(timeout=5))
        await api.wait_for(lambda: api.calls_of("getUpdates"), timeout=1)
        assert await app.bot.get_updates(timeout=0) == ()
        with pytest.raises(Conflict):
            await asyncio.wait_for(older, 1)


async def test_callback_query_reaches_handler_and_is_answered(api: FakeBotApi) -> None:
    app, errors = echo_app(api)
    async with polling(app):
        api.user_sends(USER, "/start")
        menu = (await api.wait_for_messages(USER))[0]
        assert menu.text == "Hi <b>Ann</b>" and menu.plain_text == "Hi Ann"
        assert api.buttons(menu) == [("Snooze 1w", "snz:1:7")]
        update = api.user_taps(USER, menu.message_id, "snz:1:7")
        answer = await api.wait_for_call("answerCallbackQuery")
        edited = await api.wait_for_text(USER, "->")
    query_id = update["callback_query"]["id"]
    assert answer.params == {"callback_query_id": query_id, "text": "Snoozed"}
    assert api.callback_answer(query_id) == answer.params
    assert edited.message_id == menu.message_id and edited.edit_count == 1
    assert edited.plain_text == "Hi Ann -> snz:1:7"
    assert edited.buttons == []  # editing without reply_markup drops the keyboard
    assert errors == []


async def test_user_taps_button_by_label_and_rejects_unknown_data(api: FakeBotApi) -> None:
    app, _ = echo_app(api)
    async with polling(app):
        api.user_sends(USER, "/start")
        menu = (await api.wait_for_messages(USER))[0]
        with pytest.raises(ValueError, match="no button"):
            api.user_taps(USER, menu.message_id, "forged")
        api.user_taps_button(USER, "Snooze 1w")
        await api.wait_for_text(USER, "snz:1:7")


async def test_rate_limiter_retries_a_429_and_the_message_arrives(api: FakeBotApi) -> None:
    app = fake_application_builder(api).rate_limiter(AIORateLimiter(max_retries=2)).build()
    api.fail_next("sendMessage", status=429, retry_after=0.5)
    async with app:
        message = await app.bot.send_message(USER, "nudge")
    assert message.text == "nudge"
    attempts = api.calls_of("sendMessage")
    assert [c.status for c in attempts] == [429, 200]
    assert attempts[1].at - attempts[0].at >= 0.5
    assert api.texts_to(USER) == ["nudge"]


async def test_429_without_limiter_raises_retry_after(api: FakeBotApi) -> None:
    app = fake_application_builder(api).build()
    api.fail_next("sendMessage", retry_after=3)
    async with app:
        with pytest.raises(RetryAfter) as caught:
            await app.bot.send_message(USER, "nudge")
        assert caught.value.retry_after == dtm.timedelta(seconds=3)
        assert (await app.bot.send_message(USER, "again")).text == "again"  # only once


async def test_403_surfaces_as_forbidden(api: FakeBotApi) -> None:
    app = fake_application_builder(api).build()
    async with app:
        api.fail_next("sendMessage", status=403)
        with pytest.raises(Forbidden, match="bot was blocked by the user"):
            await app.bot.send_message(USER, "hello?")
        api.user_blocks_bot(USER)
        with pytest.raises(Forbidden):
            await app.bot.send_message(USER, "hello??")
        api.user_unblocks_bot(USER)
        await app.bot.send_message(USER, "welcome back")
    assert api.texts_to(USER) == ["welcome back"]


async def test_forbidden_reaches_the_error_handler_while_polling(api: FakeBotApi) -> None:
    app, errors = echo_app(api)
    api.fail_next("sendMessage", status=403, chat_id=USER)
    async with polling(app):
        api.user_sends(USER, "are you there")
        await api.wait_for(lambda: errors)
    assert isinstance(errors[0], Forbidden)


async def test_5xx_is_a_network_error(api: FakeBotApi) -> None:
    app = fake_application_builder(api).build()
    api.fail_next("sendMessage", status=502)
    async with app:
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await app.bot.send_message(USER, "x")


async def test_wrong_token_is_rejected_on_initialize(api: FakeBotApi) -> None:
    app = fake_application_builder(api, token="999:WRONG").build()
    with pytest.raises(InvalidToken):
        await app.initialize()
    await app.bot.shutdown()
    assert api.calls[0].method == "getMe" and api.calls[0].status == 401


async def test_message_too_long_and_not_modified_are_bad_requests(api: FakeBotApi) -> None:
    app = fake_application_builder(api).build()
    async with app:
        with pytest.raises(BadRequest, match="Message is too long"):
            await app.bot.send_message(USER, "x" * 4097)
        sent = await app.bot.send_message(USER, "x" * 4096)
        with pytest.raises(BadRequest, match="Message is not modified"):
            await app.bot.edit_message_text("x" * 4096, chat_id=USER, message_id=sent.message_id)
        with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
            await app.bot.send_message(USER, "I <3 you", parse_mode="HTML")
        with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
            markup = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="é" * 33)]])
            await app.bot.send_message(USER, "long data", reply_markup=markup)
        with pytest.raises(BadRequest, match=r"(?i)method not found"):
            await app.bot.do_api_request("sendTelepathy", {"chat_id": USER})
    assert [c.status for c in api.calls_of("sendMessage")] == [400, 200, 400, 400]


async def test_document_download_and_upload(api: FakeBotApi) -> None:
    app, errors = echo_app(api)
    async with polling(app):
        api.user_sends_document(USER, "friends.vcf", VCARD, "text/vcard")
        await api.wait_for_messages(USER, 2)
    text, document = api.sent_to(USER)
    assert text.plain_text == f"got {len(VCARD)} bytes, same=True"
    assert api.downloads == ["documents/file_1.vcf"]
    assert api.calls_of("getFile")[0].result["file_path"] == "documents/file_1.vcf"
    assert document.document is not None
    assert document.document.filename == 'Контакты "1".vcf'
    assert document.document.content == VCARD
    assert api.calls_of("sendDocument")[0].files["document"].content == VCARD
    assert errors == []


async def test_bot_profile_calls_are_recorded_decoded(api: FakeBotApi) -> None:
    from telegram import BotCommand

    app = fake_application_builder(api).build()
    async with app:
        await app.bot.set_my_commands([BotCommand("log", "Log an interaction")])
        await app.bot.set_my_description("Keeps friendships alive")
        await app.bot.set_my_short_description("Friendships")
        assert [c.command for c in await app.bot.get_my_commands()] == ["log"]
        await app.bot.send_chat_action(USER, "typing")
    call = api.calls_of("setMyCommands")[0]
    assert call.params["commands"] == [{"command": "log", "description": "Log an interaction"}]
    assert api.commands() == call.params["commands"]
    assert api.description() == "Keeps friendships alive"
    assert api.short_description() == "Friendships"


async def test_wait_for_times_out_with_a_transcript(api: FakeBotApi) -> None:
    with pytest.raises(WaitTimeout, match="fake Bot API: 0 calls"):
        await api.wait_for(lambda: api.last_message(USER), timeout=0.05)


async def test_fail_rate_is_seeded_and_deterministic() -> None:
    outcomes = []
    for _ in range(2):
        api = FakeBotApi(seed=7)
        api.fail_rate("sendMessage", 0.5)
        app = fake_application_builder(api).build()
        async with app:
            for i in range(20):
                with contextlib.suppress(RetryAfter):
                    await app.bot.send_message(USER, str(i))
        outcomes.append([c.status for c in api.calls_of("sendMessage")])
    assert outcomes[0] == outcomes[1]
    assert 0 < outcomes[0].count(429) < 20


# --------------------------------------------------------------------------- loopback face


@pytest.fixture
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.mark.usefixtures("no_proxy")
async def test_loopback_round_trip_over_real_sockets(api: FakeBotApi) -> None:
    with LoopbackServer(api) as server:
        assert server.base_url == f"http://127.0.0.1:{server.port}/bot"
        app = (
            ApplicationBuilder()
            .token(TOKEN)
            .base_url(server.base_url)
            .base_file_url(server.base_file_url)
            .build()
        )
        errors = add_echo_handlers(app)
        async with polling(app, poll_timeout=5):
            api.user_sends(USER, "over the wire")
            await api.wait_for_text(USER, "over the wire")
            api.user_sends(USER, "/start")
            menu = await api.wait_for_text(USER, "Hi Ann")
            api.user_taps(USER, menu.message_id, "snz:1:7")
            await api.wait_for_text(USER, "-> snz:1:7")
            api.user_sends_document(USER, "friends.vcf", VCARD, "text/vcard")
            await api.wait_for(lambda: api.calls_of("sendDocument"))
            api.fail_next("sendMessage", status=403)
            with pytest.raises(Forbidden):
                await app.bot.send_message(USER, "blocked")
            stopping = time.monotonic()  # a 5 s long poll is outstanding
        assert time.monotonic() - stopping < 1
    assert errors == []
    assert api.internal_errors == []
    assert [c.status for c in api.calls_of("answerCallbackQuery")] == [200]
    document = api.last_message(USER)
    assert document.document is not None
    assert document.document.filename == 'Контакты "1".vcf'
    assert document.document.content == VCARD
    assert f"got {len(VCARD)} bytes, same=True" in api.texts_to(USER)
    assert_stopped_cleanly(api)


@pytest.mark.usefixtures("no_proxy")
async def test_loopback_rejects_wrong_token(api: FakeBotApi) -> None:
    with LoopbackServer(api) as server:
        app = ApplicationBuilder().token("999:WRONG").base_url(server.base_url).build()
        with pytest.raises(InvalidToken):
            await app.initialize()
        # PTB leaves the bot's httpx clients open when initialize() fails, and
        # Application.shutdown() is a no-op then: close them, or a ResourceWarning follows.
        await app.bot.shutdown()


def _post(url: str, body: bytes = b"", content_type: str = "application/json") -> Any:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": content_type})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=5) as response:
            return json.load(response)
    except urllib.error.HTTPError as err:
        with err:
            return json.load(err)


def test_loopback_serves_sync_clients_json_and_query_strings(api: FakeBotApi) -> None:
    """What a subprocess test does: a plain thread talks to the server; no event loop."""
    with LoopbackServer(api) as server:
        base = f"{server.base_url}{TOKEN}"
        assert _post(f"{base}/getMe")["result"]["username"] == "kith_bot"
        sent = _post(f"{base}/sendMessage", json.dumps({"chat_id": USER, "text": "7"}).encode())
        assert sent["result"]["text"] == "7"
        assert api.calls_of("sendMessage")[0].params == {"chat_id": USER, "text": "7"}
        form = _post(
            f"{base}/sendMessage?chat_id={USER}", b"text=8", "application/x-www-form-urlencoded"
        )
        assert form["ok"] and api.texts_to(USER) == ["7", "8"]
        assert _post(f"{server.base_url}999:WRONG/getMe")["error_code"] == 401
        assert _post(f"{base}/noSuchMethod")["error_code"] == 400

        results: list[Any] = []
        poller = threading.Thread(
            target=lambda: results.append(_post(f"{base}/getUpdates?timeout=5"))
        )
        poller.start()
        api.wait_for_sync(lambda: api.calls_of("getUpdates"), timeout=2)
        api.user_sends(USER, "via thread")
        poller.join(timeout=2)
        assert results[0]["result"][0]["message"]["text"] == "via thread"

        poller = threading.Thread(
            target=lambda: results.append(_post(f"{base}/getUpdates?timeout=30&offset=99"))
        )
        poller.start()
        api.wait_for_sync(lambda: len(api.calls_of("getUpdates")) == 2)
        stopping = time.monotonic()
    assert time.monotonic() - stopping < 1  # stop() cut the 30 s long poll short
    poller.join(timeout=2)
    assert not poller.is_alive()


def test_multipart_parser_keeps_binary_content_exact() -> None:
    import httpx

    content = bytes(range(256)) * 2 + b"\r\n--boundary-ish\r\n\n\r"
    request = httpx.Request(
        "POST",
        "http://x/",
        data={"chat_id": "42", "caption": "héllo\r\nworld"},
        files={"document": ('a "q".bin', content, "application/octet-stream")},
    )
    fields, files = parse_multipart(request.read(), request.headers["content-type"])
    assert fields == {"chat_id": "42", "caption": "héllo\r\nworld"}
    assert files["document"].filename == 'a "q".bin'
    assert files["document"].content == content


# --------------------------------------------------------------------------- model details


async def test_chat_helpers_build_realistic_updates(api: FakeBotApi) -> None:
    command = api.user_sends(USER, "/log@kith_bot Bea coffee", first_name="Zoe")
    message = command["message"]
    assert message["entities"] == [{"type": "bot_command", "offset": 0, "length": 13}]
    assert message["from"]["first_name"] == "Zoe" and message["chat"]["type"] == "private"
    group = api.user_sends(USER, "hi all", chat_type="group", chat_id=-5)["message"]
    assert group["chat"] == {"id": -5, "type": "group", "title": "Test group"}
    assert "entities" not in group
    contact = api.user_shares_contact(USER, "Bea", "Silva", phone="+351911111111")
    assert contact["message"]["contact"] == {
        "phone_number": "+351911111111",
        "first_name": "Bea",
        "last_name": "Silva",
    }
    assert contact["message"]["from"]["first_name"] == "Zoe"  # keeps the registered name
    sticker = {"file_id": "CAACAgI", "file_unique_id": "AgAD", "type": "regular"}
    sticker.update(width=512, height=512, is_animated=False, is_video=False)
    api.user_sends_message(USER, {"sticker": sticker})
    ids = [u["update_id"] for u in api.pending_updates()]
    assert ids == [1, 2, 3, 4]

    app = fake_application_builder(api).build()
    async with app:
        updates = await app.bot.get_updates(timeout=0)
        assert [u.update_id for u in updates] == ids
        assert updates[0].message and updates[0].message.text == "/log@kith_bot Bea coffee"
        assert updates[2].message and updates[2].message.contact
        assert updates[2].message.contact.phone_number == "+351911111111"
        assert updates[3].message and updates[3].message.sticker


async def test_allowed_updates_and_drop_pending_updates(api: FakeBotApi) -> None:
    app = fake_application_builder(api).build()
    async with app:
        sent = await app.bot.send_message(
            USER,
            "pick",
            reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data="a")]]),
        )
        api.user_taps(USER, sent.message_id, "a")
        api.user_sends(USER, "text")
        updates = await app.bot.get_updates(timeout=0, allowed_updates=["message"])
        assert [u.message.text for u in updates if u.message] == ["text"]
        assert len(updates) == 1  # the callback_query was not for us
        await app.bot.delete_webhook(drop_pending_updates=True)
        assert api.pending_updates() == []
        assert api.calls_of("getUpdates")[0].params["allowed_updates"] == ["message"]


async def test_edits_deletes_and_strict_chats() -> None:
    api = FakeBotApi(strict_chats=True)
    app = fake_application_builder(api).build()
    async with app:
        with pytest.raises(Forbidden, match="initiate conversation"):
            await app.bot.send_message(USER, "hello stranger")
        api.user_sends(USER, "/start")
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data="a")]])
        sent = await app.bot.send_message(USER, "menu", reply_markup=markup)
        with pytest.raises(BadRequest, match=r"(?i)not modified"):
            await app.bot.edit_message_reply_markup(USER, sent.message_id, reply_markup=markup)
        other = InlineKeyboardMarkup([[InlineKeyboardButton("B", callback_data="b")]])
        await app.bot.edit_message_reply_markup(USER, sent.message_id, reply_markup=other)
        assert api.last_message(USER).buttons == [("B", "b")]
        with pytest.raises(BadRequest, match=r"(?i)message can't be edited"):
            await app.bot.edit_message_text("mine now", chat_id=USER, message_id=1)
        assert await app.bot.delete_message(USER, sent.message_id)
        with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
            await app.bot.edit_message_text("gone", chat_id=USER, message_id=sent.message_id)
    assert api.sent_to(USER) == []
    assert [m.text for m in api.sent_to(USER, include_deleted=True)] == ["menu"]


# --------------------------------------------------------------------------- subprocess

ECHO_BOT = """
import os
from telegram.ext import ApplicationBuilder, MessageHandler, filters

async def echo(update, context):
    await update.message.reply_text("echo: " + update.message.text)

app = (
    ApplicationBuilder()
    .token(os.environ["KITH_TEST_TOKEN"])
    .base_url(os.environ["TELEGRAM_API_BASE_URL"])
    .build()
)
app.add_handler(MessageHandler(filters.TEXT, echo))
app.run_polling()
"""


def test_loopback_serves_a_bot_subprocess_until_sigterm(api: FakeBotApi) -> None:
    """The shape of the later `kith run` smoke tests: a real process, a real SIGTERM."""
    with LoopbackServer(api) as server:
        env = server.env(KITH_TEST_TOKEN=TOKEN, PTB_TIMEDELTA="1")
        with subprocess.Popen(
            [sys.executable, "-c", ECHO_BOT],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        ) as proc:
            try:
                api.wait_for_call_sync("getUpdates", timeout=10)
                api.user_sends(USER, "ping")
                reply = api.wait_for_text_sync(USER, "echo: ping")
                proc.send_signal(signal.SIGTERM)
                _, stderr = proc.communicate(timeout=5)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.communicate()
        assert proc.returncode == 0, stderr.decode()
    assert reply.plain_text == "echo: ping"
    assert api.method_names()[:3] == ["getMe", "deleteWebhook", "getUpdates"]
    assert_stopped_cleanly(api)
