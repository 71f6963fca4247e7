"""The digest over Telegram: a `Sender` for the bot, and the job that runs the sweep.

Telegram's errors map onto the sweep's outcomes (engineering notes §6):
`Forbidden` (the user blocked the bot) and "chat not found" -> Undeliverable; any other
`BadRequest` (the message itself was refused) -> Rejected; a read timeout after the
request was written -> Unknown (never resent: it may have arrived); network trouble
before sending, 5xx and a 429 -> TryLater (the next sweep tries again).

The sweep runs in the one transport-neutral loop of bot/nudges/loop.py, started and
stopped with the application (`run.polling`).
"""

from __future__ import annotations

import logging
from typing import Any, Final

import httpx
from telegram import Bot
from telegram.error import BadRequest, Forbidden, TelegramError, TimedOut
from telegram.ext import Application

from bot.engine.replies import Reply
from bot.nudges.loop import SweepLoop
from bot.nudges.sweep import Rejected, Sweeper, TryLater, Undeliverable, Unknown, sweep_seconds
from bot.ports.digests import Scope
from bot.ports.identities import TELEGRAM, Identities
from bot.services import Services
from bot.telegram.keyboards import reply_markup
from bot.telegram.limits import TELEGRAM_LIMITS
from bot.telegram.text import render_html

log = logging.getLogger(__name__)

FIRST_SWEEP_SECONDS: Final = 10.0  # after start: let polling settle first
SWEEP_KEY: Final = "kith.digest_sweep"  # where the app keeps its loop (bot_data)
# Only the owners whose digest goes out through Telegram, never the terminal's.
TELEGRAM_USERS: Final = Scope(transport=TELEGRAM)


class TelegramSender:
    """Sends one digest as one message, its buttons as an inline keyboard."""

    def __init__(
        self, bot: Bot, identities: Identities, allowed_users: frozenset[int] = frozenset()
    ) -> None:
        self.bot = bot
        self.identities = identities
        self.allowed_users = allowed_users

    async def send(self, owner: int, reply: Reply) -> None:
        external = await self.identities.external_id(owner, TELEGRAM)
        if external is None or not external.isdigit():
            raise Undeliverable("no Telegram identity")
        user_id = int(external)
        if self.allowed_users and user_id not in self.allowed_users:
            # The bot was made private after this user joined: it would not answer them.
            raise Undeliverable("not in allowed_users")
        try:
            # A private chat's id is the user's id.
            await self.bot.send_message(
                chat_id=user_id,
                text=render_html(reply.rich or reply.text),
                reply_markup=reply_markup(reply),
                parse_mode="HTML",
            )
        except Forbidden as exc:
            raise Undeliverable(str(exc)) from exc
        except BadRequest as exc:  # a NetworkError subclass, so before it
            if "chat not found" in str(exc).lower():
                raise Undeliverable(str(exc)) from exc
            raise Rejected(str(exc)) from exc
        except TimedOut as exc:
            if isinstance(exc.__cause__, httpx.ConnectTimeout | httpx.PoolTimeout):
                raise TryLater(f"{type(exc).__name__}: {exc}") from exc  # never went out
            # The request was written and no answer came: Telegram may have delivered it.
            raise Unknown(f"{type(exc).__name__}: {exc}") from exc
        except TelegramError as exc:  # RetryAfter, NetworkError, 5xx...
            raise TryLater(f"{type(exc).__name__}: {exc}") from exc


def install_nudges(app: Application[Any, Any, Any, Any, Any, Any], services: Services) -> SweepLoop:
    """Wire the daily digest into a built application: the shared sweep loop
    (bot/nudges/loop.py) with the Telegram sender; `polling` starts and stops it."""
    sender = TelegramSender(
        app.bot, services.store.identities, frozenset(services.config.telegram.allowed_users)
    )
    sweeper = Sweeper(
        services.engine,
        services.clock,
        sender,
        scope=TELEGRAM_USERS,
        limits=TELEGRAM_LIMITS,
        weekly_review=True,
    )
    every = sweep_seconds()
    loop = SweepLoop(sweeper.sweep, every, first=min(FIRST_SWEEP_SECONDS, every))
    app.bot_data[SWEEP_KEY] = loop
    return loop


def sweep_loop(app: Application[Any, Any, Any, Any, Any, Any]) -> SweepLoop | None:
    """The application's digest loop, if `install_nudges` installed one."""
    loop = app.bot_data.get(SWEEP_KEY)
    return loop if isinstance(loop, SweepLoop) else None
