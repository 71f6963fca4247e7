"""One owner's data in and out over PostgreSQL: export and import (the rules are the
SQLite store's, bot/store/sqlite/accounts.py; only reading what is there differs)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, cast

from bot.core.circles import Circles
from bot.core.clock import format_utc
from bot.core.model import UserSettings
from bot.core.names import name_key
from bot.formats import ExportDocument, ExportedGroup, ExportPart
from bot.ports.accounts import AlreadyAnswered, Duplicates, ImportBatch, ImportOutcome
from bot.store import export_pages as pages
from bot.store.postgres.changes import PgChange
from bot.store.postgres.db import PgDatabase
from bot.store.postgres.schedules import schedule_for
from bot.store.sqlite.accounts import _Have, _Importer, _Someone
from bot.store.sqlite.journal import TABLES


def _as_text(value: Any) -> Any:
    """A value as the SQLite store reads it: days ISO, instants `format_utc`, flags 0/1."""
    if isinstance(value, datetime):
        return format_utc(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


async def export_document(
    db: PgDatabase,
    owner: int,
    circles: Circles,
    now: datetime,
    defaults: UserSettings,
    *,
    meetings: bool = True,
) -> ExportDocument:
    """Everything of `owner` as of one snapshot: `export_parts` collected."""
    return await pages.collect(export_parts(db, owner, circles, now, defaults, meetings=meetings))


async def export_parts(
    db: PgDatabase,
    owner: int,
    circles: Circles,
    now: datetime,
    defaults: UserSettings,
    *,
    meetings: bool = True,
) -> AsyncIterator[ExportPart]:
    """Everything of `owner` page by page (bot/store/export_pages.py), inside one
    REPEATABLE READ transaction: a consistent snapshot. Each page is fetched on the
    loop (asyncpg decodes in C) and turned into export values in a thread;
    `meetings=False` reads no meeting, as the SQLite store does."""
    async with (
        db.connection() as conn,
        conn.transaction(isolation="repeatable_read", readonly=True),
    ):

        async def rows(sql: str, *params: Any) -> list[dict[str, Any]]:
            found = await conn.fetch(pages.numbered(sql), *params)
            return await asyncio.to_thread(_texts, found)

        refs: dict[int, str] = {}
        yield pages.head_part(await rows(pages.USERS, owner), circles, now, defaults)
        last = 0
        while True:
            people = await rows(pages.PEOPLE_PAGE, owner, last, pages.PEOPLE_PER_PAGE)
            if not people:
                break
            first, last = people[0]["id"], people[-1]["id"]
            children = {t: await rows(q, owner, first, last) for t, q in pages.CHILD_PAGES.items()}
            yield await asyncio.to_thread(pages.people_part, people, children, refs)
            if len(people) < pages.PEOPLE_PER_PAGE:
                break
        last = 0
        while meetings:
            meets = await rows(pages.INTERACTIONS_PAGE, owner, last, pages.INTERACTIONS_PER_PAGE)
            if not meets:
                break
            first, last = meets[0]["id"], meets[-1]["id"]
            links = await rows(pages.LINKS_PAGE, owner, first, last)
            yield await asyncio.to_thread(pages.interactions_part, meets, links, refs)
            if len(meets) < pages.INTERACTIONS_PER_PAGE:
                break
        groups, members = await rows(pages.GROUPS, owner), await rows(pages.MEMBERS, owner)
        yield pages.groups_part(groups, members, refs)


def _texts(records: Sequence[Any]) -> list[dict[str, Any]]:
    """Rows as the SQLite store reads them (`_as_text`), for the shared assembly."""
    return [{k: _as_text(v) for k, v in r.items()} for r in records]


async def apply_import(
    ch: PgChange,
    batch: ImportBatch,
    duplicates: Duplicates,
    *,
    answering: int | None = None,
) -> ImportOutcome:
    """Write `batch` inside `ch`; `answering`'s question is consumed in the same
    transaction (a second press raises AlreadyAnswered and writes nothing)."""
    if answering is not None:
        gone = await ch.conn.fetchval(
            "DELETE FROM pending WHERE owner_id = $1 AND id = $2 RETURNING id", ch.owner, answering
        )
        if gone is None:
            raise AlreadyAnswered
    # The importer only uses the journal's insert_many/update, which PgChange has too.
    return await _PgImporter(cast(Any, ch), duplicates).run(batch)


class _PgImporter(_Importer):
    """The SQLite importer with its reads of what is there in PostgreSQL's dialect."""

    @property
    def _pg(self) -> PgChange:
        return cast(PgChange, self.ch)

    async def _existing_people(self) -> list[_Someone]:
        ch = self._pg
        rows = await ch.conn.fetch(
            "SELECT p.id, p.name, ARRAY(SELECT alias FROM aliases a WHERE a.person_id = p.id "
            "ORDER BY a.id) AS aliases FROM people p WHERE p.owner_id = $1 ORDER BY p.id",
            ch.owner,
        )
        return [_Someone(r["id"], r["name"], tuple(r["aliases"])) for r in rows]

    async def _existing_children(self) -> dict[int, _Have]:
        ch = self._pg
        have: dict[int, _Have] = {}

        async def each(sql: str) -> Iterable[Any]:
            rows: Iterable[Any] = await ch.conn.fetch(sql, ch.owner)
            return rows

        for row in await each("SELECT person_id, tag FROM tags WHERE owner_id = $1"):
            have.setdefault(row[0], _Have()).tags.add(row[1])
        for row in await each("SELECT person_id, text FROM notes WHERE owner_id = $1"):
            have.setdefault(row[0], _Have()).notes.add(row[1])
        for row in await each("SELECT person_id, text FROM follow_ups WHERE owner_id = $1"):
            have.setdefault(row[0], _Have()).follow_ups.add(row[1])
        for row in await each("SELECT person_id, kind, text FROM favors WHERE owner_id = $1"):
            have.setdefault(row[0], _Have()).favors.add((row[1], row[2]))
        for row in await each("SELECT person_id, label FROM dates WHERE owner_id = $1"):
            have.setdefault(row[0], _Have()).dates.add(row[1].casefold())
        for row in await each("SELECT person_id, phone_key FROM phones WHERE owner_id = $1"):
            have.setdefault(row[0], _Have()).phones.add(row[1])
        for row in await each("SELECT person_id, email_key FROM emails WHERE owner_id = $1"):
            have.setdefault(row[0], _Have()).emails.add(row[1])
        for row in await each("SELECT person_id FROM vcard_names WHERE owner_id = $1"):
            have.setdefault(row[0], _Have()).name_parts = True
        return have

    async def _groups(self, groups: Sequence[ExportedGroup], ids: Mapping[str, int | None]) -> None:
        """Groups come along with their people; a name already taken is left as it is."""
        if not groups:
            return
        ch = self._pg
        taken = {
            str(r[0])
            for r in await ch.conn.fetch(
                "SELECT name_key FROM friend_groups WHERE owner_id = $1", ch.owner
            )
        }
        for group in groups:
            members = [pid for ref in group.members if (pid := ids.get(ref)) is not None]
            if name_key(group.name) in taken or len(members) < 2:
                continue
            gid = await ch.save_group(group.name, members, None)
            if group.cadence_days:
                await ch.set_group_cadence(gid, group.cadence_days)
            taken.add(name_key(group.name))

    async def _existing_interactions(self) -> set[tuple[str, str, str, frozenset[int]]]:
        ch = self._pg
        rows = await ch.conn.fetch(
            "SELECT i.day, i.kind, i.note, array_remove(array_agg(ip.person_id), NULL) AS people "
            "FROM interactions i LEFT JOIN interaction_people ip ON ip.interaction_id = i.id "
            "WHERE i.owner_id = $1 GROUP BY i.id",
            ch.owner,
        )
        return {
            (r["day"].isoformat(), r["kind"], r["note"], frozenset(int(x) for x in r["people"]))
            for r in rows
        }

    async def _settings(self, settings: Any) -> None:
        ch = self._pg
        values: dict[str, Any] = {
            k: settings[k] for k in ("timezone", "digest_time", "date_order") if k in settings
        }
        if not values:
            return
        current = await ch.conn.fetchrow(
            "SELECT timezone, digest_time FROM users WHERE id = $1", ch.owner
        )
        if current is None:
            return
        merged = {"timezone": current["timezone"], "digest_time": current["digest_time"]}
        merged.update(values)
        values["next_digest_at"] = await schedule_for(
            ch.conn, ch.owner, str(merged["timezone"]), merged["digest_time"], ch.now
        )
        if await ch.update("users", ch.owner, values):
            self.outcome.settings = {
                k: values[k] for k in ("timezone", "digest_time", "date_order") if k in values
            }


assert "users" in TABLES  # the importer's settings go through the journal's users rows
