"""Figure 10: costs as one account grows, each beside plain sqlite3 in the same run.

A grid of one owner at 100 / 1,000 / 5,000 people (`scale_people`) × 10k / 100k / 1M
meetings (`scale_meetings`), `Engine.handle` as in figure 1. In every cell, interleaved
sample by sample with its baseline (plain `sqlite3` on the same file, `synchronous=NORMAL`
as kith opens it):

* warm log: the everyday log with the owner cached. Baseline: the log's inserts + undo.
* log after /note: a `/note` (not timed), then the log. A write that is not a log must
  not throw the owner's people away, so this should cost a warm log, not a cold one.
* cold log: the same log with the owner's people and name index dropped first (the first
  message after a restart, or after the cache let them go). Baseline: the log's SQL plus
  reading the owner's people.
* /show of the busiest person (at 100 people × 1M meetings, ~146,000 meetings with
  them). Baseline: the card's queries with `ORDER BY … LIMIT 5`.
* /who and /people: milliseconds (baseline: reading the people), and how many Telegram
  messages the answer takes, beside the whole unpaged list split at 4,096 characters.

Targets (issue 12), on the issue's account (the largest cell) unless said otherwise:
cold log ≤ 10 ms; the log after a /note ≤ 2× the warm log (i.e. not cold); /show ≤ 3 ms
(also at the longest history, the fewest people × most meetings); /who and /people ≤ 2
messages at the most people, for each meeting count; warm log flat in people: p50 at 5,000
≤ 1.2× p50 at 100, for each meeting count.

Stalls, at the largest cell: a watchdog coroutine asks to wake every 5 ms while one
cold log, /who or /people runs; the longest it overslept is how long every other chat
waited. Target ≤ 50 ms. Baseline: the same SQL run in a worker thread under the same
watchdog (what "off the event loop" costs at best).

Every cell is one row per operation; `python -m bench.report RESULTS --grid` prints
them as growth tables (bench/README.md).
"""

from __future__ import annotations

import asyncio
import gc
import sqlite3
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from bench.fig_engine import (
    NOW,
    OWNER,
    Baseline,
    LogCase,
    _expect,
    _pair,
    _resolves,
    log_cases,
)
from bench.generate import Spec
from bench.report import Check, Row, Series
from bench.workspace import Sizes, Workspace
from bot.compose import services
from bot.config import load_config
from bot.core.clock import FixedClock
from bot.core.due import rank_due
from bot.engine.render import people_list, who_list
from bot.engine.replies import Reply
from bot.services import Services
from bot.telegram.text import split_text

NAME = "scale"
TICK = 0.005  # the stall watchdog's wake-up interval, seconds
# The operations of one cell, in the order the rows (and the growth tables) show them.
OPS = ("warm log", "log after /note", "cold log", "/show busiest", "/who", "/people")
STALLS = ("cold log", "/who", "/people")

Pair = tuple[list[float], list[float]]  # kith samples, baseline samples (ms)


@dataclass(slots=True)
class Cell:
    """What one (people, meetings) file measured."""

    people: int
    meetings: int
    times: dict[str, Pair] = field(default_factory=dict)
    stalls: dict[str, Pair] = field(default_factory=dict)
    messages: dict[str, tuple[int, int]] = field(default_factory=dict)  # kith, unpaged
    history: int = 0  # meetings with the person /show showed


def _messages(replies: list[Reply]) -> int:
    """Telegram messages these replies take (split at 4,096 characters)."""
    return sum(len(split_text(r.text)) for r in replies)


def _forget(s: Services) -> None:
    """What a message finds after a restart: nothing of this owner in memory."""
    s.store.invalidate(OWNER)  # type: ignore[attr-defined]  # the SQLite store's own
    s.engine._indexes.pop(OWNER)


async def _stall(work: Callable[[], Awaitable[object]]) -> float:
    """The event loop's longest stall (ms) while `work` runs, seen by a 5 ms watchdog."""
    done = False
    worst = 0.0

    async def watchdog() -> None:
        nonlocal worst
        while not done:
            start = time.perf_counter()
            await asyncio.sleep(TICK)
            worst = max(worst, time.perf_counter() - start - TICK)

    dog = asyncio.create_task(watchdog())
    await asyncio.sleep(0)  # the watchdog is waiting before the work starts
    try:
        await work()
    finally:
        done = True
        await dog
    return worst * 1000


async def _busiest(s: Services, path: Path) -> tuple[int, str, int]:
    """(id, name, meetings) of the person with the most meetings whose name resolves alone."""
    with sqlite3.connect(path) as conn:
        top = conn.execute(
            "SELECT person_id, count(*) FROM interaction_people WHERE owner_id = ? "
            "GROUP BY person_id ORDER BY 2 DESC LIMIT 20",
            (OWNER,),
        ).fetchall()
    index = await s.engine.index(OWNER)
    names = {p.id: p.name for p in await s.store.people(OWNER)}
    for pid, meetings in top:
        if pid in names and _resolves(index, pid, names[pid]):
            return int(pid), names[pid], int(meetings)
    raise RuntimeError("none of the busiest people resolves on their own")


async def _cell(path: Path, cell: Cell, n: int, stalls: int) -> None:
    config = load_config(None, db=str(path), env={})
    base = Baseline(path)
    t: dict[str, Pair] = {op: ([], []) for op in OPS}
    try:
        async with services(config, FixedClock(NOW)) as s:
            engine = s.engine
            people = await s.store.people(OWNER)
            index = await engine.index(OWNER)
            named = [(p.id, p.name) for p in people]
            cases = iter(log_cases(named, index, 3 * n + stalls + 5))
            noted = [p for p in named if _resolves(index, *p)]

            def log(case: LogCase) -> Callable[[], Awaitable[None]]:
                return partial(_expect, engine, case.text, "Logged")

            async def cold_log(case: LogCase) -> None:
                _forget(s)
                await _expect(engine, case.text, "Logged")

            def cold_base(case: LogCase) -> None:
                base.who()  # the owner's people, read as a cold message must
                base.log(case)

            async def note(i: int) -> None:
                pid, name = noted[i % len(noted)]
                await _expect(engine, f"/note {name} asked about the new flat", "Noted")
                base.conn.execute(
                    "INSERT INTO notes (owner_id, person_id, text, created_at) VALUES (?, ?, ?, ?)",
                    (OWNER, pid, "asked about the new flat", "2026-11-25T10:00:00Z"),
                )

            for case in [next(cases) for _ in range(5)]:  # imports, regexes, page cache
                await log(case)()
                base.log(case)
            gc.collect()
            for i in range(n):
                case = next(cases)
                await _pair(i, log(case), partial(base.log, case), *t["warm log"])
            gc.collect()
            for i in range(n):
                await note(i)
                case = next(cases)
                await _pair(i, log(case), partial(base.log, case), *t["log after /note"])
            gc.collect()
            for i in range(n):
                case = next(cases)
                await _pair(i, partial(cold_log, case), partial(cold_base, case), *t["cold log"])

            pid, name, cell.history = await _busiest(s, path)
            show = partial(_expect, engine, f"/show {name}", name)
            await show()
            gc.collect()
            for i in range(n):
                await _pair(i, show, partial(base.show, pid), *t["/show busiest"])
            for kind in ("who", "people"):
                answer = partial(engine.handle, OWNER, f"/{kind}")
                await answer()
                gc.collect()
                for i in range(n):
                    await _pair(i, answer, base.who, *t[f"/{kind}"])

            today = NOW.date()
            everyone = await s.store.people(OWNER)
            due = rank_due(everyone, engine.circles, today)
            whole = {
                "people": _messages([Reply(people_list(everyone, engine.circles, today))]),
                "who": _messages([Reply(who_list(due, engine.circles, today))]),
            }
            for kind in ("people", "who"):
                sent = _messages(await engine.handle(OWNER, f"/{kind}"))
                cell.messages[f"/{kind}"] = (sent, whole[kind])

            if stalls:
                await _stalls(s, base, cell, cases, stalls, cold_log, cold_base)
    finally:
        base.close()
    cell.times = t


async def _stalls(
    s: Services,
    base: Baseline,
    cell: Cell,
    cases: Iterator[LogCase],
    n: int,
    cold_log: Callable[[LogCase], Awaitable[None]],
    cold_base: Callable[[LogCase], None],
) -> None:
    """Each ordinary action under the watchdog, beside its SQL in a thread under it."""
    got: dict[str, Pair] = {op: ([], []) for op in STALLS}
    gc.collect()
    for i in range(n):
        case = next(cases)
        jobs: list[tuple[str, Callable[[], Awaitable[object]], Callable[[], object]]] = [
            ("cold log", partial(cold_log, case), partial(cold_base, case)),
            ("/who", partial(s.engine.handle, OWNER, "/who"), base.who),
            ("/people", partial(s.engine.handle, OWNER, "/people"), base.who),
        ]
        for op, kith, sql in jobs:
            ours = partial(_stall, kith)
            theirs = partial(_stall, partial(asyncio.to_thread, sql))
            first, second = (ours, theirs) if i % 2 else (theirs, ours)
            a, b = await first(), await second()
            kith_ms, base_ms = (a, b) if i % 2 else (b, a)
            got[op][0].append(kith_ms)
            got[op][1].append(base_ms)
    cell.stalls = got


def _size(people: int, meetings: int) -> str:
    return f"{people:,} people × {_count(meetings)} meetings"


def _count(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1000 and n % 1000 == 0:
        return f"{n // 1000}k"
    return f"{n:,}"


_BASELINES = {
    "warm log": "sqlite3 insert+undo",
    "log after /note": "sqlite3 insert+undo",
    "cold log": "sqlite3 people+insert",
    "/show busiest": "sqlite3 card, ORDER BY…LIMIT",
    "/who": "sqlite3 people query",
    "/people": "sqlite3 people query",
}


def _rows(cell: Cell, largest: tuple[int, int], longest: tuple[int, int]) -> list[Row]:
    """One row per operation of the cell; targets only where the issue sets them."""
    size = _size(cell.people, cell.meetings)
    at = {"people": float(cell.people), "meetings": float(cell.meetings)}
    target = (cell.people, cell.meetings) == largest
    rows: list[Row] = []
    warm_p50 = Series.of(cell.times["warm log"][0]).p50
    for op in OPS:
        kith, base = cell.times[op]
        checks: tuple[Check, ...] = ()
        extra = dict(at)
        notes = ""
        if op == "cold log" and target:
            checks = (Check("p50", "<=", 10.0),)
        if op == "log after /note":
            extra["vs_warm"] = Series.of(kith).p50 / warm_p50 if warm_p50 else float("nan")
            if target:
                checks = (Check("vs_warm", "<=", 2.0, "p50 ≤ 2× warm log (not cold)"),)
        if op == "/show busiest":
            extra["history"] = float(cell.history)
            notes = f"{cell.history:,} meetings with that person"
            if target or (cell.people, cell.meetings) == longest:
                checks = (Check("p50", "<=", 3.0),)
        if op in ("/who", "/people"):
            sent, whole = cell.messages[op]
            extra["messages"], extra["unpaged"] = float(sent), float(whole)
        rows.append(
            Row(
                "10",
                f"scale: {op}, {size}",
                measured=Series.of(kith),
                baseline=Series.of(base),
                baseline_name=_BASELINES[op],
                checks=checks,
                extra=extra,
                notes=notes,
            )
        )
    for op in ("/who", "/people"):
        sent, whole = cell.messages[op]
        rows.append(
            Row(
                "10",
                f"scale: {op} messages, {size}",
                unit="msgs",
                measured=Series.of([sent]),
                baseline=Series.of([whole]),
                baseline_name="the whole list, split",
                # Every meeting count: with 1M meetings hardly anyone is overdue, so
                # the whole /who list is short; at 10k it is ~58 messages long.
                checks=(Check("p50", "<=", 2.0),) if cell.people == largest[0] else (),
                extra=dict(at),
            )
        )
    for op, (kith, base) in cell.stalls.items():
        rows.append(
            Row(
                "10",
                f"scale: longest stall, {op}, {size}",
                measured=Series.of(kith),
                baseline=Series.of(base),
                baseline_name="same SQL in a thread",
                checks=(Check("p99", "<=", 50.0),),
                extra=dict(at),
                notes="the event loop's longest stall during one action (5 ms watchdog)",
            )
        )
    return rows


def run(sizes: Sizes, work: Workspace) -> list[Row]:
    people_sizes, meeting_sizes = sizes.scale_people, sizes.scale_meetings
    largest = (max(people_sizes), max(meeting_sizes))
    longest = (min(people_sizes), max(meeting_sizes))
    stalls = max(3, sizes.scale_ops // 3)
    rows: list[Row] = []
    cells: dict[tuple[int, int], Cell] = {}
    for meetings in meeting_sizes:
        for people in people_sizes:
            spec = Spec(owners=1, people=people, interactions=meetings)
            path = work.dataset(spec, f"scale{people}x{_count(meetings)}")
            cell = Cell(people, meetings)
            watched = stalls if (people, meetings) == largest else 0
            asyncio.run(_cell(path, cell, sizes.scale_ops, watched))
            if not work.keep:  # a copy: the cache keeps the original (1M meetings: ~190 MB)
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
            cells[(people, meetings)] = cell
            rows.extend(_rows(cell, largest, longest))
    smallest = min(people_sizes)
    for meetings in meeting_sizes:
        small, big = cells[(smallest, meetings)], cells[(largest[0], meetings)]

        def growth(side: int, small: Cell = small, big: Cell = big) -> float:
            low = Series.of(small.times["warm log"][side]).p50
            return Series.of(big.times["warm log"][side]).p50 / low if low else float("inf")

        rows.append(
            Row(
                "10",
                f"scale: warm log growth {smallest:,} → {largest[0]:,} people, "
                f"{_count(meetings)} meetings",
                unit="×",
                measured=Series.of([growth(0)]),
                baseline=Series.of([growth(1)]),
                baseline_name="sqlite3 log's own growth",
                checks=(Check("p50", "<=", 1.2),),
                extra={"meetings": float(meetings)},
                notes="p50 at the most people over p50 at the fewest",
            )
        )
    return rows
