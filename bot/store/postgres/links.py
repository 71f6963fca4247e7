"""`ports.Links` over PostgreSQL: `link_codes` and identity moves (the SQLite store's
rules, bot/store/sqlite/links.py). Moving identities takes the new-owner lock, as
creating an owner does, so a detached identity never gets an id another worker hands out."""

from __future__ import annotations

from datetime import datetime

from bot.ports.identities import Identity
from bot.store.postgres.db import PgDatabase


class PgLinks:
    def __init__(self, db: PgDatabase) -> None:
        self.db = db

    async def offer(self, owner: int, code: str, now: datetime, expires_at: datetime) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "DELETE FROM link_codes WHERE owner_id = $1 OR expires_at <= $2", owner, now
            )
            await conn.execute(
                "INSERT INTO link_codes (code, owner_id, expires_at) VALUES ($1, $2, $3)",
                code,
                owner,
                expires_at,
            )

    async def holder(self, code: str, now: datetime) -> int | None:
        found = await self.db.fetchval(
            "SELECT owner_id FROM link_codes WHERE code = $1 AND expires_at > $2", code, now
        )
        return int(found) if found is not None else None

    async def take(self, code: str, now: datetime) -> int | None:
        found = await self.db.fetchval(
            "DELETE FROM link_codes WHERE code = $1 AND expires_at > $2 RETURNING owner_id",
            code,
            now,
        )
        return int(found) if found is not None else None

    async def join(self, source: int, target: int) -> None:
        async with self.db.transaction() as conn:
            has_digest = await conn.fetchval(
                "SELECT EXISTS (SELECT 1 FROM identities WHERE owner_id = $1 AND digest)", target
            )
            await conn.execute(
                "UPDATE identities SET owner_id = $1, "
                "digest = CASE WHEN $2 THEN false ELSE digest END WHERE owner_id = $3",
                target,
                bool(has_digest),
                source,
            )
            await conn.execute("DELETE FROM link_codes WHERE owner_id = $1", source)

    async def detach(self, identity: Identity) -> int:
        async with self.db.transaction() as conn:
            await conn.execute("SELECT pg_advisory_xact_lock(0, 2)")  # the new-owner lock
            old = await conn.fetchval(
                "SELECT owner_id FROM identities WHERE transport = $1 AND external_id = $2",
                identity.transport,
                identity.external_id,
            )
            if old is None:
                raise LookupError(f"no identity {identity}")
            top = await conn.fetchval(
                "SELECT greatest(coalesce((SELECT max(id) FROM users), 0), "
                "coalesce((SELECT max(owner_id) FROM identities), 0))"
            )
            new = int(top) + 1
            await conn.execute(
                "UPDATE identities SET owner_id = $1, digest = true "
                "WHERE transport = $2 AND external_id = $3",
                new,
                identity.transport,
                identity.external_id,
            )
            # The owner left behind still needs one identity its digest goes out through.
            await conn.execute(
                "UPDATE identities SET digest = true WHERE id = (SELECT id FROM identities "
                "WHERE owner_id = $1 ORDER BY created_at, id LIMIT 1) "
                "AND NOT EXISTS (SELECT 1 FROM identities WHERE owner_id = $1 AND digest)",
                int(old),
            )
        return new
