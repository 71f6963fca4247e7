"""The digest ledger over PostgreSQL, safe for every worker to sweep at once.

The SQLite ledger's rules (bot/store/sqlite/digests.py) plus leases, because here many
processes sweep the same rows:
- `due` claims the owners it returns (`users.due_lease_until`, `FOR UPDATE SKIP LOCKED`):
  each due owner is planned by one worker; `record` still moves a schedule only from the
  instant it was planned from, so even a worker whose lease ran out cannot double it;
- a recorded digest is leased to the worker that recorded it, `claim_pending` leases
  pending ones (`UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED LIMIT n)`), and
  only the lease holder marks a digest sent, retried or final. A dead worker's lease runs
  out and the next sweep anywhere re-claims it.
Leases are measured on the injected clock, so tests move time instead of waiting.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from bot.core.clock import Clock
from bot.ports.digests import (
    EVERYONE,
    EXPIRED,
    DueUser,
    Planned,
    Scope,
    StoredDigest,
    Unscheduled,
)
from bot.store.postgres.db import PgDatabase, dumps
from bot.store.postgres.identities import scope_sql
from bot.store.postgres.schedules import last_digest_day

_STORED = (
    "d.id, d.owner_id, u.timezone, d.local_day, d.status, d.attempts, d.text, d.buttons, "
    "d.person_ids, d.sending_at"
)


def _stored(row: Any) -> StoredDigest:
    return StoredDigest(
        id=row["id"],
        owner=row["owner_id"],
        timezone=row["timezone"],
        local_day=row["local_day"],
        status=row["status"],
        attempts=row["attempts"],
        text=row["text"],
        buttons=tuple(tuple((str(b[0]), str(b[1])) for b in r) for r in row["buttons"]),
        person_ids=tuple(int(i) for i in row["person_ids"]),
        sending=row["sending_at"] is not None,
    )


class PgDigestLedger:
    """`ports.DigestLedger` over `users.next_digest_at` and `digests`, with leases."""

    def __init__(
        self,
        db: PgDatabase,
        invalidate: Callable[[int], None],
        clock: Clock,
        lease: float = 180.0,
        worker: str | None = None,
    ) -> None:
        self.db = db
        self.invalidate = invalidate
        self.clock = clock
        self.lease = timedelta(seconds=lease)
        #: Whose leases are ours: one name per process (or per ledger, in tests).
        self.worker = worker or uuid.uuid4().hex

    async def next_digest_at(self, owner: int) -> datetime | None:
        value: datetime | None = await self.db.fetchval(
            "SELECT next_digest_at FROM users WHERE id = $1", owner
        )
        return value

    async def last_day(self, owner: int) -> date | None:
        async with self.db.connection() as conn:
            return await last_digest_day(conn, owner)

    async def unscheduled(self, limit: int, scope: Scope = EVERYONE) -> list[Unscheduled]:
        where, params = scope_sql(scope, "u.id", 2)
        rows = await self.db.fetch(
            "SELECT u.id, u.timezone, u.digest_time, "
            "  (SELECT max(local_day) FROM digests d WHERE d.owner_id = u.id) AS last_day "
            "FROM users u WHERE u.active AND u.digest_time IS NOT NULL "
            f"AND u.next_digest_at IS NULL{where} ORDER BY u.id LIMIT $1",
            limit,
            *params,
        )
        return [Unscheduled(r["id"], r["timezone"], r["digest_time"], r["last_day"]) for r in rows]

    async def set_schedules(self, schedules: Sequence[tuple[int, datetime]]) -> None:
        if schedules:
            await self.db.execute(
                "UPDATE users u SET next_digest_at = s.at "
                "FROM unnest($1::bigint[], $2::timestamptz[]) AS s(owner, at) "
                "WHERE u.id = s.owner AND u.next_digest_at IS NULL",
                [o for o, _ in schedules],
                [at for _, at in schedules],
            )

    async def due(self, now: datetime, limit: int, scope: Scope = EVERYONE) -> list[DueUser]:
        """Active owners whose digest instant has come, longest-waiting first, claimed
        for this worker for one lease (others skip them meanwhile)."""
        where, params = scope_sql(scope, "u.id", 4)
        rows = await self.db.fetch(
            "WITH c AS (UPDATE users u SET due_lease_until = $2 WHERE u.id IN ("
            "  SELECT u.id FROM users u WHERE u.active AND u.next_digest_at IS NOT NULL "
            "  AND u.next_digest_at <= $1 AND u.digest_time IS NOT NULL "
            f"  AND (u.due_lease_until IS NULL OR u.due_lease_until <= $1){where} "
            "  ORDER BY u.next_digest_at, u.id FOR UPDATE SKIP LOCKED LIMIT $3) "
            "  RETURNING u.id, u.timezone, u.digest_time, u.next_digest_at) "
            "SELECT c.*, (SELECT max(local_day) FROM digests d WHERE d.owner_id = c.id) "
            "  AS last_day FROM c ORDER BY c.next_digest_at, c.id",
            now,
            now + self.lease,
            limit,
            *params,
        )
        return [
            DueUser(r["id"], r["timezone"], r["digest_time"], r["next_digest_at"], r["last_day"])
            for r in rows
        ]

    async def record(self, plans: Sequence[Planned], now: datetime) -> list[int]:
        """Apply a sweep's plans in one transaction; the ids of the digests to send now
        (leased to this worker)."""
        if not plans:
            return []
        recorded: list[int] = []
        touched: set[int] = set()
        until = now + self.lease
        async with self.db.transaction() as conn:
            for plan in plans:
                moved = await conn.fetchval(
                    "UPDATE users SET next_digest_at = $1, due_lease_until = NULL "
                    "WHERE id = $2 AND active AND next_digest_at IS NOT DISTINCT FROM $3 "
                    "RETURNING id",
                    plan.next_at,
                    plan.owner,
                    plan.expected,
                )
                digest = plan.digest
                if moved is None or digest is None:
                    continue
                inserted = await conn.fetchval(
                    "INSERT INTO digests (owner_id, local_day, status, text, buttons, "
                    "  person_ids, created_at, lease_owner, lease_until) "
                    "VALUES ($1, $2, 'pending', $3, $4::text::jsonb, $5, $6, $7, $8) "
                    "ON CONFLICT (owner_id, local_day) DO NOTHING RETURNING id",
                    plan.owner,
                    digest.local_day,
                    digest.text,
                    dumps([[list(b) for b in row] for row in digest.buttons]),
                    list(digest.person_ids),
                    now,
                    self.worker,
                    until,
                )
                if inserted is None:
                    continue  # that local day already has its digest
                await conn.execute(
                    "WITH n AS (UPDATE people SET last_nudged_on = $1 WHERE owner_id = $2 "
                    "  AND id = ANY($3::bigint[])) "
                    "UPDATE users SET roster_version = roster_version + 1 WHERE id = $2",
                    digest.local_day,
                    plan.owner,
                    list(digest.person_ids),
                )
                recorded.append(int(inserted))
                touched.add(plan.owner)
        for owner in touched:
            self.invalidate(owner)
        return recorded

    async def get_many(self, ids: Sequence[int]) -> list[StoredDigest]:
        if not ids:
            return []
        rows = await self.db.fetch(
            f"SELECT {_STORED} FROM digests d JOIN users u ON u.id = d.owner_id "
            "WHERE d.id = ANY($1::bigint[])",
            list(ids),
        )
        found = {r["id"]: _stored(r) for r in rows}
        return [found[i] for i in ids if i in found]

    async def claim_pending(self, limit: int, scope: Scope = EVERYONE) -> list[StoredDigest]:
        """Pending digests of active owners whose lease is free, ran out or is ours,
        oldest first, leased to this worker."""
        now = self.clock.now()
        where, params = scope_sql(scope, "d.owner_id", 5)
        rows = await self.db.fetch(
            "WITH c AS (UPDATE digests d SET lease_owner = $1, lease_until = $2 "
            "  WHERE d.id IN (SELECT d.id FROM digests d JOIN users u ON u.id = d.owner_id "
            "    WHERE d.status = 'pending' AND u.active "
            # Our own leases too: this process sweeps one pass at a time (Sweeper's
            # lock), so a digest leased to us is not being sent right now.
            "    AND (d.lease_until IS NULL OR d.lease_until <= $3 OR d.lease_owner = $1)"
            f"{where} "
            "    ORDER BY d.id FOR UPDATE OF d SKIP LOCKED LIMIT $4) RETURNING d.*) "
            f"SELECT {_STORED.replace('d.', 'c.')} FROM c JOIN users u ON u.id = c.owner_id "
            "ORDER BY c.id",
            self.worker,
            now + self.lease,
            now,
            limit,
            *params,
        )
        return [_stored(r) for r in rows]

    async def mark_sending(self, digest_id: int, now: datetime) -> bool:
        """Committed just before the request; False if the digest is not ours to send
        (no longer pending, already being sent, or its lease went to another worker)."""
        done = await self.db.fetchval(
            "UPDATE digests SET sending_at = $1 WHERE id = $2 AND status = 'pending' "
            "AND sending_at IS NULL AND lease_owner = $3 RETURNING id",
            now,
            digest_id,
            self.worker,
        )
        return done is not None

    async def mark_unknown(self, digest_id: int, now: datetime, error: str) -> None:
        """The request may have reached the user: never sent again, kept to be counted."""
        await self.db.execute(
            "UPDATE digests SET status = 'sent', outcome_unknown = true, sent_at = $1, "
            "attempts = attempts + 1, last_error = $2, lease_owner = NULL, lease_until = NULL "
            "WHERE id = $3 AND status = 'pending' AND lease_owner = $4",
            now,
            error[:500],
            digest_id,
            self.worker,
        )

    async def mark_sent(self, digest_id: int, now: datetime) -> None:
        """Sent, if this worker still holds the lease (else another may have re-claimed
        it, and it is theirs to mark)."""
        await self.db.execute(
            "UPDATE digests SET status = 'sent', attempts = attempts + 1, sent_at = $1, "
            "sending_at = NULL, last_error = NULL, lease_owner = NULL, lease_until = NULL "
            "WHERE id = $2 AND status = 'pending' AND lease_owner = $3",
            now,
            digest_id,
            self.worker,
        )

    async def mark_attempt(self, digest_id: int, error: str) -> None:
        """A send that failed for now: pending again, free for the next sweep anywhere."""
        await self.db.execute(
            "UPDATE digests SET attempts = attempts + 1, last_error = $1, sending_at = NULL, "
            "lease_owner = NULL, lease_until = NULL "
            "WHERE id = $2 AND status = 'pending' AND lease_owner = $3",
            error[:500],
            digest_id,
            self.worker,
        )

    async def mark_final(self, digest: StoredDigest, status: str, error: str = "") -> None:
        """Never to be sent; its people's nudged mark is taken back (see SQLite's)."""
        async with self.db.transaction() as conn:
            done = await conn.fetchval(
                "UPDATE digests SET status = $1, attempts = attempts + $2, last_error = $3, "
                "lease_owner = NULL, lease_until = NULL "
                "WHERE id = $4 AND status = 'pending' AND lease_owner = $5 RETURNING id",
                status,
                0 if status == EXPIRED else 1,
                error[:500] or None,
                digest.id,
                self.worker,
            )
            if done is not None and digest.person_ids:
                await conn.execute(
                    "WITH n AS (UPDATE people SET last_nudged_on = NULL WHERE owner_id = $1 "
                    "  AND last_nudged_on = $2 AND id = ANY($3::bigint[])) "
                    "UPDATE users SET roster_version = roster_version + 1 WHERE id = $1",
                    digest.owner,
                    digest.local_day,
                    list(digest.person_ids),
                )
        self.invalidate(digest.owner)
