"""`ports.InsightReads` over PostgreSQL: the SQLite store's queries (bot/store/sqlite/
insight.py) in this dialect, with the review ledger's same one-row-per-week rule."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from bot.core.patterns import Meeting
from bot.ports.digests import EVERYONE, ButtonRows, Scope
from bot.ports.insight import Group, OpenItem, ReviewUser, StoredReview
from bot.store.postgres.db import PgDatabase, dumps
from bot.store.postgres.identities import scope_sql

_MEETING = (
    "SELECT ip.person_id, ip.day, i.kind, i.place, i.initiator, i.id "
    "FROM interaction_people ip JOIN interactions i ON i.id = ip.interaction_id "
)


def _meeting(r: Any) -> Meeting:
    return Meeting(r[0], r[1], r[2], r[3], r[4], r[5])


class PgInsight:
    """The queries behind /circles, /review and /group."""

    def __init__(self, db: PgDatabase) -> None:
        self.db = db

    async def meetings(self, owner: int, since: date) -> list[Meeting]:
        rows = await self.db.fetch(
            _MEETING + "WHERE ip.owner_id = $1 AND i.owner_id = $1 AND ip.day >= $2 "
            "ORDER BY ip.day DESC, i.id DESC",
            owner,
            since,
        )
        return [_meeting(r) for r in rows]

    async def person_meetings(self, owner: int, person_id: int, limit: int = 50) -> list[Meeting]:
        rows = await self.db.fetch(
            _MEETING + "WHERE ip.owner_id = $1 AND ip.person_id = $2 "
            "ORDER BY ip.day DESC, i.id DESC LIMIT $3",
            owner,
            person_id,
            limit,
        )
        return [_meeting(r) for r in rows]

    async def open_items(self, owner: int) -> list[OpenItem]:
        rows = await self.db.fetch(
            "SELECT 'favors' AS t, id, person_id, kind || ': ' || text AS text, created_at "
            "FROM favors WHERE owner_id = $1 AND NOT done "
            "UNION ALL SELECT 'follow_ups', id, person_id, text, created_at "
            "FROM follow_ups WHERE owner_id = $1 AND NOT done ORDER BY 5, 2",
            owner,
        )
        return [OpenItem(r[0], r[1], r[2], r[3], r[4].date()) for r in rows]

    async def dates(self, owner: int) -> list[tuple[int, str, int, int]]:
        rows = await self.db.fetch(
            "SELECT person_id, label, month, day FROM dates WHERE owner_id = $1", owner
        )
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    async def groups(self, owner: int) -> list[Group]:
        rows = await self.db.fetch(
            "SELECT g.id, g.name, g.cadence_days, g.created_at, "
            "  ARRAY(SELECT m.person_id FROM friend_group_members m WHERE m.group_id = g.id "
            "        ORDER BY m.id) AS members "
            'FROM friend_groups g WHERE g.owner_id = $1 ORDER BY g.name_key COLLATE "C"',
            owner,
        )
        return [Group(r[0], r[1], r[2], tuple(r["members"]), r["created_at"].date()) for r in rows]

    async def owners_with_groups(self, owners: Sequence[int]) -> set[int]:
        rows = await self.db.fetch(
            "SELECT DISTINCT owner_id FROM friend_groups WHERE owner_id = ANY($1::bigint[])",
            list(owners),
        )
        return {int(r[0]) for r in rows}

    async def latest_meeting_people(
        self, owner: int, at_least: int = 0
    ) -> tuple[tuple[int, ...], bool]:
        sql = (
            "SELECT ARRAY(SELECT person_id FROM interaction_people x "
            "  WHERE x.interaction_id = i.id ORDER BY person_id) AS ids "
            "FROM interactions i WHERE i.owner_id = $1 ORDER BY i.id DESC LIMIT $2"
        )
        # With a size to reach, the newest meeting alone first: most logs are too small
        # to need the 199 before it.
        rows = await self.db.fetch(sql, owner, 1 if at_least > 1 else 200)
        if at_least > 1 and rows and rows[0]["ids"] and len(rows[0]["ids"]) >= at_least:
            rows = await self.db.fetch(sql, owner, 200)
        if not rows or not rows[0]["ids"]:
            return (), False
        latest = list(rows[0]["ids"])
        return tuple(latest), any(list(r["ids"]) == latest for r in rows[1:])

    async def review_on(self, owner: int) -> bool:
        return bool(await self.db.fetchval("SELECT review_weekly FROM users WHERE id = $1", owner))

    async def review_users(
        self, scope: Scope = EVERYONE, now: datetime | None = None
    ) -> list[ReviewUser]:
        clause, params = scope_sql(scope, "id", 2)
        rows = await self.db.fetch(
            "SELECT id, timezone, digest_time FROM users WHERE active AND review_weekly "
            f"AND ($1::timestamptz IS NULL OR next_review_at IS NULL OR next_review_at <= $1)"
            f"{clause} ORDER BY id",
            now,
            *params,
        )
        return [ReviewUser(r[0], r[1], r[2]) for r in rows]

    async def set_review_times(self, times: Sequence[tuple[int, datetime]]) -> None:
        if times:
            await self.db.execute(
                "UPDATE users u SET next_review_at = t.at "
                "FROM unnest($1::bigint[], $2::timestamptz[]) AS t(owner, at) WHERE u.id = t.owner",
                [o for o, _ in times],
                [at for _, at in times],
            )

    async def reviewed_weeks(self, owners: Sequence[int], weeks: Sequence[str]) -> set[int]:
        if not owners:
            return set()
        rows = await self.db.fetch(
            "SELECT r.owner_id FROM unnest($1::bigint[], $2::text[]) AS w(owner, week) "
            "JOIN reviews r ON r.owner_id = w.owner AND r.week = w.week",
            list(owners),
            list(weeks),
        )
        return {int(r[0]) for r in rows}

    async def record_review(
        self, owner: int, week: str, day: date, text: str, buttons: ButtonRows, now: datetime
    ) -> int | None:
        value = await self.db.fetchval(
            "INSERT INTO reviews (owner_id, week, local_day, text, buttons, created_at) "
            "VALUES ($1, $2, $3, $4, $5::text::jsonb, $6) "
            "ON CONFLICT (owner_id, week) DO NOTHING RETURNING id",
            owner,
            week,
            day,
            text,
            dumps(buttons),
            now,
        )
        return int(value) if value is not None else None

    async def pending_reviews(self, scope: Scope = EVERYONE) -> list[StoredReview]:
        clause, params = scope_sql(scope, "r.owner_id", 1)
        rows = await self.db.fetch(
            "SELECT r.id, r.owner_id, r.week, r.local_day, u.timezone, r.text, r.buttons, "
            "r.attempts, r.sending_at FROM reviews r JOIN users u ON u.id = r.owner_id "
            f"WHERE r.status = 'pending'{clause} ORDER BY r.id",
            *params,
        )
        return [
            StoredReview(
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                r[5],
                tuple(tuple((str(a), str(b)) for a, b in row) for row in r[6]),
                int(r[7]),
                r[8] is not None,
            )
            for r in rows
        ]

    async def mark_review_sending(self, review_id: int, now: datetime) -> bool:
        """Committed just before the request; False if it is not ours to send (another
        worker marked it first, or it is no longer pending)."""
        done = await self.db.fetchval(
            "UPDATE reviews SET sending_at = $1 WHERE id = $2 AND status = 'pending' "
            "AND sending_at IS NULL RETURNING id",
            now,
            review_id,
        )
        return done is not None

    async def mark_review_unknown(self, review_id: int, now: datetime, error: str) -> None:
        """The request may have reached the user: never sent again, kept to be counted."""
        await self.db.execute(
            "UPDATE reviews SET status = 'sent', outcome_unknown = true, sent_at = $1, "
            "attempts = attempts + 1, last_error = $2 WHERE id = $3 AND status = 'pending'",
            now,
            error[:500],
            review_id,
        )

    async def mark_review(self, review_id: int, status: str, now: datetime, error: str) -> None:
        await self.db.execute(
            "UPDATE reviews SET status = $1, attempts = attempts + 1, last_error = $2, "
            "sent_at = CASE WHEN $1 = 'sent' THEN $3 ELSE sent_at END, "
            "sending_at = CASE WHEN $1 = 'pending' THEN NULL ELSE sending_at END WHERE id = $4",
            status,
            error[:500] or None,
            now,
            review_id,
        )
