"""The child process of figure 14: one contacts file read under a 5 ms watchdog.

    python -m bench.import_probe kith|plain FILE DB MAX_PEOPLE

Prints one JSON line: the loop's longest stall and the wall time (ms), the peak RSS
(VmHWM, MB) and, for kith, the bytes the pending question stored and the replies. Stdlib
only at the top, so the plain baseline carries nothing of kith.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import resource
import sqlite3
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

TICK = 0.005
OWNER = 1


def hwm_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


STALLS: list[tuple[float, float]] = []  # (ms since the start, ms stalled) over 20 ms
LATE: list[float] = []  # every wake-up's lateness, ms
MARKS: list[tuple[float, str]] = []  # (ms since the start, what began)
BEGAN = time.perf_counter()


def mark(what: str) -> None:
    MARKS.append((round((time.perf_counter() - BEGAN) * 1000), what))


async def watched(work: Callable[[], Awaitable[object]]) -> tuple[float, float]:
    """(the loop's longest stall, the work's wall time), both in ms."""
    done = asyncio.Event()
    worst = 0.0

    async def watchdog() -> None:
        nonlocal worst
        while not done.is_set():
            start = time.perf_counter()
            await asyncio.sleep(TICK)
            late = time.perf_counter() - start - TICK
            worst = max(worst, late)
            LATE.append(late * 1000)
            if late > 0.02:
                STALLS.append((round((start - BEGAN) * 1000), round(late * 1000)))

    dog = asyncio.create_task(watchdog())
    await asyncio.sleep(0)
    start = time.perf_counter()
    await work()
    took = time.perf_counter() - start
    done.set()
    await dog
    return worst * 1000, took * 1000


def plain_read(path: Path) -> int:
    """The least a reader must do: decode, then split into cards (vCard: a dict of
    properties per card) or rows (`csv.reader`), kept in memory, a line at a time (so the
    thread lets the loop run, as kith's reader must). Returns the entries."""
    text = path.read_bytes().decode("utf-8")
    if path.suffix == ".vcf":
        cards: list[dict[str, str]] = []
        card: dict[str, str] = {}
        for line in io.StringIO(text):
            line = line.rstrip("\r\n")
            if line == "BEGIN:VCARD":
                card = {}
            elif line == "END:VCARD":
                cards.append(card)
            else:
                name, _, value = line.partition(":")
                card[name.split(";")[0]] = value
        return len(cards)
    rows = []
    for row in csv.reader(io.StringIO(text, newline="")):
        rows.append(row)
    return len(rows)


async def kith(path: Path, db: Path, max_people: int) -> dict[str, object]:
    import dataclasses

    from bench.fig_engine import NOW
    from bot.compose import services
    from bot.config import load_config
    from bot.core.clock import FixedClock

    config = dataclasses.replace(load_config(None, db=str(db), env={}), max_people=max_people)
    data = await asyncio.to_thread(path.read_bytes)
    said: list[str] = []
    stored = 0
    async with services(config, FixedClock(NOW)) as s:
        await s.engine.handle(OWNER, "/start")

        async def work() -> None:
            nonlocal stored
            mark("file")
            replies = await s.engine.import_file(OWNER, path.name, data)
            mark("asked")
            said.append(replies[0].text[:160])
            stored = _stored(db)
            buttons = [b for r in replies for b in r.flat_buttons if b.label.startswith("Import")]
            if buttons:
                mark("press")
                answer = await s.engine.press(OWNER, buttons[0].data)
                mark("answered")
                said.append(answer[0].text[:160])

        stall, took = await watched(work)
    return {"stall": stall, "took": took, "stored": stored, "said": said}


def _stored(db: Path) -> int:
    """Bytes the open question keeps: its payload and any rows kept beside it."""
    with sqlite3.connect(db) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        sums = ["SELECT coalesce(sum(length(payload)), 0) FROM pending"]
        if "pending_contacts" in tables:
            sums.append("SELECT coalesce(sum(length(row)), 0) FROM pending_contacts")
        return sum(int(conn.execute(sql).fetchone()[0]) for sql in sums)


def main(argv: list[str]) -> None:
    which, file, db, max_people = argv[0], Path(argv[1]), Path(argv[2]), int(argv[3])
    if which == "kith":
        out = asyncio.run(kith(file, db, max_people))
    else:

        async def plain() -> dict[str, object]:
            stall, took = await watched(lambda: asyncio.to_thread(plain_read, file))
            return {"stall": stall, "took": took, "stored": 0, "said": []}

        out = asyncio.run(plain())
    time.sleep(1.0)  # let a finished worker process be reaped, so it is counted below
    out["hwm"] = hwm_mb()
    # Worker processes kith started for the file (gone by now): their peak, apart.
    out["child_hwm"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    late = sorted(LATE) or [0.0]
    out["p99"] = late[min(len(late) - 1, int(len(late) * 0.99))]
    out["stalls"] = STALLS
    out["marks"] = MARKS
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1:])
