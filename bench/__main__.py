"""`python -m bench`: measure kith's performance budget next to its baselines.

    python -m bench                    # every figure at full size (a few minutes)
    python -m bench --quick            # tiny sizes: checks that everything runs
    python -m bench --only engine,phrases --json out.json
    python -m bench --only scale --grid   # figure 10, and its growth tables in Markdown

Prints a table (figure, measured p50 / p99, baseline from the same run, ratio, target,
met?) and writes the same rows as JSON (default `bench/results.json`). The exit code is
0 even when a target is missed (the table says so); 1 when a benchmark crashed.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

from bench.report import Row, render_grid, render_table, write_json
from bench.workspace import BENCH, FULL, QUICK, Sizes, Workspace

Benchmark = Callable[[Sizes, Workspace], list[Row]]


def _load(name: str) -> Benchmark:
    """Import a figure's module only when it runs (figure 3 pulls in PTB, and so on)."""
    module = __import__(f"bench.fig_{name}", fromlist=["run"])
    run: Benchmark = module.run
    return run


# In figure order.
FIGURES: dict[str, str] = {
    "engine": "1",
    "phrases": "2",
    "telegram": "3",
    "sweep": "4",
    "delivery": "5",
    "footprint": "6",
    "circles": "7",
    "discord": "8",
    "hosted": "9",
    "scale": "10",
    "burst": "11",
    "memory": "12",
    "export": "13",
    "import": "14",
}


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (seconds, not minutes)")
    parser.add_argument(
        "--only",
        metavar="NAME[,NAME]",
        help="run only these figures: " + ", ".join(FIGURES),
    )
    parser.add_argument(
        "--json",
        type=Path,
        default=BENCH / "results.json",
        metavar="PATH",
        help="where to write the results (default: bench/results.json)",
    )
    parser.add_argument("--keep", type=Path, metavar="DIR", help="keep scratch files in DIR")
    parser.add_argument(
        "--grid", action="store_true", help="also print figure 10's growth tables (Markdown)"
    )
    args = parser.parse_args(argv)
    names = [n.strip() for n in (args.only or ",".join(FIGURES)).split(",") if n.strip()]
    unknown = [n for n in names if n not in FIGURES]
    if unknown:
        parser.error(f"unknown figure {', '.join(unknown)}; choose from {', '.join(FIGURES)}")
    args.names = [n for n in FIGURES if n in names]  # in figure order
    return args


def run_figures(
    names: Sequence[str], sizes: Sizes, work: Workspace, log: Callable[[str], None]
) -> tuple[list[Row], bool]:
    """Run each figure in turn; (all rows, whether every benchmark ran without crashing)."""
    rows: list[Row] = []
    ok = True
    for name in names:
        began = time.perf_counter()
        log(f"bench: {name} …")
        try:
            got = _load(name)(sizes, work)
        except Exception as exc:
            ok = False
            traceback.print_exc()
            got = [Row(FIGURES[name], name, skipped=f"crashed: {type(exc).__name__}: {exc}")]
        rows.extend(got)
        log(f"bench: {name} done in {time.perf_counter() - began:.1f} s")
    return rows, ok


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    sizes = QUICK if args.quick else FULL
    began = time.perf_counter()
    work = Workspace(args.keep, keep=args.keep is not None)
    try:
        rows, ok = run_figures(args.names, sizes, work, lambda m: print(m, file=sys.stderr))
    finally:
        work.close()
    seconds = time.perf_counter() - began
    print(render_table(rows))
    if args.grid:
        print("\n" + render_grid(rows), end="")
    write_json(args.json, rows, quick=args.quick, seconds=seconds)
    print(f"\n{len(rows)} rows in {seconds:.0f} s; written to {args.json}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
