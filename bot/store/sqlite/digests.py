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
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Final

import aiosqlite

from bot.core.clock import format_utc, parse_utc
from bot.core.schedule import first_digest_at, parse_clock

if TYPE_CHECKING:
    from bot.store.sqlite.store import Store

log = logging.getLogger(__name__)

PENDING: Final = "pending"
SENT: Final = "sent"
UNDELIVERABLE: Final = "undeliverable"
REJECTED: Final = "rejected"
EXPIRED: Final = "expired"

ButtonRows = tuple[tuple[tuple[str, str], ...], ...]
"""Buttons as rows of (label, callback data): what the store keeps of a Reply's buttons."""


async def last_digest_day(conn: aiosqlite.Connection, owner: int) -> date | None:
    """The local day of the owner's newest digest row, whatever became of it."""
    rows = list(
        await conn.execute_fetchall(
            "SELECT max(local_day) FROM digests WHERE owner_id = ?", (owner,)
        )
    )
    value = rows[0][0] if rows else None
    return date.fromisoformat(value) if value else None


def next_digest_text(
    now: datetime, timezone: str, digest_time: str | None, last_day: date | None
) -> str | None:
    """`next_digest_at` for these settings: NULL when the digest is off.

    `last_day` keeps the one-per-local-day promise when the time changes after today's
    digest was recorded: the next one is then tomorrow's. Settings that cannot be
    scheduled (a zone this machine's tzdata lacks) give NULL rather than an error that
    would refuse the settings change itself; the sweep retries such rows.
    """
    if digest_time is None:
        return None
    try:
        at = first_digest_at(now, timezone, parse_clock(digest_time), last_sent_day=last_day)
    except ValueError:
        log.warning("cannot schedule a digest at %r in %r", digest_time, timezone)
        return None
    return format_utc(at)


async def schedule_for(
    conn: aiosqlite.Connection,
    owner: int,
    timezone: str,
    digest_time: str | None,
    now: datetime,
) -> str | None:
    """`next_digest_at` for the owner's (new) settings, read inside the caller's transaction."""
    if digest_time is None:
        return None
    return next_digest_text(now, timezone, digest_time, await last_digest_day(conn, owner))


@dataclass(frozen=True, slots=True)
class DueUser:
    """A user whose `next_digest_at` has come, with what planning their sweep needs."""

    owner: int
    timezone: str
    digest_time: str
    next_digest_at: str
    last_day: date | None


@dataclass(frozen=True, slots=True)
class Unscheduled:
    """An active user with a digest time but no `next_digest_at` (e.g. from before V2)."""

    owner: int
    timezone: str
    digest_time: str
    last_day: date | None


@dataclass(frozen=True, slots=True)
class NewDigest:
    """What to record for one due user: the message, and the people it nudges."""

    local_day: date
    text: str
    buttons: ButtonRows
    person_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Planned:
    """One due user's outcome of a sweep: move the schedule on, maybe with a digest.

    `expected` is the `next_digest_at` the plan was made from: recording only happens if
    the row still holds it, so a `/digest` or `/timezone` change that landed meanwhile
    wins (the next sweep plans again from the new settings).
    """

    owner: int
    expected: str
    next_at: str | None
    digest: NewDigest | None = None


@dataclass(frozen=True, slots=True)
class StoredDigest:
    """A recorded digest, as the ledger holds it."""

    id: int
    owner: int
    timezone: str
    local_day: date
    status: str
    attempts: int
    text: str
    buttons: ButtonRows
    person_ids: tuple[int, ...]
    sending: bool = False  # its request was started and never got an outcome


_STORED_SQL = """
SELECT d.id, d.owner_id, u.timezone, d.local_day, d.status, d.attempts, d.text, d.buttons,
       d.person_ids, d.sending_at
  FROM digests d JOIN users u ON u.id = d.owner_id
"""


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


@dataclass(frozen=True, slots=True)
class Scope:
    """Which users a sweep may touch: one `owner`, or every id from `min_owner` up.

    The terminal's user is id 0 and Telegram user ids are positive, so a Telegram sweep
    (`min_owner=1`) and a `kith chat` sweep (`owner=0`) can share one database without
    ever taking each other's digests.
    """

    owner: int | None = None
    min_owner: int | None = None

    def sql(self, column: str) -> tuple[str, tuple[int, ...]]:
        clause, params = "", list[int]()
        if self.owner is not None:
            clause += f" AND {column} = ?"
            params.append(self.owner)
        if self.min_owner is not None:
            clause += f" AND {column} >= ?"
            params.append(self.min_owner)
        return clause, tuple(params)


EVERYONE: Final = Scope()


class DigestLog:
    """Reads and writes of the schedule and the digest history, for the sweep.

    The batch reads take a `Scope`: which users this sweep is for.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self.db = store.db

    async def next_digest_at(self, owner: int) -> datetime | None:
        rows = await self.db.fetchall("SELECT next_digest_at FROM users WHERE id = ?", (owner,))
        value = rows[0][0] if rows else None
        return parse_utc(value) if value else None

    async def last_day(self, owner: int) -> date | None:
        async with self.db.lock:
            return await last_digest_day(self.db.conn, owner)

    async def unscheduled(self, limit: int, scope: Scope = EVERYONE) -> list[Unscheduled]:
        where, params = scope.sql("u.id")
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

    async def set_schedules(self, schedules: Sequence[tuple[int, str]]) -> None:
        """Fill in `next_digest_at` for rows that are still unscheduled."""
        if schedules:
            await self.db.executemany(
                "UPDATE users SET next_digest_at = ? WHERE id = ? AND next_digest_at IS NULL",
                [(at, owner) for owner, at in schedules],
            )

    async def due(self, now: datetime, limit: int, scope: Scope = EVERYONE) -> list[DueUser]:
        """Active users whose digest instant has come, the longest-waiting first."""
        where, params = scope.sql("u.id")
        rows = await self.db.fetchall(
            "SELECT u.id, u.timezone, u.digest_time, u.next_digest_at, "
            "  (SELECT max(local_day) FROM digests d WHERE d.owner_id = u.id) AS last_day "
            "FROM users u "
            "WHERE u.active = 1 AND u.next_digest_at IS NOT NULL AND u.next_digest_at <= ? "
            f"AND u.digest_time IS NOT NULL{where} "
            "ORDER BY u.next_digest_at, u.id LIMIT ?",
            (format_utc(now), *params, limit),
        )
        return [
            DueUser(
                r["id"], r["timezone"], r["digest_time"], r["next_digest_at"], _day(r["last_day"])
            )
            for r in rows
        ]

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
                        (plan.next_at, plan.owner, plan.expected),
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
                    recorded.append(int(inserted[0][0]))
                    touched.add(plan.owner)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            return recorded, touched

        recorded, touched = await self.db.run(write)
        for owner in touched:
            self.store.invalidate(owner)
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

    async def pending(self, limit: int, scope: Scope = EVERYONE) -> list[StoredDigest]:
        """Recorded digests not yet delivered, of active users, oldest first."""
        where, params = scope.sql("d.owner_id")
        rows = await self.db.fetchall(
            _STORED_SQL + f" WHERE d.status = 'pending' AND u.active = 1{where} "
            "ORDER BY d.id LIMIT ?",
            (*params, limit),
        )
        return [_stored(r) for r in rows]

    async def mark_sending(self, digest_id: int, now: datetime) -> bool:
        """Committed just before the request; False if the row is not ours to send."""
        rows = await self.db.fetchall(
            "UPDATE digests SET sending_at = ? WHERE id = ? AND status = 'pending' "
            "AND sending_at IS NULL RETURNING id",
            (format_utc(now), digest_id),
        )
        return bool(rows)

    async def mark_sent(self, digest_id: int, now: datetime) -> None:
        await self.db.execute(
            "UPDATE digests SET status = 'sent', attempts = attempts + 1, sent_at = ?, "
            "sending_at = NULL, last_error = NULL WHERE id = ? AND status = 'pending'",
            (format_utc(now), digest_id),
        )

    async def mark_unknown(self, digest_id: int, now: datetime, error: str) -> None:
        """The request may have reached the user: never sent again, kept to be counted."""
        await self.db.execute(
            "UPDATE digests SET status = 'sent', outcome_unknown = 1, sent_at = ?, "
            "attempts = attempts + 1, last_error = ? WHERE id = ? AND status = 'pending'",
            (format_utc(now), error[:500], digest_id),
        )

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
                await conn.execute(
                    "UPDATE people SET last_nudged_on = NULL WHERE owner_id = ? "
                    f"AND last_nudged_on = ? AND id IN ({','.join('?' * len(ids))})",
                    (digest.owner, digest.local_day.isoformat(), *ids),
                )
        self.store.invalidate(digest.owner)


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None
