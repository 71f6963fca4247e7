"""The digest on Telegram, in process: the real application and its sweep job, a fake
Bot API behind PTB's transport, a clock the test sets. The job is run by hand
(`await loop.tick()`), as the sweep loop would every minute.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.compose import Services, services
from bot.config import load_config
from bot.core.clock import FixedClock, parse_utc
from bot.engine import Reply
from bot.nudges.loop import SweepLoop
from bot.nudges.sweep import SWEEP_SECONDS, Rejected, TryLater, Undeliverable, sweep_seconds
from bot.ports.identities import TELEGRAM, Identity
from bot.telegram.app import KithApp, build_application
from bot.telegram.run import connect, polling
from bot.telegram.sender import TelegramSender, sweep_loop
from tests.support import TOKEN, FakeBotApi, SentMessage, build_fake_request

ANN = 7
WAIT = 3.0


@dataclass
class Bot:
    api: FakeBotApi
    app: KithApp
    services: Services
    clock: FixedClock

    @property
    def sweep(self) -> SweepLoop:
        loop = sweep_loop(self.app)
        assert loop is not None
        return loop

    async def sweep_at(self, when: str) -> list[SentMessage]:
        """Set the clock, run the sweep job once; the messages it sent to Ann."""
        self.clock.set(parse_utc(when))
        before = len(self.api.sent_to(ANN))
        await self.sweep.tick()
        return self.api.sent_to(ANN)[before:]

    async def says(self, text: str) -> str:
        before = len(self.api.sent_to(ANN))
        self.api.user_sends(ANN, text)
        sent = await self.api.wait_for_messages(ANN, before + 1, timeout=WAIT)
        return "\n".join(m.plain_text or "" for m in sent[before:])

    async def taps(self, message: SentMessage, label: str) -> str:
        data = next(d for t, d in message.buttons if t.startswith(label))
        self.api.user_taps(ANN, message.message_id, data)

        def edited() -> SentMessage | None:
            now = self.api.message(ANN, message.message_id)
            return now if now.edit_count > message.edit_count else None

        return (await self.api.wait_for(edited, WAIT, what="the digest edited")).plain_text or ""


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Bot]:
    api = FakeBotApi()
    api.add_user(ANN, "Ann")
    clock = FixedClock(parse_utc("2026-11-25T10:00:00Z"))
    config = load_config(None, db=str(tmp_path / "kith.db"), env={"KITH_TELEGRAM_TOKEN": TOKEN})
    async with services(config, clock) as s:
        requests = build_fake_request(api)
        app = build_application(
            config, s, request=requests.request, get_updates_request=requests.get_updates_request
        )
        assert await connect(app, asyncio.Event())
        async with polling(app):
            yield Bot(api, app, s, clock)


@pytest.fixture
async def ann_with_alice(bot: Bot) -> Bot:
    await bot.says("/add Alice inner")
    await bot.says("coffee with Alice 2026-10-01")
    return bot


async def test_the_sweep_is_the_shared_loop_every_minute_started_with_polling(bot: Bot) -> None:
    assert bot.sweep.every == SWEEP_SECONDS == 60
    assert bot.sweep.running  # `polling` started it; it stops it before the database closes


async def test_the_digest_arrives_with_its_buttons_and_one_tap_acts(ann_with_alice: Bot) -> None:
    bot = ann_with_alice
    assert await bot.sweep_at("2026-11-26T08:59:00Z") == []

    [digest] = await bot.sweep_at("2026-11-26T09:00:00Z")

    assert (digest.plain_text or "").startswith("It's been a while — maybe say hi to:")
    assert digest.parse_mode == "HTML" and "• <b>Alice</b> (inner)" in (digest.text or "")
    assert digest.keyboard == [
        ["Reached out to Alice"],
        ["Snooze Alice a week", "Less often for Alice"],
    ]
    assert "Alice" in await bot.says("/who")

    shown = await bot.taps(digest, "Reached out")
    assert "✓ Reached out to Alice · /undo" in shown
    assert "All done for today 🌿" in shown
    assert [label for label, _ in bot.api.message(ANN, digest.message_id).buttons] == ["↩ Undo"]
    assert "Alice" not in await bot.says("/who")
    assert await bot.sweep_at("2026-11-26T09:01:00Z") == []


async def test_a_bad_gateway_is_retried_on_the_next_sweep(ann_with_alice: Bot) -> None:
    bot = ann_with_alice
    bot.api.fail_next("sendMessage", 502, chat_id=ANN)
    assert await bot.sweep_at("2026-11-26T09:00:00Z") == []
    assert len(await bot.sweep_at("2026-11-26T09:01:00Z")) == 1
    assert await bot.sweep_at("2026-11-26T09:02:00Z") == []


async def test_a_user_who_blocked_the_bot_is_not_nudged_again(ann_with_alice: Bot) -> None:
    bot = ann_with_alice
    bot.api.user_blocks_bot(ANN)
    await bot.sweep_at("2026-11-26T09:00:00Z")
    rows = await bot.services.db.fetchall("SELECT active FROM users WHERE id = ?", (ANN,))
    assert rows[0][0] == 0
    tries = len(bot.api.calls_of("sendMessage"))
    await bot.sweep_at("2026-11-27T09:00:00Z")
    assert len(bot.api.calls_of("sendMessage")) == tries


@pytest.mark.parametrize(
    ("status", "description", "raised"),
    [
        (403, "Forbidden: bot was blocked by the user", Undeliverable),
        (400, "Bad Request: chat not found", Undeliverable),
        (400, "Bad Request: message is too long", Rejected),
        (502, "Bad Gateway", TryLater),
        (500, "Internal Server Error", TryLater),
    ],
)
async def test_telegram_errors_map_onto_what_the_sweep_does(
    bot: Bot, status: int, description: str, raised: type[Exception]
) -> None:
    bot.api.fail_next("sendMessage", status, description=description)
    await bot.services.store.identities.owner_of(Identity(TELEGRAM, str(ANN)))
    sender = TelegramSender(bot.app.bot, bot.services.store.identities)
    with pytest.raises(raised):
        await sender.send(ANN, Reply("hello"))


async def test_a_user_no_longer_allowed_gets_no_digest(bot: Bot) -> None:
    await bot.services.store.identities.owner_of(Identity(TELEGRAM, str(ANN)))
    sender = TelegramSender(
        bot.app.bot, bot.services.store.identities, allowed_users=frozenset({8})
    )
    with pytest.raises(Undeliverable):
        await sender.send(ANN, Reply("hello"))
    assert bot.api.calls_of("sendMessage") == []


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("", 60.0), ("1", 1.0), ("0.5", 0.5), ("0", 60.0), ("-3", 60.0), ("x", 60.0), ("600", 60.0)],
)
def test_only_tests_speed_the_sweep_up(value: str, seconds: float) -> None:
    assert sweep_seconds({"KITH_SWEEP_SECONDS": value}) == seconds


async def test_a_digest_delivered_but_answered_too_late_is_not_sent_again(
    tmp_path: Path,
) -> None:
    api = FakeBotApi()
    api.add_user(ANN, "Ann")
    clock = FixedClock(parse_utc("2026-11-25T10:00:00Z"))
    config = load_config(None, db=str(tmp_path / "kith.db"), env={"KITH_TELEGRAM_TOKEN": TOKEN})
    async with services(config, clock) as s:
        requests = build_fake_request(api, read_timeout=0.2)
        app = build_application(
            config, s, request=requests.request, get_updates_request=requests.get_updates_request
        )
        assert await connect(app, asyncio.Event())
        async with polling(app):
            bot = Bot(api, app, s, clock)
            await bot.says("/add Alice inner")
            await bot.says("coffee with Alice 2026-10-01")
            api.slow_next("sendMessage", 0.5, chat_id=ANN)  # delivered; the answer is late
            await bot.sweep_at("2026-11-26T09:00:00Z")
            for minute in ("09:01", "09:02", "12:00"):
                await bot.sweep_at(f"2026-11-26T{minute}:00Z")
            digests = [m for m in api.sent_to(ANN) if "maybe say hi" in (m.plain_text or "")]
            assert len(digests) == 1
            rows = await s.db.fetchall("SELECT status, outcome_unknown FROM digests")
            assert [tuple(r) for r in rows] == [("sent", 1)]
