from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.compose import Services
from bot.core.clock import FixedClock
from tests.conversation import NOW, Chat, kith


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "kith.db"


@pytest.fixture
async def app(db_path: Path, clock: FixedClock) -> AsyncIterator[Services]:
    async with kith(db_path, clock) as services:
        yield services


@pytest.fixture
def user(app: Services) -> Chat:
    return Chat(app.engine, owner=1)
