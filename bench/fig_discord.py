"""Figure 8: a plain-language log through Discord's real client, end to end.

kith's Discord transport (`KithDiscord`: discord.py's gateway and REST code, the engine,
SQLite) and a bare discord.py echo bot (`bench/echo_discord.py`) connect to the same fake
Discord (tests/support/fake_discord.py) on 127.0.0.1, each with its own token and user.
A user writes "coffee with NAME yesterday" in their DM; the round trip is from the
moment the fake sends that MESSAGE_CREATE down the gateway to the moment the bot's
reply (`POST /channels/{id}/messages`) is stored by the fake. Both bots run in this
process on one event loop, measured alternately; the fake's own work counts for both.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
import time
from datetime import date
from pathlib import Path

from bench.echo_discord import EchoBot
from bench.fig_engine import RELATIVE_WHEN, log_cases
from bench.generate import Spec, iter_people
from bench.report import Check, Row, Series
from bench.workspace import Sizes, Workspace
from bot.compose import services
from bot.config import load_config
from bot.core.names import NameEntry, NameIndex
from bot.discord.run import build_client, gateway, login, wait_ready
from bot.ports.identities import DISCORD, Identity
from tests.support.fake_discord import TOKEN, FakeDiscord

NAME = "discord"
OWNER = 7  # the owner the generated data belongs to
KITH_USER = 310_000_000_000_000_001  # the Discord user who is that owner
ECHO_USER = 310_000_000_000_000_002
ECHO_TOKEN = "echo-bot-token"
PAUSE = 0.02
WAIT = 10.0


async def round_trip(fake: FakeDiscord, user: int, bot: str, text: str) -> tuple[float, str]:
    """(milliseconds from the gateway event to the bot's reply stored, the reply text)."""
    before = len(fake.messages_to(user))
    sent = time.monotonic()
    await fake.dm(user, text, bot=bot)
    [reply] = await fake.replies(user, 1, after=before)
    return (reply.at - sent) * 1000, reply.content


async def _measure(db: Path, texts: list[str]) -> tuple[list[float], list[float]]:
    fake = await FakeDiscord(TOKEN, ECHO_TOKEN).start()
    undo = fake.point_discord_py_here()
    config = load_config(None, db=str(db), env={"KITH_DISCORD_TOKEN": TOKEN})
    config = dataclasses.replace(config)
    kith_ms: list[float] = []
    echo_ms: list[float] = []
    try:
        async with services(config) as s:
            # The Discord user is the generated owner (as /link would make them).
            fresh = await s.store.identities.owner_of(Identity(DISCORD, str(KITH_USER)))
            await s.store.links.join(fresh, OWNER)
            kith = build_client(s, sync_commands=False, guild_ready_timeout=0.0)
            echo = EchoBot()
            stop = asyncio.Event()
            assert await login(kith, TOKEN, stop)
            await echo.login(ECHO_TOKEN)
            echo_task = asyncio.create_task(echo.connect())
            try:
                async with gateway(kith):
                    await wait_ready(kith, WAIT)
                    await asyncio.wait_for(echo.wait_until_ready(), WAIT)
                    for text in texts[:3]:  # warm up: first-use imports, caches
                        await round_trip(fake, KITH_USER, TOKEN, text)
                        await round_trip(fake, ECHO_USER, ECHO_TOKEN, text)
                    rng = random.Random(7)
                    for i, text in enumerate(texts[3:]):
                        order = [(KITH_USER, TOKEN), (ECHO_USER, ECHO_TOKEN)]
                        if i % 2:
                            order.reverse()
                        for user, bot in order:
                            await asyncio.sleep(PAUSE * (0.5 + rng.random()))
                            ms, reply = await round_trip(fake, user, bot, text)
                            if bot == TOKEN and not reply.startswith("Logged"):
                                raise RuntimeError(f"kith answered {text!r} with {reply[:200]!r}")
                            (kith_ms if bot == TOKEN else echo_ms).append(ms)
            finally:
                await echo.close()
                await asyncio.wait_for(echo_task, WAIT)
        if fake.violations:
            raise RuntimeError(f"the fake saw broken Discord rules: {fake.violations}")
    finally:
        undo()
        await fake.stop()
    return kith_ms, echo_ms


def run(sizes: Sizes, work: Workspace) -> list[Row]:
    spec = Spec(
        owners=1,
        people=sizes.telegram_people,
        interactions=sizes.telegram_interactions,
        first_owner=OWNER,
    )
    db = work.dataset(spec, "discord")
    people = list(iter_people(db, OWNER))
    index = NameIndex.build(NameEntry(pid, name) for pid, name in people)
    count = sizes.discord_round_trips + 3
    cases = log_cases(people, index, count, 3, RELATIVE_WHEN, date.today())
    kith_ms, echo_ms = asyncio.run(_measure(db, [c.text for c in cases]))
    return [
        Row(
            "8",
            "Discord round trip: log in a DM",
            measured=Series.of(kith_ms),
            baseline=Series.of(echo_ms),
            baseline_name="bare discord.py echo bot",
            checks=(Check("ratio", "<=", 1.5),),
            notes=f"{len(kith_ms)} round trips each, gateway + REST over loopback, one process",
        )
    ]
