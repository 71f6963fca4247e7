"""Long polling that confirms an update only after it was handled and committed.

python-telegram-bot's `Updater` confirms a batch's offset as soon as it has fetched it and
then keeps the updates in memory: a kill -9 with a backlog loses them. This loop fetches
one batch, handles its updates one by one (`Application.process_update`, the handlers'
usual path), and only then asks for the next batch with the offset that confirms it. A
crash therefore makes Telegram deliver the unconfirmed batch again, and every update the
database already records as handled (`handled_updates`, written in the transaction of the
change it made, bot/ports/updates.py) is skipped: each update takes effect exactly once.

Polling errors: a rejected token (401, e.g. revoked in @BotFather while running) raises
`InvalidToken` out of `run`, so `kith run` exits with its one-line message; network
trouble, 5xx, 409 and 429 are logged and retried with a growing pause.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Sequence
from typing import Any, Final, TypeVar

from telegram import Update
from telegram.error import Conflict, InvalidToken, RetryAfter, TelegramError
from telegram.ext import Application

from bot.core.clock import Clock
from bot.ports.identities import TELEGRAM, Identity
from bot.ports.store import Store
from bot.ports.updates import UpdateKey, handling

log = logging.getLogger(__name__)
T = TypeVar("T")

TRANSPORT: Final = TELEGRAM
POLL_TIMEOUT: Final = 10  # seconds Telegram holds a long poll open
BATCH: Final = 100  # Telegram's maximum per getUpdates
FIRST_RETRY: Final = 1.0
MAX_RETRY: Final = 30.0


class Poller:
    """Fetch, handle, commit, confirm: one batch at a time."""

    def __init__(
        self,
        app: Application[Any, Any, Any, Any, Any, Any],
        store: Store,
        clock: Clock,
        *,
        allowed_updates: Sequence[str] = (),
        timeout: int = POLL_TIMEOUT,
    ) -> None:
        self.app = app
        self.store = store
        self.clock = clock
        self.allowed_updates = list(allowed_updates)
        self.timeout = timeout
        self.offset: int | None = None  # first update id not yet handled
        self.skipped = 0  # redelivered updates recognised as handled (for logs and tests)
        self._finished = asyncio.Event()

    def wait_finished(self) -> asyncio.Future[bool]:
        """A future that completes when `run` has returned or raised."""
        return asyncio.ensure_future(self._finished.wait())

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until `stop` is set; raises InvalidToken when Telegram rejects the token."""
        try:
            await self._run(stop)
        finally:
            self._finished.set()

    async def _run(self, stop: asyncio.Event) -> None:
        delay = FIRST_RETRY
        while not stop.is_set():
            try:
                updates = await _until(stop, self._fetch())
            except InvalidToken:
                raise
            except RetryAfter as exc:
                wait = exc.retry_after
                pause = wait if isinstance(wait, int | float) else wait.total_seconds()
                log.warning("Telegram asks us to wait %.0f s before polling again", pause)
                await _until(stop, asyncio.sleep(pause))
                continue
            except TelegramError as exc:
                if isinstance(exc, Conflict):
                    log.warning("another bot is polling with this token; retrying (%s)", exc)
                else:
                    log.warning(
                        "polling Telegram failed; retrying: %s: %s", type(exc).__name__, exc
                    )
                await _until(stop, asyncio.sleep(delay))
                delay = min(delay * 2, MAX_RETRY)
                continue
            if updates is None:  # stopped while waiting
                break
            delay = FIRST_RETRY
            await self.handle_batch(updates, stop)

    async def confirm(self) -> None:
        """Tell Telegram (timeout 0) which updates are done, e.g. before a clean exit.

        Not needed for correctness (a redelivered update is skipped), but it spares the
        next start a batch of duplicates.
        """
        if self.offset is None:
            return
        try:
            await self.app.bot.get_updates(offset=self.offset, limit=1, timeout=0)
        except TelegramError as exc:
            log.info("could not confirm the last updates: %s", exc)

    async def _fetch(self) -> tuple[Update, ...]:
        updates: tuple[Update, ...] = await self.app.bot.get_updates(
            offset=self.offset,
            limit=BATCH,
            timeout=self.timeout,
            allowed_updates=self.allowed_updates or None,
        )
        return updates

    async def handle_batch(self, updates: Sequence[Update], stop: asyncio.Event) -> None:
        """Handle a fetched batch in order; stop between updates if asked to."""
        if not updates:
            return
        ids = [u.update_id for u in updates]
        done = await self.store.handled_among(TRANSPORT, ids, self.clock.now())
        for update in updates:
            if stop.is_set():
                return  # the rest stays unconfirmed: Telegram delivers it again
            if update.update_id in done:
                self.skipped += 1
                log.info("skipped update %d: it was handled before a restart", update.update_id)
            else:
                await self.handle(update)
            self.offset = update.update_id + 1

    async def handle(self, update: Update) -> None:
        """One update through the application's handlers, then recorded as handled."""
        key = UpdateKey(TRANSPORT, update.update_id, self.clock.now())
        with handling(key) as state:
            await self.app.process_update(update)  # handler errors go to the error handler
        if not state.recorded:
            user = update.effective_user
            found = (
                await self.store.identities.find(Identity(TELEGRAM, str(user.id)))
                if user is not None
                else None
            )
            await self.store.mark_handled(key, found or 0)  # 0: nobody kith knows


async def _until(stop: asyncio.Event, work: Awaitable[T]) -> T | None:
    """Await `work` unless `stop` is set first (then cancel it and return None)."""
    task = asyncio.ensure_future(work)
    stopping = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
    if task.done():
        return task.result()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, TelegramError):
        await task
    return None
