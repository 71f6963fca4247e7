"""`ports.UpdateLog` over PostgreSQL: `handled_updates` (schema V_PG_HOSTED).

Update ids are kept as an exact set with an expiry, never a high-water mark: Telegram
starts ids again at random after a quiet week. Reply leases are measured on the
database's clock (`now()`), the one clock every worker shares.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from bot.core.clock import Clock
from bot.ports.hosted import Delivery
from bot.ports.identities import Identity
from bot.ports.updates import HANDLED_FOR
from bot.store.postgres.db import PgDatabase, Unit, dumps
from bot.store.postgres.owners import create_owner


@dataclass
class PgHandling:
    unit: Unit
    seen: bool
    transport: str
    update_id: int
    lease: timedelta

    @property
    def owner(self) -> int:
        return self.unit.owner

    @property
    def failed(self) -> bool:
        return self.unit.failed

    async def record(self, delivery: Delivery) -> None:
        await self.unit.conn.execute(
            "INSERT INTO handled_updates (transport, update_id, owner, expires_at, replies, "
            "  reply_lease_until) VALUES ($1, $2, $3, now() + $4::interval, "
            "  $5::text::jsonb, now() + $6::interval) "
            "ON CONFLICT (transport, update_id) DO UPDATE "
            "SET replies = EXCLUDED.replies, reply_lease_until = EXCLUDED.reply_lease_until",
            self.transport,
            self.update_id,
            self.unit.owner,
            HANDLED_FOR,
            dumps(dict(delivery)),
            self.lease,
        )


class PgUpdateLog:
    """Each update once, across every worker on the database."""

    def __init__(self, db: PgDatabase, clock: Clock, reply_lease: float = 30.0) -> None:
        self.db = db
        self.clock = clock
        self.lease = timedelta(seconds=reply_lease)

    @asynccontextmanager
    async def handling(self, identity: Identity, update_id: int) -> AsyncIterator[PgHandling]:
        async with self.db.unit(identity, update_id, self.clock) as (unit, seen):
            yield PgHandling(unit, seen, identity.transport, update_id, self.lease)

    async def record_alone(self, identity: Identity, update_id: int, delivery: Delivery) -> bool:
        async with self.db.connection() as conn:
            owner = await create_owner(conn, identity, self.clock)
            done = await conn.fetchval(
                "INSERT INTO handled_updates (transport, update_id, owner, expires_at, "
                "  replies, reply_lease_until) VALUES ($1, $2, $3, now() + $4::interval, "
                "  $5::text::jsonb, now() + $6::interval) "
                "ON CONFLICT (transport, update_id) DO NOTHING RETURNING true",
                identity.transport,
                update_id,
                owner,
                HANDLED_FOR,
                dumps(dict(delivery)),
                self.lease,
            )
        return bool(done)

    async def take_delivery(
        self, transport: str, update_id: int
    ) -> Delivery | Literal["delivered", "leased", "unknown"]:
        row = await self.db.fetchrow(
            "WITH t AS (UPDATE handled_updates SET reply_lease_until = now() + $3::interval "
            "  WHERE transport = $1 AND update_id = $2 AND replied_at IS NULL "
            "  AND replies IS NOT NULL "
            "  AND (reply_lease_until IS NULL OR reply_lease_until <= now()) "
            "  RETURNING replies) "
            "SELECT (SELECT replies FROM t) AS taken, "
            "  (SELECT replied_at IS NOT NULL OR replies IS NULL FROM handled_updates "
            "   WHERE transport = $1 AND update_id = $2) AS done",
            transport,
            update_id,
            self.lease,
        )
        if row["taken"] is not None:
            taken: Delivery = row["taken"]
            return taken
        if row["done"] is None:
            return "unknown"
        return "delivered" if row["done"] else "leased"

    async def delivered(self, transport: str, update_id: int) -> None:
        await self.db.execute(
            "UPDATE handled_updates SET replied_at = now(), reply_lease_until = NULL "
            "WHERE transport = $1 AND update_id = $2",
            transport,
            update_id,
        )

    async def expire(self, now: datetime) -> int:
        result = await self.db.execute("DELETE FROM handled_updates WHERE expires_at < $1", now)
        return int(result.split()[-1])
