"""`ports.InsightReads`: reads for the circles picture, the review, places and groups.

Owner-scoped like everything in the store; the writes are `SqliteChange` intents.
The review ledger follows the digest's rules (digests.py): a row per user and week is
written *before* the message is sent, and `UNIQUE(owner_id, week)` refuses a second
one, so a week has one review across restarts.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from bot.core.clock import format_utc
from bot.core.patterns import Meeting
from bot.ports.digests import EVERYONE, ButtonRows, Scope
from bot.ports.insight import Group, OpenItem, ReviewUser, StoredReview
from bot.store.sqlite.db import Database
from bot.store.sqlite.digests import mark_row_sending, mark_row_unknown
from bot.store.sqlite.identities import scope_sql


class SqliteInsight:
    """`ports.InsightReads` over SQLite: the queries behind /circles, /review, /group."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- meetings --------------------------------------------------------------

    async def meetings(self, owner: int, since: date) -> list[Meeting]:
        """Every (person, meeting) of the owner from `since` on, newest first."""
        rows = await self.db.fetchall(
            "SELECT ip.person_id, ip.day, i.kind, i.place, i.initiator, i.id "
            "FROM interaction_people ip JOIN interactions i ON i.id = ip.interaction_id "
            "WHERE ip.owner_id = ? AND i.owner_id = ? AND ip.day >= ? "
            "ORDER BY ip.day DESC, i.id DESC",
            (owner, owner, since.isoformat()),
        )
        return [_meeting(r) for r in rows]

    async def person_meetings(self, owner: int, person_id: int, limit: int = 50) -> list[Meeting]:
        """One person's latest meetings, newest first (places and who reached out)."""
        rows = await self.db.fetchall(
            "SELECT ip.person_id, ip.day, i.kind, i.place, i.initiator, i.id "
            "FROM interaction_people ip JOIN interactions i ON i.id = ip.interaction_id "
            "WHERE ip.owner_id = ? AND ip.person_id = ? "
            "ORDER BY ip.day DESC, i.id DESC LIMIT ?",
            (owner, person_id, limit),
        )
        return [_meeting(r) for r in rows]

    # -- open favors and follow-ups ---------------------------------------------

    async def open_items(self, owner: int) -> list[OpenItem]:
        rows = await self.db.fetchall(
            "SELECT 'favors' AS t, id, person_id, kind || ': ' || text AS text, created_at "
            "FROM favors WHERE owner_id = ? AND done = 0 "
            "UNION ALL SELECT 'follow_ups', id, person_id, text, created_at "
            "FROM follow_ups WHERE owner_id = ? AND done = 0 ORDER BY 5, 2",
            (owner, owner),
        )
        return [OpenItem(r[0], r[1], r[2], r[3], date.fromisoformat(r[4][:10])) for r in rows]

    async def dates(self, owner: int) -> list[tuple[int, str, int, int]]:
        """(person id, label, month, day) of every yearly date."""
        rows = await self.db.fetchall(
            "SELECT person_id, label, month, day FROM dates WHERE owner_id = ?", (owner,)
        )
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    # -- groups ----------------------------------------------------------------

    async def groups(self, owner: int) -> list[Group]:
        rows = await self.db.fetchall(
            "SELECT g.id, g.name, g.cadence_days, g.created_at, "
            "  (SELECT group_concat(m.person_id) FROM friend_group_members m "
            "    WHERE m.group_id = g.id) AS members "
            "FROM friend_groups g WHERE g.owner_id = ? ORDER BY g.name_key",
            (owner,),
        )
        return [
            Group(
                r["id"],
                r["name"],
                r["cadence_days"],
                tuple(int(x) for x in str(r["members"]).split(",")) if r["members"] else (),
                date.fromisoformat(r["created_at"][:10]),
            )
            for r in rows
        ]

    async def owners_with_groups(self, owners: Sequence[int]) -> set[int]:
        """Which of these owners have a group at all (most have none: one query)."""
        found: set[int] = set()
        for start in range(0, len(owners), 900):
            chunk = list(owners[start : start + 900])
            rows = await self.db.fetchall(
                "SELECT DISTINCT owner_id FROM friend_groups "
                f"WHERE owner_id IN ({','.join('?' * len(chunk))})",
                chunk,
            )
            found.update(int(r[0]) for r in rows)
        return found

    async def latest_meeting_people(
        self, owner: int, at_least: int = 0
    ) -> tuple[tuple[int, ...], bool]:
        sql = (
            "SELECT (SELECT group_concat(person_id) FROM (SELECT person_id FROM "
            "interaction_people x WHERE x.interaction_id = i.id ORDER BY person_id)) AS ids "
            "FROM interactions i WHERE i.owner_id = ? ORDER BY i.id DESC LIMIT ?"
        )

        def read(conn: sqlite3.Connection) -> list[Any]:
            # The newest meeting first, the 199 before it only if it is big enough: one
            # thread hop either way.
            newest = conn.execute(sql, (owner, 1)).fetchall()
            if (
                not newest
                or not newest[0]["ids"]
                or str(newest[0]["ids"]).count(",") + 1 < at_least
            ):
                return newest
            return conn.execute(sql, (owner, 200)).fetchall()

        rows = await self.db.run(read)
        if not rows or not rows[0]["ids"]:
            return (), False
        latest = rows[0]["ids"]
        ids = tuple(int(x) for x in str(latest).split(","))
        return ids, any(r["ids"] == latest for r in rows[1:])

    # -- the review setting and ledger ---------------------------------------------

    async def review_on(self, owner: int) -> bool:
        rows = await self.db.fetchall("SELECT review_weekly FROM users WHERE id = ?", (owner,))
        return bool(rows and rows[0][0])

    async def review_users(
        self, scope: Scope = EVERYONE, now: datetime | None = None
    ) -> list[ReviewUser]:
        """Active users with the review on (the sweep decides whose week has come); with
        `now`, only those whose `next_review_at` has come or is unknown."""
        clause, params = scope_sql(scope, "id")
        when: tuple[str, ...] = ()
        if now is not None:
            clause = " AND (next_review_at IS NULL OR next_review_at <= ?)" + clause
            when = (format_utc(now),)
        rows = await self.db.fetchall(
            "SELECT id, timezone, digest_time FROM users "
            f"WHERE active = 1 AND review_weekly = 1{clause} ORDER BY id",
            (*when, *params),
        )
        return [ReviewUser(r[0], r[1], r[2]) for r in rows]

    async def set_review_times(self, times: Sequence[tuple[int, datetime]]) -> None:
        if times:
            await self.db.executemany(
                "UPDATE users SET next_review_at = ? WHERE id = ?",
                [(format_utc(at), owner) for owner, at in times],
            )

    async def reviewed_weeks(self, owners: Sequence[int], weeks: Sequence[str]) -> set[int]:
        """Which of these owners already have a review row for their given week."""
        if not owners:
            return set()
        pairs = ",".join("(?, ?)" for _ in owners)
        values = [x for owner, week in zip(owners, weeks, strict=True) for x in (owner, week)]
        rows = await self.db.fetchall(
            f"WITH w(owner, week) AS (VALUES {pairs}) SELECT r.owner_id FROM w "
            "JOIN reviews r ON r.owner_id = w.owner AND r.week = w.week",
            values,
        )
        return {int(r[0]) for r in rows}

    async def record_review(
        self, owner: int, week: str, day: date, text: str, buttons: ButtonRows, now: datetime
    ) -> int | None:
        """Write the week's review down before sending; None when the week has one."""
        rows = await self.db.fetchall(
            "INSERT INTO reviews (owner_id, week, local_day, text, buttons, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(owner_id, week) DO NOTHING RETURNING id",
            (owner, week, day.isoformat(), text, json.dumps(buttons), format_utc(now)),
        )
        return int(rows[0][0]) if rows else None

    async def pending_reviews(self, scope: Scope = EVERYONE) -> list[StoredReview]:
        clause, params = scope_sql(scope, "r.owner_id")
        rows = await self.db.fetchall(
            "SELECT r.id, r.owner_id, r.week, r.local_day, u.timezone, r.text, r.buttons, "
            "r.attempts, r.sending_at FROM reviews r JOIN users u ON u.id = r.owner_id "
            f"WHERE r.status = 'pending'{clause} ORDER BY r.id",
            params,
        )
        return [_stored(r) for r in rows]

    async def mark_review_sending(self, review_id: int, now: datetime) -> bool:
        return await mark_row_sending(self.db, "reviews", review_id, now)

    async def mark_review_unknown(self, review_id: int, now: datetime, error: str) -> None:
        await mark_row_unknown(self.db, "reviews", review_id, now, error)

    async def mark_review(self, review_id: int, status: str, now: datetime, error: str) -> None:
        """`sent`, a failed attempt (`pending`: sendable again), or a final status."""
        await self.db.execute(
            "UPDATE reviews SET status = ?, attempts = attempts + 1, last_error = ?, "
            "sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END, "
            "sending_at = CASE WHEN ? = 'pending' THEN NULL ELSE sending_at END WHERE id = ?",
            (status, error[:500] or None, status, format_utc(now), status, review_id),
        )


def _meeting(r: Any) -> Meeting:
    return Meeting(
        r["person_id"], date.fromisoformat(r["day"]), r["kind"], r["place"], r["initiator"], r["id"]
    )


def _stored(r: Any) -> StoredReview:
    buttons: ButtonRows = tuple(
        tuple((str(label), str(data)) for label, data in row) for row in json.loads(r[6])
    )
    return StoredReview(
        r[0], r[1], r[2], date.fromisoformat(r[3]), r[4], r[5], buttons, int(r[7]), r[8] is not None
    )
