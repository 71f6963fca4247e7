"""The digest schedule over PostgreSQL: `users.next_digest_at` as a `timestamptz`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from bot.core.clock import parse_utc
from bot.store.sqlite.schedules import next_digest_text


def next_digest(
    now: datetime, timezone: str, digest_time: str | None, last_day: date | None
) -> datetime | None:
    """`next_digest_at` for these settings (None: digest off, or cannot be scheduled)."""
    text = next_digest_text(now, timezone, digest_time, last_day)
    return parse_utc(text) if text else None


async def last_digest_day(conn: Any, owner: int) -> date | None:
    value: date | None = await conn.fetchval(
        "SELECT max(local_day) FROM digests WHERE owner_id = $1", owner
    )
    return value


async def schedule_for(
    conn: Any, owner: int, timezone: str, digest_time: str | None, now: datetime
) -> datetime | None:
    """`next_digest_at` for the owner's (new) settings, read in the caller's transaction."""
    if digest_time is None:
        return None
    return next_digest(now, timezone, digest_time, await last_digest_day(conn, owner))
