"""A fresh PostgreSQL database per test, from the server `.ci/postgres.sh` starts.

The tests read the server from KITH_TEST_PG_DSN and are skipped, visibly, without it,
so a plain `pytest` needs nothing. Each test gets its own database, copied from a
template migrated once per session (real commits, nothing shared between tests).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

PG_DSN = os.environ.get("KITH_TEST_PG_DSN", "").strip()
requires_pg = pytest.mark.skipif(
    not PG_DSN, reason="PostgreSQL tests need KITH_TEST_PG_DSN (start one: .ci/postgres.sh)"
)
_TEMPLATE = f"kith_tpl_{os.getpid()}"
_counter = itertools.count()
_template_ready = False


def _url(name: str) -> str:
    base, _, _ = PG_DSN.rpartition("/")
    return f"{base}/{name}"


async def _admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_DSN)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _ensure_template() -> None:
    global _template_ready
    if _template_ready:
        return
    import asyncpg

    from bot.store.postgres.migrations import migrate

    await _admin(f"DROP DATABASE IF EXISTS {_TEMPLATE}")
    await _admin(f"CREATE DATABASE {_TEMPLATE}")
    conn = await asyncpg.connect(_url(_TEMPLATE))
    try:
        await migrate(conn)
    finally:
        await conn.close()
    _template_ready = True


@asynccontextmanager
async def fresh_database(*, migrated: bool = True) -> AsyncIterator[str]:
    """The URL of a new, empty database (migrated to the latest, or not at all)."""
    name = f"kith_t{os.getpid()}_{next(_counter)}"
    if migrated:
        await _ensure_template()
        await _admin(f"CREATE DATABASE {name} TEMPLATE {_TEMPLATE}")
    else:
        await _admin(f"CREATE DATABASE {name}")
    try:
        yield _url(name)
    finally:
        await _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
