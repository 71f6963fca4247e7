"""Owner identities over PostgreSQL: the same provisional rule as the SQLite store's
(owner ids are Telegram ids, the terminal is owner 0) until an identities table lands."""

from __future__ import annotations

from bot.ports.digests import Scope
from bot.ports.identities import CONSOLE, TELEGRAM
from bot.store.postgres.db import PgDatabase
from bot.store.sqlite.identities import LOCAL_OWNER, SqliteIdentities


def scope_sql(scope: Scope, column: str, start: int) -> tuple[str, list[int]]:
    """The `AND …` clause keeping a query inside `scope`, numbered from `$start`."""
    clause, params = "", list[int]()
    if scope.owner is not None:
        clause += f" AND {column} = ${start}"
        params.append(scope.owner)
    if scope.transport == TELEGRAM:
        clause += f" AND {column} >= 1"
    elif scope.transport == CONSOLE:
        clause += f" AND {column} = {LOCAL_OWNER}"
    elif scope.transport is not None:
        clause += " AND false"
    return clause, params


class PgIdentities(SqliteIdentities):
    """`ports.Identities`: derived from the owner id alone, so no query (yet)."""

    def __init__(self, db: PgDatabase) -> None:
        self.pg = db
