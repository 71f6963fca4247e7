"""Figure 12: resident memory after many distinct users, beside plain sqlite3.

A fresh process (`python -m bench.rss_probe kith|sqlite DB N`, stdlib only for sqlite)
opens a generated file of `max(memory_users)` owners with `memory_people` people each,
touches owners 1..N once, and reports `VmRSS` from /proc/self/status after a garbage
collection:

* kith: `Engine.handle(owner, "/who")` for each owner through the real store, with the
  Telegram application's modules imported as `kith run` has them;
* baseline: plain sqlite3 (same `synchronous` as kith) reading each owner's people.

Target: ≤ 80 MB at 10,000 users. What is cached stays within its budget of people
(`CACHE_PEOPLE`, `INDEX_PEOPLE`), whatever the number of owners.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench.generate import Spec
from bench.report import Check, Row, Series
from bench.workspace import REPO, Sizes, Workspace

NAME = "memory"


def _probe(kind: str, path: Path, users: int) -> float:
    from bot.store.sqlite.store import _PEOPLE_SQL

    out = subprocess.run(
        [sys.executable, "-m", "bench.rss_probe", kind, str(path), str(users), _PEOPLE_SQL],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=900,
    )
    return float(out.stdout.strip().splitlines()[-1])


def run(sizes: Sizes, work: Workspace) -> list[Row]:
    owners = max(sizes.memory_users)
    spec = Spec(
        owners=owners, people=sizes.memory_people, interactions=sizes.memory_people * 3, years=1
    )
    path = work.dataset(spec, "memory")
    rows: list[Row] = []
    for users in sizes.memory_users:
        kith = _probe("kith", path, users)
        base = _probe("sqlite", path, users)
        rows.append(
            Row(
                "12",
                f"memory: RSS after {users:,} users",
                unit="MB",
                measured=Series.of([kith]),
                baseline=Series.of([base]),
                baseline_name="sqlite3 reading them",
                checks=(Check("p50", "<=", 80.0),) if users == owners else (),
                notes=f"{sizes.memory_people} people each; one /who per user, then gc",
            )
        )
    return rows
