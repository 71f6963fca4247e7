"""Figure 1: the engine over one owner with 1,000 people and 100,000 interactions.

Each operation goes through `Engine.handle(owner, text)` exactly as a transport calls
it, over the real store on a real SQLite file (WAL), with a `FixedClock`. Its baseline
is the same store's SQL for that operation run through plain `sqlite3` on the same file
in the same process, interleaved sample by sample, so the ratio is kith's own overhead
(the aiosqlite thread hops, Python objects, parsing and rendering) over the database.

Operations:
* log — a plain-language log ("coffee with Mia Tanaka yesterday — note"), names,
  kinds and dates varied; a write, so it also drops the owner's cached people.
* who / show — `/who` and `/show NAME` in the steady state (the people cache is warm).
* who / show after a write — each right after a log, as in "log, then ask": the store
  re-reads the owner's 1,000 people and the engine rebuilds the name index.
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import json
import random
import sqlite3
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path

from bench.baseline import PEOPLE_SQL
from bench.generate import END, Spec
from bench.report import Check, Row, Series
from bench.workspace import Sizes, Workspace
from bot.compose import services
from bot.config import load_config
from bot.core.clock import FixedClock
from bot.core.model import Person
from bot.core.names import Match, NameIndex
from bot.core.phrases import parse_log
from bot.engine import Engine
from bot.store.sqlite.journal import UNDO_DEPTH

NAME = "engine"
OWNER = 1
NOW = datetime(END.year, END.month, END.day, 10, 0, tzinfo=UTC)
TODAY: date = END

_WHEN = (
    "yesterday",
    "today",
    "",
    "3 days ago",
    "last week",
    "on Friday",
    "on Monday",
    "last night",
    "12 November",
    "November 3",
    "2026-10-01",
    "2 weeks ago",
)
_KIND_WORDS = ("coffee", "lunch", "dinner", "drinks", "a walk", "a call", "brunch", "tennis")
_NOTES = (
    "",
    "",
    " — she's moving to Lisbon in March",
    " — talked about the new job",
    ": great fun, do it again soon",
    " — his dad is doing better",
)

# The store's SQL for /show's card (bot/store/sqlite/store.py `Store.card`), run the same way.
_CARD_SQL = (
    "SELECT id, text, created_at FROM notes WHERE owner_id = ? AND person_id = ? ORDER BY id",
    "SELECT id, text, from_day, done FROM follow_ups "
    "WHERE owner_id = ? AND person_id = ? AND done = 0 ORDER BY id",
    "SELECT id, kind, text, done FROM favors "
    "WHERE owner_id = ? AND person_id = ? AND done = 0 ORDER BY id",
    "SELECT id, label, month, day, year FROM dates "
    "WHERE owner_id = ? AND person_id = ? ORDER BY month, day",
)
_HISTORY_SQL = (
    "SELECT i.id, i.day, i.kind, i.note, "
    "  (SELECT group_concat(person_id) FROM interaction_people x "
    "    WHERE x.interaction_id = i.id) AS people "
    "FROM interaction_people ip JOIN interactions i ON i.id = ip.interaction_id "
    "WHERE ip.owner_id = ? AND ip.person_id = ? "
    "ORDER BY ip.day DESC, i.id DESC LIMIT ?"
)
# The card's extra lines (bot/store/sqlite/insight.py: `person_meetings`, `groups`):
# places, who reached out, and the person's groups, read for every /show.
_INSIGHT_SQL = (
    (
        "SELECT ip.person_id, ip.day, i.kind, i.place, i.initiator, i.id "
        "FROM interaction_people ip JOIN interactions i ON i.id = ip.interaction_id "
        "WHERE ip.owner_id = ? AND ip.person_id = ? "
        "ORDER BY ip.day DESC, i.id DESC LIMIT 50"
    ),
    (
        "SELECT g.id, g.name, g.cadence_days, g.created_at, "
        "  (SELECT group_concat(m.person_id) FROM friend_group_members m "
        "    WHERE m.group_id = g.id) AS members "
        "FROM friend_groups g WHERE g.owner_id = ? ORDER BY g.name_key"
    ),
)


@dataclass(frozen=True, slots=True)
class LogCase:
    """One plain-language log and what it means, for the engine and the raw-SQL baseline."""

    text: str
    day: date
    kind: str
    note: str
    person_ids: tuple[int, ...]


def spec(sizes: Sizes) -> Spec:
    return Spec(owners=1, people=sizes.engine_people, interactions=sizes.engine_interactions)


RELATIVE_WHEN = tuple(w for w in _WHEN if not any(ch.isdigit() for ch in w) or "ago" in w)


def log_cases(
    people: Sequence[tuple[int, str]],
    index: NameIndex,
    n: int,
    seed: int = 7,
    when: Sequence[str] = _WHEN,
    today: date = TODAY,
) -> list[LogCase]:
    """`n` varied logs naming (id, name) people the engine resolves without asking."""
    rng = random.Random(seed)
    usable = [p for p in people if _resolves(index, *p)]
    cases: list[LogCase] = []
    while len(cases) < n:
        group = rng.sample(usable, k=rng.choice((1, 1, 1, 2)))
        names = " and ".join(name for _, name in group)
        day = rng.choice(when)
        note = rng.choice(_NOTES)
        if rng.random() < 0.2:
            text = f"{names} called me {day}{note}"
        else:
            text = f"{rng.choice(_KIND_WORDS)} with {names} {day}{note}"
        text = " ".join(text.split())
        try:
            phrase = parse_log(text, today, index)
        except ValueError:
            continue
        if [index.resolve(x).person_id for x in phrase.names] != [pid for pid, _ in group]:
            continue  # the parser read the names differently: skip, don't ask questions
        ids = tuple(pid for pid, _ in group)
        cases.append(LogCase(text, phrase.day, phrase.kind, phrase.note, ids))
    return cases


def _resolves(index: NameIndex, person_id: int, name: str) -> bool:
    res = index.resolve(name)
    return res.person_id == person_id and res.match == Match.EXACT


class Baseline:
    """The store's SQL for each operation, through plain sqlite3 on the same file."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA foreign_keys=ON")
        self.conn.execute("PRAGMA busy_timeout=5000")
        # As kith opens the file (bot/store/sqlite/db.py): in WAL, NORMAL syncs at
        # checkpoints only. The default (FULL) would fsync every commit, so the log's
        # ratio would measure the disk instead of kith.
        self.conn.execute("PRAGMA synchronous=NORMAL")

    def close(self) -> None:
        self.conn.close()

    def who(self) -> None:
        self.conn.execute(PEOPLE_SQL, (OWNER,)).fetchall()

    def show(self, person_id: int) -> None:
        params = (OWNER, person_id)
        self.conn.execute(PEOPLE_SQL + " AND p.id = ?", params).fetchall()
        for sql in _CARD_SQL:
            self.conn.execute(sql, params).fetchall()
        self.conn.execute(_HISTORY_SQL, (*params, 5)).fetchall()
        meetings, groups = _INSIGHT_SQL
        self.conn.execute(meetings, params).fetchall()
        self.conn.execute(groups, (OWNER,)).fetchall()

    def log(self, case: LogCase) -> None:
        """What `Store.log` inside `Store.change` writes: the rows plus the undo entry."""
        c = self.conn
        c.execute("BEGIN IMMEDIATE")
        try:
            (iid,) = c.execute(
                "INSERT INTO interactions (owner_id, day, kind, note, created_at) "
                "VALUES (?, ?, ?, ?, ?) RETURNING id",
                (OWNER, case.day.isoformat(), case.kind, case.note, "2026-11-25T10:00:00Z"),
            ).fetchone()
            values = ",".join("(?,?,?,?)" for _ in case.person_ids)
            args: list[object] = []
            for pid in case.person_ids:
                args += [OWNER, iid, pid, case.day.isoformat()]
            links = c.execute(
                "INSERT INTO interaction_people (owner_id, interaction_id, person_id, day) "
                f"VALUES {values} RETURNING id",
                args,
            ).fetchall()
            ops = json.dumps(
                [
                    {"op": "delete", "table": "interaction_people", "ids": [r[0] for r in links]},
                    {"op": "delete", "table": "interactions", "ids": [iid]},
                ]
            )
            c.execute(
                "INSERT INTO undo_log (owner_id, label, ops, created_at) VALUES (?, ?, ?, ?)",
                (OWNER, "bench log", ops, "2026-11-25T10:00:00Z"),
            )
            c.execute(
                "DELETE FROM undo_log WHERE owner_id = ? AND id <= "
                "(SELECT id FROM undo_log WHERE owner_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)",
                (OWNER, OWNER, UNDO_DEPTH),
            )
        except BaseException:
            c.execute("ROLLBACK")
            raise
        c.execute("COMMIT")


def _ms(start: int) -> float:
    return (time.perf_counter_ns() - start) / 1e6


async def _timed(fn: Callable[[], Awaitable[object]]) -> float:
    start = time.perf_counter_ns()
    await fn()
    return _ms(start)


def _timed_sync(fn: Callable[[], object]) -> float:
    start = time.perf_counter_ns()
    fn()
    return _ms(start)


async def _expect(engine: Engine, text: str, prefix: str) -> None:
    replies = await engine.handle(OWNER, text)
    got = "\n".join(r.text for r in replies)
    if not got.startswith(prefix):
        raise RuntimeError(f"benchmark input {text!r} got an unexpected reply: {got[:200]!r}")


async def _pair(
    i: int,
    engine_op: Callable[[], Awaitable[object]],
    base_op: Callable[[], object],
    engine_times: list[float],
    base_times: list[float],
) -> None:
    """Time one engine operation and its baseline, alternating which goes first."""
    if i % 2:
        engine_times.append(await _timed(engine_op))
        base_times.append(_timed_sync(base_op))
    else:
        base_times.append(_timed_sync(base_op))
        engine_times.append(await _timed(engine_op))


async def measure(path: Path, sizes: Sizes) -> list[Row]:
    config = load_config(None, db=str(path), env={})
    base = Baseline(path)
    n = sizes.engine_ops
    t: dict[str, tuple[list[float], list[float]]] = {
        k: ([], []) for k in ("log", "who", "show", "who_after", "show_after")
    }
    try:
        async with services(config, FixedClock(NOW)) as s:
            engine = s.engine
            people = await s.store.people(OWNER)
            index = await engine.index(OWNER)
            pairs = [(p.id, p.name) for p in people]
            cases = iter(log_cases(pairs, index, 3 * n + 5))
            rng = random.Random(11)
            shown = [p for p in people if _resolves(index, p.id, p.name)]

            def log(case: LogCase) -> Callable[[], Awaitable[None]]:
                return lambda: _expect(engine, case.text, "Logged")

            def show(person: Person) -> Callable[[], Awaitable[None]]:
                return lambda: _expect(engine, f"/show {person.name}", person.name)

            def who() -> Awaitable[object]:
                return engine.handle(OWNER, "/who")

            # Warm up both sides: imports, regexes, SQLite's page cache.
            for case in itertools.islice(cases, 5):
                await log(case)()
                base.log(case)
            await who()
            base.who()

            gc.collect()
            # Logs one after another, as someone catching up on a week would send them:
            # every log follows a write.
            for i in range(n):
                case = next(cases)
                await _pair(i, log(case), partial(base.log, case), *t["log"])
            gc.collect()
            # Reads in the steady state: nothing written between them.
            for i in range(n):
                person = rng.choice(shown)
                await _pair(i, who, base.who, *t["who"])
                await _pair(i, show(person), partial(base.show, person.id), *t["show"])
            gc.collect()
            # Reads right after a write ("log, then ask").
            for i in range(n):
                await log(next(cases))()
                await _pair(i, who, base.who, *t["who_after"])
                await log(next(cases))()
                person = rng.choice(shown)
                await _pair(i, show(person), partial(base.show, person.id), *t["show_after"])
            people_now = len(await s.store.people(OWNER))
            interactions = await s.store.interaction_count(OWNER)
    finally:
        base.close()

    def row(key: str, name: str, baseline: str, *checks: Check, notes: str = "") -> Row:
        measured, baseline_times = t[key]
        return Row(
            "1",
            name,
            measured=Series.of(measured),
            baseline=Series.of(baseline_times),
            baseline_name=baseline,
            checks=checks,
            notes=notes,
        )

    size = f"{people_now:,} people, {interactions:,} interactions"
    log_target = (Check("p50", "<=", 2.0), Check("p99", "<=", 10.0))
    who_target = Check("p50", "<=", 3.0)
    return [
        row("log", "engine: plain-language log", "sqlite3 insert+undo", *log_target, notes=size),
        row("who", "engine: /who", "sqlite3 people query", who_target),
        row("show", "engine: /show NAME", "sqlite3 card queries", who_target),
        row("who_after", "engine: /who right after a log", "sqlite3 people query", who_target),
        row("show_after", "engine: /show right after a log", "sqlite3 card queries", who_target),
    ]


def run(sizes: Sizes, work: Workspace) -> list[Row]:
    path = work.dataset(spec(sizes), "engine")
    return asyncio.run(measure(path, sizes))
