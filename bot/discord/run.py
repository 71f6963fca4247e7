"""Start and stop the Discord client inside `kith run`: login, gateway, clean close.

`login` checks the token over REST first, so a rejected token fails here, before any
gateway connection, as `discord.LoginFailure`; the caller turns that into one line and
exit code 2. The base URLs are discord.py class attributes (not per client), set from
`[discord] api_base` / `gateway_url` before anything connects.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from typing import Final

import aiohttp
import discord
import discord.gateway
import discord.http
import yarl

from bot.config import DiscordConfig
from bot.discord.client import FAST_ANSWER, KithDiscord
from bot.discord.sender import DiscordSender
from bot.services import Services

log = logging.getLogger(__name__)

READY_TIMEOUT: Final = 60.0
MAX_CONNECT_DELAY: Final = 30.0


def point_at(config: DiscordConfig) -> None:
    """Send discord.py's REST and gateway traffic where the config says (a proxy, a fake)."""
    discord.http.Route.BASE = config.api_base.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(config.gateway_url)


def build_client(
    services: Services,
    *,
    fast: float = FAST_ANSWER,
    sync_commands: bool = True,
    guild_ready_timeout: float = 2.0,
) -> KithDiscord:
    """The client for `services`, not yet logged in (tests and the bench tune the rest)."""
    return KithDiscord(
        services.engine,
        services.store,
        allowed_users=frozenset(services.config.discord.allowed_users),
        fast=fast,
        sync_commands=sync_commands,
        guild_ready_timeout=guild_ready_timeout,
    )


def sender_for(client: KithDiscord) -> DiscordSender:
    """The digest's way to Discord users: what this transport hands the sweep loop."""
    return DiscordSender(client, client.store.identities, client.allowed_users)


async def login(client: KithDiscord, token: str, stop: asyncio.Event) -> bool:
    """Check the token over REST (retrying while Discord is unreachable); False if stopped
    first. A rejected token raises `discord.LoginFailure` at once."""
    delay = 1.0
    while True:
        try:
            await client.login(token)
            return True
        except discord.LoginFailure:
            await client.close()
            raise
        except (aiohttp.ClientError, OSError, discord.DiscordServerError) as exc:
            log.warning("cannot reach Discord (%s); retrying in %.0f s", exc, delay)
        with suppress(TimeoutError):
            async with asyncio.timeout(delay):
                await stop.wait()
        if stop.is_set():
            await client.close()
            return False
        delay = min(delay * 2, MAX_CONNECT_DELAY)


@asynccontextmanager
async def gateway(
    client: KithDiscord, on_failure: Callable[[], None] | None = None
) -> AsyncIterator[KithDiscord]:
    """Connect a logged-in client to the gateway (discord.py reconnects by itself after
    network trouble); close on exit. `on_failure` runs if the connection ends for good
    (a close code Discord means: a revoked token, a disallowed intent)."""
    task = asyncio.create_task(client.connect(reconnect=True), name="discord-gateway")

    def ended(done: asyncio.Task[None]) -> None:
        if done.cancelled() or done.exception() is None:
            return
        exc = done.exception()
        log.error("the Discord connection ended: %s: %s", type(exc).__name__, exc)
        if on_failure is not None:
            on_failure()

    task.add_done_callback(ended)
    try:
        yield client
    finally:
        await client.close()
        with suppress(asyncio.CancelledError, Exception):
            await asyncio.wait_for(task, 10)


@asynccontextmanager
async def running(
    client: KithDiscord, token: str, stop: asyncio.Event | None = None
) -> AsyncIterator[KithDiscord]:
    """`login` then `gateway`: the whole client lifetime in one `async with`."""
    if await login(client, token, stop or asyncio.Event()):
        async with gateway(client):
            yield client
    else:
        yield client


class VoiceNoise(logging.Filter):
    """discord.py warns at every start that voice libraries are missing; kith has no voice."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "voice will NOT be supported" not in record.getMessage()


async def wait_ready(client: KithDiscord, within: float = READY_TIMEOUT) -> None:
    await asyncio.wait_for(client.wait_until_ready(), within)
