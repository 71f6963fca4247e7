"""Owner-scoped reads and writes over PostgreSQL (`ports.Store`), for many workers.

Every method takes the owner id first and every query filters on it. Several processes
write the same database, so nothing is cached on trust: each owner's roster is kept in
memory together with `users.roster_version`, which every write to their people moves on,
and is reused only while the version read at the start of the current message (by
`ensure_user`, or by the webhook unit's first statement) still matches.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

from bot.core.circles import Circles
from bot.core.clock import Clock, SystemClock, format_utc
from bot.core.due import Bands, overdue_ratio
from bot.core.lru import WeightedLRU
from bot.core.model import (
    ImportantDate,
    Interaction,
    Person,
    PersonCard,
    UserSettings,
)
from bot.core.names import PREFIX_ROWS, NameEntry, NameProbe
from bot.formats import ExportCounts, ExportDocument, ExportPart
from bot.ports.accounts import Duplicates, ImportBatch, ImportOutcome
from bot.ports.store import DatesAhead, Roster, UndoResult
from bot.ports.updates import UpdateKey, current
from bot.store import export_pages as pages
from bot.store.cards import cards_from_rows
from bot.store.postgres import accounts
from bot.store.postgres.changes import PgChange
from bot.store.postgres.db import PgDatabase, current_unit, dumps
from bot.store.postgres.digests import PgDigestLedger
from bot.store.postgres.identities import PgIdentities
from bot.store.postgres.insight import PgInsight
from bot.store.postgres.journal import apply_inverse
from bot.store.postgres.links import PgLinks
from bot.store.postgres.schedules import next_digest, schedule_for
from bot.store.postgres.updates import PgUpdateLog

CACHE_OWNERS = 100_000  # owners whose settings and roster version a worker remembers
CACHE_PEOPLE = 20_000  # people across the cached rosters
BUILD_IN_THREAD = 500  # people: a larger roster is built off the event loop

PERSON_COLUMNS = """p.id, p.name, p.circle, p.cadence_days, p.paused, p.added_on,
       p.snoozed_until, p.last_nudged_on, p.imported, p.last_contact, p.last_kind,
       ARRAY(SELECT alias FROM aliases a WHERE a.person_id = p.id ORDER BY a.id) AS aliases,
       ARRAY(SELECT tag FROM tags t WHERE t.person_id = p.id ORDER BY t.id) AS tags"""

_ROSTER_SQL = f"""
SELECT u.roster_version AS roster_version, {PERSON_COLUMNS}
  FROM users u LEFT JOIN people p ON p.owner_id = u.id
 WHERE u.id = $1
 ORDER BY p.id
"""


def person_from_row(row: Any) -> Person:
    return Person(
        id=row["id"],
        name=row["name"],
        circle=row["circle"],
        added_on=row["added_on"],
        cadence_days=row["cadence_days"],
        paused=row["paused"],
        aliases=tuple(row["aliases"]),
        tags=tuple(sorted(row["tags"])),
        last_contact=row["last_contact"],
        last_kind=row["last_kind"],
        snoozed_until=row["snoozed_until"],
        last_nudged_on=row["last_nudged_on"],
        imported=row["imported"],
    )


def _people_of(rows: Sequence[Any]) -> tuple[Person, ...]:
    return tuple(person_from_row(r) for r in rows if r["id"] is not None)


class PgStore:
    """`ports.Store` over PostgreSQL: every owner, each reachable only by their id."""

    def __init__(
        self,
        db: PgDatabase,
        clock: Clock | None = None,
        lease: float = 180.0,
        reply_lease: float = 30.0,
    ) -> None:
        self.db = db
        # Bounded as in the SQLite store: rosters by a budget of people (the least
        # recent owner evicted one at a time), per-message reads by a count of owners.
        self._people: WeightedLRU[int, Roster] = WeightedLRU(CACHE_PEOPLE, lambda r: len(r.people))
        #: What the current message read of each owner: settings and roster version.
        self._settings: WeightedLRU[int, UserSettings] = WeightedLRU(CACHE_OWNERS, lambda _: 1)
        self._version: WeightedLRU[int, int] = WeightedLRU(CACHE_OWNERS, lambda _: 1)
        self._ledger = PgDigestLedger(db, self.invalidate, clock or SystemClock(), lease)
        self._identities = PgIdentities(db, clock)
        self.updates = PgUpdateLog(db, clock or SystemClock(), reply_lease)
        self._insight = PgInsight(db)
        self._links = PgLinks(db)
        db.forget = self.invalidate

    @property
    def ledger(self) -> PgDigestLedger:
        return self._ledger

    @property
    def identities(self) -> PgIdentities:
        return self._identities

    @property
    def insight(self) -> PgInsight:
        return self._insight

    @property
    def links(self) -> PgLinks:
        return self._links

    # -- updates handled exactly once (bot/ports/updates.py) -------------------

    async def handled_among(
        self, transport: str, update_ids: Sequence[int], now: datetime
    ) -> set[int]:
        """Which of these updates were handled already; expired records never count."""
        if not update_ids:
            return set()
        rows = await self.db.fetch(
            "SELECT update_id FROM handled_updates WHERE transport = $1 AND expires_at >= $2 "
            "AND update_id = ANY($3::bigint[])",
            transport,
            now,
            list(update_ids),
        )
        return {int(r[0]) for r in rows}

    async def mark_handled(self, key: UpdateKey, owner: int) -> None:
        """Record an update that changed nothing, after handling it; expired ids go."""
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM handled_updates WHERE expires_at < $1", key.received_at)
            await _record_handled(conn, key, owner)

    async def close(self) -> None:
        await self.db.close()

    # -- cache -----------------------------------------------------------------

    def invalidate(self, owner: int) -> None:
        """Forget what is cached for the owner (after a write made outside `change`)."""
        self._people.pop(owner)
        self._settings.pop(owner)
        self._version.pop(owner)

    def _wrote(self, owner: int, version: int | None) -> None:
        """This process moved the owner's roster to `version`: the cache is stale."""
        self._people.pop(owner)
        self._settings.pop(owner)
        if version is None:
            self._version.pop(owner)
        else:
            self._version.put(owner, version)

    @asynccontextmanager
    async def change(self, owner: int, label: str, now: datetime) -> AsyncIterator[PgChange]:
        """A journaled transaction for one owner.

        Inside a webhook unit it is part of the unit's transaction, without a savepoint
        (two round trips saved per change): a change that fails after writing marks the
        unit failed, so the whole update rolls back ("nothing was changed" stays true),
        while one that wrote nothing (e.g. an import whose question was answered
        meanwhile) leaves the unit as it was.
        """
        version: int | None = None
        unit = current_unit()
        try:
            if unit is not None:
                change = PgChange(unit.conn, owner, label, now)
                try:
                    yield change
                    version = await change.commit_journal()
                    await _record_current(unit.conn, owner)
                except BaseException as exc:
                    # A failed statement aborts the unit's transaction whatever it was.
                    if change.wrote or isinstance(exc, asyncpg.PostgresError):
                        unit.failed = True
                    raise
                return
            async with self.db.transaction() as conn:
                change = PgChange(conn, owner, label, now)
                yield change
                version = await change.commit_journal()
                recorded = await _record_current(conn, owner)
            if recorded:
                _recorded()
        finally:
            self._wrote(owner, version)

    # -- users -----------------------------------------------------------------

    async def settings(self, owner: int) -> UserSettings | None:
        cached = self._settings.get(owner)
        if cached is not None:
            return cached
        row = await self.db.fetchrow(
            "SELECT timezone, digest_time, roster_version, date_order FROM users WHERE id = $1",
            owner,
        )
        if row is None:
            return None
        return self._remember(
            owner, row["timezone"], row["digest_time"], row["roster_version"], row["date_order"]
        )

    def _remember(
        self, owner: int, tz: str, digest_time: str | None, version: int, order: str | None
    ) -> UserSettings:
        result = UserSettings(timezone=tz, digest_time=digest_time, date_order=order)
        self._settings.put(owner, result)
        self._version.put(owner, version)
        return result

    async def ensure_user(self, owner: int, defaults: UserSettings, now: datetime) -> bool:
        """Create the owner if missing; read their settings and roster version either way
        (one round trip; none inside a webhook unit, which read them with its lock)."""
        unit = current_unit()
        if unit is not None and unit.owner == owner and unit.user is not None:
            tz, digest_time, version, order = unit.user
            unit.user = None  # read once: later calls in this unit see their own writes
            self._remember(owner, tz, digest_time, version, order)
            return False
        first = next_digest(now, defaults.timezone, defaults.digest_time, None)
        for _ in range(2):
            rows = await self.db.fetch(
                "WITH ins AS (INSERT INTO users (id, timezone, digest_time, created_at, "
                "  next_digest_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING "
                "  RETURNING timezone, digest_time, roster_version, date_order) "
                "SELECT timezone, digest_time, roster_version, date_order, true AS created "
                "FROM ins UNION ALL "
                "SELECT timezone, digest_time, roster_version, date_order, false FROM users "
                "WHERE id = $1",
                owner,
                defaults.timezone,
                defaults.digest_time,
                now,
                first,
            )
            if rows:  # none only when another worker inserted the row meanwhile
                row = rows[0]
                self._remember(
                    owner,
                    row["timezone"],
                    row["digest_time"],
                    row["roster_version"],
                    row["date_order"],
                )
                return bool(row["created"])
        return False

    async def update_settings(
        self, owner: int, label: str, now: datetime, **values: str | None
    ) -> None:
        async with self.change(owner, label, now) as ch:
            # The schedule follows the settings in the same transaction, journaled too.
            row = await ch.conn.fetchrow(
                "SELECT timezone, digest_time FROM users WHERE id = $1", owner
            )
            changes: dict[str, Any] = dict(values)
            if row is not None:
                merged = {"timezone": row["timezone"], "digest_time": row["digest_time"]}
                merged.update(values)
                changes["next_digest_at"] = await schedule_for(
                    ch.conn, owner, str(merged["timezone"]), merged["digest_time"], now
                )
            await ch.update("users", owner, changes)

    async def set_active(self, owner: int, active: bool) -> None:
        await self.db.execute("UPDATE users SET active = $2 WHERE id = $1", owner, active)

    async def reactivate(self, owner: int) -> None:
        """The user wrote to us, so they no longer block the bot: nudges may resume."""
        await self.db.execute("UPDATE users SET active = true WHERE id = $1 AND NOT active", owner)

    async def delete_user(self, owner: int) -> None:
        async with self.db.transaction() as conn:
            for table in (
                "interaction_people",
                "aliases",
                "tags",
                "notes",
                "follow_ups",
                "favors",
                "dates",
                "phones",
                "emails",
                "vcard_names",
                "friend_group_members",
                "log_messages",
            ):
                await conn.execute(f"DELETE FROM {table} WHERE owner_id = $1", owner)
            await conn.execute("DELETE FROM identities WHERE owner_id = $1", owner)
            await conn.execute("DELETE FROM users WHERE id = $1", owner)
            recorded = await _record_current(conn, owner)
        if recorded:
            _recorded()
        self.invalidate(owner)

    # -- people: reads ---------------------------------------------------------

    async def people(self, owner: int) -> tuple[Person, ...]:
        return (await self.roster(owner)).people

    async def roster(self, owner: int) -> Roster:
        """The owner's people, from memory while their roster version is unchanged."""
        cached = await self.roster_if_cached(owner)
        if cached is not None:
            return cached
        rows = await self.db.fetch(_ROSTER_SQL, owner)
        version = int(rows[0]["roster_version"]) if rows else -1
        if len(rows) > BUILD_IN_THREAD:
            # Thousands of people are tens of ms of Python: built in a thread, so every
            # other chat on this worker's event loop keeps being answered meanwhile.
            people = await asyncio.to_thread(_people_of, rows)
        else:
            people = _people_of(rows)
        roster = Roster(version, people)
        if rows:
            self._version.put(owner, version)
            self._people.put(owner, roster)
        return roster

    async def roster_if_cached(self, owner: int) -> Roster | None:
        """The roster in memory while the version this message read still matches."""
        cached = self._people.get(owner)
        if cached is None or cached.version != self._version.get(owner):
            return None
        return cached

    async def name_entries(self, owner: int, probe: NameProbe) -> list[NameEntry]:
        """People whose stored keys `probe` asks for (first names by the indexed
        `split_part(key, ' ', 1)`, as the SQLite store's ranges)."""
        rows = await self.db.fetch(
            "SELECT p.id, p.name, ARRAY(SELECT alias FROM aliases a WHERE a.person_id = p.id "
            "ORDER BY a.id) AS aliases FROM people p WHERE p.owner_id = $1 AND p.id IN ("
            "SELECT id FROM people WHERE owner_id = $1 AND name_key = ANY($2::text[]) "
            "UNION SELECT person_id FROM aliases WHERE owner_id = $1 "
            "  AND alias_key = ANY($2::text[]) "
            "UNION SELECT id FROM people WHERE owner_id = $1 AND fold_key = ANY($3::text[]) "
            "UNION SELECT person_id FROM aliases WHERE owner_id = $1 "
            "  AND fold_key = ANY($3::text[]) "
            "UNION SELECT id FROM people WHERE owner_id = $1 "
            "  AND split_part(name_key, ' ', 1) = ANY($4::text[]) "
            "UNION SELECT id FROM people WHERE owner_id = $1 AND fold_key IS NOT NULL "
            "  AND split_part(fold_key, ' ', 1) = ANY($5::text[]) "
            # Prefixes: the first PREFIX_ROWS by key in each range, in code point order
            # (COLLATE "C"), as Python sorts; folded order is fold_key's, else name_key's.
            + "".join(
                f"UNION SELECT x.id FROM unnest(${n}::text[], ${n + 1}::text[]) AS r(low, high), "
                f"LATERAL (SELECT id FROM people WHERE owner_id = $1 AND {where}"
                f'  {c} COLLATE "C" >= r.low AND (r.high IS NULL OR {c} COLLATE "C" < r.high) '
                f'  ORDER BY {c} COLLATE "C" LIMIT {PREFIX_ROWS}) x '
                for n, c, where in (
                    (6, "name_key", ""),
                    (8, "name_key", "fold_key IS NULL AND "),
                    (8, "fold_key", ""),
                )
            )
            + ") ORDER BY p.id",
            owner,
            list(probe.exact),
            list(probe.folded),
            list(probe.firsts),
            list(probe.folded_firsts),
            [low for low, _ in probe.prefix_ranges],
            [high for _, high in probe.prefix_ranges],
            [low for low, _ in probe.folded_prefix_ranges],
            [high for _, high in probe.folded_prefix_ranges],
        )
        return [NameEntry(r["id"], r["name"], tuple(r["aliases"])) for r in rows]

    async def person(self, owner: int, person_id: int) -> Person | None:
        roster = await self.roster_if_cached(owner)
        if roster is None:
            # Not in memory (another worker wrote, or a restart): one row, not everyone.
            row = await self.db.fetchrow(
                f"SELECT {PERSON_COLUMNS} FROM people p WHERE p.owner_id = $1 AND p.id = $2",
                owner,
                person_id,
            )
            return None if row is None else person_from_row(row)
        for p in roster.people:
            if p.id == person_id:
                return p
        return None

    async def card(self, owner: int, person_id: int, history: int = 5) -> PersonCard | None:
        person = await self.person(owner, person_id)
        if person is None:
            return None
        [card] = await self.cards(owner, [person], history)
        return card

    async def cards(
        self, owner: int, people: Sequence[Person], history: int = 5
    ) -> list[PersonCard]:
        return (await self.cards_many([(owner, people)], history))[owner]

    async def cards_many(
        self, wanted: Sequence[tuple[int, Sequence[Person]]], history: int = 5
    ) -> dict[int, list[PersonCard]]:
        """`cards` for several owners in one round trip: owner -> their cards."""
        pairs = [(owner, p) for owner, people in wanted for p in people]
        out: dict[int, list[PersonCard]] = {owner: [] for owner, _ in wanted}
        if not pairs:
            return out
        owners = [o for o, _ in pairs]
        ids = [p.id for _, p in pairs]
        w = "WITH w AS (SELECT * FROM unnest($1::bigint[], $2::bigint[]) AS w(owner, person)) "

        def rows(select: str, table: str, where: str = "") -> str:
            return (
                f"(SELECT coalesce(json_agg(x ORDER BY x.id), '[]') FROM (SELECT t.person_id, "
                f"{select} FROM w JOIN {table} t ON t.person_id = w.person "
                f"AND t.owner_id = w.owner {where}) x)"
            )

        # Each person's newest `history` meetings by ORDER BY … LIMIT from the
        # (person_id, day) index, as the SQLite store reads them: a window over the whole
        # history read all 146k meetings of the busiest person for five.
        recent = (
            "(SELECT coalesce(json_agg(x ORDER BY x.person_id, x.seen DESC, x.id DESC), '[]') "
            "FROM (SELECT w.person AS person_id, i.id, i.day, i.kind, i.note, i.place, "
            "  i.initiator, ip.day AS seen, ARRAY(SELECT person_id FROM interaction_people z "
            "    WHERE z.interaction_id = i.id ORDER BY z.id) AS people "
            "FROM w CROSS JOIN LATERAL (SELECT r.interaction_id, r.day FROM interaction_people r "
            "  WHERE r.person_id = w.person AND r.owner_id = w.owner "
            "  ORDER BY r.day DESC, r.interaction_id DESC LIMIT $3) ip "
            "JOIN interactions i ON i.id = ip.interaction_id) x)"
        )
        row = await self.db.fetchrow(
            w
            + "SELECT "
            + ", ".join(
                [
                    rows("t.id, t.text, t.created_at", "notes"),
                    rows("t.id, t.text, t.from_day, t.done", "follow_ups", "WHERE NOT t.done"),
                    # Open favors: a promise to keep or a thing to give back, never one given.
                    rows(
                        "t.id, t.kind, t.text, t.done",
                        "favors",
                        "WHERE NOT t.done AND t.kind != 'gave'",
                    ),
                    rows("t.id, t.label, t.month, t.day, t.year", "dates"),
                    recent,
                    rows("t.id, t.phone", "phones"),
                    rows("t.id, t.email", "emails"),
                ]
            ),
            owners,
            ids,
            history,
        )
        notes, follow_ups, favors, dates, history_rows, phones, emails = (
            list(v) for v in row.values()
        )
        dates.sort(key=lambda r: (r["month"], r["day"]))
        cards = cards_from_rows(
            [p for _, p in pairs],
            notes,
            follow_ups,
            favors,
            dates,
            history_rows,
            phones,
            emails,
            people_of=lambda r: tuple(r["people"]),
        )
        for (owner, _), card in zip(pairs, cards, strict=True):
            out[owner].append(card)
        return out

    async def due_candidates_many(
        self,
        requests: Sequence[tuple[int, date]],
        cadences: Sequence[tuple[str, int]],
        limit: int,
        bands: Bands | None = None,
    ) -> dict[int, list[Person]]:
        """The SQLite store's candidate rule (see there), as one query for a whole batch:
        per (owner, circle) the `limit` longest unseen, plus own cadences, plus circles
        the config no longer has. Name keys tie-break in byte order, as in SQLite."""
        if not requests:
            return {}
        names = [name for name, _ in cadences]
        fresh = (
            "AND (p.snoozed_until IS NULL OR p.snoozed_until <= r.today) "
            "AND (p.last_nudged_on IS NULL OR p.last_nudged_on = r.today "
            "OR p.last_nudged_on <= r.today - 7) "
        )
        sql = (
            "WITH r AS (SELECT * FROM unnest($1::bigint[], $2::date[]) AS r(owner, today)), "
            "c AS (SELECT * FROM unnest($3::text[], $4::int[]) AS c(name, days)) "
            f"SELECT r.owner AS for_owner, x.* FROM r CROSS JOIN c CROSS JOIN LATERAL ("
            f"  SELECT {PERSON_COLUMNS} FROM people p WHERE p.owner_id = r.owner "
            "   AND p.circle = c.name AND NOT p.paused AND NOT p.imported "
            "   AND coalesce(p.cadence_days, 0) = 0 "
            f"  AND coalesce(p.last_contact, p.added_on) <= r.today - c.days {fresh}"
            '   ORDER BY coalesce(p.last_contact, p.added_on), p.name_key COLLATE "C" '
            "   LIMIT $5) x "
            f"UNION ALL SELECT r.owner, {PERSON_COLUMNS} FROM r JOIN people p "
            "  ON p.owner_id = r.owner WHERE NOT p.paused AND NOT p.imported "
            "  AND p.cadence_days > 0 "
            f" AND r.today - coalesce(p.last_contact, p.added_on) >= p.cadence_days {fresh}"
            f"UNION ALL SELECT r.owner, {PERSON_COLUMNS} FROM r JOIN people p "
            "  ON p.owner_id = r.owner WHERE p.circle <> ALL($3::text[]) AND NOT p.paused "
            "  AND NOT p.imported AND coalesce(p.cadence_days, 0) = 0 "
            f" AND coalesce(p.last_contact, p.added_on) <= r.today - $6::int {fresh}"
        )
        rows = await self.db.fetch(
            sql,
            [o for o, _ in requests],
            [d for _, d in requests],
            names,
            [d for _, d in cadences],
            limit,
            cadences[-1][1],
        )
        by_owner: dict[int, list[Any]] = {owner: [] for owner, _ in requests}
        for r in rows:
            by_owner[r["for_owner"]].append(r)
        if bands is not None:
            cadence_of, widest = dict(cadences), cadences[-1][1]
            for owner, today in requests:
                mine = by_owner[owner]
                ratios = [
                    overdue_ratio(
                        r["last_contact"] or r["added_on"],
                        r["cadence_days"] or cadence_of.get(r["circle"], widest),
                        today,
                    )
                    for r in mine
                ]
                by_owner[owner] = [r for r, k in zip(mine, bands.keep(ratios), strict=True) if k]
        return {owner: [person_from_row(r) for r in rs] for owner, rs in by_owner.items()}

    async def people_by_id_many(
        self, wanted: Sequence[tuple[int, Sequence[int]]]
    ) -> dict[int, list[Person]]:
        """`ports.Store.people_by_id_many`: the SQLite store's read, one round trip."""
        out: dict[int, list[Person]] = {owner: [] for owner, _ in wanted}
        pairs = [(owner, pid) for owner, ids in wanted for pid in dict.fromkeys(ids)]
        if not pairs:
            return out
        rows = await self.db.fetch(
            "WITH w AS (SELECT * FROM unnest($1::bigint[], $2::bigint[]) AS w(owner, person)) "
            f"SELECT w.owner AS for_owner, {PERSON_COLUMNS} FROM w JOIN people p "
            "ON p.id = w.person AND p.owner_id = w.owner",
            [o for o, _ in pairs],
            [i for _, i in pairs],
        )
        for r in rows:
            out[int(r["for_owner"])].append(person_from_row(r))
        return out

    async def dates_ahead_many(
        self, requests: Sequence[tuple[int, date]], days: int
    ) -> dict[int, DatesAhead]:
        """`ports.Store.dates_ahead_many`: by month through `dates_owner_month`, one
        round trip for the batch."""
        if not requests:
            return {}
        owners = [o for o, _ in requests]
        months = [
            sorted({(today + timedelta(days=k)).month for k in range(days + 1)})
            for _, today in requests
        ]
        rows = await self.db.fetch(
            "WITH r AS (SELECT * FROM unnest($1::bigint[], $2::date[], $3::text[]) "
            "  AS r(owner, today, months)) "
            "SELECT r.owner, 'date' AS what, d.id, d.person_id, d.label, d.month, d.day, "
            "  d.year, d.created_at, NULL::date AS local_day, NULL::timestamptz AS sent_at "
            "FROM r JOIN dates d ON d.owner_id = r.owner "
            "  AND d.month = ANY(string_to_array(r.months, ',')::int[]) "
            "UNION ALL SELECT r.owner, 'digest', NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
            "  g.local_day, g.sent_at FROM r CROSS JOIN LATERAL (SELECT local_day, sent_at "
            "  FROM digests WHERE owner_id = r.owner AND local_day < r.today "
            "  AND status = 'sent' ORDER BY local_day DESC LIMIT 1) g "
            "ORDER BY 1, 6, 7, 3",
            owners,
            [d for _, d in requests],
            [",".join(map(str, m)) for m in months],
        )
        dates: dict[int, list[Any]] = {o: [] for o in owners}
        last: dict[int, Any] = {}
        for r in rows:
            if r["what"] == "date":
                dates[r["owner"]].append(r)
            else:
                last[r["owner"]] = r
        result: dict[int, DatesAhead] = {}
        for owner in owners:
            digest = last.get(owner)
            sent_at = digest["sent_at"] if digest is not None else None
            since = {
                int(r["id"])
                for r in dates[owner]
                if sent_at is not None and r["created_at"] is not None and r["created_at"] > sent_at
            }
            result[owner] = DatesAhead(
                tuple(
                    ImportantDate(
                        r["id"], r["person_id"], r["label"], r["month"], r["day"], r["year"]
                    )
                    for r in dates[owner]
                ),
                digest["local_day"] if digest is not None else None,
                frozenset(since),
            )
        return result

    # -- which message logged what (edits correct their log) -------------------

    async def remember_log_message(
        self, owner: int, ref: str, interaction_id: int, now: datetime
    ) -> None:
        await self.db.execute(
            "INSERT INTO log_messages (owner_id, ref, interaction_id, created_at) "
            "VALUES ($1, $2, $3, $4) ON CONFLICT (owner_id, ref) DO UPDATE "
            "SET interaction_id = EXCLUDED.interaction_id, created_at = EXCLUDED.created_at",
            owner,
            ref,
            interaction_id,
            now,
        )

    async def logged_by_message(self, owner: int, ref: str) -> tuple[Interaction, str] | None:
        row = await self.db.fetchrow(
            "SELECT i.id, i.day, i.kind, i.note, m.created_at, "
            "  ARRAY(SELECT person_id FROM interaction_people x "
            "        WHERE x.interaction_id = i.id ORDER BY x.id) AS people "
            "FROM log_messages m JOIN interactions i ON i.id = m.interaction_id "
            "AND i.owner_id = m.owner_id WHERE m.owner_id = $1 AND m.ref = $2",
            owner,
            ref,
        )
        if row is None:
            return None
        meeting = Interaction(row["id"], row["day"], row["kind"], row["note"], tuple(row["people"]))
        return meeting, format_utc(row["created_at"])

    async def last_undo(self, owner: int) -> tuple[int, str] | None:
        row = await self.db.fetchrow(
            "SELECT id, created_at FROM undo_log WHERE owner_id = $1 ORDER BY id DESC LIMIT 1",
            owner,
        )
        return (int(row["id"]), format_utc(row["created_at"])) if row is not None else None

    async def interaction_count(self, owner: int) -> int:
        return int(
            await self.db.fetchval("SELECT count(*) FROM interactions WHERE owner_id = $1", owner)
        )

    # -- people: writes --------------------------------------------------------

    async def log_now(
        self,
        owner: int,
        label: str,
        now: datetime,
        day: date,
        kind: str,
        note: str,
        person_ids: Sequence[int],
        reactivate: Sequence[int] = (),
        *,
        place: str | None = None,
        initiator: str | None = None,
    ) -> int:
        """The everyday log as one statement (one round trip): the interaction, its
        people, the undo entry and the roster version, all or nothing. The cached roster
        is patched the way the trigger moves each person's last contact."""
        if reactivate or current() is not None:
            # Rarer shapes (imported people, or a polled update to record) take the
            # general path: still one transaction.
            async with self.change(owner, label, now) as ch:
                return await ch.log_meeting(
                    day, kind, note, person_ids, reactivate, place=place, initiator=initiator
                )
        ids = list(dict.fromkeys(person_ids))
        row = await self.db.fetchrow(
            "WITH i AS (INSERT INTO interactions (owner_id, day, kind, note, created_at, "
            "  place, initiator) VALUES ($1, $2, $3, $4, $5, $9, $10) RETURNING id), "
            "l AS (INSERT INTO interaction_people (owner_id, interaction_id, person_id, day) "
            "  SELECT $1, i.id, p.pid, $2 FROM i, unnest($6::bigint[]) WITH ORDINALITY "
            "  AS p(pid, n) JOIN people q ON q.id = p.pid AND q.owner_id = $1 "
            "  ORDER BY p.n RETURNING id), "
            "u AS (INSERT INTO undo_log (owner_id, label, ops, created_at) "
            "  SELECT $1, $7, jsonb_build_array("
            "    jsonb_build_object('op', 'delete', 'table', 'interaction_people', "
            "      'ids', (SELECT coalesce(jsonb_agg(id), '[]') FROM l)), "
            "    jsonb_build_object('op', 'delete', 'table', 'interactions', "
            "      'ids', jsonb_build_array(i.id))), $5 FROM i), "
            "old AS (DELETE FROM undo_log WHERE owner_id = $1 AND id <= "
            "  (SELECT id FROM undo_log WHERE owner_id = $1 ORDER BY id DESC LIMIT 1 OFFSET $8)), "
            "v AS (UPDATE users SET roster_version = roster_version + 1 WHERE id = $1 "
            "  RETURNING roster_version) "
            "SELECT (SELECT id FROM i) AS id, (SELECT roster_version FROM v) AS version",
            owner,
            day,
            kind,
            note,
            now,
            ids,
            label,
            29,  # UNDO_DEPTH - 1: the new entry is not visible to the trim
            place,
            initiator,
        )
        version = row["version"]
        cached = self._people.get(owner)
        fresh = set(ids)
        if cached is not None and version is not None and cached.version == version - 1:
            people = tuple(
                replace(p, last_contact=day, last_kind=kind)
                if p.id in fresh and (p.last_contact is None or p.last_contact <= day)
                else p
                for p in cached.people
            )
            self._people.put(owner, Roster(version, people))
            self._version.put(owner, version)
        else:
            self._wrote(owner, version)
        return int(row["id"])

    # -- undo ------------------------------------------------------------------

    async def undo(self, owner: int) -> UndoResult | None:
        version: int | None = None
        try:
            async with self.db.transaction() as conn:
                row = await conn.fetchrow(
                    "DELETE FROM undo_log WHERE id = (SELECT id FROM undo_log "
                    "WHERE owner_id = $1 ORDER BY id DESC LIMIT 1) RETURNING label, ops",
                    owner,
                )
                if row is None:
                    return None
                await apply_inverse(conn, owner, row["ops"])
                version = await conn.fetchval(
                    "UPDATE users SET roster_version = roster_version + 1 WHERE id = $1 "
                    "RETURNING roster_version",
                    owner,
                )
                recorded = await _record_current(conn, owner)
            if recorded and current_unit() is None:
                _recorded()
            return UndoResult(row["label"])
        finally:
            self._wrote(owner, version)

    # -- pending questions -----------------------------------------------------

    async def put_pending(
        self, owner: int, payload: Mapping[str, Any], now: datetime, *, rows: Sequence[str] = ()
    ) -> int:
        # Questions older than a month are stale; cleared on the way (one statement).
        sql = (
            "WITH old AS (DELETE FROM pending WHERE owner_id = $1 AND created_at < $4) "
            "INSERT INTO pending (owner_id, payload, created_at) "
            "VALUES ($1, $2::text::jsonb, $3) RETURNING id"
        )
        args = (owner, dumps(dict(payload)), now, now - timedelta(days=30))
        if not rows:
            return int(await self.db.fetchval(sql, *args))
        async with self.db.transaction() as conn:
            pending_id = int(await conn.fetchval(sql, *args))
            # One statement for every row: the arrays are encoded in one go.
            await conn.execute(
                "INSERT INTO pending_contacts (pending_id, owner_id, seq, row) "
                "SELECT $1, $2, s.seq - 1, s.row "
                "FROM unnest($3::text[]) WITH ORDINALITY AS s(row, seq)",
                pending_id,
                owner,
                list(rows),
            )
        return pending_id

    async def pending_rows(self, owner: int, pending_id: int) -> list[str]:
        found = await self.db.fetch(
            "SELECT row FROM pending_contacts WHERE owner_id = $1 AND pending_id = $2 ORDER BY seq",
            owner,
            pending_id,
        )
        return [str(r["row"]) for r in found]

    async def get_pending(self, owner: int, pending_id: int) -> dict[str, Any] | None:
        payload: dict[str, Any] | None = await self.db.fetchval(
            "SELECT payload FROM pending WHERE owner_id = $1 AND id = $2", owner, pending_id
        )
        return payload

    async def latest_pending(
        self, owner: int, since: datetime
    ) -> tuple[int, dict[str, Any]] | None:
        """The owner's newest open question asked at or after `since`."""
        row = await self.db.fetchrow(
            "SELECT id, payload FROM pending WHERE owner_id = $1 AND created_at >= $2 "
            "ORDER BY id DESC LIMIT 1",
            owner,
            since,
        )
        return (int(row["id"]), dict(row["payload"])) if row is not None else None

    async def drop_pending(self, owner: int, pending_id: int) -> None:
        await self.db.execute(
            "DELETE FROM pending WHERE owner_id = $1 AND id = $2", owner, pending_id
        )

    # -- data in and out -------------------------------------------------------

    async def export(
        self,
        owner: int,
        circles: Circles,
        now: datetime,
        defaults: UserSettings,
        *,
        meetings: bool = True,
    ) -> ExportDocument:
        return await accounts.export_document(
            self.db, owner, circles, now, defaults, meetings=meetings
        )

    def export_parts(
        self,
        owner: int,
        circles: Circles,
        now: datetime,
        defaults: UserSettings,
        *,
        meetings: bool = True,
    ) -> AsyncIterator[ExportPart]:
        return accounts.export_parts(self.db, owner, circles, now, defaults, meetings=meetings)

    async def export_files(
        self,
        owner: int,
        circles: Circles,
        now: datetime,
        defaults: UserSettings,
        json_path: Path,
        vcard_path: Path,
    ) -> ExportCounts:
        """`export_parts` written by a thread, page by page (`export_pages.write_parts`)."""
        parts = self.export_parts(owner, circles, now, defaults)
        return await pages.write_parts(parts, json_path, vcard_path)

    async def apply_import(
        self,
        owner: int,
        label: str,
        now: datetime,
        batch: ImportBatch,
        duplicates: Duplicates,
        *,
        answering: int | None = None,
    ) -> ImportOutcome:
        """`batch` as one undoable change, all or nothing (bot/store/sqlite/accounts.py
        has the rules; the PostgreSQL importer only reads what is there differently)."""
        try:
            async with self.change(owner, label, now) as ch:
                return await accounts.apply_import(ch, batch, duplicates, answering=answering)
        finally:
            self.invalidate(owner)


async def _record_handled(conn: Any, key: UpdateKey, owner: int) -> None:
    # DO NOTHING: a second change of the same update (rare) must not fail on the key.
    await conn.execute(
        "INSERT INTO handled_updates (transport, update_id, owner, expires_at) "
        "VALUES ($1, $2, $3, $4) ON CONFLICT (transport, update_id) DO NOTHING",
        key.transport,
        key.update_id,
        owner,
        key.expires_at,
    )


async def _record_current(conn: Any, owner: int) -> bool:
    """Record the update being handled (polling, bot/ports/updates.py), if a change has
    not yet, inside the caller's transaction; whether it wrote the record."""
    handling = current()
    if handling is None or handling.recorded:
        return False
    await _record_handled(conn, handling.key, owner)
    return True


def _recorded() -> None:
    """After the commit that wrote the record: the update needs no record of its own."""
    handling = current()
    if handling is not None:
        handling.recorded = True
