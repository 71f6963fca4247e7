"""`kith chat` as a newcomer runs it: piped lines in, replies out, exit 0."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def chat(db: Path, lines: list[str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KITH_")}
    return subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--db", str(db)],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )


def test_piped_session_prints_the_overdue_list_most_overdue_first(tmp_path: Path) -> None:
    result = chat(
        tmp_path / "x.db",
        [
            "/add Alice Smith inner",
            "/add Bob Lee close",
            "/add Carol Diaz",
            "had coffee with Alice 3 weeks ago — she's moving to Lisbon",
            "called Bob 10 weeks ago",
            "lunch with Carol yesterday",
            "/who",
        ],
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Logged coffee with Alice Smith on" in out
    assert "Logged a call with Bob Lee on" in out
    who = out[out.index("Time to catch up with:") :]
    assert who.index("Bob Lee") < who.index("Alice Smith")
    assert "Carol" not in who
    assert "you>" not in out  # no prompt when piped
    assert result.stderr == ""


def test_buttons_are_numbered_and_a_number_presses_one(tmp_path: Path) -> None:
    result = chat(tmp_path / "x.db", ["walk with Dana today", "1", "/show Dana"])
    assert result.returncode == 0, result.stderr
    assert "  1) Add Dana to friends" in result.stdout
    assert "Logged a walk with Dana on" in result.stdout
    assert "Dana — friends" in result.stdout


def test_data_survives_between_sessions(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    chat(db, ["/add Eve inner", "/note Eve plays cello"])
    result = chat(db, ["/show Eve"])
    assert "plays cello" in result.stdout


def test_a_bad_database_path_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = chat(tmp_path / "missing" / "x.db", ["/who"])
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "does not exist" in result.stderr
