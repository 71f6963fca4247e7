"""A worker process for a long piece of work (reading a big file, writing an export), so
the event loop's process stays free.

A thread is not enough for seconds of pure-Python parsing (a 20,000-card vCard): the
thread holds the interpreter lock nearly all the time, and on a loaded machine the OS
preempts it while it holds it, so the event loop waits a whole scheduling round (50-260
ms measured, bench figure 14) for a lock it only needs for a moment. In another process
there is no lock to wait for.

Each call gets a fresh process (spawned, and gone when the call returns: no idle memory
between imports); at most two run at once, later calls queue. Where processes cannot be
started, the call runs in a thread instead, as before.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")

_pool: ProcessPoolExecutor | None = None
_unavailable = False


def _get() -> ProcessPoolExecutor | None:
    global _pool, _unavailable
    if _pool is None and not _unavailable:
        try:
            _pool = ProcessPoolExecutor(
                max_workers=2,
                mp_context=multiprocessing.get_context("spawn"),
                max_tasks_per_child=1,
            )
        except (OSError, ValueError, NotImplementedError) as error:
            log.warning("no worker processes (%s): reading files in a thread", error)
            _unavailable = True
    return _pool


async def in_worker(fn: Callable[..., T], *args: Any) -> T:
    """`fn(*args)` in a worker process (`fn` and its arguments must pickle); in a thread
    when no process can be had."""
    global _pool
    pool = _get()
    if pool is not None:
        try:
            # Submitting starts the process: an OSError here means no process could be had.
            future = asyncio.get_running_loop().run_in_executor(pool, fn, *args)
        except (BrokenProcessPool, OSError) as error:
            log.warning("no worker process (%s): in a thread instead", error)
            _pool = None
        else:
            try:
                return await future
            except BrokenProcessPool as error:  # the process died; `fn`'s own errors pass
                log.warning("a worker process died (%s): in a thread instead", error)
                pool.shutdown(wait=False)
                _pool = None
    return await asyncio.to_thread(fn, *args)
