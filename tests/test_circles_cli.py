"""The /circles picture from the shell: `kith circles -o FILE.png` and `kith chat`."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path


def kith(args: list[str], cwd: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KITH_")}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=cwd,
        check=False,
    )


SETUP = "/add Alice Smith inner\n/add Bob Lee\ncoffee with Alice 3 weeks ago\n"


def test_kith_chat_writes_the_picture_privately_and_says_where(tmp_path: Path) -> None:
    done = kith(["chat", "--db", str(tmp_path / "k.db")], tmp_path, SETUP + "/circles\n")
    assert done.returncode == 0, done.stderr
    picture = tmp_path / "kith-circles.png"
    assert "2 people · 1 to reach out to" in done.stdout
    assert "Saved kith-circles.png" in done.stdout and str(tmp_path) in done.stdout
    assert picture.read_bytes().startswith(b"\x89PNG")
    assert stat.S_IMODE(picture.stat().st_mode) == 0o600


def test_kith_circles_o_writes_the_png(tmp_path: Path) -> None:
    db = str(tmp_path / "k.db")
    kith(["chat", "--db", db], tmp_path, SETUP)
    out = tmp_path / "mine.png"
    out.write_bytes(b"old")
    out.chmod(0o644)
    done = kith(["circles", "--db", db, "-o", str(out)], tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"2 people · 1 to reach out to — saved {out}\n"
    assert out.read_bytes().startswith(b"\x89PNG")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    refused = kith(["circles", "--db", db, "#nobody", "-o", str(tmp_path / "x.png")], tmp_path)
    assert refused.returncode == 1
    assert refused.stderr.startswith("kith: Nobody is tagged #nobody yet.")
    assert not (tmp_path / "x.png").exists()


def test_starting_kith_does_not_load_the_drawing_library(tmp_path: Path) -> None:
    code = (
        "import sys, bot.cli.main, bot.compose, bot.telegram.run, bot.engine; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('PIL', 'matplotlib')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"
