"""Figure 11: a burst of messages from many users at once, through Telegram's real client.

`burst_users` people each send one `/who` at the same instant. kith's production
Application (`build_application`: AIORateLimiter at 30 msg/s, the ChatOrderedProcessor,
kith's own polling loop and outbox, engine, SQLite) answers them over the in-process
fake Bot API, whose every request takes `burst_latency` seconds (a real round trip to
Telegram is ~50 ms). Throughput is users answered per second, from the burst to the last
first reply; the latency of each user is from the burst to their reply.

Baseline, in the same run: a bare PTB echo bot with the same rate limiter and PTB's own
concurrent updates (`concurrent_updates(True)`), over its own fake with the same latency:
what python-telegram-bot itself does with this burst. Target ≥ 25 users/s: limited by
Telegram's 30 msg/s, not by kith.

One slow user: the same burst while another user's file is on its way (getFile held
`burst_slow` seconds from the burst on, the update fetched before it): the others' wait,
beside kith's burst without the slow user in the same run. Target: their p99 ≤ 1.2× —
one user's slow update does not delay everyone fetched after it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from telegram import Update
from telegram.ext import AIORateLimiter, ApplicationBuilder, ContextTypes, MessageHandler, filters

from bench.fig_engine import NOW
from bench.report import Check, Row, Series, percentile
from bench.workspace import Sizes, Workspace
from bot.compose import services
from bot.config import load_config
from bot.core.clock import FixedClock
from bot.telegram.app import SEND_RETRIES, build_application
from bot.telegram.run import connect, polling
from tests.support import TOKEN, FakeBotApi, build_fake_request

NAME = "burst"
FIRST_USER = 10_000
SLOW_USER = 9_999
SLOW_FILE = Path(__file__).parents[1] / "tests" / "formats" / "fixtures" / "google.csv"
WAIT = 120.0


async def _burst(api: FakeBotApi, users: int, slow: float = 0.0) -> tuple[float, list[float]]:
    """Send one message from each user at once; (seconds to the last reply, latencies).

    `slow`: first another user's file is fetched and held on its way, and released that
    many seconds after the burst began."""
    ids = range(FIRST_USER, FIRST_USER + users)
    for uid in ids:
        api.add_user(uid, f"U{uid}")
    if slow:
        api.add_user(SLOW_USER, "Slow")
        held = api.hold("getFile")
        api.user_sends_document(SLOW_USER, SLOW_FILE.name, SLOW_FILE.read_bytes())
        await api.wait_for(lambda: held.waiting or None, WAIT, what="the slow file on its way")
        asyncio.get_running_loop().call_later(slow, held.release)
    began = time.monotonic()
    for uid in ids:
        api.user_sends(uid, "/who")
    await api.wait_for(
        lambda: all(api.sent_to(uid) for uid in ids) or None, WAIT, what="every user answered"
    )
    first: dict[int, float] = {}
    for call in api.calls_of("sendMessage"):
        chat = call.chat_id
        if isinstance(chat, int) and chat not in first:
            first[chat] = call.at
    latencies = [(first[uid] - began) * 1000 for uid in ids]
    return max(first[uid] for uid in ids) - began, latencies


async def _kith(path: Path, sizes: Sizes, slow: float = 0.0) -> tuple[float, list[float]]:
    config = load_config(None, db=str(path), env={"KITH_TELEGRAM_TOKEN": TOKEN})
    api = FakeBotApi()
    async with services(config, FixedClock(NOW)) as s:
        requests = build_fake_request(api, latency=sizes.burst_latency)
        app = build_application(
            config, s, request=requests.request, get_updates_request=requests.get_updates_request
        )
        if not await connect(app, asyncio.Event()):
            raise RuntimeError("kith did not connect to the fake Bot API")
        async with polling(app):
            return await _burst(api, sizes.burst_users, slow)


async def _echo(sizes: Sizes) -> tuple[float, list[float]]:
    api = FakeBotApi()
    requests = build_fake_request(api, latency=sizes.burst_latency)

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is not None and message.text:
            await message.reply_text(message.text)

    app = (
        ApplicationBuilder()
        .token(TOKEN)
        .request(requests.request)
        .get_updates_request(requests.get_updates_request)
        .rate_limiter(AIORateLimiter(max_retries=SEND_RETRIES))
        .concurrent_updates(True)
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, echo))
    async with app:
        updater = app.updater
        if updater is None:
            raise RuntimeError("no updater")
        await updater.start_polling(allowed_updates=["message"])
        await app.start()
        try:
            return await _burst(api, sizes.burst_users)
        finally:
            await updater.stop()
            await app.stop()


def _run(make: Callable[[], Awaitable[tuple[float, list[float]]]]) -> tuple[float, list[float]]:
    return asyncio.run(make())  # one event loop each: nothing shared between the two bots


def run(sizes: Sizes, work: Workspace) -> list[Row]:
    # Echo first, then kith, then echo again: the machine's drift shows in the two echoes.
    echo_a = _run(lambda: _echo(sizes))
    kith = _run(lambda: _kith(work.path("burst.db"), sizes))
    slowed = _run(lambda: _kith(work.path("burst-slow.db"), sizes, sizes.burst_slow))
    echo_b = _run(lambda: _echo(sizes))
    users = sizes.burst_users
    rate = users / kith[0]
    echo_rates = [users / echo_a[0], users / echo_b[0]]
    note = (
        f"{users} users at once, {sizes.burst_latency * 1000:.0f} ms per Bot API call; "
        f"kith took {kith[0]:.1f} s, echo {echo_a[0]:.1f} / {echo_b[0]:.1f} s"
    )
    return [
        Row(
            "11",
            "burst: users answered per second",
            unit="/s",
            measured=Series.of([rate]),
            baseline=Series.of(echo_rates),
            baseline_name="PTB echo, same limiter",
            checks=(Check("p50", ">=", 25.0),),
            notes=note,
        ),
        Row(
            "11",
            "burst: time to each user's reply",
            measured=Series.of(kith[1]),
            baseline=Series.of(echo_a[1] + echo_b[1]),
            baseline_name="PTB echo, same limiter",
            notes="from the burst to that user's reply (p99 is the last users)",
        ),
        Row(
            "11",
            "burst with one slow user: the others' wait",
            measured=Series.of(slowed[1]),
            baseline=Series.of(kith[1]),
            baseline_name="kith, no slow user",
            checks=(Check("p99 ratio", "<=", 1.2, label="p99 ≤ 1.2× baseline p99"),),
            extra={"p99 ratio": percentile(slowed[1], 99) / percentile(kith[1], 99)},
            notes=(
                f"one user's file held {sizes.burst_slow:g} s from the burst on; "
                f"p99 {percentile(slowed[1], 99):.0f} vs {percentile(kith[1], 99):.0f} ms"
            ),
        ),
    ]
