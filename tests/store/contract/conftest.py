"""The store contract suite runs once per backend: SQLite always, PostgreSQL when
KITH_TEST_PG_DSN names a server (else those cases are skipped, visibly)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import pytest

from bot.compose import Services, services
from bot.config import load_config
from bot.core.clock import FixedClock
from tests.conversation import NOW, Chat
from tests.support.postgres import fresh_database, requires_pg

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
