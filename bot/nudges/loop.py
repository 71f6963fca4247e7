"""The one sweep loop: every transport runs its digests through it.

An asyncio task that calls `sweep()` every `every` seconds from `start()` until
`stop()`. Nothing is persisted (the database is the schedule, see sweep.py): a late
tick just runs, ticks never overlap, and a failed sweep is logged once and tried again
at the next tick. `sleep` is injectable, so a test drives the loop without waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]


class SweepLoop:
    """Runs `sweep` now and then while the app runs."""

    def __init__(
        self,
        sweep: Callable[[], Awaitable[object]],
        every: float,
        *,
        first: float = 0.0,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.sweep = sweep
        self.every = every
        self.first = first
        self.sleep = sleep
        self._task: asyncio.Task[None] | None = None

    async def tick(self) -> None:
        """One sweep; a failure is logged, never raised (the next tick tries again)."""
        try:
            await self.sweep()
        except Exception:
            log.exception("the digest sweep failed")

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="digest-sweep")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    @property
    def running(self) -> bool:
        return self._task is not None

    async def _run(self) -> None:
        await self.sleep(self.first)
        while True:
            await self.tick()
            await self.sleep(self.every)
