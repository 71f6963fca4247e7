"""`kith run`: the Telegram bot, long polling until SIGINT or SIGTERM.

The lifecycle is driven here rather than by `Application.run_polling`, so the database
(opened by the composition root's `open_services`, `bot.compose.services`) wraps the
whole Telegram session and is closed after the last update is handled, and so a
rejected token is an exit code instead of a traceback:

    services (open DB) → getMe (retried while Telegram is unreachable) → post_init
    (command menu) → polling (bot/telegram/polling.py: an update is confirmed only
    after it was handled and committed) → … stop signal, or a 401 while polling (exit
    2) … → queued replies go out → the handled offset is confirmed → application stop →
    shutdown → close DB
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from typing import Final
from urllib.parse import quote

from telegram.error import (
    BadRequest,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.request import BaseRequest

from bot.config import Config
from bot.core.clock import Clock
from bot.ports.store import StoreError
from bot.services import Services
from bot.telegram.app import KithApp, build_application, parts_of_app
from bot.telegram.sender import sweep_loop

log = logging.getLogger("kith")

NO_TOKEN: Final = (
    "kith: no Telegram token — set KITH_TELEGRAM_TOKEN or [telegram] token in the config"
)
REJECTED: Final = (
    "kith: Telegram rejected the token — check KITH_TELEGRAM_TOKEN or [telegram] token "
    "(@BotFather gives you a new one with /token)"
)
LOG_FORMAT: Final = "%(asctime)s %(levelname)s %(name)s: %(message)s"
MAX_CONNECT_DELAY: Final = 30.0
REPLY_GRACE: Final = 5.0  # seconds queued replies get to go out when stopping


OpenServices = Callable[[Config, Clock | None], AbstractAsyncContextManager[Services]]
"""How the composition root opens the store and builds the engine (`bot.compose.services`)."""


def run_bot(config: Config, open_services: OpenServices) -> int:
    """Run the bot until a stop signal: 0 after a clean stop, 2 for a missing/bad token."""
    token = config.telegram.token
    if not token.strip():
        print(NO_TOKEN, file=sys.stderr)
        return 2
    configure_logging(secrets=(token,))
    try:
        return asyncio.run(serve(config, open_services))
    except InvalidToken:
        # Its message quotes the token: print our own line instead.
        print(REJECTED, file=sys.stderr)
        return 2
    except TelegramError as exc:
        log.error("Telegram refused to start the bot: %s: %s", type(exc).__name__, exc)
        return 1
    except StoreError:
        raise  # the CLI reports these in one line
    except Exception:
        # Through logging, so the traceback passes the token redaction.
        log.critical("kith stopped on an unexpected error", exc_info=True)
        return 1


async def serve(
    config: Config,
    open_services: OpenServices,
    *,
    clock: Clock | None = None,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    stop: asyncio.Event | None = None,
) -> int:
    """Serve Telegram until `stop` is set (by default: until SIGINT or SIGTERM)."""
    with _signals_set(stop) as stopping:
        async with open_services(config, clock) as s:
            app = build_application(
                config, s, request=request, get_updates_request=get_updates_request
            )
            if not await connect(app, stopping):
                return 0
            poller, _ = parts_of_app(app)
            async with polling(app):
                # Until a stop signal, or until polling ends by itself (a revoked token).
                waits: set[asyncio.Future[bool]] = {
                    asyncio.ensure_future(stopping.wait()),
                    poller.wait_finished(),
                }
                _, idle = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
                for pending in idle:
                    pending.cancel()
                log.info("stopping")
    return 0


async def connect(app: KithApp, stop: asyncio.Event) -> bool:
    """Initialize the app (getMe), waiting out network trouble; False if stopped first.

    A rejected token raises InvalidToken at once: no amount of retrying fixes that.
    """
    delay = 1.0
    while True:
        try:
            await app.initialize()
            return True
        except (BadRequest, InvalidToken):  # BadRequest is a NetworkError, but final
            await app.bot.shutdown()
            raise
        except RetryAfter as exc:
            wait = exc.retry_after
            delay = wait if isinstance(wait, int | float) else wait.total_seconds()
            log.warning("Telegram asks us to wait %.0f s before connecting", delay)
        except NetworkError as exc:
            log.warning("cannot reach Telegram (%s); retrying in %.0f s", exc, delay)
        except BaseException:
            await app.bot.shutdown()
            raise
        if await _stopped_within(stop, delay):
            await app.bot.shutdown()
            return False
        delay = min(delay * 2, MAX_CONNECT_DELAY)


@asynccontextmanager
async def polling(app: KithApp) -> AsyncIterator[KithApp]:
    """Run an initialized app: post_init, long polling, handlers; stop it all on exit.

    A 401 while polling (the token was revoked) raises InvalidToken out of the block.
    """
    poller, outbox = parts_of_app(app)
    stop = asyncio.Event()
    task: asyncio.Task[None] | None = None
    try:
        if app.post_init is not None:
            await app.post_init(app)
        await app.start()
        task = asyncio.create_task(poller.run(stop))
        sweeping = sweep_loop(app)
        if sweeping is not None:
            sweeping.start()
        log.info("running as @%s", app.bot.username)
        yield app
    finally:
        stop.set()
        sweeping = sweep_loop(app)
        if sweeping is not None:
            await sweeping.stop()  # before the database closes
        if task is not None:
            await asyncio.wait({task})  # running updates finish (or are left) first
        await outbox.close(REPLY_GRACE)  # replies to what was handled, then the offset
        if task is not None and task.exception() is None:
            await poller.confirm()
        if app.running:
            await app.stop()  # waits for handlers still running
        await app.shutdown()
    if task is not None and (exc := task.exception()) is not None:
        raise exc


async def _stopped_within(stop: asyncio.Event, seconds: float) -> bool:
    try:
        async with asyncio.timeout(seconds):
            await stop.wait()
    except TimeoutError:
        return False
    return True


@contextmanager
def _signals_set(stop: asyncio.Event | None) -> Iterator[asyncio.Event]:
    """`stop` if given; else an event that SIGINT/SIGTERM set (handlers removed after)."""
    if stop is not None:
        yield stop
        return
    event = asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGINT, signal.SIGTERM)
    for sig in signals:
        loop.add_signal_handler(sig, event.set)
    try:
        yield event
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)


class RedactingFormatter(logging.Formatter):
    """A formatter that blanks out secrets anywhere in a line, tracebacks included."""

    def __init__(self, fmt: str, datefmt: str, secrets: Iterable[str]) -> None:
        super().__init__(fmt, datefmt)
        # The token also shows up URL-encoded (":" as %3A) in some error texts.
        forms = {form for s in secrets if s for form in (s, quote(s, safe=""))}
        self._secrets = sorted(forms, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for secret in self._secrets:
            text = text.replace(secret, "<token>")
        return text


def configure_logging(secrets: Iterable[str] = (), level: int = logging.INFO) -> None:
    """Compact INFO logs on stderr that never show the token."""
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter(LOG_FORMAT, "%Y-%m-%d %H:%M:%S", secrets))
    logging.basicConfig(level=level, handlers=[handler])
    # httpx logs every request URL, and the URL contains the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    # APScheduler announces every job it adds and runs at INFO.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
