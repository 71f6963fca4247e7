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

import asyncio
import json
import logging
import sqlite3
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any, Literal

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
    rows = await db.fetchall(_sending_sql(table), (format_utc(now), row_id))
    return bool(rows)


def _sending_sql(table: Ledger) -> str:
    return (
        f"UPDATE {table} SET sending_at = ? WHERE id = ? AND status = 'pending' "
        "AND sending_at IS NULL RETURNING id"
    )


_SENDING_SQL = _sending_sql("digests")


async def mark_row_unknown(
    db: Database, table: Ledger, row_id: int, now: datetime, error: str
) -> None:
    """The request may have reached the user: never sent again, kept to be counted."""
    await db.execute(
        f"UPDATE {table} SET status = 'sent', outcome_unknown = 1, sent_at = ?, "
        "attempts = attempts + 1, last_error = ? WHERE id = ? AND status = 'pending'",
        (format_utc(now), error[:500], row_id),
    )


_Queued = list[tuple[str, tuple[Any, ...], "asyncio.Future[list[Any]]"]]


class _SharedHops:
    """Small writes that arrive together share one thread hop; each is still its own
    autocommitted statement, committed before its caller goes on.

    The sweep's senders each mark their digest sending just before its request and sent
    just after: two statements of ~0.1 ms, each paying a thread hop several times that.
    A write asked for while a hop is under way waits for the next hop, with every other
    write asked for meanwhile. Nothing is deferred or merged: a digest is marked sending,
    committed, before its own request, exactly as before, and no statement waits for one
    it does not already wait behind.
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self._queue: _Queued = []
        self._flushing: asyncio.Task[None] | None = None

    async def fetchall(self, sql: str, params: tuple[Any, ...]) -> list[Any]:
        future: asyncio.Future[list[Any]] = asyncio.get_running_loop().create_future()
        self._queue.append((sql, params, future))
        if self._flushing is None:
            self._flushing = asyncio.create_task(self._flush())
        return await future

    async def _flush(self) -> None:
        try:
            while self._queue:
                batch, self._queue = self._queue, []

                def write(
                    conn: sqlite3.Connection, batch: _Queued = batch
                ) -> list[list[Any] | Exception]:
                    out: list[list[Any] | Exception] = []
                    for sql, params, _ in batch:
                        try:
                            out.append(conn.execute(sql, params).fetchall())
                        except Exception as exc:  # that caller's error, not the others'
                            out.append(exc)
                    return out

                try:
                    results = await self.db.run(write)
                except BaseException as exc:
                    for _, _, future in batch:
                        if not future.done():
                            future.set_exception(
                                exc if isinstance(exc, Exception) else asyncio.CancelledError()
                            )
                    if not isinstance(exc, Exception):
                        raise
                    continue
                for (_, _, future), result in zip(batch, results, strict=True):
                    if future.done():
                        continue  # its caller was cancelled; the write stands, as before
                    if isinstance(result, Exception):
                        future.set_exception(result)
                    else:
                        future.set_result(result)
        finally:
            self._flushing = None
            # Cancelled itself (the loop shutting down): nobody is left waiting forever.
            left, self._queue = self._queue, []
            for _, _, future in left:
                if not future.done():
                    future.set_exception(asyncio.CancelledError())


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


Nudged = Callable[[int, int | None, Sequence[int], date | None, date | None], None]
"""(owner, version now, person ids, from day, to day): those people's `last_nudged_on`
moved from `from day` (None: whatever it was) to `to day` at that owner version."""


# (owner, their version after the write, the people nudged, the day): for `nudged`.
_Touched = list[tuple[int, int | None, list[int], date]]


class SqliteDigestLedger:
    """`ports.DigestLedger` over the `users.next_digest_at` column and `digests` table.

    `invalidate(owner)` tells the store's cache that this owner's people changed, written
    here outside a `change`; `nudged`, when given, patches the cached people instead (a
    digest only moves a few people's `last_nudged_on`: no reason to re-read everyone).
    """

    def __init__(
        self, db: Database, invalidate: Callable[[int], None], nudged: Nudged | None = None
    ) -> None:
        self.db = db
        self.invalidate = invalidate
        self.nudged = nudged
        self._hops = _SharedHops(db)

    def _patched(
        self,
        owner: int,
        version: int | None,
        ids: Sequence[int],
        before: date | None,
        after: date | None,
    ) -> None:
        if self.nudged is None:
            self.invalidate(owner)
        else:
            self.nudged(owner, version, ids, before, after)

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

        def write(conn: sqlite3.Connection) -> tuple[list[int], _Touched]:
            recorded: list[int] = []
            touched: _Touched = []
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
                    # Their people changed.
                    bumped = next(iter(conn.execute(BUMP_SQL, (plan.owner,)).fetchall()), None)
                    recorded.append(int(inserted[0][0]))
                    version = int(bumped[0]) if bumped else None
                    touched.append((plan.owner, version, ids, digest.local_day))
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            return recorded, touched

        recorded, touched = await self.db.run(write)
        for owner, version, ids, day in touched:
            self._patched(owner, version, ids, None, day)
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
        """`mark_row_sending`'s statement, sharing a hop with the other senders'."""
        rows = await self._hops.fetchall(_SENDING_SQL, (format_utc(now), digest_id))
        return bool(rows)

    async def mark_sent(self, digest_id: int, now: datetime) -> None:
        await self._hops.fetchall(
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
            if not (done and ids):
                return
            bumped = list(await conn.execute_fetchall(BUMP_SQL, (digest.owner,)))
            await conn.execute(
                "UPDATE people SET last_nudged_on = NULL WHERE owner_id = ? "
                f"AND last_nudged_on = ? AND id IN ({','.join('?' * len(ids))})",
                (digest.owner, digest.local_day.isoformat(), *ids),
            )
        self._patched(
            digest.owner, int(bumped[0][0]) if bumped else None, ids, digest.local_day, None
        )


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None
