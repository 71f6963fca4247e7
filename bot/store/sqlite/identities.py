"""Owner identities over SQLite: the `identities` table (schema V_IDENTITIES).

A new owner's id is the next one after every id in use, except that a Telegram user
whose numeric id is free gets it, and the terminal gets 0 when free: owners from before
identities existed were exactly those ids, so old and new owners read alike in the
database. Nothing relies on that: every transport goes through this map.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.clock import format_utc
from bot.ports.digests import Scope
from bot.ports.identities import CONSOLE_USER, TELEGRAM, Identity
from bot.store.sqlite.db import Database


def scope_sql(scope: Scope, column: str) -> tuple[str, tuple[int | str, ...]]:
    """The `AND …` clause (and its parameters) that keeps a query inside `scope`."""
    clause, params = "", list[int | str]()
    if scope.owner is not None:
        clause += f" AND {column} = ?"
        params.append(scope.owner)
    if scope.transport is not None:
        clause += (
            f" AND EXISTS (SELECT 1 FROM identities i WHERE i.owner_id = {column} "
            "AND i.transport = ? AND i.digest = 1)"
        )
        params.append(scope.transport)
    return clause, tuple(params)


def _preferred(identity: Identity) -> int | None:
    if identity == CONSOLE_USER:
        return 0
    if identity.transport == TELEGRAM and identity.external_id.isdigit():
        return int(identity.external_id)
    return None


class SqliteIdentities:
    """`ports.Identities` over SQLite."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def owner_of(self, identity: Identity) -> int:
        found = await self.find(identity)
        if found is not None:
            return found
        async with self.db.transaction() as conn:
            # Looked up again inside the write lock: another process may have added them.
            rows = list(
                await conn.execute_fetchall(
                    "SELECT owner_id FROM identities WHERE transport = ? AND external_id = ?",
                    (identity.transport, identity.external_id),
                )
            )
            if rows:
                return int(rows[0][0])
            owner = _preferred(identity)
            taken = owner is None or bool(
                list(
                    await conn.execute_fetchall(
                        "SELECT 1 FROM users WHERE id = ?1 "
                        "UNION ALL SELECT 1 FROM identities WHERE owner_id = ?1",
                        (owner,),
                    )
                )
            )
            if taken:
                [(top,)] = list(
                    await conn.execute_fetchall(
                        "SELECT max(coalesce((SELECT max(id) FROM users), 0), "
                        "coalesce((SELECT max(owner_id) FROM identities), 0))"
                    )
                )
                owner = int(top) + 1
            assert owner is not None
            await conn.execute(
                "INSERT INTO identities (transport, external_id, owner_id, digest, created_at) "
                "VALUES (?, ?, ?, 1, ?)",
                (identity.transport, identity.external_id, owner, format_utc(datetime.now(UTC))),
            )
            return owner

    async def find(self, identity: Identity) -> int | None:
        rows = await self.db.fetchall(
            "SELECT owner_id FROM identities WHERE transport = ? AND external_id = ?",
            (identity.transport, identity.external_id),
        )
        return int(rows[0][0]) if rows else None

    async def of_owner(self, owner: int) -> list[Identity]:
        rows = await self.db.fetchall(
            "SELECT transport, external_id FROM identities WHERE owner_id = ? "
            "ORDER BY created_at, rowid",
            (owner,),
        )
        return [Identity(r[0], r[1]) for r in rows]

    async def external_id(self, owner: int, transport: str) -> str | None:
        """The owner's id on `transport`, where a sender needs it; None when they have none."""
        rows = await self.db.fetchall(
            "SELECT external_id FROM identities WHERE owner_id = ? AND transport = ? "
            "ORDER BY created_at, rowid LIMIT 1",
            (owner, transport),
        )
        return str(rows[0][0]) if rows else None

    async def digest_via(self, owner: int) -> str | None:
        rows = await self.db.fetchall(
            "SELECT transport FROM identities WHERE owner_id = ? AND digest = 1 LIMIT 1",
            (owner,),
        )
        return str(rows[0][0]) if rows else None

    async def set_digest_via(self, owner: int, transport: str) -> bool:
        async with self.db.transaction() as conn:
            rows = list(
                await conn.execute_fetchall(
                    "SELECT rowid FROM identities WHERE owner_id = ? AND transport = ? "
                    "ORDER BY created_at, rowid LIMIT 1",
                    (owner, transport),
                )
            )
            if not rows:
                return False
            await conn.execute(
                "UPDATE identities SET digest = (rowid = ?) WHERE owner_id = ?",
                (rows[0][0], owner),
            )
            return True
