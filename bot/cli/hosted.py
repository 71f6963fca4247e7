"""`kith serve`: one webhook worker with its sweep, wired here (the composition root may
import both the PostgreSQL services and the Telegram transport; bot/telegram/webhook.py
has the worker itself)."""

from __future__ import annotations

import asyncio
import math

from aiohttp import web

from bot.compose import PgServices, services
from bot.config import Config
from bot.nudges.loop import SweepLoop
from bot.nudges.sweep import Sweeper, sweep_seconds
from bot.telegram.limits import TELEGRAM_LIMITS
from bot.telegram.run import _signals_set
from bot.telegram.sender import TELEGRAM_USERS, TelegramSender
from bot.telegram.webhook import (
    WebhookError,
    WebhookWorker,
    bot_rate,
    build_bot,
    log,
    web_app,
    webhook_secret,
)


async def serve(
    config: Config,
    *,
    host: str = "127.0.0.1",
    port: int = 8080,
    path: str = "/telegram",
    workers: int = 1,
    stop: asyncio.Event | None = None,
) -> int:
    """One webhook worker, with its sweep, until SIGINT/SIGTERM (or `stop`)."""
    secret = webhook_secret()
    if not config.telegram.token.strip():
        raise WebhookError("no Telegram token — set KITH_TELEGRAM_TOKEN or [telegram] token")
    with _signals_set(stop) as stopping:
        async with services(config) as s:
            if not isinstance(s, PgServices):
                raise WebhookError(
                    "kith serve needs a PostgreSQL database ([storage] url or "
                    "KITH_DATABASE_URL): the workers share it"
                )
            updates = s.pg.updates
            app = build_bot(config, workers)
            async with app:
                worker = WebhookWorker(s, updates, app.bot)
                sweeper = Sweeper(
                    s.engine,
                    s.clock,
                    TelegramSender(
                        app.bot, s.store.identities, frozenset(config.telegram.allowed_users)
                    ),
                    scope=TELEGRAM_USERS,
                    limits=TELEGRAM_LIMITS,
                    # A minute's sweep sends at most this worker's share of the bot's rate.
                    batch=max(1, math.ceil(bot_rate() * sweep_seconds() / workers)),
                )

                async def tick() -> None:
                    await sweeper.sweep()
                    await updates.expire(s.clock.now())

                loop = SweepLoop(tick, sweep_seconds(), first=min(5.0, sweep_seconds()))
                runner = web.AppRunner(web_app(worker, secret, path), access_log=None)
                await runner.setup()
                site = web.TCPSite(runner, host, port)
                await site.start()
                log.info("webhook worker listening on http://%s:%d%s", host, port, path)
                loop.start()
                try:
                    await stopping.wait()
                finally:
                    log.info("stopping")
                    await loop.stop()
                    await runner.cleanup()
    return 0
