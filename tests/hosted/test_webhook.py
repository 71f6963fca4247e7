"""One webhook worker in-process: updates POSTed as Telegram would, answered once.

A real PostgreSQL database (fresh per test), the fake Bot API behind PTB's Bot, and the
worker's `receive` fed the very JSON Telegram sends. Skipped without KITH_TEST_PG_DSN.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.compose import Services, services
from bot.config import load_config
from bot.core.clock import FixedClock
from bot.telegram.webhook import SECRET_HEADER, WebhookWorker, build_bot, web_app
from tests.conversation import NOW
from tests.support import FakeBotApi
from tests.support.fake_bot_api import build_fake_request
from tests.support.postgres import fresh_database, requires_pg

pytestmark = requires_pg
ANN = 501


@pytest.fixture
async def hosted() -> AsyncIterator[tuple[Services, FakeBotApi, WebhookWorker]]:
    api = FakeBotApi()
    async with fresh_database() as url:
        config = load_config(None, env={"KITH_DATABASE_URL": url, "KITH_TELEGRAM_TOKEN": api.token})
        async with services(config, FixedClock(NOW)) as s:
            app = build_bot(config, 1, request=build_fake_request(api).request)
            async with app:
                updates: Any = s.store.updates
                yield s, api, WebhookWorker(s, updates, app.bot)


async def test_a_message_is_answered_once_however_often_it_comes(
    hosted: tuple[Services, FakeBotApi, WebhookWorker],
) -> None:
    s, api, worker = hosted
    assert await worker.receive(api.user_sends(ANN, "/add Alice")) == 200
    update = api.user_sends(ANN, "coffee with Alice yesterday")
    assert await worker.receive(update) == 200
    assert await worker.receive(update) == 200  # Telegram's redelivery
    texts = api.texts_to(ANN)
    assert [t for t in texts if t.startswith("Logged coffee")] == [
        "Logged coffee with Alice on Tue 24 Nov. /undo to take it back."
    ]
    assert await s.store.interaction_count(ANN) == 1


async def test_a_button_press_edits_its_message_once(
    hosted: tuple[Services, FakeBotApi, WebhookWorker],
) -> None:
    s, api, worker = hosted
    await worker.receive(api.user_sends(ANN, "/add Alice Smith"))
    await worker.receive(api.user_sends(ANN, "/add Alice Jones"))
    await worker.receive(api.user_sends(ANN, "coffee with Alice yesterday"))
    question = api.last_message(ANN)
    _, data = question.buttons[0]
    press = api.user_taps(ANN, question.message_id, data)
    assert await worker.receive(press) == 200
    assert await worker.receive(press) == 200
    edited = api.message(ANN, question.message_id)
    assert edited.text.startswith("Logged coffee with Alice")
    assert len(api.calls_of("answerCallbackQuery")) == 1
    assert await s.store.interaction_count(ANN) == 1


async def test_the_http_face_checks_the_secret(
    hosted: tuple[Services, FakeBotApi, WebhookWorker],
) -> None:
    _, api, worker = hosted
    async with TestClient(TestServer(web_app(worker, "s3cret"))) as client:
        update = api.user_sends(ANN, "/add Alice")
        wrong = await client.post("/telegram", json=update, headers={SECRET_HEADER: "nope"})
        assert wrong.status == 401
        assert api.texts_to(ANN) == []
        right = await client.post("/telegram", json=update, headers={SECRET_HEADER: "s3cret"})
        assert right.status == 200
        assert api.texts_to(ANN) == [
            "Added Alice to friends (every 3 months). /undo to take it back."
        ]


async def test_an_edited_message_corrects_its_log_once(
    hosted: tuple[Services, FakeBotApi, WebhookWorker],
) -> None:
    s, api, worker = hosted
    await worker.receive(api.user_sends(ANN, "/add Alice"))
    sent = api.user_sends(ANN, "coffee with Alice yesterday")
    await worker.receive(sent)
    edit = api.user_edits(ANN, sent["message"]["message_id"], "walk with Alice yesterday")
    assert await worker.receive(edit) == 200
    assert await worker.receive(edit) == 200  # redelivered: corrected once, answered once
    [alice] = await s.store.people(ANN)
    assert alice.last_kind == "walk"
    assert await s.store.interaction_count(ANN) == 1
    assert len([t for t in api.texts_to(ANN) if "walk" in t.casefold()]) == 1
