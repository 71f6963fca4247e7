"""The one aiosqlite connection of a process, its pragmas and its transactions."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from bot.ports.store import StoreError as PortStoreError
from bot.private import create_private
from bot.store.sqlite.migrations import migrate

Params = Sequence[Any] | dict[str, Any]
T = TypeVar("T")


class StoreError(PortStoreError):
    """The database could not be opened or used; the message is for the user."""


def _check_folder(path: str) -> None:
    """A missing folder gets a clear message instead of sqlite's 'unable to open'."""
    if path == ":memory:":
        return
    parent = os.path.dirname(os.path.abspath(os.path.expanduser(path)))
    if not os.path.isdir(parent):
        raise StoreError(f"the folder for the database does not exist: {parent}")


class Database:
    """One connection, one lock.

    Every task shares the connection and therefore its transaction state, so every
    statement runs under `lock`: a reader never sees another task's half-done change.
    """

    def __init__(self, conn: aiosqlite.Connection, path: str) -> None:
        self.conn = conn
        self.path = path
        self.lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: str | Path) -> Database:
        """Open (creating if needed) and migrate the database at `path`."""
        path = str(path)
        _check_folder(path)
        if path != ":memory:" and not path.startswith("file:"):
            # A new database is born private; SQLite gives its -wal/-shm the same mode.
            create_private(path)
        try:
            conn = await aiosqlite.connect(path, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the database {path}: {exc}") from exc
        try:
            conn.row_factory = aiosqlite.Row
            await conn.executescript(
                "PRAGMA journal_mode=WAL;"
                "PRAGMA synchronous=NORMAL;"
                "PRAGMA foreign_keys=ON;"
                "PRAGMA busy_timeout=5000;"
            )
            await migrate(conn)
        except sqlite3.DatabaseError as exc:
            await conn.close()
            if "not a database" in str(exc):
                raise StoreError(f"{path} is not a kith database ({exc})") from exc
            raise StoreError(f"could not open or upgrade the database {path}: {exc}") from exc
        except BaseException:
            await conn.close()
            raise
        return cls(conn, path)

    async def close(self) -> None:
        async with self.lock:
            await self.conn.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """`BEGIN IMMEDIATE … COMMIT`, rolled back on any error, under the lock."""
        async with self.lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise
            await self.conn.execute("COMMIT")

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[aiosqlite.Connection]:
        """A deferred read transaction under the lock: every read inside it sees the
        same committed state, even while another process writes."""
        async with self.lock:
            await self.conn.execute("BEGIN")
            try:
                yield self.conn
            finally:
                await self.conn.execute("COMMIT")

    @asynccontextmanager
    async def reader(self) -> AsyncIterator[aiosqlite.Connection]:
        """A read snapshot on a connection of its own, for a long read (an export of a
        million meetings): other tasks go on writing through the shared connection, and
        WAL keeps this one's view as it was when it first read. A database only this
        connection can see (in memory) is read through `snapshot`, under the lock."""
        if self.path == ":memory:" or self.path.startswith("file:"):
            async with self.snapshot() as conn:
                yield conn
            return
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        try:
            conn.row_factory = aiosqlite.Row
            await conn.executescript("PRAGMA query_only=ON; PRAGMA busy_timeout=5000;")
            await conn.execute("BEGIN")
            yield conn
        finally:
            await conn.close()

    async def fetchall(self, sql: str, params: Params = ()) -> list[aiosqlite.Row]:
        """A read in one thread hop, under the lock."""
        async with self.lock:
            return list(await self.conn.execute_fetchall(sql, params))

    async def execute(self, sql: str, params: Params = ()) -> None:
        """A single autocommitted write, under the lock."""
        async with self.lock:
            await self.conn.execute(sql, params)

    async def run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn(connection)` in the database thread, under the lock: any number of
        statements for one thread hop (each `await` on aiosqlite is one). `fn` runs on
        another thread, so it must touch nothing but the connection it is given.
        """
        async with self.lock:
            # aiosqlite's own hop (what execute() uses), with a function of ours.
            result: T = await self.conn._execute(fn, self.conn._conn)  # type: ignore[no-untyped-call]
            return result

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        async with self.transaction() as conn:
            await conn.executemany(sql, rows)

    async def backup(self, target: str | Path) -> None:
        """Write a consistent copy with SQLite's online backup API."""
        create_private(target)  # a backup holds everyone's data: owner-only from the start
        dest = await aiosqlite.connect(str(target))
        try:
            async with self.lock:
                await self.conn.backup(dest)
        finally:
            await dest.close()
