"""The record of handled updates: exact ids per transport, forgotten after they expire."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.ports.updates import HANDLED_FOR, UpdateKey, handling
from bot.store.sqlite.db import Database
from bot.store.sqlite.store import SqliteStore
from tests.conversation import NOW


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    db = await Database.open(tmp_path / "kith.db")
    try:
        yield SqliteStore(db)
    finally:
        await db.close()


async def test_ids_are_exact_and_per_transport(store: SqliteStore) -> None:
    await store.mark_handled(UpdateKey("telegram", 41, NOW), owner=7)
    assert await store.handled_among("telegram", [40, 41, 42], NOW) == {41}
    assert await store.handled_among("discord", [41], NOW) == set()


async def test_an_expired_id_is_new_again_even_before_it_is_purged(store: SqliteStore) -> None:
    await store.mark_handled(UpdateKey("telegram", 1, NOW), owner=7)
    later = NOW + HANDLED_FOR + timedelta(minutes=1)  # ids restarted after a quiet spell
    assert await store.handled_among("telegram", [1], later) == set()
    await store.mark_handled(UpdateKey("telegram", 2, later), owner=7)
    rows = await store.db.fetchall("SELECT update_id FROM handled_updates")
    assert [r[0] for r in rows] == [2]  # the expired record is gone


async def test_a_change_records_its_update_in_its_own_transaction(store: SqliteStore) -> None:
    key = UpdateKey("telegram", 9, NOW)
    with handling(key) as state:
        with pytest.raises(RuntimeError):
            async with store.change(7, "a change that fails", NOW):
                raise RuntimeError("rolled back")
        assert not state.recorded
        assert await store.handled_among("telegram", [9], NOW) == set()  # nothing committed
        async with store.change(7, "a change", NOW):
            pass
        assert state.recorded
    assert await store.handled_among("telegram", [9], NOW) == {9}
