"""Every implementation of `bot.ports.Store`, for the contract suite to run against.

A new store (PostgreSQL) adds one entry to STORES: a function that opens an empty
store and returns it with its `close`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from bot.ports.store import Store
from bot.store.sqlite.db import Database
from bot.store.sqlite.store import SqliteStore


async def open_sqlite(tmp_path: Path) -> tuple[Store, Callable[[], Awaitable[None]]]:
    store = SqliteStore(await Database.open(tmp_path / "contract.db"))
    return store, store.close


STORES: dict[str, Callable[[Path], Awaitable[tuple[Store, Callable[[], Awaitable[None]]]]]] = {
    "sqlite": open_sqlite,
}


@pytest.fixture(params=sorted(STORES))
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    opened, close = await STORES[request.param](tmp_path)
    try:
        yield opened
    finally:
        await close()
