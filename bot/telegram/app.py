"""Build the python-telegram-bot Application for kith: transport settings and wiring only."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Final, TypeAlias

from telegram.error import TelegramError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, ExtBot
from telegram.ext import JobQueue as _JobQueue
from telegram.request import BaseRequest

from bot.compose import Services
from bot.config import Config
from bot.engine import Engine
from bot.telegram.handlers import Handlers
from bot.telegram.keyboards import command_menu
from bot.telegram.sender import install_nudges

log = logging.getLogger(__name__)

# ExtBot[int]: the bot's rate limiter (AIORateLimiter) takes int arguments.
KithApp: TypeAlias = Application[
    ExtBot[int],
    ContextTypes.DEFAULT_TYPE,
    dict[Any, Any],
    dict[Any, Any],
    dict[Any, Any],
    _JobQueue[ContextTypes.DEFAULT_TYPE],
]

# Only what kith handles: edited messages would log a meeting twice, and channel posts,
# polls or inline queries have nothing to do with it. Telegram then does not even send them.
ALLOWED_UPDATES: Final = ["message", "callback_query"]

DESCRIPTION: Final = (
    "kith helps you keep your friendships alive. Tell it who you saw — "
    "“coffee with Alice yesterday” — and it remembers, shows who you haven't seen in a "
    "while, and sends a gentle daily nudge. Your notes are private to you."
)
SHORT_DESCRIPTION: Final = "Remembers who matters to you and nudges you when someone drifts."
# Telegram retries a 429 for us this many times (waiting its retry_after) before giving up.
SEND_RETRIES: Final = 3


def build_application(
    config: Config,
    services: Services,
    *,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
) -> KithApp:
    """The Application for `config`, its handlers wired to `services`; not yet started.

    `request`/`get_updates_request` replace PTB's HTTP transport (tests pass a fake one);
    by default PTB talks to `config.telegram.base_url` over httpx.
    """
    telegram = config.telegram
    builder = (
        ApplicationBuilder()
        .token(telegram.token)
        .base_url(telegram.base_url)
        .base_file_url(telegram.base_file_url)
        .rate_limiter(AIORateLimiter(max_retries=SEND_RETRIES))
        .post_init(_announcer(services.engine))
    )
    if request is not None:
        builder = builder.request(request)
    if get_updates_request is not None:
        builder = builder.get_updates_request(get_updates_request)
    app = builder.build()
    Handlers(
        engine=services.engine,
        store=services.store,
        allowed_users=frozenset(telegram.allowed_users),
        importer=services.engine.import_file,
    ).register(app)
    install_nudges(app, services)  # the daily digest: the sweep loop of bot/nudges
    return app


def _announcer(engine: Engine) -> Callable[[KithApp], Coroutine[Any, Any, None]]:
    """The post_init hook: the command menu and descriptions users see in Telegram."""

    async def announce(app: KithApp) -> None:
        """Set the command menu and the bot's descriptions; a failure only costs that one."""
        bot = app.bot
        steps: list[tuple[str, Callable[[], Awaitable[bool]]]] = [
            ("command menu", lambda: bot.set_my_commands(command_menu(engine.command_menu()))),
            ("description", lambda: bot.set_my_description(DESCRIPTION)),
            ("short description", lambda: bot.set_my_short_description(SHORT_DESCRIPTION)),
        ]
        for what, step in steps:
            try:
                await step()
            except TelegramError as exc:
                log.warning("could not set the %s: %s: %s", what, type(exc).__name__, exc)

    return announce
