"""`kith run` with a Discord token: every transport with a token in one process, over
one engine, one database and one sweep loop (see bot/cli/run.py for the order of things).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AsyncExitStack
from typing import Final

from telegram.request import BaseRequest

from bot.compose import serving_services
from bot.config import Config
from bot.core.clock import Clock
from bot.discord.render import DISCORD_LIMITS
from bot.discord.run import build_client, gateway, login, point_at, sender_for
from bot.nudges.loop import SweepLoop
from bot.nudges.sweep import Sweeper, sweep_seconds
from bot.ports.digests import Scope
from bot.ports.identities import DISCORD, TELEGRAM
from bot.telegram.app import build_application
from bot.telegram.limits import TELEGRAM_LIMITS
from bot.telegram.run import _signals_set, connect, polling
from bot.telegram.sender import TelegramSender

log = logging.getLogger("kith")

FIRST_SWEEP_SECONDS: Final = 10.0  # after start: let both transports settle first


async def serve(
    config: Config,
    *,
    clock: Clock | None = None,
    stop: asyncio.Event | None = None,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    first_sweep: float = FIRST_SWEEP_SECONDS,
) -> int:
    """Serve every transport with a token until `stop` (by default SIGINT/SIGTERM)."""
    with _signals_set(stop) as stopping:
        async with serving_services(config, clock) as s, AsyncExitStack() as stack:
            sweepers: list[Sweeper] = []
            failed: list[str] = []
            client = None
            if config.discord.token.strip():
                # The token is checked first (one REST call), so a rejected one stops
                # kith before Telegram has started anything.
                point_at(config.discord)
                client = build_client(s)
                if not await login(client, config.discord.token.strip(), stopping):
                    return 0
                stack.push_async_callback(client.close)
            if config.telegram.token.strip():
                app = build_application(
                    config,
                    s,
                    request=request,
                    get_updates_request=get_updates_request,
                    nudges=False,  # the shared sweep below sends Telegram's digests too
                )
                if not await connect(app, stopping):
                    return 0
                await stack.enter_async_context(polling(app))
                telegram_sender = TelegramSender(
                    app.bot, s.store.identities, frozenset(config.telegram.allowed_users)
                )
                sweepers.append(
                    Sweeper(
                        s.engine,
                        s.clock,
                        telegram_sender,
                        scope=Scope(transport=TELEGRAM),
                        limits=TELEGRAM_LIMITS,
                        weekly_review=True,
                    )
                )
            if client is not None:

                def gateway_failed() -> None:
                    failed.append("discord")
                    stopping.set()  # the other transport stops too: restart kith whole

                await stack.enter_async_context(gateway(client, gateway_failed))
                sweepers.append(
                    Sweeper(
                        s.engine,
                        s.clock,
                        sender_for(client),
                        scope=Scope(transport=DISCORD),
                        limits=DISCORD_LIMITS,
                        weekly_review=True,
                    )
                )
            every = sweep_seconds()
            loop = SweepLoop(sweep_each(sweepers), every, first=min(first_sweep, every))
            loop.start()
            try:
                await stopping.wait()
            finally:
                await loop.stop()
            log.info("stopping")
    return 1 if failed else 0


def sweep_each(sweepers: Sequence[Sweeper]) -> Callable[[], Awaitable[None]]:
    """One tick of the shared loop: each transport's owners, with that transport's
    sender; one transport's failure does not hold up the other's digests."""

    async def sweep() -> None:
        for sweeper in sweepers:
            try:
                await sweeper.sweep()
            except Exception:
                log.exception("the digest sweep failed")

    return sweep
