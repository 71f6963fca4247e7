"""Results: one row per figure, its baseline, the target, and the table and JSON of them."""

from __future__ import annotations

import json
import math
import operator
import os
import platform
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = [
    "Check",
    "Row",
    "Series",
    "Summary",
    "load_rows",
    "percentile",
    "render_grid",
    "render_table",
    "write_json",
]

_OPS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "==": operator.eq,
}


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100), linear between closest ranks; NaN when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    at = (len(ordered) - 1) * q / 100
    low = math.floor(at)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (at - low)


@dataclass(frozen=True, slots=True)
class Series:
    """Samples of one quantity (milliseconds unless the row says otherwise)."""

    samples: tuple[float, ...]

    @classmethod
    def of(cls, values: Sequence[float]) -> Series:
        return cls(tuple(values))

    @property
    def p50(self) -> float:
        return percentile(self.samples, 50)

    @property
    def p99(self) -> float:
        return percentile(self.samples, 99)

    @property
    def n(self) -> int:
        return len(self.samples)


@dataclass(frozen=True, slots=True)
class Summary:
    """A series read back from results JSON: its percentiles, not its samples."""

    p50: float
    p99: float
    n: int

    @classmethod
    def of(cls, data: dict[str, Any] | None) -> Summary | None:
        if data is None:
            return None
        nan = math.nan
        p50, p99 = data.get("p50"), data.get("p99")
        return cls(nan if p50 is None else p50, nan if p99 is None else p99, int(data["n"]))


Stats = Series | Summary


@dataclass(frozen=True, slots=True)
class Check:
    """One part of a target: `stat op value`, e.g. Check("p50", "<=", 2.0).

    `stat` is "p50", "p99" or "ratio" (measured p50 / baseline p50), or any key of
    the row's `extra` (e.g. "lost").
    """

    stat: str
    op: str
    value: float
    label: str = ""  # how the target reads in the table, when the default is unclear

    def holds(self, row: Row) -> bool | None:
        actual = row.stat(self.stat)
        if actual is None or math.isnan(actual):
            return None
        return _OPS[self.op](actual, self.value)

    def describe(self, unit: str) -> str:
        if self.label:
            return self.label
        if self.stat == "ratio":
            return f"ratio {self.op} {self.value:g}×"
        suffix = f" {unit}" if self.stat in ("p50", "p99") and unit else ""
        return f"{self.stat} {self.op} {self.value:g}{suffix}"


@dataclass(slots=True)
class Row:
    """One figure: what was measured, its baseline from the same run, and the target."""

    figure: str
    name: str
    unit: str = "ms"
    measured: Stats | None = None
    baseline: Stats | None = None
    baseline_name: str = ""
    checks: tuple[Check, ...] = ()
    extra: dict[str, float] = field(default_factory=dict)
    notes: str = ""
    skipped: str = ""

    def stat(self, key: str) -> float | None:
        if key == "p50":
            return self.measured.p50 if self.measured else None
        if key == "p99":
            return self.measured.p99 if self.measured else None
        if key == "ratio":
            return self.ratio
        return self.extra.get(key)

    @property
    def ratio(self) -> float | None:
        if not self.measured or not self.baseline or not self.baseline.p50:
            return None
        return self.measured.p50 / self.baseline.p50

    @property
    def target(self) -> str:
        return ", ".join(c.describe(self.unit) for c in self.checks) or "(info)"

    @property
    def met(self) -> bool | None:
        """True/False against the target; None for information-only or skipped rows."""
        if self.skipped or not self.checks:
            return None
        results = [c.holds(self) for c in self.checks]
        if any(r is None for r in results):
            return False
        return all(results)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Row:
        """A row as `to_json` wrote it (percentiles only), to render again."""
        extra = {k: math.nan if v is None else v for k, v in data.get("extra", {}).items()}
        return cls(
            data["figure"],
            data["name"],
            unit=data.get("unit", "ms"),
            measured=Summary.of(data.get("measured")),
            baseline=Summary.of(data.get("baseline")),
            baseline_name=data.get("baseline_name", ""),
            checks=tuple(Check(**c) for c in data.get("checks", ())),
            extra=extra,
            notes=data.get("notes", ""),
            skipped=data.get("skipped", ""),
        )

    def to_json(self) -> dict[str, Any]:
        def series(s: Stats | None) -> dict[str, Any] | None:
            if s is None:
                return None
            return {"p50": _num(s.p50), "p99": _num(s.p99), "n": s.n}

        return {
            "figure": self.figure,
            "name": self.name,
            "unit": self.unit,
            "measured": series(self.measured),
            "baseline": series(self.baseline),
            "baseline_name": self.baseline_name,
            "ratio": _num(self.ratio),
            "target": self.target,
            "checks": [asdict(c) for c in self.checks],
            "met": self.met,
            "extra": {k: _num(v) for k, v in self.extra.items()},
            "notes": self.notes,
            "skipped": self.skipped,
        }


def _num(value: float | None) -> float | None:
    if value is None or math.isnan(value):
        return None
    return round(value, 4)


def _fmt(value: float | None) -> str:
    if value is None or math.isnan(value):
        return "—"
    if value == 0:
        return "0"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    if abs(value) >= 0.1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def _pair(s: Stats | None, unit: str) -> str:
    if s is None:
        return "—"
    if s.n == 1:
        return f"{_fmt(s.p50)} {unit}"
    return f"{_fmt(s.p50)} / {_fmt(s.p99)} {unit}"


def render_table(rows: Sequence[Row]) -> str:
    """A fixed-width table: figure, measured p50 / p99, baseline, ratio, target, met?"""
    header = ("figure", "measured p50 / p99", "baseline p50 / p99", "ratio", "target", "met?")
    lines: list[tuple[str, ...]] = [header]
    for r in rows:
        if r.skipped:
            lines.append((f"{r.figure} {r.name}", "skipped", "", "", r.target, r.skipped))
            continue
        base = _pair(r.baseline, r.unit)
        if r.baseline_name:
            base = f"{base} ({r.baseline_name})"
        met = {True: "yes", False: "NO", None: "info"}[r.met]
        ratio = f"{_fmt(r.ratio)}×" if r.ratio is not None else "—"
        name = f"{r.figure} {r.name}"
        lines.append((name, _pair(r.measured, r.unit), base, ratio, r.target, met))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    out = []
    for n, line in enumerate(lines):
        out.append("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    notes = [f"  {r.figure} {r.name}: {r.notes}" for r in rows if r.notes and not r.skipped]
    if notes:
        out.append("")
        out.append("notes:")
        out.extend(notes)
    return "\n".join(out)


def environment() -> dict[str, Any]:
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }


def write_json(path: Path, rows: Sequence[Row], *, quick: bool, seconds: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "quick": quick,
        "seconds": round(seconds, 1),
        "environment": environment(),
        "rows": [r.to_json() for r in rows],
    }
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def load_rows(path: Path) -> list[Row]:
    """The rows of a results file `python -m bench --json PATH` wrote."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return [Row.from_json(r) for r in data["rows"]]


def _grid_key(row: Row) -> tuple[str, int, int] | None:
    """(operation, people, meetings) of a grid row: named "scale: OP, SIZE", sized in extra."""
    people, meetings = row.extra.get("people"), row.extra.get("meetings")
    if people is None or meetings is None or not row.name.startswith("scale: "):
        return None
    op = row.name.removeprefix("scale: ").rsplit(", ", 1)[0]
    return op, int(people), int(meetings)


def _count(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1000 and n % 1000 == 0:
        return f"{n // 1000}k"
    return f"{n:,}"


def _whole(value: float | None) -> str:
    return "—" if value is None or math.isnan(value) else f"{value:.0f}"


def _mark(row: Row) -> str:
    return {True: " ✓", False: " ✗", None: ""}[row.met]


def render_grid(rows: Sequence[Row]) -> str:
    """Figure 10's grid as Markdown growth tables: one per operation, people down,
    meetings across, each cell "kith / baseline" p50 (✓/✗ where a target applies);
    the rows measured at one size only (growth, stalls) in a last table."""
    cells: dict[str, dict[tuple[int, int], Row]] = {}
    single: list[Row] = []
    for row in rows:
        if row.skipped or row.figure != "10":
            continue
        key = _grid_key(row)
        if key is None:
            single.append(row)
        else:
            cells.setdefault(key[0], {})[key[1:]] = row
    out: list[str] = []
    for op, grid in cells.items():
        if len(grid) < 2:
            single.extend(grid.values())
            continue
        people = sorted({p for p, _ in grid})
        meetings = sorted({m for _, m in grid})
        sample = next(iter(grid.values()))
        unit = sample.unit
        base = sample.baseline_name or "baseline"
        out.append(f"**{op}** (p50 {unit}, kith / {base})")
        out.append("")
        out.append("| people | " + " | ".join(f"{_count(m)} meetings" for m in meetings) + " |")
        out.append("| ---: |" + " ---: |" * len(meetings))
        for p in people:
            line = []
            for m in meetings:
                cell = grid.get((p, m))
                if cell is None:
                    line.append("—")
                    continue
                b = cell.baseline.p50 if cell.baseline else None
                fmt = _whole if unit == "msgs" else _fmt
                line.append(f"{fmt(cell.stat('p50'))} / {fmt(b)}{_mark(cell)}")
            out.append(f"| {p:,} | " + " | ".join(line) + " |")
        out.append("")
    if single:
        out.append("| measured once | kith p50 / p99 | baseline p50 / p99 | target | met? |")
        out.append("| --- | --- | --- | --- | --- |")
        for row in single:
            met = {True: "yes", False: "NO", None: "info"}[row.met]
            base = _pair(row.baseline, row.unit)
            if row.baseline_name:
                base = f"{base} ({row.baseline_name})"
            name = row.name.removeprefix("scale: ")
            out.append(
                f"| {name} | {_pair(row.measured, row.unit)} | {base} | {row.target} | {met} |"
            )
    return "\n".join(out).rstrip() + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m bench.report RESULTS.json [--grid] [--figures 4,10] [--targets]`."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m bench.report", description="Render a results file again."
    )
    parser.add_argument(
        "results", type=Path, nargs="?", default=Path(__file__).parent / "results.json"
    )
    parser.add_argument("--grid", action="store_true", help="figure 10's growth tables (Markdown)")
    parser.add_argument("--figures", metavar="N[,N]", help="only these figures' rows")
    parser.add_argument("--targets", action="store_true", help="only rows with a target")
    args = parser.parse_args(argv)
    rows = load_rows(args.results)
    if args.figures:
        wanted = {f.strip() for f in args.figures.split(",")}
        rows = [r for r in rows if r.figure in wanted]
    if args.targets:
        rows = [r for r in rows if r.checks]
    print(render_grid(rows) if args.grid else render_table(rows), end="" if args.grid else "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
