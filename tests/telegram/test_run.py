"""Starting and stopping: tokens, unreachable Telegram, the serve loop, quiet logs."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import sys

import pytest
from telegram.error import InvalidToken

from bot.compose import services
from bot.config import Config
from bot.core.clock import FixedClock
from bot.engine.replies import Reply
from bot.telegram.app import build_application
from bot.telegram.handlers import Handlers
from bot.telegram.run import NO_TOKEN, RedactingFormatter, connect, run_bot, serve
from tests.support import TOKEN, FakeBotApi, build_fake_request, fake_application_builder
from tests.telegram.conftest import WAIT, TelegramUser


def test_no_token_is_one_line_and_exit_2(
    config: Config, capsys: pytest.CaptureFixture[str]
) -> None:
    no_token = dataclasses.replace(config, telegram=dataclasses.replace(config.telegram, token=""))
    assert run_bot(no_token, services) == 2
    out, err = capsys.readouterr()
    assert (out, err) == ("", NO_TOKEN + "\n")


def test_the_token_never_reaches_a_log_line() -> None:
    formatter = RedactingFormatter("%(message)s", "%H:%M", secrets=[TOKEN])
    try:
        raise RuntimeError(f"POST https://api.telegram.org/bot{TOKEN}/getMe failed")
    except RuntimeError:
        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "token %s", (TOKEN,), sys.exc_info()
        )
    line = formatter.format(record)
    assert TOKEN not in line
    assert TOKEN.replace(":", "%3A") not in formatter.format(
        logging.LogRecord("x", logging.ERROR, __file__, 1, TOKEN.replace(":", "%3A"), (), None)
    )
    assert "<token>" in line and "Traceback" in line


async def test_connect_waits_out_an_unreachable_telegram(
    api: FakeBotApi, config: Config, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    api.fail_next("getMe", status=502)
    async with services(config, clock) as s:
        requests = build_fake_request(api)
        app = build_application(config, s, request=requests.request)
        assert await connect(app, asyncio.Event())
        await app.shutdown()
    assert [c.status for c in api.calls_of("getMe")] == [502, 200]
    assert any("cannot reach Telegram" in r.getMessage() for r in caplog.records)


async def test_connect_gives_up_at_once_on_a_rejected_token(
    config: Config, clock: FixedClock
) -> None:
    api = FakeBotApi(token="999:OTHER")  # knows another token: answers ours 401
    async with services(config, clock) as s:
        app = build_application(config, s, request=build_fake_request(api).request)
        with pytest.raises(InvalidToken):
            await connect(app, asyncio.Event())
    assert len(api.calls_of("getMe")) == 1


async def test_connect_stops_retrying_when_asked_to(
    api: FakeBotApi, config: Config, clock: FixedClock
) -> None:
    api.fail_next("getMe", status=502, times=100)
    stop = asyncio.Event()
    async with services(config, clock) as s:
        app = build_application(config, s, request=build_fake_request(api).request)
        attempt = asyncio.create_task(connect(app, stop))
        await api.wait_for_call("getMe")
        stop.set()
        assert await asyncio.wait_for(attempt, WAIT) is False


async def test_serve_answers_until_stopped_then_confirms_what_it_fetched(
    api: FakeBotApi, config: Config, clock: FixedClock
) -> None:
    requests = build_fake_request(api)
    stop = asyncio.Event()
    serving = asyncio.create_task(
        serve(
            config,
            services,
            clock=clock,
            request=requests.request,
            get_updates_request=requests.get_updates_request,
            stop=stop,
        )
    )
    ann = TelegramUser(api, 7)
    assert (await ann.says("/start")).startswith("Hi!")
    stop.set()
    assert await asyncio.wait_for(serving, WAIT) == 0
    last_poll = api.calls_of("getUpdates")[-1]
    assert last_poll.params["timeout"] == 0  # PTB's final poll: marks updates as read
    assert last_poll.params["offset"] == 2
    assert api.pending_updates() == []


async def test_a_file_goes_to_the_importer_once_there_is_one(
    api: FakeBotApi, config: Config, clock: FixedClock
) -> None:
    received: list[tuple[int, str, bytes]] = []

    async def importer(owner: int, name: str, data: bytes) -> list[Reply]:
        received.append((owner, name, data))
        return [Reply("Imported 1 person.")]

    async with services(config, clock) as s:
        app = fake_application_builder(api).build()
        Handlers(s.engine, s.store, importer=importer).register(app)
        async with app:
            await app.updater.start_polling()  # type: ignore[union-attr]
            await app.start()
            try:
                ann = TelegramUser(api, 7)
                card = b"BEGIN:VCARD\nFN:Alice\nEND:VCARD\n"
                assert await ann.sends_document("friends.vcf", card) == "Imported 1 person."
            finally:
                await app.updater.stop()  # type: ignore[union-attr]
                await app.stop()
    assert received == [(7, "friends.vcf", card)]
