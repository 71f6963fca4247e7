"""`kith run`'s Discord half in process (`bot.cli.run.serve`): it starts, answers, stops
on its stop event, and ends (code 1, one logged line) when Discord refuses the gateway."""

from __future__ import annotations

import asyncio
import dataclasses
import logging

import pytest

from bot.cli.serve import serve
from bot.config import Config
from bot.core.clock import FixedClock
from tests.discord.conftest import ANN
from tests.support.fake_discord import FakeDiscord


def aimed(config: Config, fake: FakeDiscord) -> Config:
    return dataclasses.replace(
        config,
        discord=dataclasses.replace(
            config.discord, api_base=fake.api_base, gateway_url=fake.gateway_url
        ),
    )


async def test_serve_answers_dms_and_stops_cleanly(
    fake: FakeDiscord, config: Config, clock: FixedClock
) -> None:
    stop = asyncio.Event()
    running = asyncio.create_task(serve(aimed(config, fake), clock=clock, stop=stop))
    await fake.wait_for(lambda: fake.connected > 0 and bool(fake.commands), what="kith up")
    await fake.dm(ANN, "/start")
    [reply] = await fake.replies(ANN, 1, after=0)
    assert reply.shown.startswith("Hi! I'm kith")
    stop.set()
    assert await asyncio.wait_for(running, 10) == 0
    assert fake.connected == 0


async def test_a_gateway_that_refuses_kith_ends_the_run(
    fake: FakeDiscord, config: Config, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    fake.refuse_identify = 4004  # the REST login worked; the gateway says no
    with caplog.at_level(logging.ERROR):
        code = await asyncio.wait_for(
            serve(aimed(config, fake), clock=clock, stop=asyncio.Event()), 10
        )
    assert code == 1
    assert "the Discord connection ended" in caplog.text
