"""Long polling that confirms an update only after it was handled and committed, and
keeps fetching while a slow update is still being handled.

python-telegram-bot's `Updater` confirms a batch's offset as soon as it has fetched it and
then keeps the updates in memory: a kill -9 with a backlog loses them. Here the offset
sent with each `getUpdates` is the lowest update id *not yet handled*, so a crash makes
Telegram deliver every unhandled update again, and every update the database already
records as handled (`handled_updates`, written in the transaction of the change it made,
bot/ports/updates.py) is skipped: each update takes effect exactly once.

Fetching does not wait for a batch to be handled (a batch is not a barrier): each
fetched update is handed at once to the application's `ChatOrderedProcessor` (each
chat's updates in order, up to 64 chats side by side), and the loop asks for more. While
an update is in flight, Telegram keeps returning it (and everything fetched after it)
from the unconfirmed offset; those ids are known in memory (running, or handled since
that offset) and skipped, so only new updates are handled. Two consequences:

* Telegram answers such a poll at once (it has updates to give), so a long poll is not
  possible while something is in flight: the loop asks again when the offset moves, or
  after `repoll` seconds (for other users' new messages while one update is slow).
* A poll returns at most `window` (≤ 100, Telegram's limit) updates from the offset: once
  that many fetched updates sit at or above a stuck one, nothing new can come until it
  finishes (the bounded window), and the loop waits for that instead of polling.

Stopping (SIGTERM): no more fetching; an update whose chat's turn comes after the stop
is left to Telegram, a running one gets `grace` seconds to finish and is then cancelled;
neither is confirmed.

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
REPOLL: Final = 0.25  # seconds between polls while an update is in flight
FINISH_GRACE: Final = 5.0  # seconds a running update gets to finish when stopping
FIRST_RETRY: Final = 1.0
MAX_RETRY: Final = 30.0


class Poller:
    """Fetch ahead, handle each chat in order, confirm only what was handled."""

    def __init__(
        self,
        app: Application[Any, Any, Any, Any, Any, Any],
        store: Store,
        clock: Clock,
        *,
        allowed_updates: Sequence[str] = (),
        timeout: int = POLL_TIMEOUT,
        repoll: float = REPOLL,
        grace: float = FINISH_GRACE,
        window: int = BATCH,
    ) -> None:
        self.app = app
        self.store = store
        self.clock = clock
        self.allowed_updates = list(allowed_updates)
        self.timeout = timeout
        self.repoll = repoll
        self.grace = grace
        self.window = min(window, BATCH)  # updates at or above the offset kept in hand
        self.offset: int | None = None  # first update id not yet handled
        self.skipped = 0  # redelivered updates recognised as handled (for logs and tests)
        self._last: int | None = None  # the highest update id fetched
        self._open: set[int] = set()  # fetched, not handled (running, waiting or left)
        self._done: set[int] = set()  # handled, at or above `offset`: skip if redelivered
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._moved = asyncio.Event()  # the offset moved since the last poll
        self._halt = asyncio.Event()  # stop fetching and starting updates
        self._failure: BaseException | None = None
        self._finished = asyncio.Event()

    def wait_finished(self) -> asyncio.Future[bool]:
        """A future that completes when `run` has returned or raised."""
        return asyncio.ensure_future(self._finished.wait())

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until `stop` is set; raises InvalidToken when Telegram rejects the token,
        or the error a handled update raised outside the handlers (e.g. the database)."""
        watch = asyncio.ensure_future(stop.wait())
        watch.add_done_callback(lambda _: self._halt.set())
        try:
            await self._run()
        finally:
            watch.cancel()
            self._halt.set()
            await self._wind_down()
            self._finished.set()
        if self._failure is not None:
            raise self._failure

    async def _run(self) -> None:
        delay = FIRST_RETRY
        halt = self._halt
        while not halt.is_set():
            if len(self._open) + len(self._done) >= self.window:
                # Telegram would only return what we have: wait for the offset to move.
                self._moved.clear()
                await _until(halt, self._moved.wait())
                continue
            self._moved.clear()
            try:
                updates = await _until(halt, self._fetch())
            except InvalidToken:
                raise
            except RetryAfter as exc:
                wait = exc.retry_after
                pause = wait if isinstance(wait, int | float) else wait.total_seconds()
                log.warning("Telegram asks us to wait %.0f s before polling again", pause)
                await _until(halt, asyncio.sleep(pause))
                continue
            except TelegramError as exc:
                if isinstance(exc, Conflict):
                    log.warning("another bot is polling with this token; retrying (%s)", exc)
                else:
                    log.warning(
                        "polling Telegram failed; retrying: %s: %s", type(exc).__name__, exc
                    )
                await _until(halt, asyncio.sleep(delay))
                delay = min(delay * 2, MAX_RETRY)
                continue
            if updates is None:  # stopped while waiting
                break
            delay = FIRST_RETRY
            await self.dispatch(updates)
            if self._open and not self._moved.is_set():
                # Telegram would answer at once with what is in flight: ask again when
                # the offset moves (usually a moment: then a real long poll), or after a
                # short pause for other users' new messages while an update is slow.
                await _until(halt, _either(self._moved.wait(), asyncio.sleep(self.repoll)))

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
            limit=self.window,
            # Telegram answers at once while it holds an unconfirmed update anyway.
            timeout=0 if self._open else self.timeout,
            allowed_updates=self.allowed_updates or None,
        )
        return updates

    async def dispatch(self, updates: Sequence[Update]) -> int:
        """Start handling the updates of a fetch that are new; how many were new.

        Redelivered ids in flight or handled since the offset are known in memory; the
        others are looked up in `handled_updates` (handled before a restart). Each new
        update goes to the application's `ChatOrderedProcessor` in the order fetched, so
        each chat's updates run in that order, different chats side by side.
        """
        if not updates:
            return 0
        self._last = updates[-1].update_id  # Telegram returns them in ascending order
        known = self._open | self._done
        fresh = [u for u in updates if u.update_id not in known]
        if fresh:
            ids = [u.update_id for u in fresh]
            done = await self.store.handled_among(TRANSPORT, ids, self.clock.now())
            for update in fresh:
                uid = update.update_id
                if uid in done:
                    self.skipped += 1
                    self._done.add(uid)
                    log.info("skipped update %d: it was handled before a restart", uid)
                elif not self._halt.is_set():
                    self._open.add(uid)
                    self._tasks[uid] = asyncio.create_task(self._in_turn(update))
                else:
                    self._open.add(uid)  # fetched as we stopped: left to Telegram
        self._advance()
        return len(fresh)

    async def _in_turn(self, update: Update) -> None:
        """One update through the processor (its chat's turn, then a slot), then done."""
        uid = update.update_id
        handled = False

        async def one() -> None:
            nonlocal handled
            if self._halt.is_set():
                return  # its turn came after the stop: Telegram delivers it again
            await self.handle(update)
            handled = True

        work = one()
        try:
            await self.app.update_processor.process_update(update, work)
        except Exception as exc:
            # Not a handler's error (those go to the error handler): the database, say.
            log.error("update %d failed; stopping: %s: %s", uid, type(exc).__name__, exc)
            if self._failure is None:
                self._failure = exc
            self._halt.set()
        finally:
            work.close()  # never started (cancelled while waiting): no warning
            del self._tasks[uid]
            if handled:
                self._open.discard(uid)
                self._done.add(uid)
                self._advance()

    def _advance(self) -> None:
        """The offset: the lowest fetched id not handled, else past the last fetched."""
        if self._open:
            offset: int | None = min(self._open)
        else:
            offset = None if self._last is None else self._last + 1
        if offset is None or offset == self.offset:
            return
        self.offset = offset
        self._done = {uid for uid in self._done if uid >= offset}
        self._moved.set()

    async def _wind_down(self) -> None:
        """Running updates get `grace` seconds; then they are cancelled (unconfirmed)."""
        tasks = list(self._tasks.values())
        if not tasks:
            return
        _, late = await asyncio.wait(tasks, timeout=self.grace)
        for task in late:
            log.warning("abandoned an update still running at the stop; Telegram resends it")
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)

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


async def _either(*works: Awaitable[object]) -> None:
    """Await the first of `works` to finish; cancel the others."""
    tasks = [asyncio.ensure_future(w) for w in works]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()


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
