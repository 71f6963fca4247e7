"""Owner identities: who on which transport is which owner, and the migration that
gave every existing owner theirs."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.ports.identities import CONSOLE_USER, Identity
from bot.store.sqlite.db import Database
from bot.store.sqlite.migrations import MIGRATIONS, V_IDENTITIES
from bot.store.sqlite.store import SqliteStore

BEFORE = MIGRATIONS.index(V_IDENTITIES)  # the version just before identities


async def test_existing_owners_keep_their_data_under_their_identity(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        for migration in MIGRATIONS[:BEFORE]:
            for statement in migration:
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {BEFORE}")
        for owner in (0, 123456789):
            conn.execute(
                "INSERT INTO users (id, timezone, digest_time, created_at) "
                "VALUES (?, 'Europe/Lisbon', '08:00', '2026-01-01T00:00:00Z')",
                (owner,),
            )
            conn.execute(
                "INSERT INTO people (owner_id, name, name_key, circle, added_on) "
                "VALUES (?, 'Alice', 'alice', 'inner', '2026-01-01')",
                (owner,),
            )
    store = SqliteStore(await Database.open(path))
    try:
        ids = store.identities
        terminal = await ids.find(CONSOLE_USER)
        telegram = await ids.find(Identity("telegram", "123456789"))
        assert (terminal, telegram) == (0, 123456789)
        assert [p.name for p in await store.people(0)] == ["Alice"]
        assert [p.name for p in await store.people(123456789)] == ["Alice"]
        assert await ids.digest_via(0) == "console"
        assert await ids.digest_via(123456789) == "telegram"
        # A Discord user with the same number is somebody else.
        discord = await ids.owner_of(Identity("discord", "123456789"))
        assert discord not in (0, 123456789)
        assert await store.people(discord) == ()
    finally:
        await store.close()


async def test_a_new_user_gets_an_owner_once_and_keeps_it(tmp_path: Path) -> None:
    store = SqliteStore(await Database.open(tmp_path / "k.db"))
    try:
        ids = store.identities
        ann = Identity("discord", "80351110224678912")
        assert await ids.find(ann) is None
        owner = await ids.owner_of(ann)
        assert await ids.owner_of(ann) == owner
        assert await ids.of_owner(owner) == [ann]
        assert await ids.external_id(owner, "discord") == "80351110224678912"
        assert await ids.external_id(owner, "telegram") is None
        assert await ids.digest_via(owner) == "discord"
        assert not await ids.set_digest_via(owner, "telegram")  # no identity there
        assert await ids.digest_via(owner) == "discord"
    finally:
        await store.close()
