"""Owner identities over SQLite (provisional: owner ids still are Telegram ids, and the
terminal is owner 0, until the identities table lands)."""

from __future__ import annotations

from bot.ports.digests import Scope
from bot.ports.identities import CONSOLE, CONSOLE_USER, TELEGRAM, Identity
from bot.store.sqlite.db import Database

LOCAL_OWNER = 0


def scope_sql(scope: Scope, column: str) -> tuple[str, tuple[int, ...]]:
    """The `AND …` clause (and its parameters) that keeps a query inside `scope`."""
    clause, params = "", list[int]()
    if scope.owner is not None:
        clause += f" AND {column} = ?"
        params.append(scope.owner)
    if scope.transport == TELEGRAM:
        clause += f" AND {column} >= 1"
    elif scope.transport == CONSOLE:
        clause += f" AND {column} = {LOCAL_OWNER}"
    elif scope.transport is not None:
        clause += " AND 0"
    return clause, tuple(params)


class SqliteIdentities:
    """`ports.Identities` over SQLite."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def owner_of(self, identity: Identity) -> int:
        found = await self.find(identity)
        if found is None:
            raise ValueError(f"no owner for {identity}")
        return found

    async def find(self, identity: Identity) -> int | None:
        if identity == CONSOLE_USER:
            return LOCAL_OWNER
        if identity.transport == TELEGRAM and identity.external_id.isdigit():
            return int(identity.external_id)
        return None

    async def of_owner(self, owner: int) -> list[Identity]:
        if owner == LOCAL_OWNER:
            return [CONSOLE_USER]
        return [Identity(TELEGRAM, str(owner))]

    async def digest_via(self, owner: int) -> str | None:
        return CONSOLE if owner == LOCAL_OWNER else TELEGRAM

    async def set_digest_via(self, owner: int, transport: str) -> bool:
        return transport == await self.digest_via(owner)
