"""Schema V2 (the digest) on a database written by V1, with its users and people in it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.core.clock import FixedClock, parse_utc
from bot.store.sqlite.db import Database
from bot.store.sqlite.migrations import LATEST, MIGRATIONS
from tests.conversation import Chat, kith
from tests.nudges.conftest import Nudges, Phone, sweeper_for


def write_v1(path: Path) -> None:
    """A kith V1 file: Ann in Lisbon (digest 08:00), Ben with the digest off, Cy blocked."""
    with sqlite3.connect(path) as conn:
        for statement in MIGRATIONS[0]:
            conn.execute(statement)
        conn.execute("PRAGMA user_version = 1")
        conn.executemany(
            "INSERT INTO users (id, timezone, digest_time, active, created_at) "
            "VALUES (?, ?, ?, ?, '2026-01-01T00:00:00Z')",
            [(1, "Europe/Lisbon", "08:00", 1), (2, "UTC", None, 1), (3, "UTC", "09:00", 0)],
        )
        conn.executemany(
            "INSERT INTO people (owner_id, name, name_key, circle, added_on, last_contact, "
            "last_kind, last_nudged_on) VALUES (?, ?, ?, 'inner', '2026-01-01', ?, 'coffee', ?)",
            [
                (1, "Alice", "alice", "2026-09-01", None),
                (1, "Bob", "bob", "2026-09-01", "2026-11-24"),  # nudged two days ago
                (2, "Carl", "carl", "2026-09-01", None),
                (3, "Dee", "dee", "2026-09-01", None),
            ],
        )


def schema(path: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(path) as conn:
        return sorted(conn.execute("SELECT type, name, sql FROM sqlite_master").fetchall())


async def test_v1_upgrades_to_v2_with_rows_intact_and_every_user_scheduled(
    tmp_path: Path,
) -> None:
    path = tmp_path / "v1.db"
    write_v1(path)
    clock = FixedClock(parse_utc("2026-11-26T07:00:00Z"))  # Thursday, 07:00 in Lisbon

    async with kith(path, clock) as services:
        rows = await services.db.fetchall("SELECT id, next_digest_at FROM users ORDER BY id")
        # The upgrade cannot know time zones in SQL: every schedule starts empty ...
        assert [tuple(r) for r in rows] == [(1, None), (2, None), (3, None)]

        phone = Phone()
        nudges = Nudges(services, clock, phone, sweeper_for(services, clock, phone))
        assert await nudges.at("2026-11-26T07:00:00Z") == []
        # ... and the first sweep fills them in: Ann's 08:00 in Lisbon is 08:00 UTC in
        # winter; Ben's digest is off; Cy blocked the bot and is left alone.
        assert nudges.last.scheduled == 1
        assert await nudges.rows("SELECT id, next_digest_at FROM users ORDER BY id") == [
            (1, "2026-11-26T08:00:00Z"),
            (2, None),
            (3, None),
        ]
        ann = Chat(services.engine, owner=1)
        assert "next digest: Thu 26 Nov 08:00 Europe/Lisbon" in await ann.says("/settings")

        # Her V1 data is all there: Alice is due, Bob was nudged two days ago.
        [digest] = await nudges.at("2026-11-26T08:00:00Z")
        assert "Alice" in digest and "Bob" not in digest
        assert await nudges.rows("SELECT owner_id, local_day, status FROM digests") == [
            (1, "2026-11-26", "sent")
        ]

    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (LATEST,)


async def test_an_upgraded_file_has_the_same_schema_as_a_new_one(tmp_path: Path) -> None:
    old, new = tmp_path / "old.db", tmp_path / "new.db"
    write_v1(old)
    for path in (old, new):
        db = await Database.open(path)
        await db.close()
    assert schema(old) == schema(new)
    names = {name for _, name, _ in schema(new)}
    assert {"digests", "users_next_digest", "digests_pending"} <= names


async def test_deleting_a_user_deletes_their_digests(tmp_path: Path) -> None:
    clock = FixedClock(parse_utc("2026-11-25T10:00:00Z"))
    async with kith(tmp_path / "k.db", clock) as services:
        ann = Chat(services.engine, owner=1)
        await ann.says("/add Alice inner")
        await ann.says("coffee with Alice 2026-09-01")
        phone = Phone()
        nudges = Nudges(services, clock, phone, sweeper_for(services, clock, phone))
        assert len(await nudges.at("2026-11-26T09:00:00Z")) == 1
        await ann.says("/deleteme")
        await ann.presses("Yes, delete everything")
        assert await nudges.rows("SELECT count(*) FROM digests") == [(0,)]
