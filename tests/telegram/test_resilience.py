"""When Telegram or kith misbehaves: flood limits, blocked bots, errors, stale edits."""

from __future__ import annotations

import logging

import pytest

from bot.telegram.handlers import APOLOGY
from tests.support import FakeBotApi
from tests.telegram.conftest import Kith, TelegramUser


async def _active(kith: Kith, user: TelegramUser) -> int:
    [(active,)] = await kith.rows("SELECT active FROM users WHERE id = ?", user.id)
    return int(active)


def _errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_429_on_send_is_waited_out_and_the_reply_arrives(
    api: FakeBotApi, ann: TelegramUser
) -> None:
    api.fail_next("sendMessage", status=429, retry_after=1)
    assert (await ann.says("/start")).startswith("Hi!")
    statuses = [c.status for c in api.calls_of("sendMessage")]
    assert statuses == [429, 200]


async def test_blocking_the_bot_marks_the_user_inactive_until_they_write_again(
    kith: Kith, api: FakeBotApi, ann: TelegramUser
) -> None:
    await ann.says("/start")
    assert await _active(kith, ann) == 1

    api.user_blocks_bot(ann.id)
    api.user_sends(ann.id, "/who")
    await api.wait_for_call("sendMessage", lambda c: c.status == 403)
    await kith.outbox.idle()
    assert await _active(kith, ann) == 0

    # Unblocked, Ann writes anything (not only /start): she can be nudged again.
    api.user_unblocks_bot(ann.id)
    await ann.says("lunch with Bob yesterday", replies=1)
    assert await _active(kith, ann) == 1


async def test_a_crash_in_a_handler_apologises_and_is_logged_once(
    kith: Kith, ann: TelegramUser, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(owner: int, text: str, message_ref: str = "") -> None:
        raise RuntimeError("the engine fell over")

    monkeypatch.setattr(kith.services.engine, "handle", broken)
    assert await ann.says("/who") == APOLOGY
    [error] = _errors(caplog)
    assert "the engine fell over" in error.getMessage()
    assert error.exc_info is not None  # the traceback, once, for whoever debugs it


async def test_a_failed_send_is_retried_and_the_bot_carries_on(
    kith: Kith, api: FakeBotApi, ann: TelegramUser, caplog: pytest.LogCaptureFixture
) -> None:
    kith.outbox.first_delay = 0.01
    api.fail_next("sendMessage", status=502)
    assert (await ann.says("/start")).startswith("Hi!")  # the second try
    assert "Added Alice" in await ann.says("/add Alice")

    assert [c.status for c in api.calls_of("sendMessage")] == [502, 200, 200]
    assert len(api.texts_to(ann.id)) == 2  # no apology, no double
    assert _errors(caplog) == []


async def test_polling_survives_a_bad_gateway(
    api: FakeBotApi, ann: TelegramUser, caplog: pytest.LogCaptureFixture
) -> None:
    api.fail_next("getUpdates", status=502)
    assert (await ann.says("/start")).startswith("Hi!")  # fetched by the poll already waiting
    assert "Added Bob" in await ann.says("/add Bob")  # after the failed poll, retried
    assert [c.status for c in api.calls_of("getUpdates")].count(502) == 1
    assert any("polling Telegram failed" in r.getMessage() for r in caplog.records)
    assert _errors(caplog) == []


async def test_an_unchanged_edit_is_quiet(
    kith: Kith, api: FakeBotApi, ann: TelegramUser, caplog: pytest.LogCaptureFixture
) -> None:
    await ann.says("/show Carla")
    message, data = ann.button("Add Carla")
    api.fail_next(
        "editMessageText",
        status=400,
        description="Bad Request: message is not modified: specified new message content "
        "and reply markup are exactly the same as a current content and reply markup",
    )
    api.user_taps(ann.id, message.message_id, data)
    await api.wait_for_call("editMessageText")
    await ann.says("/help")
    assert len(api.sent_to(ann.id)) == 2  # the question and /help: no extra message
    assert await kith.rows("SELECT name FROM people") == [("Carla",)]
    assert _errors(caplog) == []


async def test_a_message_that_cannot_be_edited_gets_the_outcome_as_a_new_one(
    kith: Kith, api: FakeBotApi, ann: TelegramUser
) -> None:
    await ann.says("/show Carla")
    message, data = ann.button("Add Carla")
    api.fail_next("editMessageText", status=400, description="Bad Request: message can't be edited")
    api.user_taps(ann.id, message.message_id, data)
    outcome = await api.wait_for_text(ann.id, "Carla — friends")
    assert outcome.message_id != message.message_id
    assert await kith.rows("SELECT name FROM people") == [("Carla",)]
