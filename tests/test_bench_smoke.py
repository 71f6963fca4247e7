"""Every benchmark of `python -m bench` still runs, at a tiny size (no timing asserts).

The figures themselves are for `python -m bench` on a quiet machine; here they only have
to run end to end and produce well-formed rows, so a refactor that breaks one shows up in
CI instead of on the day someone wants the numbers.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from bench.__main__ import FIGURES, _load, main
from bench.generate import Spec, check_denormalised, generate
from bench.report import Row, render_table
from bench.workspace import QUICK, Workspace

TINY = replace(
    QUICK,
    engine_ops=6,
    telegram_round_trips=3,
    discord_round_trips=3,
    sweep_users=30,
    sweep_people=12,
    delivery_digests=20,
    footprint_idle=0.2,
    scale_meetings=(300,),  # the grid's second column adds nothing a smoke test needs
)


@pytest.fixture
def work(tmp_path: Path) -> Iterator[Workspace]:
    workspace = Workspace(tmp_path / "run", cache=tmp_path / "cache")
    try:
        yield workspace
    finally:
        workspace.close()


def _check_rows(rows: list[Row], figure: str) -> None:
    assert rows, "a benchmark returned no rows"
    for row in rows:
        assert row.figure == figure
        assert not row.skipped, row.skipped
        assert row.measured is not None and row.measured.n > 0
        assert all(math.isfinite(x) for x in row.measured.samples)
        assert row.baseline is not None and row.baseline.n > 0, "every figure has a baseline"
        assert row.met in ((True, False) if row.checks else (None,))
        json.dumps(row.to_json())
    assert any(row.checks for row in rows), "every figure has a target"
    assert render_table(rows)


@pytest.mark.parametrize("name", list(FIGURES))
def test_each_benchmark_runs_at_a_tiny_size(name: str, work: Workspace) -> None:
    if name == "hosted" and not os.environ.get("KITH_TEST_PG_DSN"):
        pytest.skip("figure 9 (hosted) needs PostgreSQL: KITH_TEST_PG_DSN (.ci/postgres.sh)")
    rows = _load(name)(TINY, work)
    _check_rows(rows, FIGURES[name])


def test_the_generator_keeps_last_contact_true_to_the_history(tmp_path: Path) -> None:
    spec = Spec(owners=3, people=40, interactions=300, seed=9)
    summary = generate(tmp_path / "a.db", spec)
    assert summary.rows["users"] == 3 and summary.rows["people"] == 120
    assert summary.rows["interactions"] == 900
    assert check_denormalised(tmp_path / "a.db") == 0
    # The same seed gives the same rows.
    generate(tmp_path / "b.db", spec)
    assert _dump(tmp_path / "a.db") == _dump(tmp_path / "b.db")


def _dump(path: Path) -> list[tuple[object, ...]]:
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        return conn.execute(
            "SELECT id, name, circle, last_contact, last_kind FROM people ORDER BY id"
        ).fetchall()
    finally:
        conn.close()


def test_the_command_prints_the_table_and_writes_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bench.workspace.CACHE", tmp_path / "cache")
    out = tmp_path / "results.json"
    assert main(["--quick", "--only", "phrases", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "parse_log" in printed and "met?" in printed
    data = json.loads(out.read_text())
    assert data["quick"] is True
    assert [r["figure"] for r in data["rows"]] == ["2"]
    assert data["rows"][0]["measured"]["p50"] > 0


def test_the_sqlite3_baseline_syncs_as_kith_does(tmp_path: Path) -> None:
    """Issue 12: a baseline that fsyncs every commit while kith does not measures the disk."""
    import asyncio

    from bench.fig_engine import Baseline
    from bot.store.sqlite.db import Database

    generate(tmp_path / "k.db", Spec(owners=1, people=5, interactions=10))

    async def kith() -> tuple[object, object]:
        db = await Database.open(tmp_path / "k.db")
        try:
            sync = (await db.fetchall("PRAGMA synchronous"))[0][0]
            return sync, (await db.fetchall("PRAGMA journal_mode"))[0][0]
        finally:
            await db.close()

    base = Baseline(tmp_path / "k.db")
    try:
        plain = (
            base.conn.execute("PRAGMA synchronous").fetchone()[0],
            base.conn.execute("PRAGMA journal_mode").fetchone()[0],
        )
    finally:
        base.close()
    assert plain == asyncio.run(kith()) == (1, "wal")  # NORMAL, in WAL


def test_a_results_file_renders_again_as_the_grid(tmp_path: Path) -> None:
    from bench.report import Check, Series, load_rows, render_grid, write_json

    rows = [
        Row(
            "10",
            f"scale: cold log, {p:,} people × {m // 1000}k meetings",
            measured=Series.of([p / 100, p / 50]),
            baseline=Series.of([p / 1000]),
            checks=(Check("p50", "<=", 10.0),) if p == 5000 else (),
            extra={"people": float(p), "meetings": float(m)},
        )
        for m in (10_000, 100_000)
        for p in (100, 5000)
    ]
    write_json(tmp_path / "r.json", rows, quick=True, seconds=1.0)
    again = load_rows(tmp_path / "r.json")
    assert [(r.name, r.met, r.ratio) for r in again] == [(r.name, r.met, r.ratio) for r in rows]
    grid = render_grid(again)
    assert "| people | 10k meetings | 100k meetings |" in grid
    assert "| 5,000 | 75.0 / 5.00 ✗ | 75.0 / 5.00 ✗ |" in grid
    assert "| 100 | 1.50 / 0.10 | 1.50 / 0.10 |" in grid
