"""One owner's data in and out of the store: the full export, and imports as one change.

- `export_document` reads everything of one owner (people with their aliases, tags,
  notes, follow-ups, favors and dates; interactions; settings) into the versioned
  `ExportDocument`, in one read transaction: a consistent snapshot even while a bot in
  another process writes. Rows come out in id order, so a document imported into an empty
  account exports again identical (apart from `exported_at`).
- `apply_import` writes an `ImportBatch` (people, interactions between them, optional
  settings) as one journaled `Change`: all or nothing, and one `/undo` takes it back.
  Contacts files and kith exports both arrive as a batch (bot/engine/imports.py).

Duplicates. An incoming person is *known* when their name has the key of an existing
person's name or, failing that, of an existing alias (`known_people`). A known person is
merged or skipped, as the user chose; never added a second time:
- merge adds to the existing person only what they lack: aliases nobody uses yet, tags,
  dates whose label they have no date for (a birthday they already have stays), notes,
  follow-ups and favors whose text is new. Their name, circle, cadence and flags stay.
- skip leaves them exactly as they are, and nothing of theirs in the batch is stored;
  an incoming interaction keeps only its other people (and is dropped with none left).
Incoming interactions identical to one already stored (day, kind, note and people) are
not stored again, so importing the same export twice adds nothing the second time.
New people's aliases are dropped only when an existing person already uses that name,
which keeps a restore into an empty account lossless.
"""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any, TypeVar

import aiosqlite

from bot.core.circles import Circles
from bot.core.clock import parse_utc
from bot.core.model import UserSettings
from bot.core.names import name_key
from bot.core.reach import email_key, phone_key
from bot.formats import (
    ExportDocument,
    ExportedGroup,
    ExportedInteraction,
    ExportedPerson,
    ExportPart,
    iso_timestamp,
    parse_timestamp,
)
from bot.ports.accounts import (
    AlreadyAnswered,
    Duplicates,
    ImportBatch,
    ImportOutcome,
    Named,
    known_people,
)
from bot.store import export_pages as pages
from bot.store.sqlite.changes import SqliteChange
from bot.store.sqlite.db import Database
from bot.store.sqlite.migrations import PERSON_TABLES
from bot.store.sqlite.schedules import schedule_for

T = TypeVar("T")
# Meetings written per statement round in an import.
_PAGE = 5000

# -- export ---------------------------------------------------------------------------


async def export_document(
    db: Database,
    owner: int,
    circles: Circles,
    now: datetime,
    defaults: UserSettings,
    *,
    meetings: bool = True,
) -> ExportDocument:
    """Everything of `owner`, as of one snapshot: `export_parts` collected."""
    return await pages.collect(export_parts(db, owner, circles, now, defaults, meetings=meetings))


async def export_parts(
    db: Database,
    owner: int,
    circles: Circles,
    now: datetime,
    defaults: UserSettings,
    *,
    meetings: bool = True,
) -> AsyncIterator[ExportPart]:
    """Everything of `owner` page by page (bot/store/export_pages.py), as of one snapshot.

    Each page is one hop to the database thread, its rows read and turned into export
    values there, so the event loop only passes pages on. The snapshot is a connection
    of its own (`Database.reader`): a long export holds no lock another task waits for.
    `meetings=False` reads no meeting."""
    async with db.reader() as conn:
        refs: dict[int, str] = {}
        yield await _hop(
            conn, lambda c: pages.head_part(_rows(c, pages.USERS, owner), circles, now, defaults)
        )
        last = 0
        while True:
            people = partial(_people_page, owner=owner, after=last, refs=refs)
            part, last, full = await _hop(conn, people)
            if part.people:
                yield part
            if not full:
                break
        last = 0
        while meetings:
            meets = partial(_interactions_page, owner=owner, after=last, refs=refs)
            part, last, full = await _hop(conn, meets)
            if part.interactions:
                yield part
            if not full:
                break
        yield await _hop(
            conn,
            lambda c: pages.groups_part(
                _rows(c, pages.GROUPS, owner), _rows(c, pages.MEMBERS, owner), refs
            ),
        )


async def _hop(conn: aiosqlite.Connection, fn: Callable[[sqlite3.Connection], T]) -> T:
    """`fn(connection)` in the connection's thread: any number of statements, one hop."""
    result: T = await conn._execute(fn, conn._conn)  # type: ignore[no-untyped-call]
    return result


def _rows(conn: sqlite3.Connection, sql: str, *params: Any) -> list[sqlite3.Row]:
    return conn.execute(sql, params).fetchall()


def _people_page(
    conn: sqlite3.Connection, owner: int, after: int, refs: dict[int, str]
) -> tuple[ExportPart, int, bool]:
    """The page of people after id `after`, the last id in it, whether it was full."""
    people = _rows(conn, pages.PEOPLE_PAGE, owner, after, pages.PEOPLE_PER_PAGE)
    if not people:
        return ExportPart(), after, False
    first, last = people[0]["id"], people[-1]["id"]
    children = {t: _rows(conn, sql, owner, first, last) for t, sql in pages.CHILD_PAGES.items()}
    part = pages.people_part(people, children, refs)
    return part, last, len(people) == pages.PEOPLE_PER_PAGE


def _interactions_page(
    conn: sqlite3.Connection, owner: int, after: int, refs: Mapping[int, str]
) -> tuple[ExportPart, int, bool]:
    rows = _rows(conn, pages.INTERACTIONS_PAGE, owner, after, pages.INTERACTIONS_PER_PAGE)
    if not rows:
        return ExportPart(), after, False
    first, last = rows[0]["id"], rows[-1]["id"]
    links = _rows(conn, pages.LINKS_PAGE, owner, first, last)
    part = pages.interactions_part(rows, links, refs)
    return part, last, len(rows) == pages.INTERACTIONS_PER_PAGE


assert set(pages.CHILD_PAGES) == set(PERSON_TABLES)  # every person table is exported


# -- import ---------------------------------------------------------------------------


# A big import (20,000 contacts) is a few hundred milliseconds of Python between its
# statements: it lets the event loop run every so many people, so no other chat stalls.
_YIELD_EVERY = 500


async def _cooperate(n: int) -> None:
    if n and n % _YIELD_EVERY == 0:
        await asyncio.sleep(0)


@dataclass(frozen=True, slots=True)
class _Someone:
    id: int
    name: str
    aliases: tuple[str, ...]


async def apply_import(
    ch: SqliteChange,
    batch: ImportBatch,
    duplicates: Duplicates,
    *,
    answering: int | None = None,
) -> ImportOutcome:
    """Write `batch` inside the change `ch`; see the module doc for the rules.

    `answering` is the pending question this import answers: it is consumed in the same
    transaction, so a second press of the same button can never import twice
    (AlreadyAnswered, and nothing written).
    """
    if answering is not None:
        cursor = await ch.conn.execute(
            "DELETE FROM pending WHERE owner_id = ? AND id = ?", (ch.owner, answering)
        )
        if cursor.rowcount == 0:
            raise AlreadyAnswered
    return await _Importer(ch, duplicates).run(batch)


class _Importer:
    """One import inside its change: what is there, then what to add."""

    def __init__(self, ch: SqliteChange, duplicates: Duplicates) -> None:
        self.ch = ch
        self.duplicates = duplicates
        self.outcome = ImportOutcome()
        # Keys of every name and alias in use before the import: new aliases skip them.
        self.used: set[str] = set()
        # Rows to insert, per child table, collected for one statement each.
        self.children: dict[str, list[dict[str, Any]]] = {t: [] for t in PERSON_TABLES}

    async def run(self, batch: ImportBatch) -> ImportOutcome:
        ch = self.ch
        existing = await self._existing_people()
        was_empty = not existing
        # Thousands of name keys: in a thread, so other chats go on meanwhile.
        known = await asyncio.to_thread(known_people, existing, batch.people)
        self.used = {name_key(p.name) for p in existing} | {
            name_key(a) for p in existing for a in p.aliases
        }
        have = await self._existing_children() if known else {}

        ids: dict[str, int | None] = {}
        new_people: list[ExportedPerson] = []
        for n, person in enumerate(batch.people):
            await _cooperate(n)
            target = known.get(person.ref)
            if target is None:
                new_people.append(person)
            elif self.duplicates is Duplicates.SKIP:
                ids[person.ref] = None
                self.outcome.skipped.append(target.name)
            else:
                ids[person.ref] = target.id
                if self._merge(target, person, have.setdefault(target.id, _Have())):
                    self.outcome.merged.append(target.name)
                else:
                    self.outcome.unchanged.append(target.name)

        rows = []
        for n, person in enumerate(new_people):
            await _cooperate(n)
            rows.append(self._person_row(person))
        new_ids = await ch.insert_many("people", rows)
        for n, (person, pid) in enumerate(zip(new_people, new_ids, strict=True)):
            await _cooperate(n)
            ids[person.ref] = pid
            self.outcome.added.append(person.name)
            self._add_children(pid, person, _Have(), new=True)
        for table, table_rows in self.children.items():
            await ch.insert_many(table, table_rows)

        await self._interactions(batch.interactions, ids)
        await self._groups(batch.groups, ids)
        if was_empty and batch.settings:
            await self._settings(batch.settings)
        if was_empty and batch.weekly_review is not None:
            await ch.set_weekly_review(batch.weekly_review)
        return self.outcome

    async def _groups(self, groups: Sequence[ExportedGroup], ids: Mapping[str, int | None]) -> None:
        """Groups come along with their people; a name already taken is left as it is."""
        if not groups:
            return
        taken = {
            str(r[0])
            for r in await self.ch.conn.execute_fetchall(
                "SELECT name_key FROM friend_groups WHERE owner_id = ?", (self.ch.owner,)
            )
        }
        for group in groups:
            members = [pid for ref in group.members if (pid := ids.get(ref)) is not None]
            if name_key(group.name) in taken or len(members) < 2:
                continue
            gid = await self.ch.save_group(group.name, members, None)
            if group.cadence_days:
                await self.ch.set_group_cadence(gid, group.cadence_days)
            taken.add(name_key(group.name))

    # -- reading what is there --------------------------------------------------------

    async def _existing_people(self) -> list[_Someone]:
        conn, owner = self.ch.conn, self.ch.owner
        people = list(
            await conn.execute_fetchall(
                "SELECT id, name FROM people WHERE owner_id = ? ORDER BY id", (owner,)
            )
        )
        aliases: dict[int, list[str]] = {}
        for row in await conn.execute_fetchall(
            "SELECT person_id, alias FROM aliases WHERE owner_id = ? ORDER BY id", (owner,)
        ):
            aliases.setdefault(row["person_id"], []).append(row["alias"])
        return [_Someone(r["id"], r["name"], tuple(aliases.get(r["id"], ()))) for r in people]

    async def _existing_children(self) -> dict[int, _Have]:
        conn, owner = self.ch.conn, self.ch.owner
        have: dict[int, _Have] = {}

        async def each(sql: str) -> Iterable[aiosqlite.Row]:
            return await conn.execute_fetchall(sql, (owner,))

        # Their aliases are already in `self.used`, read with the people.
        for row in await each("SELECT person_id, tag FROM tags WHERE owner_id = ?"):
            have.setdefault(row[0], _Have()).tags.add(row[1])
        for row in await each("SELECT person_id, text FROM notes WHERE owner_id = ?"):
            have.setdefault(row[0], _Have()).notes.add(row[1])
        for row in await each("SELECT person_id, text FROM follow_ups WHERE owner_id = ?"):
            have.setdefault(row[0], _Have()).follow_ups.add(row[1])
        for row in await each("SELECT person_id, kind, text FROM favors WHERE owner_id = ?"):
            have.setdefault(row[0], _Have()).favors.add((row[1], row[2]))
        for row in await each("SELECT person_id, label FROM dates WHERE owner_id = ?"):
            have.setdefault(row[0], _Have()).dates.add(row[1].casefold())
        for row in await each("SELECT person_id, phone_key FROM phones WHERE owner_id = ?"):
            have.setdefault(row[0], _Have()).phones.add(row[1])
        for row in await each("SELECT person_id, email_key FROM emails WHERE owner_id = ?"):
            have.setdefault(row[0], _Have()).emails.add(row[1])
        for row in await each("SELECT person_id FROM vcard_names WHERE owner_id = ?"):
            have.setdefault(row[0], _Have()).name_parts = True
        return have

    # -- people -----------------------------------------------------------------------

    @staticmethod
    def _person_row(p: ExportedPerson) -> dict[str, Any]:
        return {
            "name": p.name,
            "name_key": name_key(p.name),
            "circle": p.circle,
            "cadence_days": p.cadence_days,
            "paused": int(p.paused),
            "added_on": p.added_on,
            "snoozed_until": p.snoozed_until,
            "imported": int(p.imported),
        }

    def _merge(self, target: Named, incoming: ExportedPerson, have: _Have) -> bool:
        """Queue what `incoming` adds to `target`; whether it adds anything."""
        before = sum(len(rows) for rows in self.children.values())
        self._add_children(target.id, incoming, have, new=False)
        return sum(len(rows) for rows in self.children.values()) > before

    def _add_children(self, pid: int, p: ExportedPerson, have: _Have, *, new: bool) -> None:
        for alias in p.aliases:
            key = name_key(alias)
            if key in self.used or key in have.aliases:
                continue
            have.aliases.add(key)
            if not new:
                self.used.add(key)
            self.children["aliases"].append({"person_id": pid, "alias": alias, "alias_key": key})
        for tag in p.tags:
            if tag not in have.tags:
                have.tags.add(tag)
                self.children["tags"].append({"person_id": pid, "tag": tag})
        for note in p.notes:
            if new or note.text not in have.notes:
                have.notes.add(note.text)
                self.children["notes"].append(
                    {"person_id": pid, "text": note.text, "created_at": _stored(note.created_at)}
                )
                self.outcome.notes += 1
        for f in p.follow_ups:
            if new or f.text not in have.follow_ups:
                have.follow_ups.add(f.text)
                self.children["follow_ups"].append(
                    {
                        "person_id": pid,
                        "text": f.text,
                        "from_day": f.from_day,
                        "done": int(f.done),
                        "created_at": _stored(f.created_at),
                    }
                )
                self.outcome.follow_ups += 1
        for favor in p.favors:
            if new or (favor.kind, favor.text) not in have.favors:
                have.favors.add((favor.kind, favor.text))
                self.children["favors"].append(
                    {
                        "person_id": pid,
                        "kind": favor.kind,
                        "text": favor.text,
                        "done": int(favor.done),
                        "created_at": _stored(favor.created_at),
                    }
                )
                self.outcome.favors += 1
        for d in p.dates:
            if new or d.label.casefold() not in have.dates:
                have.dates.add(d.label.casefold())
                self.children["dates"].append(
                    {
                        "person_id": pid,
                        "label": d.label,
                        "month": d.month,
                        "day": d.day,
                        "year": d.year,
                    }
                )
                self.outcome.dates += 1
                if d.label.casefold() == "birthday":
                    self.outcome.birthdays += 1
        for phone in p.phones:
            key = phone_key(phone)
            if key and key not in have.phones:
                have.phones.add(key)
                self.children["phones"].append({"person_id": pid, "phone": phone, "phone_key": key})
                self.outcome.phones += 1
        for email in p.emails:
            key = email_key(email)
            if key and key not in have.emails:
                have.emails.add(key)
                self.children["emails"].append({"person_id": pid, "email": email, "email_key": key})
                self.outcome.emails += 1
        # A merge keeps the name the person has here, so only a new person takes the
        # incoming card's structured name (it is the structure of that very name).
        if p.name_parts is not None and new and not have.name_parts:
            have.name_parts = True
            family, given, additional, prefix, suffix = p.name_parts
            self.children["vcard_names"].append(
                {
                    "person_id": pid,
                    "name": p.name,
                    "family": family,
                    "given": given,
                    "additional": additional,
                    "prefix": prefix,
                    "suffix": suffix,
                }
            )

    # -- interactions and settings ----------------------------------------------------

    async def _interactions(
        self, interactions: Iterable[ExportedInteraction], ids: Mapping[str, int | None]
    ) -> None:
        """The batch's meetings, a page at a time: a restore of a million reads them from
        its file as it goes (`ImportBatch.interactions` may be lazy), each page taken in
        a thread, so neither the meetings nor their rows are ever all in memory."""
        pending = iter(interactions)
        seen: set[tuple[str, str, str, frozenset[int]]] | None = None
        while page := await asyncio.to_thread(list, itertools.islice(pending, _PAGE)):
            if seen is None:
                seen = await self._existing_interactions()
            keep: list[tuple[ExportedInteraction, list[int]]] = []
            for i in page:
                people = [pid for ref in i.people if (pid := ids.get(ref)) is not None]
                if i.people and not people:
                    continue  # everyone in it was skipped
                if (i.day, i.kind, i.note, frozenset(people)) in seen:
                    continue
                keep.append((i, people))
            new_ids = await self.ch.insert_many(
                "interactions",
                [
                    {
                        "day": i.day,
                        "kind": i.kind,
                        "note": i.note,
                        "created_at": _stored(i.created_at),
                        "place": i.place,
                        "initiator": i.initiator,
                    }
                    for i, _ in keep
                ],
            )
            await self.ch.insert_many(
                "interaction_people",
                [
                    {"interaction_id": iid, "person_id": pid, "day": i.day}
                    for iid, (i, people) in zip(new_ids, keep, strict=True)
                    for pid in dict.fromkeys(people)
                ],
            )
            self.outcome.interactions += len(keep)

    async def _existing_interactions(self) -> set[tuple[str, str, str, frozenset[int]]]:
        rows = await self.ch.conn.execute_fetchall(
            "SELECT i.day, i.kind, i.note, group_concat(ip.person_id) AS people "
            "FROM interactions i LEFT JOIN interaction_people ip ON ip.interaction_id = i.id "
            "WHERE i.owner_id = ? GROUP BY i.id",
            (self.ch.owner,),
        )
        return {
            (
                r["day"],
                r["kind"],
                r["note"],
                frozenset(int(x) for x in str(r["people"] or "").split(",") if x),
            )
            for r in rows
        }

    async def _settings(self, settings: Mapping[str, str | None]) -> None:
        values: dict[str, str | None] = {
            k: settings[k] for k in ("timezone", "digest_time", "date_order") if k in settings
        }
        if not values:
            return
        current = list(
            await self.ch.conn.execute_fetchall(
                "SELECT timezone, digest_time FROM users WHERE id = ?", (self.ch.owner,)
            )
        )
        if not current:
            return
        merged = {"timezone": current[0]["timezone"], "digest_time": current[0]["digest_time"]}
        merged.update(values)
        # The digest schedule follows the settings, as in Store.update_settings.
        values["next_digest_at"] = await schedule_for(
            self.ch.conn,
            self.ch.owner,
            str(merged["timezone"]),
            merged["digest_time"],
            parse_utc(self.ch.now),
        )
        if await self.ch.update("users", self.ch.owner, values):
            self.outcome.settings = {
                k: values[k] for k in ("timezone", "digest_time", "date_order") if k in values
            }


@dataclass(slots=True)
class _Have:
    """What an existing person already has, to add only what is new."""

    aliases: set[str] = field(default_factory=set)
    tags: set[str] = field(default_factory=set)
    notes: set[str] = field(default_factory=set)
    follow_ups: set[str] = field(default_factory=set)
    favors: set[tuple[str, str]] = field(default_factory=set)
    dates: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)
    name_parts: bool = False


def _stored(stamp: str) -> str:
    """An exported timestamp in the store's one instant format, `2026-11-25T09:00:00Z`.

    (`iso_timestamp` writes what `format_utc` writes, and keeps four digits in a year
    before 1000, which strftime would not.)
    """
    return iso_timestamp(parse_timestamp(stamp))
