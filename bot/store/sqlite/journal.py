"""Writes that remember how to take themselves back.

A `Change` wraps one transaction for one owner. Each insert, update or delete made
through it records its inverse; on commit the inverses are stored as one undo entry,
so `/undo` works the same for every kind of change without per-command code.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import aiosqlite

from bot.store.name_keys import with_name_keys

# Tables a change may touch; names are interpolated into SQL, so only these.
TABLES = frozenset(
    {
        "people",
        "aliases",
        "tags",
        "interactions",
        "interaction_people",
        "notes",
        "follow_ups",
        "favors",
        "dates",
        "users",
        "phones",
        "emails",
        "vcard_names",
        "friend_groups",
        "friend_group_members",
        "pending",
    }
)
UNDO_DEPTH = 30
# Tables whose rows are part of a cached `Person` (aliases, tags; last contact through the
# triggers on interaction_people): writing them re-reads that person. Writes to any other
# table but `people` leave the roster as it is.
_ROSTER_CHILDREN = frozenset({"aliases", "tags", "interaction_people"})

Row = dict[str, Any]


def _table(name: str) -> str:
    if name not in TABLES:
        raise ValueError(f"unknown table {name}")
    return name


def _owner_column(table: str) -> str:
    return "id" if table == "users" else "owner_id"


class Change:
    """One owner's change in progress: writes plus their recorded inverses."""

    def __init__(self, conn: aiosqlite.Connection, owner: int, label: str, now: str) -> None:
        self.conn = conn
        self.owner = owner
        self.label = label
        self.now = now
        self._inverse: list[dict[str, Any]] = []
        #: People whose row this change may have altered (a contact, `imported`, tags...),
        #: whether it added or removed anyone (then a cached roster is re-read whole), and
        #: whether any name or alias may have changed (then the name index is rebuilt).
        #: Notes, follow-ups, favors, dates, phones, settings: none of these.
        self.people_touched: set[int] = set()
        self.people_reshaped = False
        self.names_changed = False

    def keeps_people(self) -> bool:
        """True when re-reading `people_touched` brings a cache of people up to date."""
        return not self.people_reshaped

    def _touching(self, table: str, rows: Sequence[Any]) -> None:
        """Note what writing these rows of `table` does to the owner's roster."""
        if table == "people":
            self.people_reshaped = True
            self.names_changed = True
        elif table in _ROSTER_CHILDREN:
            self.people_touched.update(int(r["person_id"]) for r in rows)
            if table == "aliases":
                self.names_changed = True

    async def insert(self, table: str, row: Mapping[str, Any]) -> int:
        """Insert one row owned by this owner; return its id."""
        ids = await self.insert_many(table, [row])
        return ids[0]

    async def insert_many(self, table: str, rows: Sequence[Mapping[str, Any]]) -> list[int]:
        """Insert rows in one statement (one thread hop); return their ids in order."""
        if not rows:
            return []
        table = _table(table)
        rows = [with_name_keys(table, r) for r in rows]
        self._touching(table, rows)
        cols = ["owner_id", *rows[0].keys()]
        placeholders = "(" + ",".join("?" * len(cols)) + ")"
        # SQLite caps bound variables (32766); chunk to stay well under it. Each chunk's
        # values are built just before its statement, so the loop runs in between.
        per_chunk = max(1, 30000 // len(cols))
        ids: list[int] = []
        for start, size in _chunks(len(rows), per_chunk):
            chunk = rows[start : start + size]
            sql = (
                f"INSERT INTO {table} ({','.join(cols)}) VALUES "
                + ",".join([placeholders] * len(chunk))
                + " RETURNING id"
            )
            chunk_values: list[Any] = []
            for row in chunk:
                chunk_values.append(self.owner)
                chunk_values.extend(row[c] for c in cols[1:])
            result = list(await self.conn.execute_fetchall(sql, chunk_values))
            ids.extend(int(r[0]) for r in result)
        self._inverse.append({"op": "delete", "table": table, "ids": ids})
        return ids

    async def update(self, table: str, row_id: int, values: Mapping[str, Any]) -> bool:
        """Update one owned row; return False when no such row belongs to the owner."""
        table = _table(table)
        values = with_name_keys(table, values)
        if table == "people":
            self.people_touched.add(row_id)
            self.names_changed = self.names_changed or "name" in values
        owner_col = _owner_column(table)
        cols = list(values)
        old = list(
            await self.conn.execute_fetchall(
                f"SELECT {','.join(cols)} FROM {table} WHERE id = ? AND {owner_col} = ?",
                (row_id, self.owner),
            )
        )
        if not old:
            return False
        await self.conn.execute(
            f"UPDATE {table} SET {','.join(c + ' = ?' for c in cols)} "
            f"WHERE id = ? AND {owner_col} = ?",
            [*values.values(), row_id, self.owner],
        )
        self._inverse.append({"op": "update", "table": table, "id": row_id, "values": dict(old[0])})
        return True

    async def delete(self, table: str, where: str, params: Sequence[Any] = ()) -> int:
        """Delete owned rows matching `where`, remembering them; return how many."""
        table = _table(table)
        owner_col = _owner_column(table)
        clause = f"{owner_col} = ? AND ({where})"
        rows = list(
            await self.conn.execute_fetchall(
                f"SELECT * FROM {table} WHERE {clause}", (self.owner, *params)
            )
        )
        if not rows:
            return 0
        self._touching(table, rows)
        if table == "interactions":
            # Their links go with them (ON DELETE CASCADE), and so may anyone's last contact.
            self.people_reshaped = True
        await self.conn.execute(f"DELETE FROM {table} WHERE {clause}", (self.owner, *params))
        self._inverse.append({"op": "insert", "table": table, "rows": [dict(r) for r in rows]})
        return len(rows)

    async def commit_journal(self) -> None:
        """Store the inverses as the newest undo entry and trim old ones."""
        if not self._inverse:
            return
        for sql, params in undo_entry(self.owner, self.label, self._inverse, self.now):
            await self.conn.execute(sql, params)


def _chunks(count: int, most: int) -> list[tuple[int, int]]:
    """(start, size) of each statement for `count` rows, at most `most` a statement.

    Each size is its own SQL text, and sqlite3 keeps up to 128 compiled statements: one of
    thousands of rows compiles to megabytes. So past a few dozen rows the sizes are
    `most` or powers of two (a big import's pages of varying size would otherwise fill
    the cache with hundreds of MB of statements used once)."""
    out: list[tuple[int, int]] = []
    start = 0
    while count - start > 64:
        size = min(most, 1 << ((count - start).bit_length() - 1))
        out.append((start, size))
        start += size
    if start < count:
        out.append((start, count - start))
    return out


def undo_entry(
    owner: int, label: str, inverse: list[dict[str, Any]], now: str
) -> list[tuple[str, tuple[Any, ...]]]:
    """The statements that store `inverse` (oldest first) as the owner's newest undo
    entry and drop entries beyond UNDO_DEPTH; shared by async and one-hop writers."""
    return [
        (
            "INSERT INTO undo_log (owner_id, label, ops, created_at) VALUES (?, ?, ?, ?)",
            (owner, label, json.dumps(inverse[::-1]), now),
        ),
        (
            "DELETE FROM undo_log WHERE owner_id = ? AND id <= "
            "(SELECT id FROM undo_log WHERE owner_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)",
            (owner, owner, UNDO_DEPTH),
        ),
    ]


async def apply_inverse(conn: aiosqlite.Connection, owner: int, ops: list[dict[str, Any]]) -> None:
    """Run recorded inverse operations (already newest-first) for one owner."""
    for op in ops:
        table = _table(op["table"])
        owner_col = _owner_column(table)
        if op["op"] == "delete":
            ids = op["ids"]
            for start in range(0, len(ids), 900):
                chunk = ids[start : start + 900]
                await conn.execute(
                    f"DELETE FROM {table} WHERE {owner_col} = ? "
                    f"AND id IN ({','.join('?' * len(chunk))})",
                    (owner, *chunk),
                )
        elif op["op"] == "update":
            values = with_name_keys(table, op["values"])
            await conn.execute(
                f"UPDATE {table} SET {','.join(c + ' = ?' for c in values)} "
                f"WHERE id = ? AND {owner_col} = ?",
                [*values.values(), op["id"], owner],
            )
        elif op["op"] == "insert":
            rows = [with_name_keys(table, r) for r in op["rows"]]
            cols = list(rows[0])
            # Rows come back with their original ids (AUTOINCREMENT never reuses them),
            # so references between restored rows stay intact.
            await conn.executemany(
                f"INSERT INTO {table} ({','.join(cols)}) VALUES ({','.join('?' * len(cols))})",
                [[r[c] for c in cols] for r in rows if r.get(owner_col) == owner],
            )
        else:  # pragma: no cover - journal entries are written by this module only
            raise ValueError(f"unknown undo op {op['op']}")
