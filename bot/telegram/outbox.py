"""Replies on their way out: per chat, in order, retried when Telegram fails for a while.

A reply acknowledges a change that is already committed, so losing it to one 502 or a 429
leaves the user unsure whether kith heard them. Each chat has its own queue and worker:
a send that fails transiently (network, timeout, 5xx) is retried with a growing pause, a
429 waits its `retry_after` — in that chat's queue only, so one rate-limited user does not
hold up everyone else's replies — and after `MAX_ATTEMPTS` the reply is given up with one
log line. A blocked bot (403) marks the user inactive and drops the rest of that reply.

A retried send whose first try timed out after Telegram got it can show twice: for a
reply, twice is better than never (digests, which are unsolicited, take the other side:
bot/nudges/sweep.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)

log = logging.getLogger(__name__)

Step = Callable[[], Awaitable[object]]
"""One Bot API call. It may return a list of Steps to run next, in its place."""

MAX_ATTEMPTS: Final = 5  # tries per message before giving up
FIRST_DELAY: Final = 1.0  # seconds before the second try; doubles each time
MAX_DELAY: Final = 30.0
MAX_RETRY_AFTER: Final = 120.0  # a longer 429 is given up rather than waited out


@dataclass
class _Delivery:
    owner: int
    steps: deque[Step]


class Outbox:
    """Queues of replies, one per chat, each worked off by its own short-lived task."""

    def __init__(
        self,
        on_blocked: Callable[[int], Awaitable[None]],
        *,
        attempts: int = MAX_ATTEMPTS,
        first_delay: float | None = None,
    ) -> None:
        self.on_blocked = on_blocked
        self.attempts = attempts
        self.first_delay = FIRST_DELAY if first_delay is None else first_delay
        self._queues: dict[int, deque[_Delivery]] = {}
        self._workers: dict[int, asyncio.Task[None]] = {}
        self.given_up = 0  # messages dropped after every retry (for logs and tests)

    def post(self, owner: int, chat_id: int, steps: Sequence[Step]) -> None:
        """Queue one reply's calls for `chat_id`; returns at once."""
        if not steps:
            return
        self._queues.setdefault(chat_id, deque()).append(_Delivery(owner, deque(steps)))
        if chat_id not in self._workers:
            self._workers[chat_id] = asyncio.create_task(self._work(chat_id))

    async def idle(self) -> None:
        """Wait until every queued reply went out or was given up."""
        while self._workers:
            await asyncio.gather(*self._workers.values(), return_exceptions=True)

    async def sent(self, chat_id: int) -> None:
        """Wait until everything queued for `chat_id` went out or was given up (a webhook
        worker answers Telegram only then)."""
        while (task := self._workers.get(chat_id)) is not None:
            await asyncio.gather(task, return_exceptions=True)

    async def close(self, grace: float) -> None:
        """Let queued replies go out for up to `grace` seconds; drop the rest, logged."""
        try:
            async with asyncio.timeout(grace):
                await self.idle()
        except TimeoutError:
            waiting = sum(len(q) for q in self._queues.values())
            log.warning("stopping with %d replies not sent", waiting + len(self._workers))
            for task in list(self._workers.values()):
                task.cancel()
            await asyncio.gather(*self._workers.values(), return_exceptions=True)

    async def _work(self, chat_id: int) -> None:
        queue = self._queues[chat_id]
        try:
            while queue:
                await self._deliver(queue.popleft())
        finally:
            # No await between the empty check and here: nothing can slip in unseen.
            self._workers.pop(chat_id, None)
            if not queue:
                self._queues.pop(chat_id, None)

    async def _deliver(self, delivery: _Delivery) -> None:
        steps = delivery.steps
        while steps:
            step = steps.popleft()
            try:
                more = await self._attempt(step)
            except Forbidden:
                try:
                    await self.on_blocked(delivery.owner)
                except Exception:
                    # Marking them blocked failed (the database): this chat's queue and
                    # every later reply to it must not die with this task.
                    log.exception("could not mark a user who blocked kith")
                return
            except _GivenUp:
                return  # the rest of this reply would read oddly without this part
            except InvalidToken:
                # Revoked while running: polling sees the same 401 and stops kith with
                # one line; a traceback here would only repeat it.
                log.warning("could not send a reply: Telegram rejected the bot token")
                return
            except Exception:
                log.exception("sending a reply failed unexpectedly")
                return
            if isinstance(more, list):
                steps.extendleft(reversed(more))

    async def _attempt(self, step: Step) -> object:
        """Run one call, retrying transient failures; _GivenUp when it never went out."""
        delay = self.first_delay
        for attempt in range(1, self.attempts + 1):
            try:
                return await step()
            except (Forbidden, InvalidToken):
                raise
            except RetryAfter as exc:
                wait = _seconds(exc.retry_after)
                if wait > MAX_RETRY_AFTER or attempt == self.attempts:
                    return self._give_up(attempt, exc)
                await asyncio.sleep(wait)  # this chat's worker only
            except BadRequest as exc:  # a NetworkError subclass, but final: the message
                return self._give_up(attempt, exc)
            except NetworkError as exc:  # timeouts, 5xx, connection trouble
                if attempt == self.attempts:
                    return self._give_up(attempt, exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_DELAY)
            except TelegramError as exc:
                return self._give_up(attempt, exc)
        raise AssertionError("unreachable")  # pragma: no cover

    def _give_up(self, attempts: int, exc: Exception) -> object:
        self.given_up += 1
        log.warning(
            "gave up on a reply after %d attempt%s: %s: %s",
            attempts,
            "" if attempts == 1 else "s",
            type(exc).__name__,
            exc,
        )
        raise _GivenUp


class _GivenUp(Exception):
    """A call failed for good; the reply it belongs to stops there."""


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
