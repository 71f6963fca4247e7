"""The child process of figure 13: one export or one restore, in a process of its own so
its peak memory (`VmHWM`) is its own. Prints one JSON line: stall_ms (the event loop's
longest oversleep of a 5 ms timer while the work ran), wall_ms, peak_mb, bytes.

    python -m bench.export_probe kith|sqlite DB OUT        # /export, or the baseline
    python -m bench.export_probe import|sqlite-import FILE DB   # restore into a new DB
    python -m bench.export_probe floor SECONDS -             # a thread busy in Python

Stdlib only at the top, so the sqlite3 baselines carry nothing of kith.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

TICK = 0.005
OWNER = 1


def peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


async def watched(work: Callable[[], Awaitable[int]]) -> dict[str, float]:
    """Run `work` under the watchdog; its figures (bytes: what `work` returned)."""
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
    size = await work()
    took = time.perf_counter() - start
    done.set()
    await dog
    return {"stall_ms": worst * 1000, "wall_ms": took * 1000, "bytes": size}


async def kith_export(db: Path, out: Path) -> dict[str, float]:
    """`/export` through the engine, as a Telegram user gets it (the JSON and the vCard);
    the JSON saved to `out` afterwards (not timed), for the restore row."""
    from bench.fig_engine import NOW
    from bot.compose import services
    from bot.config import load_config
    from bot.core.clock import FixedClock
    from bot.private import write_private_from

    config = load_config(None, db=str(db), env={})
    async with services(config, FixedClock(NOW)) as s:
        replies: list[object] = []

        async def export() -> int:
            got = await s.engine.handle(OWNER, "/export")
            replies.extend(got)
            if not got or not got[0].files:
                raise RuntimeError(f"/export sent no file: {got[0].text[:200]!r}")
            return sum(f.size for f in got[0].files)

        figures = await watched(export)
        json_file = next(f for r in replies for f in r.files if f.file_name.endswith(".json"))  # type: ignore[attr-defined]
        with json_file.open() as source:
            write_private_from(out, source, replace=True)
    return figures


def plain_export(db: Path, out: Path) -> int:
    """The owner's people and meetings read and written as JSON with bare sqlite3."""
    with sqlite3.connect(db) as conn:
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
    data = json.dumps({"people": people, "interactions": meetings, "links": links}).encode()
    out.write_bytes(data)
    return len(data)


async def kith_import(file: Path, db: Path) -> dict[str, float]:
    """`kith import FILE` into a new database (the CLI's own code, in this process)."""
    from bot.cli.main import main

    async def restore() -> int:
        code = await asyncio.to_thread(main, ["import", str(file), "--db", str(db)])
        if code != 0:
            raise RuntimeError(f"kith import exited {code}")
        return await asyncio.to_thread(os.path.getsize, file)

    return await watched(restore)


def plain_import(file: Path, db: Path) -> int:
    """The document read whole with json.load, its people and meetings inserted with bare
    sqlite3 in one transaction: what a restore costs at the least."""
    doc = json.loads(file.read_bytes())
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("CREATE TABLE people (id INTEGER PRIMARY KEY, ref TEXT, name TEXT)")
        conn.execute("CREATE TABLE interactions (id INTEGER PRIMARY KEY, day TEXT, note TEXT)")
        conn.execute("CREATE TABLE links (interaction_id INTEGER, ref TEXT)")
        conn.executemany(
            "INSERT INTO people (ref, name) VALUES (?, ?)",
            ((p["ref"], p["name"]) for p in doc["people"]),
        )
        for n, i in enumerate(doc["interactions"], 1):
            conn.execute("INSERT INTO interactions VALUES (?, ?, ?)", (n, i["day"], i["note"]))
            conn.executemany("INSERT INTO links VALUES (?, ?)", ((n, r) for r in i["people"]))
    return file.stat().st_size


def busy(seconds: float) -> int:
    """Pure Python in small pieces for `seconds`: no long C call, only the GIL's own
    hand-over (every 5 ms) and the machine's load between the loop and its timer."""
    end = time.perf_counter() + seconds
    rounds = 0
    while time.perf_counter() < end:
        rounds += sum(range(200)) > 0
    return rounds


def main(argv: list[str]) -> None:
    kind, first, second = argv[0], Path(argv[1]), Path(argv[-1])
    if kind == "kith":
        figures = asyncio.run(kith_export(first, second))
    elif kind == "sqlite":
        figures = asyncio.run(watched(lambda: asyncio.to_thread(plain_export, first, second)))
    elif kind == "floor":
        figures = asyncio.run(watched(lambda: asyncio.to_thread(busy, float(argv[1]))))
    elif kind == "import":
        figures = asyncio.run(kith_import(first, second))
    else:
        figures = asyncio.run(watched(lambda: asyncio.to_thread(plain_import, first, second)))
    print(json.dumps({**figures, "peak_mb": peak_mb()}))


if __name__ == "__main__":
    main(sys.argv[1:])
