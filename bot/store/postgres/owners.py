"""New owners: one advisory lock serialises their creation across workers."""

from __future__ import annotations

from typing import Any

from bot.core.clock import Clock
from bot.ports.identities import Identity
from bot.store.sqlite.identities import _preferred

_NEW_OWNER_LOCK = "0, 2"  # the two-key advisory space, apart from owners' own locks


async def create_owner(conn: Any, identity: Identity, clock: Clock) -> int:
    """The owner of `identity`, created if need be, inside the caller's transaction."""
    await conn.execute(f"SELECT pg_advisory_xact_lock({_NEW_OWNER_LOCK})")
    found = await conn.fetchval(
        "SELECT owner_id FROM identities WHERE transport = $1 AND external_id = $2",
        identity.transport,
        identity.external_id,
    )
    if found is not None:
        return int(found)
    owner = _preferred(identity)
    taken = owner is None or bool(
        await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM users WHERE id = $1) "
            "OR EXISTS (SELECT 1 FROM identities WHERE owner_id = $1)",
            owner,
        )
    )
    if taken:
        top = await conn.fetchval(
            "SELECT greatest(coalesce((SELECT max(id) FROM users), 0), "
            "coalesce((SELECT max(owner_id) FROM identities), 0))"
        )
        owner = int(top) + 1
    assert owner is not None
    await conn.execute(
        "INSERT INTO identities (transport, external_id, owner_id, digest, created_at) "
        "VALUES ($1, $2, $3, true, $4)",
        identity.transport,
        identity.external_id,
        owner,
        clock.now(),
    )
    return owner
