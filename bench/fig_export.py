"""Figure 13: one user's `/export` of a big account, and how long it holds the event loop.

While the export runs, a watchdog coroutine asks to wake every 5 ms; the longest it
waited beyond that is the loop's longest stall: how long every other chat waits.

* kith: `Engine.handle(owner, "/export")` through the real store (the JSON document and
  the vCard, as a Telegram user gets them).
* baseline: plain sqlite3 reading the same rows in a worker thread and writing them with
  `json.dumps`, under the same watchdog: what "off the event loop" costs at best.

Target: no stall over 50 ms. The time the export takes is shown beside it (no target).
The issue's account is 5,000 people and 1M meetings (`export_people`,
`export_interactions`); peak memory is not measured here.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from bench.fig_engine import NOW, OWNER
from bench.generate import Spec
from bench.report import Check, Row, Series
from bench.workspace import Sizes, Workspace
from bot.compose import services
from bot.config import load_config
from bot.core.clock import FixedClock

NAME = "export"
TICK = 0.005


async def _watched(work: Callable[[], Awaitable[object]]) -> tuple[float, float]:
    """(the loop's longest stall, the work's wall time), both in ms."""
    done = asyncio.Event()
    worst = 0.0

    async def watchdog() -> None:
        nonlocal worst
        while not done.is_set():
            start = time.perf_counter()
            await asyncio.sleep(TICK)
            worst = max(worst, time.perf_counter() - start - TICK)

    dog = asyncio.create_task(watchdog())
    await asyncio.sleep(0)
    start = time.perf_counter()
    await work()
    took = time.perf_counter() - start
    done.set()
    await dog
    return worst * 1000, took * 1000


def _plain_export(path: Path) -> int:
    """The owner's people and meetings read and written as JSON with bare sqlite3."""
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA synchronous = NORMAL")
        people = conn.execute(
            "SELECT id, name, circle FROM people WHERE owner_id = ? ORDER BY id", (OWNER,)
        ).fetchall()
        meetings = conn.execute(
            "SELECT id, day, kind, note, created_at FROM interactions WHERE owner_id = ? "
            "ORDER BY id",
            (OWNER,),
        ).fetchall()
        links = conn.execute(
            "SELECT interaction_id, person_id FROM interaction_people WHERE owner_id = ? "
            "ORDER BY id",
            (OWNER,),
        ).fetchall()
    return len(json.dumps({"people": people, "interactions": meetings, "links": links}))


async def _measure(path: Path) -> tuple[tuple[float, float], tuple[float, float]]:
    config = load_config(None, db=str(path), env={})
    async with services(config, FixedClock(NOW)) as s:

        async def export() -> None:
            replies = await s.engine.handle(OWNER, "/export")
            if not replies or not replies[0].files:
                raise RuntimeError(f"/export sent no file: {replies[0].text[:200]!r}")

        kith = await _watched(export)
    base = await _watched(lambda: asyncio.to_thread(_plain_export, path))
    return kith, base


def run(sizes: Sizes, work: Workspace) -> list[Row]:
    spec = Spec(owners=1, people=sizes.export_people, interactions=sizes.export_interactions)
    path = work.dataset(spec, "export")
    (stall, took), (base_stall, base_took) = asyncio.run(_measure(path))
    size = f"{sizes.export_people:,} people, {sizes.export_interactions:,} meetings"
    return [
        Row(
            "13",
            "export: longest event-loop stall during /export",
            unit="ms",
            measured=Series.of([stall]),
            baseline=Series.of([base_stall]),
            baseline_name="sqlite3 + json.dumps in a thread",
            checks=(Check("p50", "<=", 50.0),),
            notes=size,
        ),
        Row(
            "13",
            "export: /export wall time",
            unit="ms",
            measured=Series.of([took]),
            baseline=Series.of([base_took]),
            baseline_name="sqlite3 + json.dumps in a thread",
            notes=f"{size}; no target (shown beside the stall)",
        ),
    ]
