"""Figure 10: costs as one account grows, each beside plain sqlite3 in the same run.

* warm log at 100 / 1,000 / 5,000 people: the everyday log with the owner cached. The
  target is flatness: p50 at the largest size ≤ 1.2× p50 at the smallest.
* cold log at each size: the same log with the owner's people and name index dropped
  first (the first message after a restart, or after the cache let them go). Target
  ≤ 10 ms at 5,000 people. Baseline: the log's SQL plus reading the owner's people.
* /show with a long history: one person with tens of thousands of meetings (all of one
  owner's history spread over 100 people, the busiest shown). Target p50 ≤ 3 ms.
  Baseline: the card's queries with `ORDER BY … LIMIT 5`.

* /people and /who messages at each size: how many Telegram messages kith's answer
  takes (target ≤ 2: a page plus More), beside the whole list split at 4,096 characters.

Interactions are fixed per size (`scale_interactions`): what grows is people.
"""

from __future__ import annotations

import asyncio
import gc
import sqlite3
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
from bot.telegram.text import split_text

NAME = "scale"


Times = tuple[list[float], list[float], list[float], list[float]]


def _messages(replies: list[Reply]) -> int:
    """Telegram messages these replies take (split at 4,096 characters)."""
    return sum(len(split_text(r.text)) for r in replies)


async def _logs(path: Path, n: int) -> tuple[Times, dict[str, tuple[int, int]]]:
    """(warm kith, warm baseline, cold kith, cold baseline) log times in ms, and for
    /people and /who (messages kith sends, messages the whole list would take)."""
    config = load_config(None, db=str(path), env={})
    base = Baseline(path)
    warm: tuple[list[float], list[float]] = ([], [])
    cold: tuple[list[float], list[float]] = ([], [])
    try:
        async with services(config, FixedClock(NOW)) as s:
            engine = s.engine
            people = await s.store.people(OWNER)
            index = await engine.index(OWNER)
            cases = iter(log_cases([(p.id, p.name) for p in people], index, 2 * n + 5))

            def log(case: LogCase) -> partial[object]:
                return partial(_expect, engine, case.text, "Logged")

            async def cold_log(case: LogCase) -> None:
                # What a message finds after a restart: nothing of this owner in memory.
                s.store.invalidate(OWNER)
                engine._indexes.pop(OWNER)
                await _expect(engine, case.text, "Logged")

            def cold_base(case: LogCase) -> None:
                base.who()  # the owner's people, read as a cold message must
                base.log(case)

            for case in [next(cases) for _ in range(5)]:
                await log(case)()
                base.log(case)
            gc.collect()
            for i in range(n):
                case = next(cases)
                await _pair(i, log(case), partial(base.log, case), *warm)
            gc.collect()
            for i in range(n):
                case = next(cases)
                await _pair(i, partial(cold_log, case), partial(cold_base, case), *cold)
            today = NOW.date()
            everyone = await s.store.people(OWNER)
            whole = {
                "people": _messages([Reply(people_list(everyone, engine.circles, today))]),
                "who": _messages(
                    [
                        Reply(
                            who_list(
                                rank_due(everyone, engine.circles, today), engine.circles, today
                            )
                        )
                    ]
                ),
            }
            lists = {
                kind: (_messages(await engine.handle(OWNER, f"/{kind}")), whole[kind])
                for kind in ("people", "who")
            }
    finally:
        base.close()
    return (warm[0], warm[1], cold[0], cold[1]), lists


async def _show(path: Path, n: int) -> tuple[list[float], list[float], int]:
    config = load_config(None, db=str(path), env={})
    base = Baseline(path)
    with sqlite3.connect(path) as conn:
        busiest, meetings = conn.execute(
            "SELECT person_id, count(*) FROM interaction_people WHERE owner_id = ? "
            "GROUP BY person_id ORDER BY 2 DESC LIMIT 1",
            (OWNER,),
        ).fetchone()
    times: tuple[list[float], list[float]] = ([], [])
    try:
        async with services(config, FixedClock(NOW)) as s:
            index = await s.engine.index(OWNER)
            person = next(p for p in await s.store.people(OWNER) if p.id == busiest)
            if not _resolves(index, person.id, person.name):
                raise RuntimeError(f"{person.name!r} does not resolve on its own")
            show = partial(_expect, s.engine, f"/show {person.name}", person.name)
            await show()
            gc.collect()
            for i in range(n):
                await _pair(i, show, partial(base.show, busiest), *times)
    finally:
        base.close()
    return times[0], times[1], int(meetings)


def run(sizes: Sizes, work: Workspace) -> list[Row]:
    rows: list[Row] = []
    warm_p50: dict[int, float] = {}
    base_p50: dict[int, float] = {}
    largest = max(sizes.scale_people)
    for people in sizes.scale_people:
        spec = Spec(owners=1, people=people, interactions=sizes.scale_interactions)
        path = work.dataset(spec, f"scale{people}")
        (warm, warm_base, cold, cold_base), lists = asyncio.run(_logs(path, sizes.scale_ops))
        size = f"{people:,} people, {sizes.scale_interactions:,} interactions"
        rows.append(
            Row(
                "10",
                f"scale: warm log, {people:,} people",
                measured=Series.of(warm),
                baseline=Series.of(warm_base),
                baseline_name="sqlite3 insert+undo",
                notes=size,
            )
        )
        rows.append(
            Row(
                "10",
                f"scale: cold log, {people:,} people",
                measured=Series.of(cold),
                baseline=Series.of(cold_base),
                baseline_name="sqlite3 people+insert",
                checks=(Check("p50", "<=", 10.0),) if people == largest else (),
                notes=size,
            )
        )
        for kind, (sent, unpaged) in lists.items():
            rows.append(
                Row(
                    "10",
                    f"scale: /{kind} messages, {people:,} people",
                    unit="msgs",
                    measured=Series.of([sent]),
                    baseline=Series.of([unpaged]),
                    baseline_name="the whole list, split",
                    checks=(Check("p50", "<=", 2.0),),
                    notes=size,
                )
            )
        warm_p50[people] = Series.of(warm).p50
        base_p50[people] = Series.of(warm_base).p50
    smallest = min(sizes.scale_people)

    def growth(p50: dict[int, float]) -> float:
        return p50[largest] / p50[smallest] if p50[smallest] else float("inf")

    rows.append(
        Row(
            "10",
            f"scale: warm log growth {smallest:,} → {largest:,} people",
            unit="×",
            measured=Series.of([growth(warm_p50)]),
            baseline=Series.of([growth(base_p50)]),
            baseline_name="sqlite3 log's own growth",
            checks=(Check("p50", "<=", 1.2),),
            notes="p50 at the largest size over p50 at the smallest",
        )
    )
    spec = Spec(owners=1, people=100, interactions=sizes.show_interactions)
    path = work.dataset(spec, "history")
    shown, shown_base, meetings = asyncio.run(_show(path, sizes.scale_ops))
    rows.append(
        Row(
            "10",
            "scale: /show, long history",
            measured=Series.of(shown),
            baseline=Series.of(shown_base),
            baseline_name="sqlite3 card, ORDER BY…LIMIT",
            checks=(Check("p50", "<=", 3.0),),
            notes=f"{meetings:,} meetings with that person",
        )
    )
    return rows
