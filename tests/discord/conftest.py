"""The production Discord client, connected to a fake Discord on 127.0.0.1.

`kith` is the running bot (the real `KithDiscord` over discord.py's own HTTP and
gateway code, a temp SQLite file, a FixedClock). `ann` is a Discord user talking to it
in her DM: `await ann.says("/start")` returns the text of the bot's answer. Every test
ends by checking the fake saw no broken Discord rule (length, buttons, 3-second answers).
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.compose import Services, services
from bot.config import Config, load_config
from bot.core.clock import FixedClock
from bot.discord.client import KithDiscord
from bot.discord.run import build_client, running, wait_ready
from bot.ports.identities import DISCORD, Identity
from tests.conversation import NOW
from tests.support.fake_discord import TOKEN, FakeDiscord, FakeFile, FakeMessage, Interaction

WAIT = 5.0
# Discord ids are snowflakes: far above any Telegram id.
ANN = 300_000_000_000_000_001
BOB = 300_000_000_000_000_002


@dataclass
class Kith:
    """The running bot, its fake Discord, and its database."""

    fake: FakeDiscord
    client: KithDiscord
    services: Services

    def user(self, user_id: int, name: str = "Ann") -> DiscordUser:
        self.fake.user(user_id, name)
        return DiscordUser(self.fake, user_id)

    async def rows(self, sql: str, *params: object) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in await self.services.db.fetchall(sql, params)]

    async def owner(self, user_id: int) -> int | None:
        """The kith owner this Discord user is; None if kith never stored them."""
        return await self.services.store.identities.find(Identity(DISCORD, str(user_id)))


@dataclass
class DiscordUser:
    """Someone on Discord: writes in the DM, runs slash commands, presses buttons."""

    fake: FakeDiscord
    id: int
    last: list[FakeMessage] = field(default_factory=list)

    async def says(self, text: str, *, replies: int = 1) -> str:
        before = len(self.fake.messages_to(self.id))
        await self.fake.dm(self.id, text)
        return await self._read(before, replies)

    async def sends_file(self, name: str, data: bytes, *, replies: int = 1) -> str:
        before = len(self.fake.messages_to(self.id))
        await self.fake.dm(self.id, "", files=[FakeFile(name, data)])
        return await self._read(before, replies)

    async def slash(self, name: str, *, replies: int = 1, **options: str) -> str:
        """Run `/name` with options; the text of the answer (and `replies - 1` follow-ups)."""
        before = len(self.fake.messages_to(self.id))
        interaction = await self.fake.slash(self.id, name, options)
        await self.fake.answered(interaction)
        return await self._read(before, replies)

    async def taps(self, label: str, *, replies: int = 0) -> str:
        """Press the newest button whose label starts with `label`; the pressed message's
        text after its edit (plus `replies` new messages)."""
        message = self.button(label)
        edits, before = message.edits, len(self.fake.messages_to(self.id))
        interaction = await self.fake.press(self.id, message, label)
        await self.fake.answered(interaction)
        await self.fake.wait_for(lambda: message.edits > edits, what="the pressed message edited")
        sent = await self.fake.replies(self.id, replies, after=before)
        self.last = [message, *sent]
        return "\n".join(m.shown for m in self.last)

    def button(self, label: str) -> FakeMessage:
        for message in reversed(self.fake.messages_to(self.id)):
            if any(text.startswith(label) for text, _ in message.buttons):
                return message
        raise AssertionError(f"no button {label!r}; last messages: {self.last}")

    @property
    def labels(self) -> list[str]:
        return [text for m in self.last for text, _ in m.buttons]

    async def _read(self, before: int, count: int) -> str:
        self.last = await self.fake.replies(self.id, count, after=before)
        return "\n".join(m.shown for m in self.last)


Launcher = Callable[..., AbstractAsyncContextManager[Kith]]


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as running_fake:
        undo = running_fake.point_discord_py_here()
        try:
            yield running_fake
        finally:
            undo()
        assert running_fake.violations == []


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return load_config(None, db=str(tmp_path / "kith.db"), env={"KITH_DISCORD_TOKEN": TOKEN})


@pytest.fixture
def launch(fake: FakeDiscord, config: Config, clock: FixedClock) -> Launcher:
    """Start the bot (optionally with other [discord] settings) for an `async with`."""

    @asynccontextmanager
    async def start(fast: float = 2.0, **discord: Any) -> AsyncIterator[Kith]:
        cfg = dataclasses.replace(config, discord=dataclasses.replace(config.discord, **discord))
        async with services(cfg, clock) as s:
            client = build_client(s, fast=fast, guild_ready_timeout=0.0)
            async with running(client, cfg.discord.token):
                await wait_ready(client, WAIT)
                yield Kith(fake, client, s)

    return start


@pytest.fixture
async def kith(launch: Launcher) -> AsyncIterator[Kith]:
    async with launch() as running_kith:
        yield running_kith


@pytest.fixture
def ann(kith: Kith) -> DiscordUser:
    return kith.user(ANN, "Ann")


__all__ = ["ANN", "BOB", "WAIT", "DiscordUser", "Interaction", "Kith", "Launcher"]
