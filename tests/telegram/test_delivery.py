"""Delivery under faults: every update exactly once, replies that survive Telegram's errors.

The real PTB client polls the fake Bot API; faults are scripted on the fake (502s on
getUpdates after a handled batch, a 429 for one chat, a 401 when the token is revoked).
"""

from __future__ import annotations

import asyncio
import logging
import time

import pytest
from telegram.error import InvalidToken

from bot.compose import services
from bot.config import Config
from bot.core.clock import FixedClock
from bot.telegram.run import serve
from tests.support import FakeBotApi, build_fake_request
from tests.telegram.conftest import WAIT, Kith, Launcher, TelegramUser


async def test_a_batch_confirmed_by_a_failed_poll_is_not_applied_again_after_a_restart(
    launch: Launcher, api: FakeBotApi
) -> None:
    async with launch() as kith:
        ann = kith.user(7, "Ann")
        await ann.says("/add Alice")
        await ann.says("note Alice loves jazz")
        await ann.says("/add Bob")
        await api.wait_for_call("getUpdates", lambda c: c.params.get("offset") == 4)
        # From now on the poll that would confirm the next batch fails (a 502 storm).
        api.fail_next("getUpdates", status=502, times=1000)
        assert "Bob" in await ann.says("/undo")
        assert await kith.rows("SELECT name FROM people ORDER BY name") == [("Alice",)]
    assert [u["message"]["text"] for u in api.pending_updates()] == ["/undo"]

    api.clear_failures()
    async with launch() as kith:  # Telegram delivers /undo again
        ann = TelegramUser(api, 7)
        await api.wait_for(lambda: api.pending_updates() == [] or None, WAIT, what="confirmed")
        assert "Added Carla" in await ann.says("/add Carla")
        # The second /undo was recognised: Alice (whom Ann wants to keep) is still there.
        assert await kith.rows("SELECT name FROM people ORDER BY name") == [
            ("Alice",),
            ("Carla",),
        ]
        assert await kith.rows("SELECT text FROM notes") == [("loves jazz",)]
        assert len(api.texts_to(7)) == 5  # one answer per message, none twice


async def test_an_update_that_changed_nothing_is_recorded_too(
    kith: Kith, ann: TelegramUser
) -> None:
    await ann.says("/help")
    await ann.says("/add Alice")
    [(n,)] = await kith.rows("SELECT count(*) FROM handled_updates WHERE transport = 'telegram'")
    assert n == 2


async def test_one_users_429_does_not_hold_up_anothers_reply(kith: Kith, api: FakeBotApi) -> None:
    ann, bob = kith.user(7, "Ann"), kith.user(8, "Bob")
    api.fail_next("sendMessage", status=429, retry_after=1, chat_id=ann.id)
    started = time.monotonic()
    api.user_sends(ann.id, "/start")
    assert (await bob.says("/start")).startswith("Hi!")
    bob_waited = time.monotonic() - started
    await api.wait_for_messages(ann.id, 1, timeout=WAIT)
    ann_waited = time.monotonic() - started
    assert bob_waited < 0.5 <= 1.0 <= ann_waited  # Ann's chat alone waited out the 429
    assert [c.status for c in api.calls_of("sendMessage") if c.chat_id == ann.id] == [429, 200]


async def test_a_reply_is_given_up_after_bounded_retries_with_one_log_line(
    kith: Kith, api: FakeBotApi, ann: TelegramUser, caplog: pytest.LogCaptureFixture
) -> None:
    kith.outbox.first_delay = 0.01
    api.fail_next("sendMessage", status=502, times=5)
    api.user_sends(ann.id, "/add Alice")
    await api.wait_for_call("sendMessage", lambda c: c.status == 502, index=4)
    await kith.outbox.idle()
    assert await kith.rows("SELECT name FROM people") == [("Alice",)]  # the change stands
    gave_up = [r for r in caplog.records if "gave up on a reply" in r.getMessage()]
    assert len(gave_up) == 1 and gave_up[0].levelno == logging.WARNING
    assert "Added Bob" in await TelegramUser(api, 7).says("/add Bob")  # and carries on


async def test_a_token_revoked_while_running_ends_serve_with_invalid_token(
    api: FakeBotApi, config: Config, clock: FixedClock
) -> None:
    requests = build_fake_request(api)
    serving = asyncio.create_task(
        serve(
            config,
            services,
            clock=clock,
            request=requests.request,
            get_updates_request=requests.get_updates_request,
            stop=asyncio.Event(),
        )
    )
    assert (await TelegramUser(api, 7).says("/start")).startswith("Hi!")
    api.token = "999:REVOKED"  # @BotFather /revoke: the old token now answers 401
    api.user_sends(7, "/help")
    with pytest.raises(InvalidToken):
        await asyncio.wait_for(serving, WAIT)
