"""The schema: created from nothing, upgraded in place, refused when too new."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.store.sqlite.db import Database, StoreError
from bot.store.sqlite.migrations import LATEST, MIGRATIONS, MigrationError


def version(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])


async def test_an_empty_file_is_migrated_to_the_latest(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    db = await Database.open(path)
    try:
        rows = await db.fetchall("PRAGMA journal_mode")
        assert rows[0][0] == "wal"
        rows = await db.fetchall("PRAGMA foreign_keys")
        assert rows[0][0] == 1
    finally:
        await db.close()
    assert version(path) == LATEST


async def test_each_version_upgrades_with_its_rows_intact(tmp_path: Path) -> None:
    """A file written at version 1 with data opens at the latest with the data kept."""
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        for statement in MIGRATIONS[0]:
            conn.execute(statement)
        conn.execute("PRAGMA user_version = 1")
        conn.execute(
            "INSERT INTO users (id, timezone, digest_time, created_at) "
            "VALUES (7, 'Europe/Lisbon', '08:00', '2026-01-01T00:00:00Z')"
        )
        conn.execute(
            "INSERT INTO people (owner_id, name, name_key, circle, added_on) "
            "VALUES (7, 'Alice', 'alice', 'inner', '2026-01-01')"
        )
    db = await Database.open(path)
    try:
        rows = await db.fetchall("SELECT name FROM people WHERE owner_id = 7")
        assert [r[0] for r in rows] == ["Alice"]
    finally:
        await db.close()
    assert version(path) == LATEST


async def test_a_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {LATEST + 1}")
    with pytest.raises(MigrationError, match="newer than this kith"):
        await Database.open(path)


async def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("this is not sqlite " * 100)
    with pytest.raises(StoreError, match="not a kith database"):
        await Database.open(path)


async def test_a_missing_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="does not exist"):
        await Database.open(tmp_path / "nope" / "kith.db")


async def test_a_failed_migration_leaves_the_previous_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.store.sqlite.migrations as m

    broken = (*m.MIGRATIONS, ("CREATE TABLE extra (x)", "THIS IS NOT SQL"))
    monkeypatch.setattr(m, "MIGRATIONS", broken)
    monkeypatch.setattr(m, "LATEST", len(broken))
    path = tmp_path / "half.db"
    with pytest.raises(StoreError, match="could not open or upgrade"):
        await Database.open(path)
    assert version(path) == LATEST
    with sqlite3.connect(path) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert "extra" not in tables


async def test_phones_and_emails_arrive_empty_for_people_already_there(tmp_path: Path) -> None:
    """A database from before V_PHONES: its people keep everything and gain empty lists."""
    from bot.store.sqlite.migrations import V_PHONES

    before = MIGRATIONS.index(V_PHONES)
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        for migration in MIGRATIONS[:before]:
            for statement in migration:
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {before}")
        conn.execute(
            "INSERT INTO users (id, timezone, digest_time, created_at) "
            "VALUES (7, 'UTC', '08:00', '2026-01-01T00:00:00Z')"
        )
        conn.execute(
            "INSERT INTO people (owner_id, name, name_key, circle, added_on) "
            "VALUES (7, 'Alice', 'alice', 'inner', '2026-01-01')"
        )
    db = await Database.open(path)
    try:
        for table in ("phones", "emails", "vcard_names"):
            [(count,)] = await db.fetchall(f"SELECT count(*) FROM {table}")
            assert count == 0
        rows = await db.fetchall("SELECT name FROM people WHERE owner_id = 7")
        assert [r[0] for r in rows] == ["Alice"]
    finally:
        await db.close()
    assert version(path) == LATEST
