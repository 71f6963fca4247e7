"""Build the python-telegram-bot Application for kith: transport settings and wiring only."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Final, TypeAlias

from telegram.error import TelegramError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, ExtBot
from telegram.ext import JobQueue as _JobQueue
from telegram.request import BaseRequest

from bot.config import Config
from bot.engine import Engine
from bot.services import Services
from bot.telegram.handlers import Handlers
from bot.telegram.keyboards import command_menu
from bot.telegram.outbox import Outbox
from bot.telegram.polling import Poller
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

# Only what kith handles: an edited message corrects the log it made (never logs twice),
# and channel posts, polls or inline queries have nothing to do with it. Telegram then
# does not even send them.
ALLOWED_UPDATES: Final = ["message", "edited_message", "callback_query"]

DESCRIPTION: Final = (
    "kith helps you keep your friendships alive. Tell it who you saw — "
    "“coffee with Alice yesterday” — and it remembers, shows who you haven't seen in a "
    "while, and sends a gentle daily nudge. Your notes are private to you."
)
SHORT_DESCRIPTION: Final = "Remembers who matters to you and nudges you when someone drifts."
# The rate limiter paces requests (30/s overall) but does not retry a 429 itself: its
# retry pauses *every* request for one chat's retry_after. Replies are retried per chat
# (bot/telegram/outbox.py); a digest that meets a 429 stays pending for the next sweep.
SEND_RETRIES: Final = 0
# Where the application keeps kith's poller and reply outbox (`parts_of_app`).
POLLER: Final = "kith.poller"
OUTBOX: Final = "kith.outbox"


class _NoRetryNoise(logging.Filter):
    """AIORateLimiter logs a 429 it does not retry as an error with a traceback; the
    outbox or the sweep handles it and logs one line of its own."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Rate limit hit after maximum of 0")


_LIMITER_LOG = logging.getLogger("telegram.ext.AIORateLimiter")
if not any(isinstance(f, _NoRetryNoise) for f in _LIMITER_LOG.filters):
    _LIMITER_LOG.addFilter(_NoRetryNoise())


def build_application(
    config: Config,
    services: Services,
    *,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    nudges: bool = True,
) -> KithApp:
    """The Application for `config`, its handlers wired to `services`; not yet started.

    `request`/`get_updates_request` replace PTB's HTTP transport (tests pass a fake one);
    by default PTB talks to `config.telegram.base_url` over httpx. `nudges=False` leaves
    the digest to a sweep shared with other transports (`kith run` with Discord too).
    """
    telegram = config.telegram
    builder = (
        ApplicationBuilder()
        .token(telegram.token)
        .base_url(telegram.base_url)
        .base_file_url(telegram.base_file_url)
        .rate_limiter(AIORateLimiter(max_retries=SEND_RETRIES))
        .post_init(_announcer(services.engine))
        .updater(None)  # kith polls itself (bot/telegram/polling.py)
    )
    if request is not None:
        builder = builder.request(request)
    if get_updates_request is not None:
        builder = builder.get_updates_request(get_updates_request)
    app = builder.build()
    handlers = Handlers(
        engine=services.engine,
        store=services.store,
        allowed_users=frozenset(telegram.allowed_users),
        importer=services.engine.import_file,
    )
    handlers.register(app)
    app.bot_data[OUTBOX] = handlers.replies
    app.bot_data[POLLER] = Poller(
        app, services.store, services.clock, allowed_updates=ALLOWED_UPDATES
    )
    if nudges:
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


def parts_of_app(app: KithApp) -> tuple[Poller, Outbox]:
    """The poller and the reply outbox `build_application` wired into `app`."""
    poller, outbox = app.bot_data[POLLER], app.bot_data[OUTBOX]
    assert isinstance(poller, Poller) and isinstance(outbox, Outbox)
    return poller, outbox
