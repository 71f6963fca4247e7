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

__all__ = ["Check", "Row", "Series", "percentile", "render_table", "write_json"]

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
    measured: Series | None = None
    baseline: Series | None = None
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

    def to_json(self) -> dict[str, Any]:
        def series(s: Series | None) -> dict[str, Any] | None:
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


def _pair(s: Series | None, unit: str) -> str:
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
