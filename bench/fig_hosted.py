"""Figure 9: past one machine. Everyday logs per second, and their latency, for one
SQLite process and for 1 and 2 PostgreSQL workers, side by side in one run.

Each worker is a real process (`bench/hosted_driver.py`) running what `kith run`
(SQLite) or `kith serve` (PostgreSQL: the update's unit of work with its owner lock,
dedup record and replies) does with an update, without the HTTP around it, so the
figure is about the store and the engine, not Telegram. The same users send the same
logs, `concurrency` at a time, each user's in order; two PostgreSQL workers split the
users between them. The database round trips per update are counted on asyncpg.

Targets (issue 17): 2 workers ≥ 1.7× one worker; one PostgreSQL worker ≥ 0.8× the SQLite
process; ≤ 4 database round trips for an everyday log in the engine (the whole webhook
unit, with BEGIN, the lock and dedup, the record and COMMIT, is shown beside it).

Needs a PostgreSQL server: KITH_TEST_PG_DSN (`.ci/postgres.sh run python -m bench
--only hosted`); without one the row says so and is skipped.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

from bench.report import Check, Row, Series
from bench.workspace import REPO, Sizes, Workspace

NAME = "hosted"
FIRST_USER = 1000


def _drive(store: str, url: str, groups: list[tuple[int, int]], per_user: int, conc: int,
           folder: Path, tag: str) -> list[dict[str, object]]:  # fmt: skip
    """Run one driver process per (first user, users) group at once; their results."""
    procs, outs = [], []
    for n, (first, users) in enumerate(groups):
        out = folder / f"hosted-{tag}-{n}.json"
        outs.append(out)
        procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "bench.hosted_driver",
                    store,
                    url,
                    str(first),
                    str(users),
                    str(per_user),
                    str(conc),
                    str(out),
                ],
                cwd=REPO,
                env={k: v for k, v in os.environ.items() if not k.startswith("KITH_")},
            )
        )
    for proc in procs:
        if proc.wait(600) != 0:
            raise RuntimeError(f"a {store} driver failed ({proc.returncode})")
    return [json.loads(out.read_text()) for out in outs]


def _rate(results: list[dict[str, object]]) -> float:
    start = min(float(r["start"]) for r in results)  # type: ignore[arg-type]
    end = max(float(r["end"]) for r in results)  # type: ignore[arg-type]
    count = sum(len(r["ms"]) for r in results)  # type: ignore[arg-type]
    return count / (end - start)


def _ms(results: list[dict[str, object]]) -> list[float]:
    return [float(x) for r in results for x in r["ms"]]  # type: ignore[attr-defined]


def run(sizes: Sizes, work: Workspace) -> list[Row]:
    dsn = os.environ.get("KITH_TEST_PG_DSN", "").strip()
    users, per_user, conc = sizes.hosted_users, sizes.hosted_logs, 8
    if not dsn:
        return [Row("9", "hosted: logs/s", skipped="needs KITH_TEST_PG_DSN (.ci/postgres.sh)")]
    from tests.support.postgres import fresh_database

    async def pg(workers: int) -> list[dict[str, object]]:
        async with fresh_database() as url:
            half = users // workers
            groups = [(FIRST_USER + i * half, half if i < workers - 1 else users - i * half)
                      for i in range(workers)]  # fmt: skip
            return await asyncio.to_thread(
                _drive, "postgres", url, groups, per_user, max(1, conc // workers),
                work.root, f"pg{workers}",
            )  # fmt: skip

    sqlite = _drive("sqlite", str(work.root / "hosted.db"), [(FIRST_USER, users)], per_user,
                    conc, work.root, "sqlite")  # fmt: skip
    one = asyncio.run(pg(1))
    two = asyncio.run(pg(2))
    rate_sqlite, rate_one, rate_two = _rate(sqlite), _rate(one), _rate(two)

    def median(key: str) -> int:
        values = sorted(int(t) for r in one for t in r[key])  # type: ignore[attr-defined]
        return values[len(values) // 2] if values else 0

    # The whole unit (BEGIN, lock and dedup, the engine's statements, the record, COMMIT,
    # delivered), and the engine's part of it: what the everyday log itself costs.
    unit, engine_trips = median("trips"), median("engine_trips")
    note = f"{users} users × {per_user} logs, {conc} at a time"
    rows = [
        Row(
            "9",
            "hosted: 1 PostgreSQL worker, ms/log",
            measured=Series.of(_ms(one)),
            baseline=Series.of(_ms(sqlite)),
            baseline_name="one SQLite process",
            checks=(
                Check("throughput_vs_sqlite", ">=", 0.8, "logs/s ≥ 0.8× SQLite"),
                Check("engine_round_trips", "<=", 4, "≤ 4 round trips per log"),
            ),
            extra={
                "logs_per_s": round(rate_one, 1),
                "sqlite_logs_per_s": round(rate_sqlite, 1),
                "throughput_vs_sqlite": round(rate_one / rate_sqlite, 2),
                "unit_round_trips": unit,
                "engine_round_trips": engine_trips,
            },
            notes=note,
        ),
        Row(
            "9",
            "hosted: 2 PostgreSQL workers, ms/log",
            measured=Series.of(_ms(two)),
            baseline=Series.of(_ms(one)),
            baseline_name="1 PostgreSQL worker",
            checks=(Check("scaling", ">=", 1.7, "logs/s ≥ 1.7× one worker"),),
            extra={
                "logs_per_s": round(rate_two, 1),
                "scaling": round(rate_two / rate_one, 2),
            },
            notes=note + " (2 cores: the database shares them)",
        ),
    ]
    return rows
