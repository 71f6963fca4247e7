"""Figure 13: one user's `/export` of a big account, and `kith import` of what it wrote.

Each run is a child process of its own (bench/export_probe.py), so its peak memory
(`VmHWM`, the high-water mark of its resident set) is its own:

* kith: `Engine.handle(owner, "/export")` through the real store (the JSON document and
  the vCard, as a Telegram user gets them), while a watchdog coroutine asks to wake
  every 5 ms: the longest it overslept is the event loop's longest stall, how long every
  other chat waits.
* baseline: plain sqlite3 reading the same rows in a worker thread and writing them with
  one `json.dumps`, under the same watchdog.
* floor: the same watchdog beside a thread running only small pieces of Python for as
  long as kith's export took: the stall any worker thread costs on this machine.
* restore: `kith import` of the JSON kith wrote into a new database, beside plain
  `json.loads` + sqlite3 inserts of its people and meetings in one transaction.

Targets (the issue's account is 5,000 people and 1M meetings, `export_people`,
`export_interactions`): no stall over 50 ms; the export's peak ≤ 100 MB. Wall times are
shown beside the baselines (no target).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench.generate import Spec
from bench.report import Check, Row, Series
from bench.workspace import REPO, Sizes, Workspace

NAME = "export"


def _probe(kind: str, first: Path, second: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.export_probe", kind, str(first), str(second)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=3600,
    )
    figures: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return figures


def run(sizes: Sizes, work: Workspace) -> list[Row]:
    spec = Spec(owners=1, people=sizes.export_people, interactions=sizes.export_interactions)
    path = work.dataset(spec, "export")
    kith = _probe("kith", path, work.path("kith-export.json"))
    base = _probe("sqlite", path, work.path("plain-export.json"))
    # The same watchdog beside a thread that only runs Python in small pieces, as long
    # as kith's export took: the stall this machine gives any worker thread.
    floor = _probe("floor", Path(f"{kith['wall_ms'] / 1000:.1f}"), Path("-"))
    restored = _probe("import", work.path("kith-export.json"), work.path("restored.db"))
    plain = _probe("sqlite-import", work.path("kith-export.json"), work.path("plain.db"))
    size = f"{sizes.export_people:,} people, {sizes.export_interactions:,} meetings"
    mb = kith["bytes"] / 2**20
    export_base = "sqlite3 + json.dumps in a thread"
    import_base = "json.loads + sqlite3 inserts"
    return [
        Row(
            "13",
            "export: longest event-loop stall during /export",
            unit="ms",
            measured=Series.of([kith["stall_ms"]]),
            baseline=Series.of([base["stall_ms"]]),
            baseline_name=export_base,
            checks=(Check("p50", "<=", 50.0),),
            notes=size,
        ),
        Row(
            "13",
            "export: longest stall beside a thread busy in small Python pieces",
            unit="ms",
            measured=Series.of([floor["stall_ms"]]),
            baseline=Series.of([kith["stall_ms"]]),
            baseline_name="kith's /export (above)",
            notes="the floor: what the GIL and this machine's load give any worker thread",
        ),
        Row(
            "13",
            "export: /export peak RSS (its own process)",
            unit="MB",
            measured=Series.of([kith["peak_mb"]]),
            baseline=Series.of([base["peak_mb"]]),
            baseline_name=export_base,
            checks=(Check("p50", "<=", 100.0),),
            notes=f"{size}; the JSON and the vCard {mb:,.1f} MB",
        ),
        Row(
            "13",
            "export: /export wall time",
            unit="ms",
            measured=Series.of([kith["wall_ms"]]),
            baseline=Series.of([base["wall_ms"]]),
            baseline_name=export_base,
            notes=f"{size}; no target (shown beside the stall)",
        ),
        Row(
            "13",
            "export: kith import of that export, peak RSS",
            unit="MB",
            measured=Series.of([restored["peak_mb"]]),
            baseline=Series.of([plain["peak_mb"]]),
            baseline_name=import_base,
            notes=f"{size}; into a new database; no target",
        ),
        Row(
            "13",
            "export: kith import of that export, wall time",
            unit="ms",
            measured=Series.of([restored["wall_ms"]]),
            baseline=Series.of([plain["wall_ms"]]),
            baseline_name=import_base,
            notes=f"{size}; no target",
        ),
    ]
