"""One `kith run` per database: a second one is refused (tests/e2e/test_faults.py too)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from bot.store.sqlite.lock import DatabaseBusy, lock_path, serving


def test_a_second_server_on_the_same_database_is_refused(tmp_path: Path) -> None:
    db = str(tmp_path / "kith.db")
    with serving(db), pytest.raises(DatabaseBusy, match="already serving"), serving(db):
        pass
    with serving(db):  # released when the first one ended
        pass
    assert stat.S_IMODE(os.stat(lock_path(db)).st_mode) == 0o600


def test_kith_chat_beside_a_serving_kith_run_is_allowed(tmp_path: Path) -> None:
    """Made safe instead: it sweeps only the terminal's owner, and caches are versioned
    (tests/store/test_two_processes.py)."""
    db = tmp_path / "kith.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("KITH_")}
    with serving(str(db)):  # as `kith run` holds it
        result = subprocess.run(
            [sys.executable, "-m", "bot", "chat", "--db", str(db)],
            input="/add Alice\n",
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            check=False,
        )
    assert result.returncode == 0, result.stderr
    assert "Added Alice" in result.stdout
