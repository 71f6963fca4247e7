"""Figure 6: what `kith run` costs standing still: start-up time and idle memory.

* start: from spawning `python -m bot run` to the fake Bot API's first `getUpdates`
  from it (the moment the bot can hear its users), on the monotonic clock both share.
* idle RSS: `VmRSS` from /proc/PID/status after it has polled and idled a few seconds.

Baseline: the bare PTB echo bot (`bench/echo_bot.py`), started the same way. Starts
alternate between the two, so a busy moment on the machine hits both.
"""

from __future__ import annotations

import time

from bench.fig_telegram import USER
from bench.generate import Spec
from bench.processes import BotProcess, echo_bot, kith_run
from bench.report import Check, Row, Series
from bench.workspace import Sizes, Workspace

NAME = "footprint"


def _sample(bot: BotProcess, idle: float) -> tuple[float, float]:
    start = bot.wait_polling()
    time.sleep(idle)
    return start, bot.rss_mb()


def run(sizes: Sizes, work: Workspace) -> list[Row]:
    spec = Spec(
        owners=1,
        people=sizes.telegram_people,
        interactions=sizes.telegram_interactions,
        first_owner=USER,
    )
    db = work.dataset(spec, "telegram")
    starts: dict[str, list[float]] = {"kith": [], "echo": []}
    rss: dict[str, list[float]] = {"kith": [], "echo": []}
    for i in range(sizes.footprint_starts):
        for kind in ("kith", "echo") if i % 2 == 0 else ("echo", "kith"):
            starter = kith_run(work.root, db, [USER], f"-fp{i}") if kind == "kith" else None
            with starter or echo_bot(work.root, f"-fp{i}") as bot:
                start, mb = _sample(bot, sizes.footprint_idle)
                starts[kind].append(start * 1000)
                rss[kind].append(mb)
    n = sizes.footprint_starts
    return [
        Row(
            "6",
            "footprint: start to first getUpdates",
            measured=Series.of(starts["kith"]),
            baseline=Series.of(starts["echo"]),
            baseline_name="bare PTB echo bot",
            checks=(Check("p50", "<=", 1500.0),),
            notes=f"{n} starts each, alternating",
        ),
        Row(
            "6",
            "footprint: idle RSS",
            unit="MB",
            measured=Series.of(rss["kith"]),
            baseline=Series.of(rss["echo"]),
            baseline_name="bare PTB echo bot",
            checks=(Check("p50", "<=", 80.0),),
            notes=f"VmRSS after {sizes.footprint_idle:g} s idle (MiB)",
        ),
    ]
