"""Link codes and joining identities (`ports.Links` over SQLite), and the V_LINKS
migration from the version before it."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

from bot.core.clock import parse_utc
from bot.ports.identities import Identity
from bot.store.sqlite.db import Database
from bot.store.sqlite.migrations import MIGRATIONS, V_LINKS
from bot.store.sqlite.store import SqliteStore

NOW = parse_utc("2026-11-25T10:00:00Z")
TG, DC = Identity("telegram", "7"), Identity("discord", "80351110224678912")


async def test_a_code_is_one_owners_once_and_expires(tmp_path: Path) -> None:
    store = SqliteStore(await Database.open(tmp_path / "k.db"))
    try:
        links, later = store.links, NOW + timedelta(minutes=10)
        await links.offer(7, "ABC234", NOW, later)
        await links.offer(7, "XYZ789", NOW, later)  # a new code replaces the old one
        assert await links.holder("ABC234", NOW) is None
        assert await links.holder("XYZ789", NOW) == 7
        assert await links.holder("XYZ789", later) is None  # ten minutes, not more
        assert await links.take("XYZ789", NOW) == 7
        assert await links.take("XYZ789", NOW) is None  # used up
    finally:
        await store.close()


async def test_join_and_detach_move_identities_not_data(tmp_path: Path) -> None:
    store = SqliteStore(await Database.open(tmp_path / "k.db"))
    try:
        ids, links = store.identities, store.links
        ann = await ids.owner_of(TG)
        other = await ids.owner_of(DC)
        await links.join(other, ann)
        assert await ids.of_owner(ann) == [TG, DC]
        assert await ids.digest_via(ann) == "telegram"  # her digest stays where it was
        assert await ids.of_owner(other) == []

        fresh = await links.detach(TG)  # Telegram leaves; Discord keeps the owner
        assert fresh != ann and await store.people(fresh) == ()
        assert await ids.find(TG) == fresh and await ids.find(DC) == ann
        assert await ids.digest_via(ann) == "discord"  # the one left takes the digest
        assert await ids.digest_via(fresh) == "telegram"
    finally:
        await store.close()


async def test_v_links_upgrades_the_version_before_it(tmp_path: Path) -> None:
    before = MIGRATIONS.index(V_LINKS)
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        for migration in MIGRATIONS[:before]:
            for statement in migration:
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {before}")
    store = SqliteStore(await Database.open(path))
    try:
        await store.links.offer(1, "ABC234", NOW, NOW + timedelta(minutes=10))
        assert await store.links.holder("ABC234", NOW) == 1
    finally:
        await store.close()
