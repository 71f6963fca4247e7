"""`kith backup`: a consistent copy of the SQLite file, even while kith runs.

SQLite-specific by nature (another store backs up its own way), so it lives with the
SQLite store; `bot/cli/data.py` only parses the command line and prints the outcome.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from pathlib import Path

from bot.ports.store import StoreError
from bot.store.sqlite.db import Database


class BackupRefused(StoreError):
    """The backup cannot be made as asked; the message says why, for the user."""


def backup_database(source: str, target: Path, *, force: bool) -> str:
    """A consistent copy through SQLite's online backup API, then put in place at once;
    the line that says what was written.

    The copy is written next to `target` under a temporary name, checked, switched to
    an ordinary rollback journal (a lone file, no -wal beside it), and only then renamed
    over `target`: an interrupted backup never leaves a half-written file there.
    """
    if target.is_dir():
        raise BackupRefused(f"{target} is a folder; give the backup a file name")
    if target.exists() and target.resolve() == Path(source).expanduser().resolve():
        raise BackupRefused("the backup cannot be the database itself")
    if target.exists() and not force:
        raise BackupRefused(f"{target} already exists; add --force to overwrite it")
    if not target.parent.is_dir():
        raise BackupRefused(f"the folder {target.parent} does not exist")
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        asyncio.run(_copy(source, temporary))
        summary = _finish_copy(temporary)
        os.replace(temporary, target)
    except (OSError, sqlite3.Error) as error:
        raise BackupRefused(f"the backup failed: {error}") from error
    finally:
        temporary.unlink(missing_ok=True)
    size = target.stat().st_size
    return f"Backed up {source} to {target} ({_size(size)}; {summary})."


async def _copy(source: str, target: Path) -> None:
    # A connection of our own beside the running bot's: WAL lets both read and write.
    db = await Database.open(source)
    try:
        await db.backup(target)
    finally:
        await db.close()


def _finish_copy(path: Path) -> str:
    """Check the copy, make it a standalone file; what it holds, in words."""
    conn = sqlite3.connect(path)
    try:
        [(check,)] = conn.execute("PRAGMA integrity_check").fetchall()
        if check != "ok":
            raise sqlite3.DatabaseError(f"the copy failed its integrity check: {check}")
        conn.execute("PRAGMA journal_mode=DELETE")
        [(users,)] = conn.execute("SELECT count(*) FROM users").fetchall()
        [(people,)] = conn.execute("SELECT count(*) FROM people").fetchall()
    finally:
        conn.close()
    return (
        f"{users} {'user' if users == 1 else 'users'}, "
        f"{people} {'person' if people == 1 else 'people'}"
    )


def _size(n: int) -> str:
    if n < 1024 * 1024:
        return f"{max(1, round(n / 1024))} KB"
    return f"{n / (1024 * 1024):.1f} MB"
