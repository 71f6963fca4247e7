"""New owners: created by `kith_create_owner` (schema V_PG_SCHEMA) in one statement,
under an advisory lock held only while it runs, so workers never hand out one id twice."""

from __future__ import annotations

from typing import Any

from bot.core.clock import Clock
from bot.ports.identities import Identity
from bot.store.sqlite.identities import _preferred


async def create_owner(conn: Any, identity: Identity, clock: Clock) -> int:
    """The owner of `identity`, created if need be (the SQLite store's id rule)."""
    owner = await conn.fetchval(
        "SELECT kith_create_owner($1, $2, $3, $4)",
        identity.transport,
        identity.external_id,
        _preferred(identity),
        clock.now(),
    )
    return int(owner)
