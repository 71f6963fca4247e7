"""The child process of figure 12: touch N owners, print VmRSS in MB. Stdlib only at the
top, so the sqlite3 baseline carries nothing of kith or of the benchmarks.

    python -m bench.rss_probe kith|sqlite DB N [PEOPLE_SQL]
"""

from __future__ import annotations

import asyncio
import gc
import sqlite3
import sys
from pathlib import Path


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


async def touch_kith(path: Path, users: int) -> None:
    import bot.telegram.app  # noqa: F401  # as loaded in `kith run`
    from bench.fig_engine import NOW
    from bot.compose import services
    from bot.config import load_config
    from bot.core.clock import FixedClock

    config = load_config(None, db=str(path), env={})
    async with services(config, FixedClock(NOW)) as s:
        for owner in range(1, users + 1):
            await s.engine.handle(owner, "/who")
        gc.collect()
        print(f"{rss_mb():.1f}")


def touch_sqlite(path: Path, users: int, people_sql: str) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous=NORMAL")  # as kith opens the file
    for owner in range(1, users + 1):
        conn.execute(people_sql, (owner,)).fetchall()
    gc.collect()
    print(f"{rss_mb():.1f}")
    conn.close()


if __name__ == "__main__":
    kind, db, count = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    if kind == "kith":
        asyncio.run(touch_kith(db, count))
    else:
        touch_sqlite(db, count, sys.argv[4])
