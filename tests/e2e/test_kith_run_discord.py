"""`kith run` with both tokens: the real process serves Telegram and Discord at once,
against the fake Bot API and the fake Discord on 127.0.0.1, and SIGTERM stops both."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli.run import DISCORD_REJECTED
from tests.e2e.conftest import START, KithRun, write_config
from tests.e2e.test_kith_run import says, started
from tests.support import TOKEN, FakeBotApi, LoopbackServer
from tests.support.fake_discord import TOKEN as DISCORD_TOKEN
from tests.support.fake_discord import FakeDiscord, ThreadedFakeDiscord

ANN_TG = 7
ANN_DC = 300_000_000_000_000_001


@pytest.fixture
def discord_fake() -> Iterator[ThreadedFakeDiscord]:
    with ThreadedFakeDiscord() as fake:
        yield fake
        assert fake.fake.violations == []


@pytest.fixture
def both(
    tmp_path: Path, server: LoopbackServer, discord_fake: ThreadedFakeDiscord
) -> Iterator[KithRun]:
    config = write_config(tmp_path / "kith.toml", server, tmp_path / "kith.db", [7, 8])
    fake = discord_fake.fake
    config.write_text(
        config.read_text()
        + f'[discord]\napi_base = "{fake.api_base}"\ngateway_url = "{fake.gateway_url}"\n'
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith("KITH_")}
    env = server.env(
        base, KITH_TELEGRAM_TOKEN=TOKEN, KITH_DISCORD_TOKEN=DISCORD_TOKEN, PTB_TIMEDELTA="1"
    )
    runner = KithRun(config, env, tmp_path)
    try:
        yield runner
    finally:
        runner.kill_all()


def dm(discord: ThreadedFakeDiscord, text: str) -> str:
    """Ann writes in her Discord DM; the text of the bot's answer."""

    async def exchange(fake: FakeDiscord) -> str:
        before = len(fake.messages_to(ANN_DC))
        await fake.dm(ANN_DC, text)
        return "\n".join(m.shown for m in await fake.replies(ANN_DC, 1, after=before))

    return discord.run(exchange)


def slash(discord: ThreadedFakeDiscord, name: str, **options: str) -> str:
    async def exchange(fake: FakeDiscord) -> str:
        interaction = await fake.answered(await fake.slash(ANN_DC, name, options))
        assert interaction.original_id is not None
        return fake.message(interaction.channel_id, interaction.original_id).shown

    return discord.run(exchange)


def press(discord: ThreadedFakeDiscord, label: str) -> str:
    """Ann presses the newest button starting with `label`; the pressed message after."""

    async def pressing(fake: FakeDiscord) -> str:
        message = next(
            m
            for m in reversed(fake.messages_to(ANN_DC))
            if any(t.startswith(label) for t, _ in m.buttons)
        )
        edits = message.edits
        await fake.answered(await fake.press(ANN_DC, message, label))
        await fake.wait_for(lambda: message.edits > edits, what="the pressed message edited")
        return message.shown

    return discord.run(pressing)


def connected(discord: ThreadedFakeDiscord) -> None:
    async def ready(fake: FakeDiscord) -> None:
        await fake.wait_for(lambda: fake.connected > 0 and bool(fake.commands), within=START)

    discord.run(ready)


def test_one_process_serves_telegram_and_discord_and_stops_on_sigterm(
    api: FakeBotApi, both: KithRun, discord_fake: ThreadedFakeDiscord
) -> None:
    proc = both.start()
    started(api, 0)
    connected(discord_fake)

    assert "Added Alice" in says(api, ANN_TG, "/add Alice")
    assert dm(discord_fake, "/start").startswith("Hi! I'm kith")
    assert "Nobody here yet" in slash(discord_fake, "people")  # two identities, two owners

    # She links them: a code on Telegram, sent on Discord, one press.
    code = says(api, ANN_TG, "/link").split("Your link code: ", 1)[1][:6]
    assert dm(discord_fake, f"/link {code}").startswith("Link this account with your kith")
    assert press(discord_fake, "Yes, link them").startswith("Linked")
    assert "Alice" in slash(discord_fake, "people")
    assert "Added Carla" in dm(discord_fake, "/add Carla")
    assert "Carla" in says(api, ANN_TG, "/people")

    assert both.terminate(proc) == 0
    assert discord_fake.fake.connected == 0
    assert api.calls_of("getUpdates")[-1].params.get("timeout") == 0  # offsets confirmed
    printed = both.everything_printed()
    assert TOKEN not in printed and DISCORD_TOKEN not in printed
    assert "Traceback" not in printed


def test_a_rejected_discord_token_is_one_line_and_exit_2(both: KithRun) -> None:
    both.env["KITH_DISCORD_TOKEN"] = "revoked"
    code, out, err = both.run_to_exit()
    assert (code, out, err) == (2, "", DISCORD_REJECTED + "\n")


def test_discord_alone_needs_no_telegram_token(
    both: KithRun, discord_fake: ThreadedFakeDiscord
) -> None:
    del both.env["KITH_TELEGRAM_TOKEN"]
    proc = both.start()
    connected(discord_fake)
    assert dm(discord_fake, "/start").startswith("Hi! I'm kith")
    assert both.terminate(proc, signal.SIGINT) == 0
