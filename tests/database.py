"""Looking straight into a test's database: rows, and every table at once."""

from __future__ import annotations

from typing import Any

from bot.store.sqlite.db import Database


async def rows(db: Database, sql: str, *params: object) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in await db.fetchall(sql, params)]


async def tables(db: Database) -> list[str]:
    """Every table of the schema (SQLite's own bookkeeping left out)."""
    found = await rows(
        db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    return sorted(name for (name,) in found)


async def columns(db: Database, table: str) -> list[str]:
    return [str(r[1]) for r in await rows(db, f"PRAGMA table_info({table})")]


# Bookkeeping that moves with every write, undo included: not data a user could see.
_BOOKKEEPING = {("users", "version")}


async def snapshot(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in id order: equal snapshots mean nothing changed.

    An owner's cache version (`users.version`) is left out: it counts writes, so an
    undo moves it on too.
    """
    out: dict[str, list[tuple[Any, ...]]] = {}
    for t in await tables(db):
        kept = [c for c in await columns(db, t) if (t, c) not in _BOOKKEEPING]
        out[t] = await rows(db, f"SELECT {', '.join(kept)} FROM {t} ORDER BY rowid")
    return out


async def owner_rows(db: Database, owner: int) -> dict[str, int]:
    """How many rows each table holds for `owner` (users by id, the rest by owner_id)."""
    counts: dict[str, int] = {}
    for table in await tables(db):
        cols = await columns(db, table)
        column = "id" if table == "users" else "owner_id" if "owner_id" in cols else None
        if column is None:
            continue
        [(n,)] = await rows(db, f"SELECT count(*) FROM {table} WHERE {column} = ?", owner)
        counts[table] = int(n)
    return counts
