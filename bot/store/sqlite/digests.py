"""The digest ledger: when each user's next digest is due, and what became of each one.

The `users.next_digest_at` column is the whole schedule and the `digests` table the
whole history (schema V2 in migrations.py). A digest row is written *before* its message
is sent, in the same transaction that moves `next_digest_at` on and marks its people
nudged, and `UNIQUE(owner_id, local_day)` refuses a second row for the same local day:
that is the "at most one digest per user per local day" promise, across restarts.

Rows hold the text and buttons exactly as first composed, so a retry after a failed send
delivers the very message that was recorded, not a recomposition that could differ.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Literal

import aiosqlite

from bot.core.clock import format_utc, parse_utc
from bot.ports.digests import (
    EVERYONE,
    EXPIRED,
    DueUser,
    Planned,
    Scope,
    StoredDigest,
    Unscheduled,
)
from bot.store.sqlite.db import Database
from bot.store.sqlite.identities import scope_sql
from bot.store.sqlite.schedules import BUMP_SQL, last_digest_day

log = logging.getLogger(__name__)


_STORED_SQL = """
SELECT d.id, d.owner_id, u.timezone, d.local_day, d.status, d.attempts, d.text, d.buttons,
       d.person_ids, d.sending_at
  FROM digests d JOIN users u ON u.id = d.owner_id
"""


# The ledgers that keep "at most once when the outcome is unknown": the daily digests and
# the weekly reviews (insight.py). Both mark a row sending, and settle an unknown outcome,
# the same way; the table name is one of these constants, never user input.
Ledger = Literal["digests", "reviews"]


async def mark_row_sending(db: Database, table: Ledger, row_id: int, now: datetime) -> bool:
    """Committed just before the request; False if the row is not ours to send."""
    rows = await db.fetchall(
        f"UPDATE {table} SET sending_at = ? WHERE id = ? AND status = 'pending' "
        "AND sending_at IS NULL RETURNING id",
        (format_utc(now), row_id),
    )
    return bool(rows)


async def mark_row_unknown(
    db: Database, table: Ledger, row_id: int, now: datetime, error: str
) -> None:
    """The request may have reached the user: never sent again, kept to be counted."""
    await db.execute(
        f"UPDATE {table} SET status = 'sent', outcome_unknown = 1, sent_at = ?, "
        "attempts = attempts + 1, last_error = ? WHERE id = ? AND status = 'pending'",
        (format_utc(now), error[:500], row_id),
    )


def _stored(row: aiosqlite.Row) -> StoredDigest:
    return StoredDigest(
        id=row["id"],
        owner=row["owner_id"],
        timezone=row["timezone"],
        local_day=date.fromisoformat(row["local_day"]),
        status=row["status"],
        attempts=row["attempts"],
        text=row["text"],
        buttons=tuple(tuple((str(b[0]), str(b[1])) for b in r) for r in json.loads(row["buttons"])),
        person_ids=tuple(int(i) for i in json.loads(row["person_ids"])),
        sending=row["sending_at"] is not None,
    )


class SqliteDigestLedger:
    """`ports.DigestLedger` over the `users.next_digest_at` column and `digests` table.

    `invalidate(owner)` tells the store's cache that this owner's people changed (their
    `last_nudged_on`), written here outside a `change`.
    """

    def __init__(self, db: Database, invalidate: Callable[[int], None]) -> None:
        self.db = db
        self.invalidate = invalidate

    async def next_digest_at(self, owner: int) -> datetime | None:
        rows = await self.db.fetchall("SELECT next_digest_at FROM users WHERE id = ?", (owner,))
        value = rows[0][0] if rows else None
        return parse_utc(value) if value else None

    async def last_day(self, owner: int) -> date | None:
        async with self.db.snapshot() as conn:
            return await last_digest_day(conn, owner)

    async def unscheduled(self, limit: int, scope: Scope = EVERYONE) -> list[Unscheduled]:
        where, params = scope_sql(scope, "u.id")
        rows = await self.db.fetchall(
            "SELECT u.id, u.timezone, u.digest_time, "
            "  (SELECT max(local_day) FROM digests d WHERE d.owner_id = u.id) AS last_day "
            "FROM users u WHERE u.active = 1 AND u.digest_time IS NOT NULL "
            f"AND u.next_digest_at IS NULL{where} ORDER BY u.id LIMIT ?",
            (*params, limit),
        )
        return [
            Unscheduled(r["id"], r["timezone"], r["digest_time"], _day(r["last_day"])) for r in rows
        ]

    async def set_schedules(self, schedules: Sequence[tuple[int, datetime]]) -> None:
        """Fill in `next_digest_at` for rows that are still unscheduled."""
        if schedules:
            await self.db.executemany(
                "UPDATE users SET next_digest_at = ? WHERE id = ? AND next_digest_at IS NULL",
                [(format_utc(at), owner) for owner, at in schedules],
            )

    async def due(self, now: datetime, limit: int, scope: Scope = EVERYONE) -> list[DueUser]:
        """Active users whose digest instant has come, the longest-waiting first."""
        where, params = scope_sql(scope, "u.id")
        rows = await self.db.fetchall(
            "SELECT u.id, u.timezone, u.digest_time, u.next_digest_at, "
            "  (SELECT max(local_day) FROM digests d WHERE d.owner_id = u.id) AS last_day "
            "FROM users u "
            "WHERE u.active = 1 AND u.next_digest_at IS NOT NULL AND u.next_digest_at <= ? "
            f"AND u.digest_time IS NOT NULL{where} "
            "ORDER BY u.next_digest_at, u.id LIMIT ?",
            (format_utc(now), *params, limit),
        )
        due: list[DueUser] = []
        for r in rows:
            try:
                at = parse_utc(r["next_digest_at"])
            except ValueError:
                # Not an instant kith wrote: unschedule the row rather than pick it up
                # every minute; the backfill schedules it again from the settings.
                log.warning("unreadable next_digest_at of a user; unscheduling it")
                await self.db.execute(
                    "UPDATE users SET next_digest_at = NULL WHERE id = ? AND next_digest_at = ?",
                    (r["id"], r["next_digest_at"]),
                )
                continue
            due.append(DueUser(r["id"], r["timezone"], r["digest_time"], at, _day(r["last_day"])))
        return due

    async def record(self, plans: Sequence[Planned], now: datetime) -> list[int]:
        """Apply a sweep's plans in one transaction; the ids of the digests to send now.

        For each plan whose user row still holds `expected`: move `next_digest_at` on,
        and if there is a digest, insert its row (pending) and mark its people nudged on
        its local day. All of it commits before anything is sent.
        """
        if not plans:
            return []
        created = format_utc(now)

        def write(conn: sqlite3.Connection) -> tuple[list[int], set[int]]:
            recorded: list[int] = []
            touched: set[int] = set()
            conn.execute("BEGIN IMMEDIATE")
            try:
                for plan in plans:
                    moved = conn.execute(
                        "UPDATE users SET next_digest_at = ? "
                        "WHERE id = ? AND active = 1 AND next_digest_at IS ? RETURNING id",
                        (
                            format_utc(plan.next_at) if plan.next_at else None,
                            plan.owner,
                            format_utc(plan.expected),
                        ),
                    ).fetchall()
                    digest = plan.digest
                    if not moved or digest is None:
                        continue
                    inserted = conn.execute(
                        "INSERT INTO digests "
                        "(owner_id, local_day, status, text, buttons, person_ids, created_at) "
                        "VALUES (?, ?, 'pending', ?, ?, ?, ?) "
                        "ON CONFLICT (owner_id, local_day) DO NOTHING RETURNING id",
                        (
                            plan.owner,
                            digest.local_day.isoformat(),
                            digest.text,
                            json.dumps([[list(b) for b in row] for row in digest.buttons]),
                            json.dumps(list(digest.person_ids)),
                            created,
                        ),
                    ).fetchall()
                    if not inserted:
                        continue  # that local day already has its digest
                    ids = list(digest.person_ids)
                    conn.execute(
                        f"UPDATE people SET last_nudged_on = ? WHERE owner_id = ? "
                        f"AND id IN ({','.join('?' * len(ids))})",
                        (digest.local_day.isoformat(), plan.owner, *ids),
                    )
                    conn.execute(BUMP_SQL, (plan.owner,)).fetchall()  # their people changed
                    recorded.append(int(inserted[0][0]))
                    touched.add(plan.owner)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            return recorded, touched

        recorded, touched = await self.db.run(write)
        for owner in touched:
            self.invalidate(owner)
        return recorded

    async def get_many(self, ids: Sequence[int]) -> list[StoredDigest]:
        """Several digests in one query, in the order of `ids`."""
        if not ids:
            return []
        rows = await self.db.fetchall(
            _STORED_SQL + f" WHERE d.id IN ({','.join('?' * len(ids))})", tuple(ids)
        )
        found = {r["id"]: _stored(r) for r in rows}
        return [found[i] for i in ids if i in found]

    async def claim_pending(self, limit: int, scope: Scope = EVERYONE) -> list[StoredDigest]:
        """Recorded digests not yet delivered, of active users, oldest first.

        One process sweeps a scope, so reading them is claiming them here; a store with
        many workers would lease them instead.
        """
        where, params = scope_sql(scope, "d.owner_id")
        rows = await self.db.fetchall(
            _STORED_SQL + f" WHERE d.status = 'pending' AND u.active = 1{where} "
            "ORDER BY d.id LIMIT ?",
            (*params, limit),
        )
        return [_stored(r) for r in rows]

    async def mark_sending(self, digest_id: int, now: datetime) -> bool:
        return await mark_row_sending(self.db, "digests", digest_id, now)

    async def mark_sent(self, digest_id: int, now: datetime) -> None:
        await self.db.execute(
            "UPDATE digests SET status = 'sent', attempts = attempts + 1, sent_at = ?, "
            "sending_at = NULL, last_error = NULL WHERE id = ? AND status = 'pending'",
            (format_utc(now), digest_id),
        )

    async def mark_unknown(self, digest_id: int, now: datetime, error: str) -> None:
        await mark_row_unknown(self.db, "digests", digest_id, now, error)

    async def mark_attempt(self, digest_id: int, error: str) -> None:
        """A send that failed for now: the row stays pending for the next sweep."""
        await self.db.execute(
            "UPDATE digests SET attempts = attempts + 1, last_error = ?, sending_at = NULL "
            "WHERE id = ? AND status = 'pending'",
            (error[:500], digest_id),
        )

    async def mark_final(self, digest: StoredDigest, status: str, error: str = "") -> None:
        """A pending digest that will never be sent (undeliverable, rejected, expired).

        Its people were marked nudged when it was recorded; they were not, in the end,
        so that mark is taken back and the 7-day rule does not hide them for nothing.
        """
        async with self.db.transaction() as conn:
            done = list(
                await conn.execute_fetchall(
                    "UPDATE digests SET status = ?, attempts = attempts + ?, last_error = ? "
                    "WHERE id = ? AND status = 'pending' RETURNING id",
                    (status, 0 if status == EXPIRED else 1, error[:500] or None, digest.id),
                )
            )
            ids = list(digest.person_ids)
            if done and ids:
                await conn.execute_fetchall(BUMP_SQL, (digest.owner,))
                await conn.execute(
                    "UPDATE people SET last_nudged_on = NULL WHERE owner_id = ? "
                    f"AND last_nudged_on = ? AND id IN ({','.join('?' * len(ids))})",
                    (digest.owner, digest.local_day.isoformat(), *ids),
                )
        self.invalidate(digest.owner)


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None
