"""The PostgreSQL schema: created from nothing, upgraded from the previous version with
its rows kept, migrated once when several workers start together, refused when newer.
Skipped without KITH_TEST_PG_DSN."""

from __future__ import annotations

import asyncio

import pytest

# Without the postgres extra the module is skipped, visibly, like the server check below.
asyncpg = pytest.importorskip(
    "asyncpg", reason="needs the postgres extra: pip install -e '.[postgres]'"
)

from bot.store.postgres.db import PgDatabase  # noqa: E402
from bot.store.postgres.migrations import (  # noqa: E402
    LATEST,
    MIGRATIONS,
    V_PG_FOLD_KEYS,
    V_PG_HOSTED,
    MigrationError,
    migrate,
)
from tests.support.postgres import fresh_database, requires_pg  # noqa: E402

pytestmark = requires_pg


async def schema_version(url: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval("SELECT max(version) FROM kith_schema"))
    finally:
        await conn.close()


async def test_an_empty_database_is_migrated_to_the_latest() -> None:
    async with fresh_database(migrated=False) as url:
        db = await PgDatabase.open(url)
        try:
            tables = {
                r[0]
                for r in await db.fetch(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                )
            }
        finally:
            await db.close()
        assert {"users", "people", "identities", "digests", "handled_updates"} <= tables
        assert await schema_version(url) == LATEST


async def test_the_previous_version_upgrades_with_its_rows_intact() -> None:
    before = MIGRATIONS.index(V_PG_HOSTED)  # the version just before the hosted tables
    async with fresh_database(migrated=False) as url:
        conn = await asyncpg.connect(url)
        try:
            await migrate(conn, upto=before)
            await conn.execute(
                "INSERT INTO users (id, timezone, digest_time, created_at) "
                "VALUES (7, 'Europe/Lisbon', '08:00', now())"
            )
            await conn.execute(
                "INSERT INTO people (owner_id, name, name_key, circle, added_on) "
                "VALUES (7, 'Alice', 'alice', 'inner', date '2026-01-01')"
            )
            assert await migrate(conn) == before
            names = await conn.fetch("SELECT name FROM people WHERE owner_id = 7")
            columns = {
                r[0]
                for r in await conn.fetch(
                    "SELECT column_name FROM information_schema.columns "
                    "WHERE table_name = 'digests'"
                )
            }
        finally:
            await conn.close()
        assert [r[0] for r in names] == ["Alice"]
        assert {"lease_owner", "lease_until"} <= columns
        assert await schema_version(url) == LATEST


async def test_the_fold_keys_arrive_computed_by_python_for_every_row() -> None:
    """A database from before V_PG_FOLD_KEYS keeps its rows; names and aliases re-keyed."""
    from bot.core.names import name_key, stored_fold_key

    before = MIGRATIONS.index(V_PG_FOLD_KEYS)
    async with fresh_database(migrated=False) as url:
        conn = await asyncpg.connect(url)
        try:
            await migrate(conn, upto=before)
            await conn.execute(
                "INSERT INTO users (id, timezone, digest_time, created_at) "
                "VALUES (7, 'UTC', '08:00', now())"
            )
            await conn.execute(
                "INSERT INTO people (id, owner_id, name, name_key, circle, added_on) VALUES "
                "(1, 7, 'Zoë Kravitz', 'zoë kravitz', 'inner', date '2026-01-01'), "
                "(2, 7, 'ALICE  Smith', 'ALICE  Smith', 'inner', date '2026-01-01')"
            )
            await conn.execute(
                "INSERT INTO aliases (owner_id, person_id, alias, alias_key) "
                "VALUES (7, 1, 'Zozo Bé', 'zozo bé')"
            )
            assert await migrate(conn) == before
            people = await conn.fetch("SELECT name, name_key, fold_key FROM people ORDER BY id")
            aliases = await conn.fetch("SELECT alias_key, fold_key FROM aliases")
        finally:
            await conn.close()
        assert [r["name"] for r in people] == ["Zoë Kravitz", "ALICE  Smith"]
        for r in people:
            assert (r["name_key"], r["fold_key"]) == (
                name_key(r["name"]),
                stored_fold_key(r["name"]),
            )
        assert [tuple(r) for r in aliases] == [("zozo bé", "zozo be")]
        assert await schema_version(url) == LATEST


async def test_workers_starting_together_migrate_once() -> None:
    async with fresh_database(migrated=False) as url:
        dbs = await asyncio.gather(*(PgDatabase.open(url) for _ in range(4)))
        for db in dbs:
            await db.close()
        conn = await asyncpg.connect(url)
        try:
            versions = [r[0] for r in await conn.fetch("SELECT version FROM kith_schema")]
        finally:
            await conn.close()
        assert sorted(versions) == list(range(1, LATEST + 1))


async def test_a_newer_database_is_refused() -> None:
    async with fresh_database() as url:
        conn = await asyncpg.connect(url)
        try:
            await conn.execute("INSERT INTO kith_schema (version) VALUES ($1)", LATEST + 1)
        finally:
            await conn.close()
        with pytest.raises(MigrationError, match="newer than this kith"):
            await PgDatabase.open(url)


async def test_an_unreachable_database_is_one_clear_line() -> None:
    from bot.ports.store import StoreError

    with pytest.raises(StoreError, match="cannot reach the database") as caught:
        await PgDatabase.open("postgresql://kith:hunter2@127.0.0.1:1/nowhere")
    assert "hunter2" not in str(caught.value)
