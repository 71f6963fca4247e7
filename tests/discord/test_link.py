"""One person, two apps: Ann links her Telegram and her Discord, and both see the same
kith. Both transports run in this process over one engine and one database, each against
its fake (Telegram's in-process Bot API, the fake Discord on 127.0.0.1)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import pytest

from bot.compose import Services, services
from bot.config import Config
from bot.core.clock import FixedClock, parse_utc
from bot.discord.render import DISCORD_LIMITS
from bot.discord.run import build_client, running, sender_for, wait_ready
from bot.nudges.sweep import Sweeper
from bot.ports.digests import Scope
from bot.ports.identities import DISCORD, TELEGRAM, Identity
from bot.telegram.app import build_application
from bot.telegram.run import connect, polling
from bot.telegram.sender import TelegramSender
from tests.discord.conftest import ANN, DiscordUser
from tests.support import TOKEN as TELEGRAM_TOKEN
from tests.support import FakeBotApi, build_fake_request
from tests.support.fake_discord import FakeDiscord
from tests.telegram.conftest import TelegramUser

ANN_TG = 7


@dataclass
class Both:
    services: Services
    clock: FixedClock
    telegram: TelegramUser
    discord: DiscordUser
    api: FakeBotApi
    fake: FakeDiscord
    sweepers: list[Sweeper]

    async def owner(self, transport: str, external: int) -> int | None:
        return await self.services.store.identities.find(Identity(transport, str(external)))

    async def sweep_at(self, when: str) -> None:
        self.clock.set(parse_utc(when))
        for sweeper in self.sweepers:
            await sweeper.sweep()


@pytest.fixture
async def both(fake: FakeDiscord, config: Config, clock: FixedClock) -> AsyncIterator[Both]:
    api = FakeBotApi()
    api.add_user(ANN_TG, "Ann")
    cfg = config.__class__(
        telegram=config.telegram.__class__(token=TELEGRAM_TOKEN),
        db_path=config.db_path,
        discord=config.discord,
    )
    async with services(cfg, clock) as s:
        requests = build_fake_request(api)
        app = build_application(
            cfg,
            s,
            request=requests.request,
            get_updates_request=requests.get_updates_request,
            nudges=False,
        )
        assert await connect(app, asyncio.Event())
        client = build_client(s, guild_ready_timeout=0.0)
        async with polling(app), running(client, cfg.discord.token):
            await wait_ready(client, 5.0)
            fake.user(ANN, "Ann")
            sweepers = [
                Sweeper(
                    s.engine,
                    clock,
                    TelegramSender(app.bot, s.store.identities),
                    scope=Scope(transport=TELEGRAM),
                ),
                Sweeper(
                    s.engine,
                    clock,
                    sender_for(client),
                    scope=Scope(transport=DISCORD),
                    limits=DISCORD_LIMITS,
                ),
            ]
            yield Both(
                s,
                clock,
                TelegramUser(api, ANN_TG),
                DiscordUser(fake, ANN),
                api,
                fake,
                sweepers,
            )


def code_in(text: str) -> str:
    found = re.search(r"Your link code: ([A-Z0-9]{6})", text)
    assert found, text
    return found[1]


async def link(both: Both) -> None:
    code = code_in(await both.telegram.says("/link"))
    question = await both.discord.says(f"/link {code}")
    assert question.startswith("Link this account with your kith on Telegram?")
    assert both.discord.labels == ["Yes, link them", "Cancel"]
    linked = await both.discord.taps("Yes, link them")
    assert linked.startswith("Linked — Discord and Telegram now share one kith")


async def test_after_a_link_both_apps_see_the_same_people(both: Both) -> None:
    await both.telegram.says("/add Alice inner")
    await both.telegram.says("coffee with Alice 2026-10-01")
    assert "Nobody here yet" in await both.discord.says("/people")  # two kiths so far

    await link(both)

    assert await both.owner(DISCORD, ANN) == await both.owner(TELEGRAM, ANN_TG)
    card = await both.discord.slash("show", person="Alice")
    assert card.startswith("Alice — inner") and "coffee" in card
    assert "Added Bob" in await both.discord.says("/add Bob")
    assert "Bob" in await both.telegram.says("/people")
    assert await both.fake.autocomplete(ANN, "show", "person", "") == ["Alice", "Bob"]


async def test_the_digest_goes_to_the_app_she_chose(both: Both) -> None:
    await both.telegram.says("/add Alice inner")
    await both.telegram.says("coffee with Alice 2026-10-01")
    await link(both)
    assert "come on Discord" in await both.telegram.says("/digest via discord")
    assert "digest comes on: Discord" in await both.discord.says("/settings")

    before_tg, before_dc = len(both.api.sent_to(ANN_TG)), len(both.fake.messages_to(ANN))
    await both.sweep_at("2026-11-26T09:00:00Z")
    [digest] = both.fake.messages_to(ANN)[before_dc:]
    assert digest.shown.startswith("It's been a while — maybe say hi to:")
    assert len(both.api.sent_to(ANN_TG)) == before_tg  # not on Telegram too
    assert "✓ Reached out to Alice" in await both.discord.taps("Reached out")


async def test_unlink_gives_one_app_a_fresh_start(both: Both) -> None:
    await both.telegram.says("/add Alice")
    await link(both)
    question = await both.discord.says("/unlink")
    assert question.startswith("Which app should go its own way?")
    assert both.discord.labels == ["Unlink Telegram", "Unlink Discord", "Cancel"]
    assert "Discord starts afresh" in await both.discord.taps("Unlink Discord")

    assert "Nobody here yet" in await both.discord.says("/people")
    assert "Alice" in await both.telegram.says("/people")
    assert "isn't linked" in await both.telegram.says("/unlink")


async def test_a_code_lasts_ten_minutes_and_is_used_once(both: Both) -> None:
    code = code_in(await both.telegram.says("/link"))
    both.clock.set(both.clock.now() + timedelta(minutes=11))
    assert "expired" in await both.discord.says(f"/link {code}")
    assert "expired" in await both.discord.says("/link NOPE42")
    assert "own code" in await both.telegram.says(
        f"/link {code_in(await both.telegram.says('/link'))}"
    )


async def test_two_address_books_are_never_mixed(both: Both) -> None:
    await both.telegram.says("/add Alice")
    await both.discord.says("/add Zoe")
    code = code_in(await both.telegram.says("/link"))
    assert "won't mix two address books" in await both.discord.says(f"/link {code}")
    assert "Zoe" not in await both.telegram.says("/people")
