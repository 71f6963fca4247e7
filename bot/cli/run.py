"""`kith run`: every transport that has a token, in one process.

Telegram alone runs as it always has (`bot/telegram/run.py`). With a Discord token, the
transports share one engine, one database and one sweep, whose digests go to each
owner's own transport (`RoutingSender`):

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
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AsyncExitStack
from typing import Final

import discord
from telegram.error import InvalidToken, TelegramError
from telegram.request import BaseRequest

from bot.compose import services
from bot.config import Config
from bot.core.clock import Clock
from bot.discord.owners import is_discord_owner
from bot.discord.run import VoiceNoise, build_client, gateway, login, point_at, sender_for
from bot.engine.replies import Reply
from bot.nudges.sweep import Sender, Sweeper, TryLater, sweep_seconds
from bot.store.sqlite.db import StoreError
from bot.store.sqlite.digests import Scope
from bot.store.sqlite.migrations import MigrationError
from bot.telegram.app import build_application
from bot.telegram.run import REJECTED as TELEGRAM_REJECTED
from bot.telegram.run import _signals_set, _stopped_within, configure_logging, connect, polling
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
# Every chat owner (the terminal's user 0 is `kith chat`'s own).
CHAT_OWNERS: Final = Scope(min_owner=1)

Route = Callable[[int], Awaitable[str]]


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
    except (StoreError, MigrationError):
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
            senders: dict[str, Sender] = {}
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
                senders["telegram"] = TelegramSender(
                    app.bot, frozenset(config.telegram.allowed_users)
                )
            if client is not None:
                await stack.enter_async_context(gateway(client))
                senders["discord"] = sender_for(client)
            sweeper = Sweeper(
                s.engine, s.clock, RoutingSender(senders, transport_of), scope=CHAT_OWNERS
            )
            await sweep_until(sweeper, stopping, first=first_sweep)
            log.info("stopping")
    return 0


async def transport_of(owner: int) -> str:
    """Which transport an owner's digest goes to."""
    return "discord" if is_discord_owner(owner) else "telegram"


class RoutingSender:
    """One sweep, several transports: each digest goes out on its owner's own."""

    def __init__(self, senders: Mapping[str, Sender], route: Route) -> None:
        self.senders = senders
        self.route = route

    async def send(self, owner: int, reply: Reply) -> None:
        transport = await self.route(owner)
        sender = self.senders.get(transport)
        if sender is None:
            # That transport is not running in this process (no token): keep the digest
            # pending for today rather than call the user unreachable.
            raise TryLater(f"{transport} is not running")
        await sender.send(owner, reply)


async def sweep_until(
    sweeper: Sweeper, stop: asyncio.Event, *, first: float = FIRST_SWEEP_SECONDS
) -> None:
    """Run the sweep every `sweep_seconds()` until `stop`; a failed sweep is logged once
    and the next one a minute later tries again. Sweeps never overlap (Sweeper's lock)."""
    every = sweep_seconds()
    delay = min(first, every)
    while not await _stopped_within(stop, delay):
        try:
            await sweeper.sweep()
        except Exception:
            log.exception("the digest sweep failed")
        delay = every
