"""Figure 5: delivering 2,000 digests through the rate limiter while Telegram says 429.

The real sending path, in process: kith's `build_application` (PTB with
`AIORateLimiter(max_retries=3)`, 30 messages/s), its `TelegramSender`, and the digest
`Sweeper`, talking real HTTP to the loopback fake Bot API, which answers 429
(`retry_after` 1 s) to 5 % of `sendMessage` calls at random (seeded). Every user is due at
once; sweeps run back to back (kith runs one a minute; back to back is the worst case
for the limiter) until nothing is pending. Then, from what the fake received:

* throughput: delivered digests per second, first send to last delivery;
* lost: users with a recorded digest who never got it; doubled: users who got two.

Baseline: the same number of plain `send_message` calls through the same limiter, 8 in
flight like the sweep, against a second fake with the same seeded 429s: what the limiter
itself allows, with no digests to compose and record.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter, ApplicationBuilder

from bench.generate import END, Spec
from bench.processes import write_config
from bench.report import Check, Row, Series
from bench.workspace import Sizes, Workspace
from bot.compose import services
from bot.config import load_config
from bot.core.clock import FixedClock, format_utc
from bot.nudges.sweep import CONCURRENCY, Sweeper
from bot.telegram.app import SEND_RETRIES, build_application
from bot.telegram.sender import TELEGRAM_USERS, TelegramSender
from tests.support import TOKEN, FakeBotApi, LoopbackServer

NAME = "delivery"
NOW = datetime(END.year, END.month, END.day, 10, 0, tzinfo=UTC)
CEILING = 30.0  # messages per second: AIORateLimiter's default, Telegram's bulk limit
SEED = 11
GIVE_UP = 600.0  # seconds: a run that takes longer than this is broken


def make_due(path: Path, now: datetime) -> list[int]:
    """Every user's digest is due a minute before `now`; their ids."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute(
            "UPDATE users SET digest_time = coalesce(digest_time, '09:00'), next_digest_at = ?",
            (format_utc(now - timedelta(minutes=1)),),
        )
        return [int(r[0]) for r in conn.execute("SELECT id FROM users ORDER BY id")]
    finally:
        conn.close()


def recorded_digests(path: Path) -> dict[int, str]:
    """owner -> status of their digest row."""
    conn = sqlite3.connect(path)
    try:
        return {int(o): str(s) for o, s in conn.execute("SELECT owner_id, status FROM digests")}
    finally:
        conn.close()


def _fake(rate: float) -> FakeBotApi:
    api = FakeBotApi(seed=SEED)
    api.fail_rate("sendMessage", rate, status=429, retry_after=1)
    return api


def throughput(api: FakeBotApi) -> tuple[float, Counter[int], int]:
    """(delivered per second, deliveries per chat, 429s answered)."""
    sends = api.calls_of("sendMessage")
    ok = [c for c in sends if c.status == 200]
    per_chat: Counter[int] = Counter(int(c.params["chat_id"]) for c in ok)
    refused = sum(1 for c in sends if c.status == 429)
    if len(ok) < 2:
        return float("nan"), per_chat, refused
    span = ok[-1].at - sends[0].at
    return (len(ok) - 1) / span, per_chat, refused


async def sweep_all(path: Path, config_path: Path) -> int:
    """Sweep until every digest is delivered; how many sweeps it took."""
    config = load_config(str(config_path), db=str(path), env={"KITH_TELEGRAM_TOKEN": TOKEN})
    clock = FixedClock(NOW)
    async with services(config, clock) as s:
        app = build_application(config, s)
        await app.initialize()
        try:
            sender = TelegramSender(app.bot, s.store.identities)
            sweeper = Sweeper(s.engine, clock, sender, scope=TELEGRAM_USERS)
            sweeps = 0
            async with asyncio.timeout(GIVE_UP):
                while True:
                    result = await sweeper.sweep()
                    sweeps += 1
                    if not (result.recorded or result.retried or result.pending):
                        return sweeps
        finally:
            await app.shutdown()


async def plain_sends(server: LoopbackServer, chats: list[int]) -> None:
    """The baseline: send_message to each chat through the same limiter, 8 in flight."""
    app = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(server.base_url)
        .rate_limiter(AIORateLimiter(max_retries=SEND_RETRIES))
        .build()
    )
    await app.initialize()
    slots = asyncio.Semaphore(CONCURRENCY)
    left = list(chats)

    async def send(chat: int) -> None:
        async with slots:
            try:
                await app.bot.send_message(chat, "It's been a while — maybe say hi to: Ana")
            except RetryAfter:
                left.append(chat)  # still limited after the retries: again later, as kith

    try:
        async with asyncio.timeout(GIVE_UP):
            while left:
                batch, left[:] = list(left), []
                await asyncio.gather(*(send(c) for c in batch))
    finally:
        await app.shutdown()


def run(sizes: Sizes, work: Workspace) -> list[Row]:
    n = sizes.delivery_digests
    path = work.dataset(Spec(owners=n, people=20, interactions=60, seed=5), "delivery")
    users = make_due(path, NOW)
    rate = sizes.delivery_failure_rate

    base_api = _fake(rate)
    with LoopbackServer(base_api) as server:
        asyncio.run(plain_sends(server, users))
    base_rate, _, base_refused = throughput(base_api)

    api = _fake(rate)
    with LoopbackServer(api) as server:
        config = write_config(work.path("delivery.toml"), server, path, [])
        sweeps = asyncio.run(sweep_all(path, config))
    kith_rate, per_chat, refused = throughput(api)

    digests = recorded_digests(path)
    lost = sum(1 for owner in digests if per_chat.get(owner, 0) == 0)
    doubled = sum(1 for count in per_chat.values() if count > 1)
    strays = sum(1 for chat in per_chat if chat not in digests)
    unsent = sum(1 for status in digests.values() if status != "sent")
    return [
        Row(
            "5",
            "delivery: digests/s through the limiter",
            unit="msg/s",
            measured=Series.of([kith_rate]),
            baseline=Series.of([base_rate]),
            baseline_name="plain send_message",
            checks=(
                Check("p50", ">=", 0.9 * CEILING, label=f">= {0.9 * CEILING:g} msg/s"),
                Check("lost", "==", 0, label="none lost"),
                Check("doubled", "==", 0, label="none doubled"),
            ),
            extra={
                "digests": len(digests),
                "lost": lost + strays + unsent,
                "doubled": doubled,
                "429s": refused,
                "baseline_429s": base_refused,
                "sweeps": sweeps,
            },
            notes=(
                f"{len(digests):,} digests, {refused} answered 429 ({rate:.0%} of sends), "
                f"{sweeps} sweeps; lost {lost + strays + unsent}, doubled {doubled}; "
                f"baseline saw {base_refused} 429s"
            ),
        )
    ]
