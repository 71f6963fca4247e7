"""Everything kith writes is private (0600) whatever the umask; the Docker volume 0700."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.store.sqlite.db import Database

REPO = Path(__file__).resolve().parents[1]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    old = os.umask(0)  # the worst case: files would be world-writable
    try:
        yield
    finally:
        os.umask(old)


async def test_the_database_and_its_wal_and_shm_are_0600(tmp_path: Path, open_umask: None) -> None:
    path = tmp_path / "kith.db"
    db = await Database.open(path)
    try:
        await db.execute(
            "INSERT INTO users (id, timezone, digest_time, created_at) "
            "VALUES (1, 'UTC', '09:00', '2026-11-25T10:00:00Z')"
        )
        files = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
        assert all(f.exists() for f in files)
        assert [mode(f) for f in files] == [0o600] * 3
    finally:
        await db.close()


def kith(*args: str, cwd: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KITH_")}
    env["PYTHONPATH"] = str(REPO)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=cwd,
        check=False,
        preexec_fn=lambda: os.umask(0),  # the worst case: world-writable by default
    )


def test_exports_backups_and_chat_files_are_0600_under_umask_0(tmp_path: Path) -> None:
    db = tmp_path / "kith.db"
    chat = kith("chat", "--db", str(db), cwd=tmp_path, stdin="/add Alice\n/export\n")
    assert chat.returncode == 0, chat.stderr
    written = sorted(p for p in tmp_path.iterdir() if p.name.startswith("kith-"))
    assert written, chat.stdout  # /export in the terminal saved its files here
    assert kith("export", "--db", str(db), "-o", "out.json", cwd=tmp_path).returncode == 0
    assert kith("backup", "--db", str(db), "copy.db", cwd=tmp_path).returncode == 0
    for path in [db, *written, tmp_path / "out.json", tmp_path / "copy.db"]:
        assert mode(path) == 0o600, path


def test_the_docker_volume_is_only_for_kith() -> None:
    dockerfile = (REPO / "Dockerfile").read_text()
    assert "chmod 0700 /data" in dockerfile
