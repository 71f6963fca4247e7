"""Owner-scoped reads and writes over the SQLite database.

Every method takes the owner id first and every query filters on it: no call can
reach another owner's rows. Writes go through `Change`, which records their
inverses for `/undo`.

Each owner's people are cached in memory, keyed by the owner's version
(`users.version`, schema V_OWNER_VERSION): every write of theirs, in any process, moves
it on in the same transaction. A read checks the version (one indexed row, read along
with the settings at the start of each message, and trusted for `TRUST_SECONDS`) and
reloads only when it moved, so a second process writing the same file (`kith chat` beside
`kith run`, a `kith import`) is seen at once, and `/who` and name resolution still skip
reading everyone on the hot path.
The update being handled (bot/ports/updates.py) is recorded in `handled_updates` inside
the transaction of each journaled change, so a redelivered update is never applied twice.

"""

from __future__ import annotations

import dataclasses
import functools
import json
import sqlite3
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import aiosqlite

from bot.core.circles import Circles
from bot.core.clock import format_utc
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
from bot.ports.updates import Handling, UpdateKey, current
from bot.store import export_pages as pages
from bot.store.cards import cards_from_rows
from bot.store.sqlite import accounts, export_worker
from bot.store.sqlite.changes import SqliteChange
from bot.store.sqlite.db import Database
from bot.store.sqlite.digests import SqliteDigestLedger
from bot.store.sqlite.identities import SqliteIdentities
from bot.store.sqlite.insight import SqliteInsight
from bot.store.sqlite.journal import apply_inverse, undo_entry
from bot.store.sqlite.links import SqliteLinks
from bot.store.sqlite.migrations import PERSON_TABLES
from bot.store.sqlite.schedules import BUMP_SQL, next_digest_text, schedule_for
from bot.workers import in_worker

SEP = "\x1f"  # joins aliases/tags in one column; never typed by a user
# The people cache holds up to this many people in all (least recently used owners go
# first, one at a time): ~8 MB, whether that is 4 owners of 5,000 or 20,000 of one.
CACHE_PEOPLE = 20_000
# Owners known to have a row (spares an INSERT per message); one int each.
KNOWN_OWNERS = 100_000
# An export of this many people and meetings or more is written by a worker process
# (`export_files`): below it the writing is tens of ms, less than starting a process.
EXPORT_WORKER_FROM = 2_000
VERSION_SQL = "SELECT version FROM users WHERE id = ?"
NO_USER = -1  # the version of an owner with no row (and so no people) yet
# A version checked this recently is trusted without asking again: the several reads of
# one message cost one check, and another process's write is seen by the next message.
TRUST_SECONDS = 0.05

# Who `Store.name_entries` reads (`core.names.NameProbe`): each arm an indexed lookup on
# `people_owner`, `aliases_owner` or the partial `fold_key` indexes; a first name is the
# range [first + ' ', first + '!') beside the key itself.
_NAMED_SQL = """
SELECT id FROM people WHERE owner_id = ?1 AND name_key IN (SELECT value FROM json_each(?2))
UNION SELECT person_id FROM aliases
 WHERE owner_id = ?1 AND alias_key IN (SELECT value FROM json_each(?2))
UNION SELECT id FROM people WHERE owner_id = ?1 AND fold_key IN (SELECT value FROM json_each(?3))
UNION SELECT person_id FROM aliases
 WHERE owner_id = ?1 AND fold_key IN (SELECT value FROM json_each(?3))
UNION SELECT x.id FROM json_each(?4) AS j CROSS JOIN people x ON x.owner_id = ?1
   AND x.name_key >= j.value || ' ' AND x.name_key < j.value || '!'
UNION SELECT x.id FROM json_each(?5) AS j CROSS JOIN people x ON x.owner_id = ?1
   AND x.fold_key >= j.value || ' ' AND x.fold_key < j.value || '!'
"""

_PEOPLE_SQL = f"""
SELECT p.id, p.name, p.circle, p.cadence_days, p.paused, p.added_on, p.snoozed_until,
       p.last_nudged_on, p.imported, p.last_contact, p.last_kind,
       (SELECT group_concat(alias, '{SEP}') FROM aliases a WHERE a.person_id = p.id) AS aliases,
       (SELECT group_concat(tag, '{SEP}') FROM tags t WHERE t.person_id = p.id) AS tags
  FROM people p
 WHERE p.owner_id = ?
"""


# Owners per candidates statement (`due_candidates_many`): six bound values per owner
# and circle, under SQLite's limit on variables (32,766) for any sensible circles config;
# a config with very many circles gets smaller chunks (`_owners_per_statement`).
CANDIDATE_OWNERS = 200
_MAX_VARIABLES = 32_000


def _owners_per_statement(circles: int, extra: int) -> int:
    """Owners whose candidates one statement may ask for with `circles` circles."""
    return max(1, min(CANDIDATE_OWNERS, (_MAX_VARIABLES - extra) // (6 * max(1, circles) + 4)))


# Days repeat across people (added the same day, met the same day): parse each once and
# share the object, which also spares memory in the cache.
_date = functools.lru_cache(maxsize=4096)(date.fromisoformat)


def _day(value: str | None) -> date | None:
    return _date(value) if value else None


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(value.split(SEP)) if value else ()


def person_from_row(row: aiosqlite.Row | sqlite3.Row) -> Person:
    """A person from a row of `_PEOPLE_SQL`'s columns, in that order.

    Unpacked by position: a cold roster of 5,000 builds ~30 % faster than by name.
    """
    pid, name, circle, cadence, paused, added, snoozed, nudged, imported, last, kind, *more = row
    aliases, tags = more
    return Person(
        id=pid,
        name=name,
        circle=circle,
        added_on=_date(added),
        cadence_days=cadence,
        paused=bool(paused),
        aliases=_split(aliases),
        tags=tuple(sorted(_split(tags))),
        last_contact=_day(last),
        last_kind=kind,
        snoozed_until=_day(snoozed),
        last_nudged_on=_day(nudged),
        imported=bool(imported),
    )


class SqliteStore:
    """`ports.Store` over one SQLite file: every owner, each reachable only by their id."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._checked: dict[int, float] = {}  # owner -> when their version was last checked
        # owner -> (names version, person id -> place in the cached roster): O(1) lookups
        # and patches instead of scanning everyone. Lives and dies with the roster.
        self._places: dict[int, tuple[int, dict[int, int]]] = {}
        self._people: WeightedLRU[int, Roster] = WeightedLRU(
            CACHE_PEOPLE, lambda r: len(r.people), on_evict=self._evicted
        )
        # Owners whose row is known to exist.
        self._known: WeightedLRU[int, bool] = WeightedLRU(KNOWN_OWNERS, lambda _: 1)
        self._ledger = SqliteDigestLedger(db, self.invalidate, self._nudged)
        self._identities = SqliteIdentities(db)
        self._insight = SqliteInsight(db)
        self._links = SqliteLinks(db)

    @property
    def ledger(self) -> SqliteDigestLedger:
        return self._ledger

    @property
    def identities(self) -> SqliteIdentities:
        return self._identities

    @property
    def insight(self) -> SqliteInsight:
        return self._insight

    @property
    def links(self) -> SqliteLinks:
        return self._links

    async def close(self) -> None:
        await self.db.close()

    # -- cache -----------------------------------------------------------------

    def _forget_cache(self, owner: int) -> None:
        self._people.pop(owner)
        self._evicted(owner)

    def _evicted(self, owner: int) -> None:
        self._checked.pop(owner, None)
        self._places.pop(owner, None)

    def _place_of(self, owner: int, roster: Roster) -> dict[int, int]:
        """Where each person is in `roster` (valid while nobody is added or removed)."""
        known = self._places.get(owner)
        if known is not None and known[0] == roster.names_version:
            return known[1]
        places = {p.id: i for i, p in enumerate(roster.people)}
        if owner in self._people:
            self._places[owner] = (roster.names_version, places)
        return places

    def _verified(self, owner: int, version: int) -> None:
        """The database says the owner is at `version`: keep or drop their roster."""
        cached = self._people.peek(owner)
        if cached is None:
            return
        if cached.version == version:
            self._checked[owner] = time.monotonic()
        else:
            self._forget_cache(owner)

    def _patch_cache(
        self,
        owner: int,
        fresh: Mapping[int, Person],
        version: int | None,
        *,
        names_changed: bool = False,
    ) -> None:
        """Swap re-read people into the cached roster, at the version the write made.

        Nobody was added or removed, so the rest of the roster stays. The cached roster
        must be the one just before this write (the version it moved from), or another
        process wrote meanwhile and the roster is dropped instead. The name index stays
        keyed as it was unless a name or alias changed.
        """
        cached = self._people.peek(owner)
        if cached is None:
            return
        if version is None or cached.version != version - 1:
            self._forget_cache(owner)
            return
        people = cached.people
        if fresh:
            places = self._place_of(owner, cached)
            patched = list(people)
            for pid, person in fresh.items():
                at = places.get(pid)
                if at is None:  # not in this roster after all: read it whole next time
                    self._forget_cache(owner)
                    return
                patched[at] = person
            people = tuple(patched)
        names = version if names_changed else cached.names_version
        if names_changed:
            self._places.pop(owner, None)
        self._people.put(owner, Roster(version, people, names))
        self._checked[owner] = time.monotonic()

    def _nudged(
        self,
        owner: int,
        version: int | None,
        ids: Sequence[int],
        before: date | None,
        after: date | None,
    ) -> None:
        """The digest ledger moved these people's `last_nudged_on`: patch, don't re-read."""
        cached = self._people.peek(owner)
        if cached is None:
            return
        wanted = set(ids)
        fresh = {
            p.id: dataclasses.replace(p, last_nudged_on=after)
            for p in cached.people
            if p.id in wanted and (before is None or p.last_nudged_on == before)
        }
        self._patch_cache(owner, fresh, version)

    def invalidate(self, owner: int) -> None:
        """Drop what is cached for the owner after a write made outside `change`."""
        self._forget_cache(owner)

    # -- updates handled exactly once -------------------------------------------

    async def handled_among(
        self, transport: str, update_ids: Sequence[int], now: datetime
    ) -> set[int]:
        """Which of these updates were handled already (their change is committed).

        Expired records never count, purged or not: after a quiet week Telegram may
        start its ids again, and a new update must not pass for an old one.
        """
        if not update_ids:
            return set()
        rows = await self.db.fetchall(
            "SELECT update_id FROM handled_updates WHERE transport = ? AND expires_at >= ? "
            f"AND update_id IN ({','.join('?' * len(update_ids))})",
            (transport, format_utc(now), *update_ids),
        )
        return {int(r[0]) for r in rows}

    async def mark_handled(self, key: UpdateKey, owner: int) -> None:
        """Record an update that changed nothing, after handling it; expired ids go."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "DELETE FROM handled_updates WHERE expires_at < ?",
                (format_utc(key.received_at),),
            )
            await conn.execute(*_handled_row(key, owner))

    @asynccontextmanager
    async def change(self, owner: int, label: str, now: datetime) -> AsyncIterator[SqliteChange]:
        """A journaled transaction for one owner; committed when the block ends."""
        fresh: dict[int, Person] | None = None
        version: int | None = None
        committed = False
        try:
            async with self.db.transaction() as conn:
                change = SqliteChange(conn, owner, label, format_utc(now))
                yield change
                await change.commit_journal()
                bumped = list(await conn.execute_fetchall(BUMP_SQL, (owner,)))
                version = int(bumped[0][0]) if bumped else None
                handling = _unrecorded()
                if handling is not None:
                    await conn.execute(*_handled_row(handling.key, owner))
                if owner in self._people and change.keeps_people():
                    # A log moves only its people's last contact (the triggers), a note or
                    # a date no one's at all: re-read just the people touched, in the same
                    # transaction, and keep everyone else.
                    ids = sorted(change.people_touched)
                    rows = (
                        await conn.execute_fetchall(
                            _PEOPLE_SQL + f" AND p.id IN ({','.join('?' * len(ids))})",
                            (owner, *ids),
                        )
                        if ids
                        else []
                    )
                    fresh = {r["id"]: person_from_row(r) for r in rows}
            committed = True
            _recorded()
        finally:
            if committed and fresh is not None:
                self._patch_cache(owner, fresh, version, names_changed=change.names_changed)
            else:
                self._forget_cache(owner)

    # -- users -----------------------------------------------------------------

    async def settings(self, owner: int) -> UserSettings | None:
        # Read every time (one indexed row): another process may have changed them. The
        # owner's version comes along, so the people reads of the same message need not
        # ask for it again.
        rows = await self.db.fetchall(
            "SELECT timezone, digest_time, date_order, version FROM users WHERE id = ?",
            (owner,),
        )
        if not rows:
            self._known.pop(owner)  # deleted, maybe by another process
            self._forget_cache(owner)
            return None
        self._known.put(owner, True)
        self._verified(owner, int(rows[0]["version"]))
        return UserSettings(
            timezone=rows[0]["timezone"],
            digest_time=rows[0]["digest_time"],
            date_order=rows[0]["date_order"],
        )

    async def ensure_user(self, owner: int, defaults: UserSettings, now: datetime) -> bool:
        """Create the owner's row if missing; True when it was created."""
        if self._known.get(owner):
            return False
        async with self.db.transaction() as conn:
            # The digest schedule is born with the user: today's time if still ahead.
            first = next_digest_text(now, defaults.timezone, defaults.digest_time, None)
            rows = list(
                await conn.execute_fetchall(
                    # A new owner's version starts at the microsecond they were created,
                    # so an owner deleted and created again never repeats a version a
                    # cache (or the engine's name index) still holds.
                    "INSERT INTO users (id, timezone, digest_time, created_at, next_digest_at, "
                    "version) VALUES (?, ?, ?, ?, ?, "
                    "CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER)) "
                    "ON CONFLICT(id) DO NOTHING RETURNING id",
                    (owner, defaults.timezone, defaults.digest_time, format_utc(now), first),
                )
            )
        self._known.put(owner, True)
        if rows:
            self._forget_cache(owner)  # its version is no longer "no user"
        return bool(rows)

    async def update_settings(
        self, owner: int, label: str, now: datetime, **values: str | None
    ) -> None:
        async with self.change(owner, label, now) as ch:
            # The digest schedule follows the settings in the same transaction; the
            # journal keeps its old value too, so /undo restores the old schedule.
            rows = list(
                await ch.conn.execute_fetchall(
                    "SELECT timezone, digest_time FROM users WHERE id = ?", (owner,)
                )
            )
            if rows:
                merged = {"timezone": rows[0]["timezone"], "digest_time": rows[0]["digest_time"]}
                merged.update(values)
                next_at = await schedule_for(
                    ch.conn, owner, str(merged["timezone"]), merged["digest_time"], now
                )
                values = {**values, "next_digest_at": next_at}
            await ch.update("users", owner, values)

    async def set_active(self, owner: int, active: bool) -> None:
        """Inactive users (who blocked the bot) get no more nudges."""
        await self.db.execute("UPDATE users SET active = ? WHERE id = ?", (int(active), owner))

    async def reactivate(self, owner: int) -> None:
        """The user wrote to us, so they no longer block the bot: nudges may resume."""
        await self.db.execute("UPDATE users SET active = 1 WHERE id = ? AND active = 0", (owner,))

    async def delete_user(self, owner: int) -> None:
        """Remove the owner and everything of theirs (cascades from users)."""
        async with self.db.transaction() as conn:
            for table in ("log_messages", "interaction_people", *PERSON_TABLES):
                await conn.execute(f"DELETE FROM {table} WHERE owner_id = ?", (owner,))
            await conn.execute("DELETE FROM users WHERE id = ?", (owner,))
            await conn.execute("DELETE FROM identities WHERE owner_id = ?", (owner,))
            await conn.execute("DELETE FROM link_codes WHERE owner_id = ?", (owner,))
            handling = _unrecorded()
            if handling is not None:
                await conn.execute(*_handled_row(handling.key, owner))
        _recorded()
        self._forget_cache(owner)
        self._known.pop(owner)

    # -- people: reads ---------------------------------------------------------

    async def people(self, owner: int) -> tuple[Person, ...]:
        """All of the owner's people (cached until the owner's next write)."""
        return (await self.roster(owner)).people

    async def roster(self, owner: int) -> Roster:
        """The owner's people with the version they are at; from the cache while the
        owner's version in the database has not moved."""
        cached = await self.roster_if_cached(owner)
        if cached is not None:
            return cached

        def read(conn: sqlite3.Connection) -> tuple[int, tuple[Person, ...]]:
            # The version first: a write landing between the two reads then only makes
            # the next read reload, never a stale roster look current.
            row = conn.execute(VERSION_SQL, (owner,)).fetchone()
            found = conn.execute(_PEOPLE_SQL + " ORDER BY p.id", (owner,)).fetchall()
            # Built here, in the database's thread: 5,000 people are ~30 ms of Python
            # that would otherwise stall every other chat on the event loop.
            return (int(row[0]) if row else NO_USER), tuple(person_from_row(r) for r in found)

        version, people = await self.db.run(read)
        roster = Roster(version, people)
        self._people.put(owner, roster)
        if owner in self._people:
            self._checked[owner] = time.monotonic()
        return roster

    async def roster_if_cached(self, owner: int) -> Roster | None:
        """The cached roster while the owner's version has not moved; None otherwise."""
        cached = self._people.get(owner)
        if cached is None:
            return None
        if time.monotonic() - self._checked.get(owner, -TRUST_SECONDS) < TRUST_SECONDS:
            return cached
        rows = await self.db.fetchall(VERSION_SQL, (owner,))
        self._verified(owner, int(rows[0][0]) if rows else NO_USER)
        return cached if owner in self._people else None

    async def name_entries(self, owner: int, probe: NameProbe) -> list[NameEntry]:
        """People whose stored keys `probe` asks for: each arm one indexed lookup
        (`people_owner`, `aliases_owner` and the partial `fold_key` indexes)."""
        # The lists travel as JSON (json_each): one statement text whatever their
        # lengths, so it is prepared once and kept in the connection's statement cache.
        arms: list[str] = [_NAMED_SQL]
        params: list[Any] = [
            owner,
            json.dumps(probe.exact),
            json.dumps(probe.folded),
            json.dumps(probe.firsts),
            json.dumps(probe.folded_firsts),
        ]

        def arm(sql: str, values: Sequence[Any]) -> None:
            arms.append(sql)
            params.extend((owner, *values))

        for column, ranges, where in (
            ("name_key", probe.prefix_ranges, ""),
            # Folded order is fold_key's where there is one, name_key's where it is NULL.
            ("name_key", probe.folded_prefix_ranges, "fold_key IS NULL AND "),
            ("fold_key", probe.folded_prefix_ranges, ""),
        ):
            for low, high in ranges:
                below = f" AND {column} < ?" if high is not None else ""
                arm(
                    f"SELECT id FROM (SELECT id FROM people WHERE owner_id = ? AND {where}"
                    f"{column} >= ?{below} ORDER BY {column} LIMIT {PREFIX_ROWS})",
                    (low,) if high is None else (low, high),
                )
        sql = (
            f"SELECT p.id, p.name, (SELECT group_concat(alias, '{SEP}') FROM aliases a "
            "WHERE a.person_id = p.id) FROM people p WHERE p.owner_id = ?1 AND p.id IN ("
            + " UNION ".join(arms)
            + ") ORDER BY p.id"
        )
        # ?1 to ?5 are numbered; each plain ? of the prefix arms takes the next number.
        rows = await self.db.fetchall(sql, params)
        return [NameEntry(int(r[0]), r[1], _split(r[2])) for r in rows]

    async def person(self, owner: int, person_id: int) -> Person | None:
        roster = await self.roster_if_cached(owner)
        if roster is None:
            # A cold owner (a restart, an evicted roster): one row, not everyone.
            rows = await self.db.fetchall(_PEOPLE_SQL + " AND p.id = ?", (owner, person_id))
            return person_from_row(rows[0]) if rows else None
        at = self._place_of(owner, roster).get(person_id)
        return None if at is None else roster.people[at]

    async def card(self, owner: int, person_id: int, history: int = 5) -> PersonCard | None:
        """Everything known about one person, for `/show` and the digest."""
        person = await self.person(owner, person_id)
        if person is None:
            return None
        [card] = await self.cards(owner, [person], history)
        return card

    async def cards(
        self, owner: int, people: Sequence[Person], history: int = 5
    ) -> list[PersonCard]:
        """`card` for several people of one owner, in one thread hop."""
        return (await self.cards_many([(owner, people)], history))[owner]

    async def due_candidates_many(
        self,
        requests: Sequence[tuple[int, date]],
        cadences: Sequence[tuple[str, int]],
        limit: int,
        bands: Bands | None = None,
    ) -> dict[int, list[Person]]:
        """For each (owner, their local day): the people `choose` could pick, and few else.

        Read through the `people_due` indexes (schema V3) instead of every person: per
        circle, the `limit` people longest unseen past that circle's cadence (one cadence,
        so the same order as the overdue ratio, ties by name key as `rank_due`), plus
        everyone due on a cadence of their own, plus anyone in a circle the config no
        longer has. Paused, imported, snoozed and recently nudged people are left out as
        `choose` leaves them out, so its top `limit` is always among these rows.

        Three statements for a whole chunk of owners, not seven per owner: each is driven
        by a VALUES list of (owner, circle) or owner rows (CROSS JOIN keeps that order, so
        the planner never builds an automatic index over all people), and the per-circle
        `LIMIT` sits in a correlated `IN (… ORDER BY … LIMIT)` straight off `people_due`.
        Rows come back in the order the per-owner queries gave them.
        """
        if not requests:
            return {}
        names = [name for name, _ in cadences]
        widest = cadences[-1][1]
        # What the bands need, and the id: whole rows (aliases, tags) only for those kept.
        columns = "SELECT w.pos, p.id, p.circle, p.cadence_days, p.last_contact, p.added_on"
        full = _PEOPLE_SQL.split("FROM people p")[0]

        def fresh(t: str) -> str:
            return (
                f"AND ({t}.snoozed_until IS NULL OR {t}.snoozed_until <= w.today) "
                f"AND ({t}.last_nudged_on IS NULL OR {t}.last_nudged_on = w.today "
                f"OR {t}.last_nudged_on <= w.week_ago) "
            )

        due_in_circle = (
            "p.paused = 0 AND p.imported = 0 AND coalesce(p.cadence_days, 0) = 0 "
            f"AND coalesce(p.last_contact, p.added_on) <= w.cutoff {fresh('p')}"
        )
        marks = ",".join("?" * len(names))
        cadence_of = dict(cadences)

        def read(conn: sqlite3.Connection, chunk: Sequence[tuple[int, date]]) -> list[list[Any]]:
            days = [(d.isoformat(), (d - timedelta(days=7)).isoformat()) for _, d in chunk]
            per_circle = [
                (pos * len(cadences) + k, owner, name, (today - timedelta(days=n)).isoformat())
                + days[pos]
                for pos, (owner, today) in enumerate(chunk)
                for k, (name, n) in enumerate(cadences)
            ]
            in_circle = conn.execute(
                "WITH w(pos, owner, circle, cutoff, today, week_ago) AS (VALUES "
                + ",".join("(?, ?, ?, ?, ?, ?)" for _ in per_circle)
                + f") {columns} FROM w CROSS JOIN people p ON p.id IN "
                "(SELECT p.id FROM people p INDEXED BY people_due "
                "WHERE p.owner_id = w.owner AND p.circle = w.circle AND "
                f"{due_in_circle}"
                "ORDER BY coalesce(p.last_contact, p.added_on), p.name_key LIMIT ?) "
                "ORDER BY w.pos, coalesce(p.last_contact, p.added_on), p.name_key, p.id",
                [x for row in per_circle for x in row] + [limit],
            ).fetchall()
            owners = [(pos, owner) + days[pos] for pos, (owner, _) in enumerate(chunk)]
            owner_rows = "(" + "),(".join("?, ?, ?, ?" for _ in owners) + ")"
            owner_args = [x for row in owners for x in row]
            own_cadence = conn.execute(
                f"WITH w(pos, owner, today, week_ago) AS (VALUES {owner_rows}) "
                f"{columns} FROM w CROSS JOIN people p INDEXED BY people_due_own "
                "ON p.owner_id = w.owner AND p.paused = 0 AND p.imported = 0 "
                "AND p.cadence_days > 0 AND julianday(w.today) "
                f"- julianday(coalesce(p.last_contact, p.added_on)) >= p.cadence_days "
                f"{fresh('p')}ORDER BY w.pos, p.id",
                owner_args,
            ).fetchall()
            others = [
                (pos, owner, (today - timedelta(days=widest)).isoformat()) + days[pos]
                for pos, (owner, today) in enumerate(chunk)
            ]
            other_circle = conn.execute(
                "WITH w(pos, owner, cutoff, today, week_ago) AS (VALUES "
                + ",".join("(?, ?, ?, ?, ?)" for _ in others)
                + f") {columns} FROM w CROSS JOIN people p INDEXED BY people_due "
                f"ON p.owner_id = w.owner AND p.circle NOT IN ({marks}) AND {due_in_circle}"
                "ORDER BY w.pos, p.circle, coalesce(p.last_contact, p.added_on), "
                "p.name_key, p.id",
                [*(x for row in others for x in row), *names],
            ).fetchall()
            # Each owner's rows as their own queries gave them: circle by circle in
            # config order, then their own cadences, then circles the config lost.
            rows: list[list[Any]] = [[] for _ in chunk]
            for r in in_circle:
                rows[r[0] // len(cadences)].append(r[1:])
            for r in (*own_cadence, *other_circle):
                rows[r[0]].append(r[1:])
            return rows

        per = _owners_per_statement(len(cadences), len(names) + 1)

        def read_all(conn: sqlite3.Connection) -> dict[int, list[Any]]:
            kept: dict[int, list[int]] = {}
            for start in range(0, len(requests), per):
                chunk = requests[start : start + per]
                for (owner, today), rows in zip(chunk, read(conn, chunk), strict=True):
                    if bands is not None:
                        # Columns 2, 1, 3, 4: cadence_days, circle, last_contact, added_on.
                        ratios = [
                            overdue_ratio(
                                _date(r[3] or r[4]), r[2] or cadence_of.get(r[1], widest), today
                            )
                            for r in rows
                        ]
                        rows = [r for r, keep in zip(rows, bands.keep(ratios), strict=True) if keep]
                    kept[owner] = [int(r[0]) for r in rows]
            pairs = [(owner, pid) for owner, ids in kept.items() for pid in ids]
            by_id: dict[int, Any] = {}
            for start in range(0, len(pairs), 400):  # two variables a person
                part = pairs[start : start + 400]
                by_id.update(
                    (int(r[0]), r)
                    for r in conn.execute(
                        "WITH w(owner, person) AS (VALUES "
                        + ",".join("(?, ?)" for _ in part)
                        + f") {full} FROM w CROSS JOIN people p "
                        "ON p.id = w.person AND p.owner_id = w.owner",
                        [x for pair in part for x in pair],
                    )
                )
            return {owner: [by_id[pid] for pid in ids] for owner, ids in kept.items()}

        found = await self.db.run(read_all)
        return {owner: [person_from_row(r) for r in rows] for owner, rows in found.items()}

    async def cards_many(
        self, wanted: Sequence[tuple[int, Sequence[Person]]], history: int = 5
    ) -> dict[int, list[PersonCard]]:
        """`cards` for several owners in one thread hop: owner -> their cards."""
        pairs = [(owner, p) for owner, people in wanted for p in people]
        if not pairs:
            return {owner: [] for owner, _ in wanted}
        values = ",".join("(?, ?)" for _ in pairs)
        keys = [x for owner, p in pairs for x in (owner, p.id)]
        # Driven by a VALUES list (CROSS JOIN keeps that order: with hundreds of rows the
        # planner would rather build an automatic index over the whole table).
        w = f"WITH w(owner, person) AS (VALUES {values}) "

        def read(conn: sqlite3.Connection) -> list[list[Any]]:
            def rows(select: str, table: str, where: str = "", order: str = "") -> list[Any]:
                return conn.execute(
                    f"{w}SELECT t.person_id, {select} FROM w CROSS JOIN {table} t "
                    f"ON t.person_id = w.person AND t.owner_id = w.owner {where} {order}",
                    keys,
                ).fetchall()

            return [
                rows("t.id, t.text, t.created_at", "notes", order="ORDER BY t.id"),
                rows(
                    "t.id, t.text, t.from_day, t.done",
                    "follow_ups",
                    "WHERE t.done = 0",
                    "ORDER BY t.id",
                ),
                # Open favors: a promise to keep or a thing to give back, never one given.
                rows(
                    "t.id, t.kind, t.text, t.done",
                    "favors",
                    "WHERE t.done = 0 AND t.kind != 'gave'",
                    "ORDER BY t.id",
                ),
                rows(
                    "t.id, t.label, t.month, t.day, t.year",
                    "dates",
                    order="ORDER BY t.month, t.day",
                ),
                # Each person's newest `history` meetings straight from the
                # (person_id, day) index: ORDER BY ... LIMIT per person, not a window over
                # their whole history (440 ms for someone with 146k meetings).
                conn.execute(
                    f"{w}SELECT ip.person_id, i.id, i.day, i.kind, i.note, "
                    "  i.place, i.initiator, "
                    "  (SELECT group_concat(person_id) FROM interaction_people x "
                    "    WHERE x.interaction_id = i.id) AS people "
                    "FROM w CROSS JOIN interaction_people ip ON ip.id IN "
                    "  (SELECT r.id FROM interaction_people r "
                    "    WHERE r.person_id = w.person AND r.owner_id = w.owner "
                    "    ORDER BY r.day DESC, r.interaction_id DESC LIMIT ?) "
                    "JOIN interactions i ON i.id = ip.interaction_id "
                    "ORDER BY ip.person_id, ip.day DESC, i.id DESC",
                    (*keys, history),
                ).fetchall(),
                rows("t.phone", "phones", order="ORDER BY t.id"),
                rows("t.email", "emails", order="ORDER BY t.id"),
            ]

        tables = await self.db.run(read)
        cards = cards_from_rows(
            [p for _, p in pairs],
            *tables,
            people_of=lambda r: tuple(int(x) for x in str(r["people"]).split(",")),
        )
        out: dict[int, list[PersonCard]] = {owner: [] for owner, _ in wanted}
        for (owner, _), card in zip(pairs, cards, strict=True):
            out[owner].append(card)
        return out

    async def dates_ahead_many(
        self, requests: Sequence[tuple[int, date]], days: int
    ) -> dict[int, DatesAhead]:
        """`ports.Store.dates_ahead_many`: by month through `dates_owner_month`."""
        if not requests:
            return {}

        def read(conn: sqlite3.Connection) -> dict[int, tuple[list[Any], Any, Any]]:
            # Two statements for a chunk of owners, not two per owner: each driven by a
            # VALUES list (CROSS JOIN keeps that order) straight into its index.
            out: dict[int, tuple[list[Any], Any, Any]] = {}
            for start in range(0, len(requests), CANDIDATE_OWNERS):
                chunk = requests[start : start + CANDIDATE_OWNERS]
                months = [
                    (pos, owner, month)
                    for pos, (owner, today) in enumerate(chunk)
                    for month in sorted(
                        {(today + timedelta(days=k)).month for k in range(days + 1)}
                    )
                ]
                dated: list[list[Any]] = [[] for _ in chunk]
                for r in conn.execute(
                    "WITH w(pos, owner, month) AS (VALUES "
                    + ",".join("(?, ?, ?)" for _ in months)
                    + ") SELECT w.pos, d.id, d.person_id, d.label, d.month, d.day, d.year, "
                    "d.created_at FROM w CROSS JOIN dates d INDEXED BY dates_owner_month "
                    "ON d.owner_id = w.owner AND d.month = w.month "
                    "ORDER BY w.pos, d.month, d.day, d.id",
                    [x for row in months for x in row],
                ):
                    dated[r[0]].append(r[1:])
                last: dict[int, Any] = {}
                for r in conn.execute(
                    "WITH w(pos, owner, today) AS (VALUES "
                    + ",".join("(?, ?, ?)" for _ in chunk)
                    + ") SELECT w.pos, d.local_day, d.sent_at FROM w CROSS JOIN digests d "
                    "ON d.id = (SELECT x.id FROM digests x WHERE x.owner_id = w.owner "
                    "AND x.local_day < w.today AND x.status = 'sent' "
                    "ORDER BY x.local_day DESC LIMIT 1)",
                    [
                        x
                        for pos, (owner, today) in enumerate(chunk)
                        for x in (pos, owner, today.isoformat())
                    ],
                ):
                    last[r[0]] = r
                for pos, (owner, _) in enumerate(chunk):
                    found = last.get(pos)
                    out[owner] = (
                        dated[pos],
                        found[1] if found else None,
                        found[2] if found else None,
                    )
            return out

        found = await self.db.run(read)
        result: dict[int, DatesAhead] = {}
        for owner, (rows, last_day, sent_at) in found.items():
            # UTC text compares in time order; a date set after the digest went out
            # (or one with no stamp when no digest has a time) is news to the next one.
            since = {
                int(r[0]) for r in rows if sent_at and r[6] is not None and str(r[6]) > sent_at
            }
            result[owner] = DatesAhead(
                tuple(ImportantDate(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows),
                date.fromisoformat(last_day) if last_day else None,
                frozenset(since),
            )
        return result

    async def people_by_id_many(
        self, wanted: Sequence[tuple[int, Sequence[int]]]
    ) -> dict[int, list[Person]]:
        """`ports.Store.people_by_id_many`: in one thread hop, one primary-key lookup
        per owner instead of every person of each owner."""
        out: dict[int, list[Person]] = {owner: [] for owner, _ in wanted}
        asked = [(owner, list(dict.fromkeys(ids))) for owner, ids in wanted if ids]
        if not asked:
            return out

        def read(conn: sqlite3.Connection) -> list[tuple[int, list[Any]]]:
            found: list[tuple[int, list[Any]]] = []
            for owner, ids in asked:
                for start in range(0, len(ids), 900):  # under SQLite's variable limit
                    chunk = ids[start : start + 900]
                    found.append(
                        (
                            owner,
                            conn.execute(
                                f"{_PEOPLE_SQL} AND p.id IN ({','.join('?' * len(chunk))})",
                                (owner, *chunk),
                            ).fetchall(),
                        )
                    )
            return found

        for owner, rows in await self.db.run(read):
            out[owner].extend(person_from_row(r) for r in rows)
        return out

    # -- which message logged what (edits correct their log) ------------------------

    async def remember_log_message(
        self, owner: int, ref: str, interaction_id: int, now: datetime
    ) -> None:
        """Note that the chat message `ref` logged `interaction_id`."""
        await self.db.execute(
            "INSERT OR REPLACE INTO log_messages (owner_id, ref, interaction_id, created_at) "
            "VALUES (?, ?, ?, ?)",
            (owner, ref, interaction_id, format_utc(now)),
        )

    async def logged_by_message(self, owner: int, ref: str) -> tuple[Interaction, str] | None:
        """The interaction the message `ref` logged (with who was there) and when it was
        logged; None when that message logged nothing (or the log was undone since)."""
        rows = await self.db.fetchall(
            "SELECT i.id, i.day, i.kind, i.note, m.created_at, "
            "(SELECT group_concat(person_id) FROM interaction_people x "
            " WHERE x.interaction_id = i.id) AS people "
            "FROM log_messages m JOIN interactions i ON i.id = m.interaction_id "
            "AND i.owner_id = m.owner_id WHERE m.owner_id = ? AND m.ref = ?",
            (owner, ref),
        )
        if not rows:
            return None
        r = rows[0]
        ids = tuple(int(x) for x in str(r["people"] or "").split(",") if x)
        return Interaction(
            int(r["id"]), date.fromisoformat(r["day"]), r["kind"], r["note"], ids
        ), str(r["created_at"])

    async def last_undo(self, owner: int) -> tuple[int, str] | None:
        """The owner's newest undo entry: (id, created_at), or None."""
        rows = await self.db.fetchall(
            "SELECT id, created_at FROM undo_log WHERE owner_id = ? ORDER BY id DESC LIMIT 1",
            (owner,),
        )
        return (int(rows[0][0]), str(rows[0][1])) if rows else None

    async def interaction_count(self, owner: int) -> int:
        rows = await self.db.fetchall(
            "SELECT count(*) FROM interactions WHERE owner_id = ?", (owner,)
        )
        return int(rows[0][0])

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
        """`log` inside its own `change`, as one transaction in one thread hop.

        The everyday log: the same rows, undo entry and cache refresh as
        `change` + `log`, written synchronously in the database thread.
        """
        stamp = format_utc(now)
        ids = list(dict.fromkeys(person_ids))
        iso = day.isoformat()

        handling = _unrecorded()

        def write(conn: sqlite3.Connection) -> tuple[int, list[Any], int | None]:
            conn.execute("BEGIN IMMEDIATE")
            try:
                (iid,) = conn.execute(
                    "INSERT INTO interactions (owner_id, day, kind, note, created_at, place, "
                    "initiator) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    (owner, iso, kind, note, stamp, place, initiator),
                ).fetchone()
                links = [
                    int(r[0])
                    for r in conn.execute(
                        "INSERT INTO interaction_people (owner_id, interaction_id, person_id, day) "
                        f"VALUES {','.join('(?, ?, ?, ?)' for _ in ids)} RETURNING id",
                        [x for pid in ids for x in (owner, iid, pid, iso)],
                    ).fetchall()
                ]
                # As Change records them, oldest first; stored newest first.
                inverse: list[dict[str, Any]] = [
                    {"op": "delete", "table": "interactions", "ids": [int(iid)]},
                    {"op": "delete", "table": "interaction_people", "ids": links},
                ]
                for pid in reactivate:
                    old = conn.execute(
                        "SELECT imported FROM people WHERE id = ? AND owner_id = ?", (pid, owner)
                    ).fetchone()
                    if old is None:
                        continue
                    conn.execute(
                        "UPDATE people SET imported = 0 WHERE id = ? AND owner_id = ?", (pid, owner)
                    )
                    inverse.append(
                        {"op": "update", "table": "people", "id": pid, "values": dict(old)}
                    )
                for sql, params in undo_entry(owner, label, inverse, stamp):
                    conn.execute(sql, params)
                if handling is not None:
                    conn.execute(*_handled_row(handling.key, owner))
                rows = conn.execute(
                    _PEOPLE_SQL + f" AND p.id IN ({','.join('?' * len(ids))})", (owner, *ids)
                ).fetchall()
                bumped = next(iter(conn.execute(BUMP_SQL, (owner,)).fetchall()), None)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            return int(iid), rows, (int(bumped[0]) if bumped else None)

        try:
            iid, rows, version = await self.db.run(write)
        except BaseException:
            self._forget_cache(owner)
            raise
        _recorded()
        self._patch_cache(owner, {r["id"]: person_from_row(r) for r in rows}, version)
        return iid

    # -- undo ------------------------------------------------------------------

    async def undo(self, owner: int) -> UndoResult | None:
        """Revert the owner's newest change; None when there is nothing to undo."""
        try:
            async with self.db.transaction() as conn:
                rows = list(
                    await conn.execute_fetchall(
                        "SELECT id, label, ops FROM undo_log WHERE owner_id = ? "
                        "ORDER BY id DESC LIMIT 1",
                        (owner,),
                    )
                )
                if not rows:
                    return None
                await apply_inverse(conn, owner, json.loads(rows[0]["ops"]))
                await conn.execute("DELETE FROM undo_log WHERE id = ?", (rows[0]["id"],))
                await conn.execute_fetchall(BUMP_SQL, (owner,))
                handling = _unrecorded()
                if handling is not None:
                    await conn.execute(*_handled_row(handling.key, owner))
            _recorded()
            return UndoResult(rows[0]["label"])
        finally:
            self._forget_cache(owner)

    # -- pending questions -----------------------------------------------------

    async def put_pending(
        self, owner: int, payload: Mapping[str, Any], now: datetime, *, rows: Sequence[str] = ()
    ) -> int:
        async with self.db.transaction() as conn:
            # Questions older than a month are stale; clearing them here keeps the
            # table small without a separate job.
            await conn.execute(
                "DELETE FROM pending WHERE owner_id = ? AND created_at < ?",
                (owner, format_utc(now - timedelta(days=30))),
            )
            inserted = list(
                await conn.execute_fetchall(
                    "INSERT INTO pending (owner_id, payload, created_at) "
                    "VALUES (?, ?, ?) RETURNING id",
                    (owner, json.dumps(dict(payload)), format_utc(now)),
                )
            )
            pending_id = int(inserted[0][0])
            if rows:
                await conn.executemany(
                    "INSERT INTO pending_contacts (pending_id, owner_id, seq, row) "
                    "VALUES (?, ?, ?, ?)",
                    ((pending_id, owner, seq, row) for seq, row in enumerate(rows)),
                )
        return pending_id

    async def pending_rows(self, owner: int, pending_id: int) -> list[str]:
        found = await self.db.fetchall(
            "SELECT row FROM pending_contacts WHERE owner_id = ? AND pending_id = ? ORDER BY seq",
            (owner, pending_id),
        )
        return [str(r[0]) for r in found]

    async def get_pending(self, owner: int, pending_id: int) -> dict[str, Any] | None:
        rows = await self.db.fetchall(
            "SELECT payload FROM pending WHERE owner_id = ? AND id = ?", (owner, pending_id)
        )
        if not rows:
            return None
        payload: dict[str, Any] = json.loads(rows[0]["payload"])
        return payload

    async def latest_pending(
        self, owner: int, since: datetime
    ) -> tuple[int, dict[str, Any]] | None:
        """The owner's newest open question asked at or after `since`: a typed reply may
        answer it."""
        rows = await self.db.fetchall(
            "SELECT id, payload FROM pending WHERE owner_id = ? AND created_at >= ? "
            "ORDER BY id DESC LIMIT 1",
            (owner, format_utc(since)),
        )
        if not rows:
            return None
        payload: dict[str, Any] = json.loads(rows[0]["payload"])
        return int(rows[0]["id"]), payload

    async def drop_pending(self, owner: int, pending_id: int) -> None:
        await self.db.execute(
            "DELETE FROM pending WHERE owner_id = ? AND id = ?", (owner, pending_id)
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
        """Everything of `owner`, as of one snapshot (`accounts.export_document`)."""
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
        """`export` page by page (`accounts.export_parts`)."""
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
        """A big account read and written in a worker process (bot/store/sqlite/
        export_worker.py), a small one (or one in memory, which no other connection can
        see) in this process, as the PostgreSQL store does (`export_pages.write_parts`):
        starting a process costs more than a few hundred rows take."""
        on_file = self.db.path != ":memory:" and not self.db.path.startswith("file:")
        if on_file and await self._export_rows(owner) >= EXPORT_WORKER_FROM:
            return await in_worker(
                export_worker.export_to_files,
                self.db.path,
                owner,
                circles,
                now,
                defaults,
                str(json_path),
                str(vcard_path),
            )
        parts = self.export_parts(owner, circles, now, defaults)
        return await pages.write_parts(parts, json_path, vcard_path)

    async def _export_rows(self, owner: int) -> int:
        """The owner's people and meetings, counted up to `EXPORT_WORKER_FROM` each."""
        rows = await self.db.fetchall(
            "SELECT (SELECT count(*) FROM (SELECT 1 FROM people WHERE owner_id = ? LIMIT ?))"
            " + (SELECT count(*) FROM (SELECT 1 FROM interactions WHERE owner_id = ? LIMIT ?))",
            (owner, EXPORT_WORKER_FROM, owner, EXPORT_WORKER_FROM),
        )
        return int(rows[0][0])

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
        """`batch` as one undoable change; see bot/store/sqlite/accounts.py for the rules."""
        try:
            async with self.change(owner, label, now) as ch:
                return await accounts.apply_import(ch, batch, duplicates, answering=answering)
        finally:
            # A restore may set the user's settings, which are cached apart from people.
            self.invalidate(owner)


def _unrecorded() -> Handling | None:
    """The update being handled, if no committed change has recorded it yet."""
    handling = current()
    return handling if handling is not None and not handling.recorded else None


def _recorded() -> None:
    """After a commit that wrote `_handled_row`: the update needs no record of its own."""
    handling = current()
    if handling is not None:
        handling.recorded = True


def _handled_row(key: UpdateKey, owner: int) -> tuple[str, tuple[Any, ...]]:
    # OR IGNORE: a second change of the same update (rare) must not fail on the key.
    return (
        "INSERT OR IGNORE INTO handled_updates (transport, update_id, owner, expires_at) "
        "VALUES (?, ?, ?, ?)",
        (key.transport, key.update_id, owner, format_utc(key.expires_at)),
    )
