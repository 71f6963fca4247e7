"""The asyncpg pool of a process, and the unit of work an update runs in.

Outside a unit, each store call takes a pooled connection for its own statement or
transaction. Inside `unit(...)` (one webhook update: bot/serve/), every call of the task
runs on the unit's one connection and transaction, which holds the owner's advisory lock
until COMMIT, so one person's updates never interleave across workers, and the update's
dedup row commits together with what it changed.
"""

from __future__ import annotations

import contextvars
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import asyncpg

from bot.core.clock import Clock
from bot.ports.identities import Identity
from bot.ports.store import StoreError as PortStoreError
from bot.store.postgres.migrations import migrate
from bot.store.postgres.owners import create_owner


class StoreError(PortStoreError):
    """The database could not be reached or used; the message is for the user."""


@dataclass
class Unit:
    """One update's transaction: its connection, and what was read at its start."""

    conn: Any
    owner: int
    #: (timezone, digest_time, roster_version, date_order) read with the lock; None for
    #: a new owner.
    user: tuple[str, str | None, int, str | None] | None = None
    failed: bool = False
    changed: set[int] = field(default_factory=set)


_unit: contextvars.ContextVar[Unit | None] = contextvars.ContextVar("kith_pg_unit", default=None)


def current_unit() -> Unit | None:
    return _unit.get()


def dumps(value: Any) -> str:
    """JSON for the database: days and instants as ISO text (PostgreSQL casts them back
    through `json_populate_record`, so a journal entry restores the column's own type)."""

    def default(v: Any) -> Any:
        if isinstance(v, datetime | date):
            return v.isoformat()
        raise TypeError(f"cannot store {type(v).__name__} as JSON")

    return json.dumps(value, default=default)


async def _init(conn: Any) -> None:
    # jsonb both ways as Python values; the SQL passes text through ::jsonb anyway.
    await conn.set_type_codec("jsonb", encoder=dumps, decoder=json.loads, schema="pg_catalog")
    await conn.set_type_codec("json", encoder=dumps, decoder=json.loads, schema="pg_catalog")


async def _keep_session(conn: Any) -> None:
    """What a connection needs on its way back to the pool: nothing. asyncpg's default
    reset (`pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL`) costs a round
    trip per use; kith holds no session state (only transaction-level locks, no LISTEN,
    no cursors, no SETs), and an open transaction is still rolled back by the pool."""


class PgDatabase:
    """A connection pool over one PostgreSQL database, migrated on open."""

    def __init__(self, pool: Any, url: str) -> None:
        self.pool = pool
        self.url = url
        #: Told the owner of a unit that rolled back, so no cache keeps what it wrote.
        self.forget: Callable[[int], None] = lambda owner: None

    @classmethod
    async def open(cls, url: str, *, min_size: int = 1, max_size: int = 10) -> PgDatabase:
        try:
            conn = await asyncpg.connect(url)
        except (OSError, asyncpg.PostgresError, ValueError) as exc:
            raise StoreError(f"cannot reach the database {_safe(url)}: {exc}") from exc
        try:
            await migrate(conn)
        finally:
            await conn.close()
        pool = await asyncpg.create_pool(
            url,
            min_size=min_size,
            max_size=max_size,
            init=_init,
            reset=_keep_session,
            # Instants read back (and serialised in JSON) in UTC, whatever the server says.
            server_settings={"timezone": "UTC"},
        )
        return cls(pool, url)

    async def close(self) -> None:
        await self.pool.close()

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Any]:
        """The unit's connection inside a unit, else a pooled one for this block."""
        unit = _unit.get()
        if unit is not None:
            try:
                yield unit.conn
            except asyncpg.PostgresError:
                # The unit's transaction is aborted now: it must roll back whole.
                unit.failed = True
                raise
            return
        async with self.pool.acquire() as conn:
            yield conn

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Any]:
        """A transaction of its own, or (inside a unit) a savepoint within the unit's."""
        async with self.connection() as conn, conn.transaction():
            yield conn

    async def fetch(self, sql: str, *args: Any) -> list[Any]:
        async with self.connection() as conn:
            return list(await conn.fetch(sql, *args))

    async def fetchrow(self, sql: str, *args: Any) -> Any:
        async with self.connection() as conn:
            return await conn.fetchrow(sql, *args)

    async def fetchval(self, sql: str, *args: Any) -> Any:
        async with self.connection() as conn:
            return await conn.fetchval(sql, *args)

    async def execute(self, sql: str, *args: Any) -> str:
        async with self.connection() as conn:
            result: str = await conn.execute(sql, *args)
            return result

    @asynccontextmanager
    async def unit(
        self, identity: Identity, update_id: int, clock: Clock
    ) -> AsyncIterator[tuple[Unit, bool]]:
        """One update's transaction: (unit, seen). `seen`: the update id was handled
        already (the caller records nothing and delivers the stored replies instead).

        The sender's owner is found (or created) and locked first. Commits when the block
        ends unless a statement failed inside it, in which case everything of the block
        is rolled back (the caller then records the update with its apology on its own).
        """
        async with self.pool.acquire() as conn:
            tx = conn.transaction()
            await tx.start()
            token = None
            owner: int | None = None
            try:
                args = (identity.transport, identity.external_id, update_id)
                row = await conn.fetchrow("SELECT * FROM kith_begin_update($1, $2, $3)", *args)
                if row["owner"] is None:
                    # A new sender: their owner is created in a short transaction of its
                    # own (under the new-owner lock, which must not wait for a whole
                    # update), then the update's transaction starts over.
                    await tx.rollback()
                    await create_owner(conn, identity, clock)  # autocommitted
                    tx = conn.transaction()
                    await tx.start()
                    row = await conn.fetchrow("SELECT * FROM kith_begin_update($1, $2, $3)", *args)
                owner = int(row["owner"])
                unit = Unit(conn, owner)
                if row["known"]:
                    unit.user = (
                        row["timezone"],
                        row["digest_time"],
                        row["roster_version"],
                        row["date_order"],
                    )
                token = _unit.set(unit)
                yield unit, bool(row["seen"])
            except BaseException:
                if token is not None:
                    _unit.reset(token)
                    token = None
                await tx.rollback()
                if owner is not None:
                    self.forget(owner)
                raise
            finally:
                if token is not None:
                    _unit.reset(token)
            if unit.failed:
                await tx.rollback()
                self.forget(owner)
            else:
                await tx.commit()


def _safe(url: str) -> str:
    """The URL without its password, for messages."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        return f"{scheme}://{creds.split(':', 1)[0]}@{host}"
    return url
