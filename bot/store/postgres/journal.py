"""Writes that remember how to take themselves back, over PostgreSQL.

The same journal as the SQLite store's (bot/store/sqlite/journal.py): a `Change` is one
owner's transaction; each insert, update or delete records its inverse, and on commit the
inverses become one `undo_log` entry. Rows cross as JSON and come back into the table's
own column types through `json_populate_record(set)`, so a day restores as a `date` and
an instant as a `timestamptz` without a per-column table of types here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from bot.store.name_keys import with_name_keys
from bot.store.postgres.db import dumps
from bot.store.sqlite.journal import TABLES, UNDO_DEPTH

Row = dict[str, Any]


def _table(name: str) -> str:
    if name not in TABLES:
        raise ValueError(f"unknown table {name}")
    return name


def _owner_column(table: str) -> str:
    return "id" if table == "users" else "owner_id"


def numbered(sql: str, start: int) -> str:
    """`?` placeholders as `$start, $start+1, …` (callers never put a literal ? in SQL)."""
    parts = sql.split("?")
    out = [parts[0]]
    for n, part in enumerate(parts[1:], start):
        out.append(f"${n}{part}")
    return "".join(out)


def _record(row: Any) -> Row:
    return dict(row.items())


_CHUNK = 2000  # rows per INSERT of insert_many


class Journal:
    """One owner's change in progress: writes plus their recorded inverses."""

    def __init__(self, conn: Any, owner: int, label: str, now: datetime) -> None:
        self.conn = conn
        self.owner = owner
        self.label = label
        self.now = now
        self._inverse: list[dict[str, Any]] = []

    @property
    def wrote(self) -> bool:
        """Whether any journaled write has happened in this change."""
        return bool(self._inverse)

    async def insert(self, table: str, row: Mapping[str, Any]) -> int:
        ids = await self.insert_many(table, [row])
        return ids[0]

    async def insert_many(self, table: str, rows: Sequence[Mapping[str, Any]]) -> list[int]:
        """Insert rows in one statement; their ids in order (an INSERT … SELECT from one
        function scan returns its rows in input order; the ORDER BY says so explicitly)."""
        if not rows:
            return []
        table = _table(table)
        rows = [with_name_keys(table, r) for r in rows]
        cols = list(rows[0].keys())
        names = ",".join(cols)
        ids: list[int] = []
        # A statement per chunk: the JSON of 20,000 rows at once is one long call that
        # holds the event loop; chunks let it run in between.
        for start in range(0, len(rows), _CHUNK):
            result = await self.conn.fetch(
                f"INSERT INTO {table} (owner_id, {names}) "
                f"SELECT $1, {','.join('r.' + c for c in cols)} "
                f"FROM json_populate_recordset(NULL::{table}, $2::text::json) WITH ORDINALITY "
                "AS r ORDER BY r.ordinality RETURNING id",
                self.owner,
                dumps([dict(r) for r in rows[start : start + _CHUNK]]),
            )
            ids.extend(int(r[0]) for r in result)
        self._inverse.append({"op": "delete", "table": table, "ids": ids})
        return ids

    async def update(self, table: str, row_id: int, values: Mapping[str, Any]) -> bool:
        """Update one owned row (reading its old values in the same statement); False
        when no such row belongs to the owner."""
        table = _table(table)
        values = with_name_keys(table, values)
        owner_col = _owner_column(table)
        cols = list(values)
        old = await self.conn.fetchrow(
            f"UPDATE {table} t SET {','.join(f'{c} = r.{c}' for c in cols)} "
            f"FROM json_populate_record(NULL::{table}, $1::text::json) r, "
            f"(SELECT {','.join(cols)} FROM {table} WHERE id = $2 AND {owner_col} = $3) o "
            f"WHERE t.id = $2 AND t.{owner_col} = $3 "
            f"RETURNING {','.join(f'o.{c}' for c in cols)}",
            dumps(dict(values)),
            row_id,
            self.owner,
        )
        if old is None:
            return False
        self._inverse.append({"op": "update", "table": table, "id": row_id, "values": _record(old)})
        return True

    async def delete(self, table: str, where: str, params: Sequence[Any] = ()) -> int:
        """Delete owned rows matching `where` (with `?` placeholders), remembering them."""
        table = _table(table)
        owner_col = _owner_column(table)
        rows = await self.conn.fetch(
            f"DELETE FROM {table} WHERE {owner_col} = $1 AND ({numbered(where, 2)}) RETURNING *",
            self.owner,
            *params,
        )
        if not rows:
            return 0
        self._inverse.append({"op": "insert", "table": table, "rows": [_record(r) for r in rows]})
        return len(rows)

    async def commit_journal(self) -> int | None:
        """Store the inverses as the newest undo entry, trim old ones and move the
        owner's roster version on, in one statement; the new version (None: no writes)."""
        if not self._inverse:
            return None
        return await commit_entry(self.conn, self.owner, self.label, self._inverse, self.now)


async def commit_entry(
    conn: Any, owner: int, label: str, inverse: list[dict[str, Any]], now: datetime
) -> int | None:
    """`inverse` (oldest first) as the owner's newest undo entry; the roster version."""
    version: int | None = await conn.fetchval(
        "WITH entry AS (INSERT INTO undo_log (owner_id, label, ops, created_at) "
        "  VALUES ($1, $2, $3::text::jsonb, $4)), "
        # The new entry is not visible to this statement: keep UNDO_DEPTH - 1 old ones.
        "old AS (DELETE FROM undo_log WHERE owner_id = $1 AND id <= "
        "  (SELECT id FROM undo_log WHERE owner_id = $1 ORDER BY id DESC LIMIT 1 OFFSET $5)), "
        "bump AS (UPDATE users SET roster_version = roster_version + 1 WHERE id = $1 "
        "  RETURNING roster_version) "
        "SELECT roster_version FROM bump",
        owner,
        label,
        dumps(inverse[::-1]),
        now,
        UNDO_DEPTH - 1,
    )
    return version


async def apply_inverse(conn: Any, owner: int, ops: list[dict[str, Any]]) -> None:
    """Run recorded inverse operations (already newest-first) for one owner."""
    for op in ops:
        table = _table(op["table"])
        owner_col = _owner_column(table)
        if op["op"] == "delete":
            await conn.execute(
                f"DELETE FROM {table} WHERE {owner_col} = $1 AND id = ANY($2::bigint[])",
                owner,
                [int(i) for i in op["ids"]],
            )
        elif op["op"] == "update":
            values = with_name_keys(table, op["values"])
            await conn.execute(
                f"UPDATE {table} t SET {','.join(f'{c} = r.{c}' for c in values)} "
                f"FROM json_populate_record(NULL::{table}, $1::text::json) r "
                f"WHERE t.id = $2 AND t.{owner_col} = $3",
                dumps(values),
                op["id"],
                owner,
            )
        elif op["op"] == "insert":
            rows = [with_name_keys(table, r) for r in op["rows"] if r.get(owner_col) == owner]
            if not rows:
                continue
            cols = ",".join(rows[0])
            # Rows come back with their own ids, so references between them stay intact.
            await conn.execute(
                f"INSERT INTO {table} ({cols}) SELECT {cols} "
                f"FROM json_populate_recordset(NULL::{table}, $1::text::json)",
                dumps(rows),
            )
        else:  # pragma: no cover - journal entries are written by this module only
            raise ValueError(f"unknown undo op {op['op']}")
