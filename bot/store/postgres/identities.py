"""Owner identities over PostgreSQL: the `identities` table, with the SQLite store's
rule for new owners (bot/store/sqlite/identities.py): a Telegram user whose numeric id
is free gets it as their owner id, the terminal gets 0 when free, anyone else the next
id after every id in use. New owners are created under one advisory lock, so two
workers meeting two new users at once never hand out the same id."""

from __future__ import annotations

from bot.core.clock import Clock, SystemClock
from bot.ports.digests import Scope
from bot.ports.identities import Identity
from bot.store.postgres.db import PgDatabase
from bot.store.postgres.owners import create_owner


def scope_sql(scope: Scope, column: str, start: int) -> tuple[str, list[int | str]]:
    """The `AND …` clause keeping a query inside `scope`, numbered from `$start`."""
    clause, params = "", list[int | str]()
    if scope.owner is not None:
        clause += f" AND {column} = ${start + len(params)}"
        params.append(scope.owner)
    if scope.transport is not None:
        clause += (
            f" AND EXISTS (SELECT 1 FROM identities i WHERE i.owner_id = {column} "
            f"AND i.transport = ${start + len(params)} AND i.digest)"
        )
        params.append(scope.transport)
    return clause, params


class PgIdentities:
    """`ports.Identities` over PostgreSQL."""

    def __init__(self, db: PgDatabase, clock: Clock | None = None) -> None:
        self.db = db
        self.clock = clock or SystemClock()

    async def owner_of(self, identity: Identity) -> int:
        found = await self.find(identity)
        if found is not None:
            return found
        async with self.db.connection() as conn:
            return await create_owner(conn, identity, self.clock)

    async def find(self, identity: Identity) -> int | None:
        found = await self.db.fetchval(
            "SELECT owner_id FROM identities WHERE transport = $1 AND external_id = $2",
            identity.transport,
            identity.external_id,
        )
        return int(found) if found is not None else None

    async def of_owner(self, owner: int) -> list[Identity]:
        rows = await self.db.fetch(
            "SELECT transport, external_id FROM identities WHERE owner_id = $1 "
            "ORDER BY created_at, id",
            owner,
        )
        return [Identity(r[0], r[1]) for r in rows]

    async def external_id(self, owner: int, transport: str) -> str | None:
        found = await self.db.fetchval(
            "SELECT external_id FROM identities WHERE owner_id = $1 AND transport = $2 "
            "ORDER BY created_at, id LIMIT 1",
            owner,
            transport,
        )
        return str(found) if found is not None else None

    async def digest_via(self, owner: int) -> str | None:
        found = await self.db.fetchval(
            "SELECT transport FROM identities WHERE owner_id = $1 AND digest LIMIT 1", owner
        )
        return str(found) if found is not None else None

    async def set_digest_via(self, owner: int, transport: str) -> bool:
        async with self.db.transaction() as conn:
            first = await conn.fetchval(
                "SELECT id FROM identities WHERE owner_id = $1 AND transport = $2 "
                "ORDER BY created_at, id LIMIT 1",
                owner,
                transport,
            )
            if first is None:
                return False
            await conn.execute(
                "UPDATE identities SET digest = (id = $1) WHERE owner_id = $2", first, owner
            )
            return True
