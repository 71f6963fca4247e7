"""The digest over Telegram: a `Sender` for the bot, and the job that runs the sweep.

Telegram's errors map onto the sweep's three outcomes (engineering notes §6):
`Forbidden` (the user blocked the bot) and "chat not found" -> Undeliverable; any other
`BadRequest` (the message itself was refused) -> Rejected; network trouble, timeouts,
5xx and a 429 still there after the rate limiter's own retries -> TryLater.

The sweep is one repeating JobQueue job, nothing persisted (engineering notes §4): a late
run just runs (`misfire_grace_time=None`), a backlog collapses into one run (`coalesce`),
and runs never overlap (`max_instances=1`).
"""

from __future__ import annotations

import logging
from typing import Any, Final

from telegram import Bot
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import Application, CallbackContext, Job

from bot.compose import Services
from bot.engine.replies import Reply
from bot.nudges.sweep import Rejected, Sweeper, TryLater, Undeliverable, sweep_seconds
from bot.ports.digests import Scope
from bot.ports.identities import TELEGRAM
from bot.telegram.keyboards import reply_markup
from bot.telegram.text import render_html

log = logging.getLogger(__name__)

FIRST_SWEEP_SECONDS: Final = 10.0  # after start: let polling settle first
# Only the owners whose digest goes out through Telegram, never the terminal's.
TELEGRAM_USERS: Final = Scope(transport=TELEGRAM)


class TelegramSender:
    """Sends one digest as one message, its buttons as an inline keyboard."""

    def __init__(self, bot: Bot, allowed_users: frozenset[int] = frozenset()) -> None:
        self.bot = bot
        self.allowed_users = allowed_users

    async def send(self, owner: int, reply: Reply) -> None:
        if self.allowed_users and owner not in self.allowed_users:
            # The bot was made private after this user joined: it would not answer them.
            raise Undeliverable("not in allowed_users")
        try:
            await self.bot.send_message(
                chat_id=owner,
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
        except TelegramError as exc:  # RetryAfter, NetworkError (TimedOut), 5xx...
            raise TryLater(f"{type(exc).__name__}: {exc}") from exc


def install_sweep(
    app: Application[Any, Any, Any, Any, Any, Any],
    sweeper: Sweeper,
    *,
    interval: float | None = None,
    first: float | None = None,
) -> Job[Any]:
    """Run `sweeper.sweep()` every `interval` seconds once the application has started."""
    job_queue = app.job_queue
    if job_queue is None:
        raise RuntimeError("python-telegram-bot is installed without its job-queue extra")
    every = sweep_seconds() if interval is None else interval
    delay = min(FIRST_SWEEP_SECONDS, every) if first is None else first

    async def sweep_digests(context: CallbackContext[Any, Any, Any, Any]) -> None:
        try:
            await sweeper.sweep()
        except Exception:
            # Logged here, once: the next run a minute later tries again.
            log.exception("the digest sweep failed")

    return job_queue.run_repeating(
        sweep_digests,
        interval=every,
        first=delay,
        name="digest-sweep",
        job_kwargs={
            "id": "digest-sweep",
            "replace_existing": True,
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": None,
        },
    )


def install_nudges(app: Application[Any, Any, Any, Any, Any, Any], services: Services) -> Job[Any]:
    """Wire the daily digest into a built application (the one line app.py needs)."""
    sender = TelegramSender(app.bot, frozenset(services.config.telegram.allowed_users))
    sweeper = Sweeper(services.engine, services.clock, sender, scope=TELEGRAM_USERS)
    return install_sweep(app, sweeper)
