"""The digest schedule as the SQLite store keeps it: `users.next_digest_at`, UTC text.

Shared by the store (settings and new users) and the ledger (the sweep), so neither
imports the other.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

import aiosqlite

from bot.core.clock import format_utc
from bot.core.schedule import first_digest_at, parse_clock

log = logging.getLogger(__name__)

# Every write of an owner's people moves their version on (`users.version`, schema
# V_OWNER_VERSION), inside the write's transaction: how a cache in any process knows.
BUMP_SQL = "UPDATE users SET version = version + 1 WHERE id = ? RETURNING version"


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
