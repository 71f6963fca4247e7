"""Figure 4: the digest sweep choosing who gets a digest, for 10,000 users × 150 people.

Through the sweep's public API: `Sweeper(engine, clock, sender).sweep()` over the real
store, with a `FixedClock` the benchmark moves and a sender that only records (so what is
timed is the choosing and its bookkeeping, not Telegram). Each user's `next_digest_at` is
set the way kith sets it (`bot.store.sqlite.schedules.next_digest_text`) as of midnight UTC.

* one minute: the clock steps through a whole day a minute at a time, one sweep per
  minute, as `kith run` does; each sweep that found someone due is a sample (p50, p99),
  and the busiest minute (users' digest times bunch up at 09:00 in each time zone) has a
  row of its own.
* a day of downtime: the bot stops at 20:00 UTC and comes back 24 hours later, when it
  is past the digest time of most users where they live; sweeps run back to back until
  nobody is due: the total time to choose every user's digest.

* all sent at 30 msg/s: every user due in one minute, and the catch-up after a day
  down, each swept as `kith run` does through a sender held to 30 msg/s, against the
  physical limit (digests / 30 s).
* growth: a typical minute and a day down at a tenth, one and five times the users
  (1k / 10k / 50k at full size; the largest with a fifth of the people each).

Baseline, measured in the same run right before each sweep: plain `sqlite3` reading what
choosing needs, the due users (`SqliteDigestLedger.due`'s query) and each one's people (the
store's people query), with no Python on top.
"""

from __future__ import annotations

import asyncio
import gc
import sqlite3
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.baseline import PEOPLE_SQL
from bench.generate import END, Spec
from bench.report import Check, Row, Series
from bench.workspace import Sizes, Workspace
from bot.compose import services
from bot.config import load_config
from bot.core.clock import FixedClock, format_utc
from bot.engine import Reply
from bot.nudges.sweep import BATCH, Sweeper
from bot.store.sqlite.schedules import next_digest_text

NAME = "sweep"
MAX_SWEEPS = 1000
START = datetime(END.year, END.month, END.day, tzinfo=UTC)
# Down for a day, back at 20:00 UTC: by then it is past most users' digest time where they
# live (from Los Angeles to Tokyo), so nearly every one of them is owed a digest now.
DOWN_AT = START + timedelta(hours=20)
BACK_AT = DOWN_AT + timedelta(days=1)

# SqliteDigestLedger.due's query (bot/store/sqlite/digests.py), for the baseline.
_DUE_SQL = (
    "SELECT u.id, u.timezone, u.digest_time, u.next_digest_at, "
    "  (SELECT max(local_day) FROM digests d WHERE d.owner_id = u.id) AS last_day "
    "FROM users u "
    "WHERE u.active = 1 AND u.next_digest_at IS NOT NULL AND u.next_digest_at <= ? "
    "AND u.digest_time IS NOT NULL "
    "ORDER BY u.next_digest_at, u.id LIMIT ?"
)


@dataclass
class RecordingSender:
    """A `Sender` that delivers instantly into a list."""

    sent: list[tuple[int, Reply]] = field(default_factory=list)

    async def send(self, owner: int, reply: Reply) -> None:
        self.sent.append((owner, reply))


def spec(sizes: Sizes) -> Spec:
    return Spec(
        owners=sizes.sweep_users,
        people=sizes.sweep_people,
        interactions=sizes.sweep_interactions,
        seed=4,
    )


def schedule(path: Path, now: datetime) -> int:
    """Give every user the `next_digest_at` kith would give them at `now`; how many."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        users = conn.execute("SELECT id, timezone, digest_time FROM users").fetchall()
        rows = [
            (next_digest_text(now, tz, at, None), owner)
            for owner, tz, at in users
            if at is not None
        ]
        conn.execute("BEGIN")
        conn.executemany("UPDATE users SET next_digest_at = ? WHERE id = ?", rows)
        conn.execute("COMMIT")
    finally:
        conn.close()
    return len(rows)


class Baseline:
    """The reads behind choosing, through plain sqlite3 on the same file."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)

    def close(self) -> None:
        self.conn.close()

    def due_count(self, now: datetime) -> int:
        return int(
            self.conn.execute(
                "SELECT count(*) FROM users WHERE active = 1 AND next_digest_at <= ? "
                "AND digest_time IS NOT NULL",
                (format_utc(now),),
            ).fetchone()[0]
        )

    def choose(self, now: datetime, limit: int = BATCH) -> int:
        due = self.conn.execute(_DUE_SQL, (format_utc(now), limit)).fetchall()
        for user in due:
            self.conn.execute(PEOPLE_SQL, (user[0],)).fetchall()
        return len(due)


def _ms(start: int) -> float:
    return (time.perf_counter_ns() - start) / 1e6


async def one_minute(
    path: Path, minutes: int, step: int = 1
) -> tuple[list[float], list[float], list[int]]:
    """Sweep minute by minute from START (or every `step` minutes: digest times are
    quarter hours, so a step of 15 meets the same busy minutes); (sweep ms, baseline ms,
    users due) per busy minute."""
    clock = FixedClock(START)
    config = load_config(None, db=str(path), env={})
    base = Baseline(path)
    swept: list[float] = []
    floor: list[float] = []
    due: list[int] = []
    try:
        async with services(config, clock) as s:
            sweeper = Sweeper(s.engine, clock, RecordingSender())
            await sweeper.sweep()  # warm up: nobody is due at midnight sharp... or few
            gc.collect()
            for minute in range(step, minutes + 1, step):
                now = START + timedelta(minutes=minute)
                clock.set(now)
                start = time.perf_counter_ns()
                n = base.choose(now)
                base_ms = _ms(start)
                start = time.perf_counter_ns()
                result = await sweeper.sweep()
                sweep_ms = _ms(start)
                if n:
                    swept.append(sweep_ms)
                    floor.append(base_ms)
                    due.append(result.recorded + result.nobody_due)
    finally:
        base.close()
    return swept, floor, due


async def downtime(path: Path) -> tuple[float, float, int, int, int]:
    """A day down, then sweeps back to back; (sweep s, baseline s, sweeps, users, digests)."""
    later = BACK_AT
    clock = FixedClock(later)
    config = load_config(None, db=str(path), env={})
    base = Baseline(path)
    try:
        start = time.perf_counter_ns()
        users = base.conn.execute(_DUE_SQL, (format_utc(later), 10**9)).fetchall()
        for user in users:
            base.conn.execute(PEOPLE_SQL, (user[0],)).fetchall()
        floor = _ms(start) / 1000
        async with services(config, clock) as s:
            sender = RecordingSender()
            sweeper = Sweeper(s.engine, clock, sender)
            sweeps = 0
            total = 0.0
            gc.collect()
            # Until nobody is due: a sweep takes BATCH users, and one that only moves
            # rows to later today records nothing, so its result alone can't tell.
            while base.due_count(later) and sweeps < MAX_SWEEPS:
                start = time.perf_counter_ns()
                await sweeper.sweep()
                total += _ms(start) / 1000
                sweeps += 1
    finally:
        base.close()
    return total, floor, sweeps, len(users), len(sender.sent)


RATE = 30.0  # messages a second: Telegram's limit for a bot, and kith's rate limiter's
PACED_AT = START + timedelta(hours=10, minutes=17)  # no zone's local midnight is near


@dataclass
class PacedSender:
    """A `Sender` held to `RATE` messages a second like the bot's limiter: each send
    waits for its slot in a shared queue, then delivers instantly."""

    rate: float = RATE
    sent: int = 0
    first: float | None = None
    last: float = 0.0
    _next: float = 0.0

    async def send(self, owner: int, reply: Reply) -> None:
        now = time.perf_counter()
        slot = max(now, self._next)
        self._next = slot + 1 / self.rate
        if slot > now:
            await asyncio.sleep(slot - now)
        self.first = slot if self.first is None else self.first
        self.last = time.perf_counter()
        self.sent += 1


def all_due(path: Path, now: datetime, users: int) -> int:
    """The first `users` users due a minute ago (same local day), the rest tomorrow."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("BEGIN")
        conn.execute(
            "UPDATE users SET next_digest_at = CASE WHEN id IN "
            "(SELECT id FROM users WHERE digest_time IS NOT NULL ORDER BY id LIMIT ?) "
            "THEN ? ELSE ? END",
            (users, format_utc(now - timedelta(minutes=1)), format_utc(now + timedelta(days=1))),
        )
        due = int(
            conn.execute(
                "SELECT count(*) FROM users WHERE next_digest_at <= ?", (format_utc(now),)
            ).fetchone()[0]
        )
        conn.execute("COMMIT")
    finally:
        conn.close()
    return due


async def paced(path: Path, users: int) -> tuple[float, int, int, int]:
    """Everyone due in one minute, swept as `kith run` does (again while users remain
    due) through a 30 msg/s sender; (seconds until the last was sent, digests sent,
    users due, sweeps)."""
    clock = FixedClock(PACED_AT)
    due = all_due(path, PACED_AT, users)
    config = load_config(None, db=str(path), env={})
    base = Baseline(path)
    try:
        async with services(config, clock) as s:
            sender = PacedSender()
            sweeper = Sweeper(s.engine, clock, sender)
            gc.collect()
            start = time.perf_counter()
            sweeps = 0
            while base.due_count(PACED_AT) and sweeps < MAX_SWEEPS:
                await sweeper.sweep()
                sweeps += 1
            end = sender.last if sender.sent else time.perf_counter()
    finally:
        base.close()
    return end - start, sender.sent, due, sweeps


async def paced_downtime(path: Path) -> tuple[float, int, int]:
    """A day down, then swept as `kith run` does through a 30 msg/s sender until nobody
    is due; (seconds until the last was sent, digests sent, sweeps)."""
    clock = FixedClock(BACK_AT)
    config = load_config(None, db=str(path), env={})
    base = Baseline(path)
    try:
        async with services(config, clock) as s:
            sender = PacedSender()
            sweeper = Sweeper(s.engine, clock, sender)
            gc.collect()
            start = time.perf_counter()
            sweeps = 0
            while base.due_count(BACK_AT) and sweeps < MAX_SWEEPS:
                await sweeper.sweep()
                sweeps += 1
            end = sender.last if sender.sent else time.perf_counter()
    finally:
        base.close()
    return end - start, sender.sent, sweeps


def growth_specs(sizes: Sizes) -> list[Spec]:
    """The sweep at a tenth, one and five times figure 4's users (1k / 10k / 50k at full
    size). The largest has a fifth of the people each (and of their meetings): 50,000 ×
    150 people would be a 3.4 GB file and ~10 minutes of generating on the bench VM."""
    base = spec(sizes)
    small = Spec(
        owners=max(1, sizes.sweep_users // 10),
        people=base.people,
        interactions=base.interactions,
        seed=base.seed,
    )
    large = Spec(
        owners=sizes.sweep_users * 5,
        people=max(1, base.people // 5),
        interactions=max(1, base.interactions // 5),
        seed=base.seed,
    )
    return [small, base, large]


def growth_point(path: Path) -> tuple[list[float], list[float], list[int], float, float, int]:
    """A day's busy minutes (quarter hours) and a day down, on one generated file."""
    schedule(path, START)
    swept, floor, due = asyncio.run(one_minute(path, 24 * 60, step=15))
    schedule(path, DOWN_AT)
    total, down_floor, _, planned, _ = asyncio.run(downtime(path))
    return swept, floor, due, total, down_floor, planned


def run(sizes: Sizes, work: Workspace) -> list[Row]:
    minutes = 24 * 60
    day = work.dataset(spec(sizes), "sweep")
    users = schedule(day, START)
    swept, floor, due = asyncio.run(one_minute(day, minutes))
    down = work.dataset(spec(sizes), "sweep")
    schedule(down, DOWN_AT)
    total, down_floor, sweeps, planned, sent = asyncio.run(downtime(down))
    burst = work.dataset(spec(sizes), "sweep")
    took, paced_sent, paced_due, paced_sweeps = asyncio.run(
        paced(burst, min(sizes.sweep_paced_users, sizes.sweep_users))
    )
    catch_up = work.dataset(spec(sizes), "sweep")
    schedule(catch_up, DOWN_AT)
    caught_up, caught_sent, caught_sweeps = asyncio.run(paced_downtime(catch_up))
    busiest = max(range(len(due)), key=due.__getitem__) if due else 0
    size = f"{sizes.sweep_users:,} users × {sizes.sweep_people} people"
    growth: list[Row] = []
    for grown in growth_specs(sizes):
        if grown == spec(sizes):
            # Figure 4's own file: its rows above are this point (every minute, not
            # every quarter hour, but the busy minutes are the same ones).
            g_swept, g_floor, g_due = swept, floor, due
            g_total, g_down_floor, g_planned = total, down_floor, planned
        else:
            path = work.dataset(grown, "sweep")
            g_swept, g_floor, g_due, g_total, g_down_floor, g_planned = growth_point(path)
        label = f"{grown.owners:,} users × {grown.people} people"
        median_due = sorted(g_due)[len(g_due) // 2] if g_due else 0
        growth += [
            Row(
                "4",
                f"sweep growth, {label}: a typical minute",
                measured=Series.of(g_swept),
                baseline=Series.of(g_floor),
                baseline_name="sqlite3 due users + people",
                notes=f"{len(g_swept)} busy quarter hours of a day, median {median_due} users due",
            ),
            Row(
                "4",
                f"sweep growth, {label}: every digest after a day down",
                unit="s",
                measured=Series.of([g_total]),
                baseline=Series.of([g_down_floor]),
                baseline_name="sqlite3 due users + people",
                notes=f"{g_planned:,} overdue users planned",
            ),
        ]
    return [
        Row(
            "4",
            "sweep: digests due in one minute",
            measured=Series.of(swept),
            baseline=Series.of(floor),
            baseline_name="sqlite3 due users + people",
            checks=(Check("p50", "<=", 50.0),),
            notes=(
                f"{size}; {len(swept)} of {minutes} minutes had someone due "
                f"(median {sorted(due)[len(due) // 2] if due else 0} users); {users:,} scheduled"
            ),
        ),
        Row(
            "4",
            "sweep: the busiest minute",
            measured=Series.of(swept[busiest : busiest + 1]),
            baseline=Series.of(floor[busiest : busiest + 1]),
            baseline_name="sqlite3 due users + people",
            notes=(
                f"{due[busiest] if due else 0} users due in that minute (the sweep's batch "
                "is 500); for information: the target is about a typical minute"
            ),
        ),
        Row(
            "4",
            "sweep: every digest after a day down",
            unit="s",
            measured=Series.of([total]),
            baseline=Series.of([down_floor]),
            baseline_name="sqlite3 due users + people",
            checks=(Check("p50", "<=", 10.0),),
            notes=(
                f"{sweeps} back-to-back sweeps planned {planned:,} overdue users: "
                f"{sent:,} digests now, the rest moved to today's time"
            ),
        ),
        Row(
            "4",
            f"sweep: {paced_due:,} users due in one minute, all sent at 30 msg/s",
            unit="s",
            measured=Series.of([took]),
            baseline=Series.of([paced_sent / RATE]),
            baseline_name="the physical limit (digests / 30 msg/s)",
            checks=(Check("p50", "<=", 360.0), Check("ratio", "<=", 1.1)),
            notes=(
                f"{paced_sent:,} digests (the rest had nobody due) in {paced_sweeps} sweep "
                f"call(s), each going round again while a batch of {BATCH} was full; a "
                "sender that waits for its slot at 30 msg/s, 8 sends in flight"
            ),
        ),
        Row(
            "4",
            "sweep: catch-up after a day down, all sent at 30 msg/s",
            unit="s",
            measured=Series.of([caught_up]),
            baseline=Series.of([caught_sent / RATE]),
            baseline_name="the physical limit (digests / 30 msg/s)",
            checks=(Check("ratio", "<=", 1.1),),
            notes=(
                f"{caught_sent:,} digests owed after 24 hours down, in {caught_sweeps} sweep "
                "call(s); the same 30 msg/s sender, 8 sends in flight"
            ),
        ),
        *growth,
    ]
