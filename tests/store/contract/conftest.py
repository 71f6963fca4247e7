"""Every implementation of `bot.ports.Store`, for the contract suite to run against.

A new store (PostgreSQL) adds one entry to STORES: a function that opens an empty
store and returns it with its `close`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import pytest

from bot.compose import Services, services
from bot.config import load_config
from bot.core.clock import FixedClock
from bot.ports.store import Store
from bot.store.sqlite.db import Database
from bot.store.sqlite.store import SqliteStore
from tests.conversation import NOW, Chat
from tests.support.postgres import PG_DSN, fresh_database, requires_pg


async def open_sqlite(tmp_path: Path) -> tuple[Store, Callable[[], Awaitable[None]]]:
    store = SqliteStore(await Database.open(tmp_path / "contract.db"))
    return store, store.close


async def open_postgres(tmp_path: Path) -> tuple[Store, Callable[[], Awaitable[None]]]:
    """A PostgreSQL store on a fresh database (skipped, visibly, without a server)."""
    if not PG_DSN:
        pytest.skip("PostgreSQL tests need KITH_TEST_PG_DSN (start one: .ci/postgres.sh)")
    from bot.store.postgres.db import PgDatabase
    from bot.store.postgres.store import PgStore

    database = fresh_database()
    url = await database.__aenter__()
    store = PgStore(await PgDatabase.open(url))

    async def close() -> None:
        await store.close()
        await database.__aexit__(None, None, None)

    return store, close


STORES: dict[str, Callable[[Path], Awaitable[tuple[Store, Callable[[], Awaitable[None]]]]]] = {
    "sqlite": open_sqlite,
    "postgres": open_postgres,
}


@pytest.fixture(params=sorted(STORES))
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    opened, close = await STORES[request.param](tmp_path)
    try:
        yield opened
    finally:
        await close()


# -- the same suite through the engine, as a user lives it (test_through_the_engine.py):
# kith opened over the test's database as often as the test likes (a restart).
Reopen = Callable[[], AbstractAsyncContextManager[Services]]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=requires_pg)])
async def backend(
    request: pytest.FixtureRequest, tmp_path: Path, clock: FixedClock
) -> AsyncIterator[Reopen]:
    """Opens kith over this test's database, as often as the test likes (a restart)."""
    if request.param == "sqlite":
        env = {"KITH_DB": str(tmp_path / "kith.db")}

        @asynccontextmanager
        async def opened() -> AsyncIterator[Services]:
            async with services(load_config(None, env=env), clock) as s:
                yield s

        yield opened
        return
    async with fresh_database() as url:

        @asynccontextmanager
        async def opened_pg() -> AsyncIterator[Services]:
            async with services(load_config(None, env={"KITH_DATABASE_URL": url}), clock) as s:
                yield s

        yield opened_pg


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
async def app(backend: Reopen) -> AsyncIterator[Services]:
    async with backend() as s:
        yield s


@pytest.fixture
def ann(app: Services) -> Chat:
    return Chat(app.engine, owner=1)


@pytest.fixture
def bob(app: Services) -> Chat:
    return Chat(app.engine, owner=2)
