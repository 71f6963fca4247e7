"""`[storage] max_people` holds on every store: a user past it is told, nothing added."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot.compose import Services, services
from bot.config import load_config
from bot.core.clock import FixedClock
from tests.conversation import NOW, Chat
from tests.support.postgres import fresh_database, requires_pg


@asynccontextmanager
async def kith_with(tmp_path: Path, store: str, storage: str) -> AsyncIterator[Services]:
    config = tmp_path / "kith.toml"
    if store == "sqlite":
        config.write_text(f'[storage]\npath = "{tmp_path / "kith.db"}"\n{storage}\n')
        async with services(load_config(str(config), env={}), FixedClock(NOW)) as s:
            yield s
        return
    async with fresh_database() as url:
        config.write_text(f'[storage]\nurl = "{url}"\n{storage}\n')
        async with services(load_config(str(config), env={}), FixedClock(NOW)) as s:
            yield s


@pytest.mark.parametrize("store", ["sqlite", pytest.param("postgres", marks=requires_pg)])
async def test_the_configured_people_limit_is_kept(tmp_path: Path, store: str) -> None:
    async with kith_with(tmp_path, store, "max_people = 2") as s:
        ann = Chat(s.engine, owner=1)
        assert "Added Alice" in await ann.says("/add Alice")
        assert "Added Bob" in await ann.says("/add Bob")
        refused = await ann.says("/add Carla")
        assert "kith keeps at most 2" in refused and "Carla" not in await ann.says("/people")
