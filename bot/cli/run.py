"""`kith run`: every transport that has a token, in one process.

Telegram alone runs as it always has (`bot/telegram/run.py`). With a Discord token, the
transports share one engine, one database and one sweep loop; each minute it sweeps the
owners whose digest goes out through each running transport (`Scope(transport=…)`, the
owner's `digest_via`), with that transport's sender:

    services (open DB) → Telegram: getMe, polling → Discord: login (REST), gateway →
    sweep loop → … SIGINT/SIGTERM … → sweep loop ends → Discord closes → Telegram stops
    (confirming its last updates) → close DB

A missing token (both missing) or a token either service rejects is one line on stderr
and exit code 2; the tokens never reach a log line.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AsyncExitStack
from typing import Final

import discord
from telegram.error import InvalidToken, TelegramError
from telegram.request import BaseRequest

from bot.compose import services
from bot.config import Config
from bot.core.clock import Clock
from bot.discord.render import DISCORD_LIMITS
from bot.discord.run import VoiceNoise, build_client, gateway, login, point_at, sender_for
from bot.nudges.loop import SweepLoop
from bot.nudges.sweep import Sweeper, sweep_seconds
from bot.ports.digests import Scope
from bot.ports.identities import DISCORD, TELEGRAM
from bot.ports.store import StoreError
from bot.telegram.app import build_application
from bot.telegram.limits import TELEGRAM_LIMITS
from bot.telegram.run import REJECTED as TELEGRAM_REJECTED
from bot.telegram.run import _signals_set, configure_logging, connect, polling
from bot.telegram.run import run_bot as run_telegram
from bot.telegram.sender import TelegramSender

log = logging.getLogger("kith")

NO_TOKEN: Final = (
    "kith: no token — set KITH_TELEGRAM_TOKEN or KITH_DISCORD_TOKEN "
    "(or [telegram] / [discord] token in the config)"
)
DISCORD_REJECTED: Final = (
    "kith: Discord rejected the token — check KITH_DISCORD_TOKEN or [discord] token "
    "(Developer Portal → your app → Bot → Reset Token gives you a new one)"
)
FIRST_SWEEP_SECONDS: Final = 10.0  # after start: let both transports settle first


def run(config: Config) -> int:
    """`kith run`: 0 after a clean stop, 2 for a missing or rejected token."""
    telegram, discord_token = config.telegram.token.strip(), config.discord.token.strip()
    if not telegram and not discord_token:
        print(NO_TOKEN, file=sys.stderr)
        return 2
    if not discord_token:
        return run_telegram(config)
    configure_logging(secrets=(telegram, discord_token))
    logging.getLogger("discord").setLevel(logging.WARNING)  # gateway chatter at INFO
    logging.getLogger("discord.client").addFilter(VoiceNoise())
    try:
        return asyncio.run(serve(config))
    except InvalidToken:
        print(TELEGRAM_REJECTED, file=sys.stderr)
        return 2
    except discord.LoginFailure:
        print(DISCORD_REJECTED, file=sys.stderr)
        return 2
    except TelegramError as exc:
        log.error("Telegram refused to start the bot: %s: %s", type(exc).__name__, exc)
        return 1
    except StoreError:
        raise  # the CLI reports these in one line
    except Exception:
        log.critical("kith stopped on an unexpected error", exc_info=True)
        return 1


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
        async with services(config, clock) as s, AsyncExitStack() as stack:
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
