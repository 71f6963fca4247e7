"""`ports.Links` over SQLite: the `link_codes` table (schema V_LINKS) and identity moves."""

from __future__ import annotations

from datetime import datetime

from bot.core.clock import format_utc
from bot.ports.identities import Identity
from bot.store.sqlite.db import Database


class SqliteLinks:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def offer(self, owner: int, code: str, now: datetime, expires_at: datetime) -> None:
        async with self.db.transaction() as conn:
            # Expired codes of everyone go too: the table stays a handful of rows.
            await conn.execute(
                "DELETE FROM link_codes WHERE owner_id = ? OR expires_at <= ?",
                (owner, format_utc(now)),
            )
            await conn.execute(
                "INSERT INTO link_codes (code, owner_id, expires_at) VALUES (?, ?, ?)",
                (code, owner, format_utc(expires_at)),
            )

    async def holder(self, code: str, now: datetime) -> int | None:
        rows = await self.db.fetchall(
            "SELECT owner_id FROM link_codes WHERE code = ? AND expires_at > ?",
            (code, format_utc(now)),
        )
        return int(rows[0][0]) if rows else None

    async def take(self, code: str, now: datetime) -> int | None:
        async with self.db.transaction() as conn:
            rows = list(
                await conn.execute_fetchall(
                    "DELETE FROM link_codes WHERE code = ? AND expires_at > ? RETURNING owner_id",
                    (code, format_utc(now)),
                )
            )
        return int(rows[0][0]) if rows else None

    async def join(self, source: int, target: int) -> None:
        async with self.db.transaction() as conn:
            has_digest = list(
                await conn.execute_fetchall(
                    "SELECT 1 FROM identities WHERE owner_id = ? AND digest = 1", (target,)
                )
            )
            await conn.execute(
                "UPDATE identities SET owner_id = ?, digest = CASE WHEN ? THEN 0 ELSE digest END "
                "WHERE owner_id = ?",
                (target, bool(has_digest), source),
            )
            await conn.execute("DELETE FROM link_codes WHERE owner_id = ?", (source,))

    async def detach(self, identity: Identity) -> int:
        async with self.db.transaction() as conn:
            rows = list(
                await conn.execute_fetchall(
                    "SELECT owner_id FROM identities WHERE transport = ? AND external_id = ?",
                    (identity.transport, identity.external_id),
                )
            )
            if not rows:
                raise LookupError(f"no identity {identity}")
            old = int(rows[0][0])
            [(top,)] = list(
                await conn.execute_fetchall(
                    "SELECT max(coalesce((SELECT max(id) FROM users), 0), "
                    "coalesce((SELECT max(owner_id) FROM identities), 0))"
                )
            )
            new = int(top) + 1
            await conn.execute(
                "UPDATE identities SET owner_id = ?, digest = 1 "
                "WHERE transport = ? AND external_id = ?",
                (new, identity.transport, identity.external_id),
            )
            # The owner left behind still needs one identity its digest goes out through.
            await conn.execute(
                "UPDATE identities SET digest = 1 WHERE rowid = (SELECT rowid FROM identities "
                "WHERE owner_id = ?1 ORDER BY created_at, rowid LIMIT 1) "
                "AND NOT EXISTS (SELECT 1 FROM identities WHERE owner_id = ?1 AND digest = 1)",
                (old,),
            )
        return new
