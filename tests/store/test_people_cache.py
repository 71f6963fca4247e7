"""The people cache: patched by everyday writes, never thrown away by them; bounded by
people, least recently used owner first."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.compose import Services
from bot.core.lru import WeightedLRU
from bot.ports.digests import NewDigest, Planned
from bot.store.sqlite import store as sqlite_store
from bot.store.sqlite.store import SqliteStore
from tests.conversation import Chat, kith


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[Services]:
    async with kith(tmp_path / "kith.db") as services:
        yield services


def _store(app: Services) -> SqliteStore:
    assert isinstance(app.store, SqliteStore)
    return app.store


async def test_notes_dates_favors_and_follow_ups_keep_the_cached_people(app: Services) -> None:
    ann = Chat(app.engine, owner=1)
    await ann.says("/add Mia Tanaka close")
    await ann.says("/add Bob")
    before = await app.store.roster(1)
    index = await app.engine.index(1)
    for text, answer in [
        ("/note Mia loves jazz", "Noted"),
        ("/ask Mia how the move went", "Mia"),
        ("/favor Bob offered help with the move", "Bob"),
        ("/date Mia birthday 12 March", "Mia"),
    ]:
        assert answer in await ann.says(text)
        after = await app.store.roster(1)
        # Not re-read: the very same people, at the version the write moved it to.
        assert after.people is before.people
        assert after.version > before.version
        assert await app.engine.index(1) is index
        before = after


async def test_a_log_re_reads_only_its_people_and_keeps_the_name_index(app: Services) -> None:
    ann = Chat(app.engine, owner=1)
    await ann.says("/add Mia Tanaka close")
    await ann.says("/add Bob")
    before = {p.name: p for p in await app.store.people(1)}
    index = await app.engine.index(1)
    assert "Logged coffee with Mia" in await ann.says("coffee with Mia yesterday")
    after = {p.name: p for p in await app.store.people(1)}
    assert after["Bob"] is before["Bob"]
    assert after["Mia Tanaka"].last_contact is not None
    assert await app.engine.index(1) is index


async def test_a_new_alias_or_name_is_found_at_once(app: Services) -> None:
    ann = Chat(app.engine, owner=1)
    await ann.says("/add Robert Smith")
    await app.engine.index(1)
    await ann.says("/alias Robert Bobby")
    assert (await ann.says("/show Bobby")).startswith("Robert Smith")
    await ann.says("/rename Robert to Rob Smith")
    assert (await ann.says("/show Rob")).startswith("Rob Smith")


async def test_a_recorded_digest_patches_last_nudged_on(app: Services) -> None:
    ann = Chat(app.engine, owner=1)
    await ann.says("/add Mia Tanaka close")
    await ann.says("/add Bob")
    before = {p.name: p for p in await app.store.people(1)}
    ledger = _store(app).ledger
    expected = await ledger.next_digest_at(1)
    assert expected is not None
    day = app.engine.clock.now().date()
    digest = NewDigest(day, "Time to see Mia?", (), (before["Mia Tanaka"].id,))
    assert await ledger.record([Planned(1, expected, None, digest)], app.engine.clock.now())
    roster = await app.store.roster(1)
    after = {p.name: p for p in roster.people}
    assert after["Mia Tanaka"].last_nudged_on == day
    assert after["Bob"] is before["Bob"]  # patched, not re-read
    [(version,)] = await app.db.fetchall("SELECT version FROM users WHERE id = 1")
    assert roster.version == version  # the patch is at the version the write made


async def test_the_cache_is_bounded_by_people_not_owners(
    app: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _store(app)
    store._people = WeightedLRU(5, lambda r: len(r.people))
    big, small = Chat(app.engine, owner=1), Chat(app.engine, owner=2)
    for name in ("Ann", "Bob", "Cid", "Dee"):
        await big.says(f"/add {name}")
    await small.says("/add Zoe")
    await store.people(1)
    await store.people(2)
    assert store._people.total <= 5
    # The least recently used owner went first, and only it.
    await store.people(2)
    await small.says("/add Yan")
    await store.people(2)
    assert 2 in store._people and 1 not in store._people
    # Everyone is still there, read again when asked.
    assert len(await store.people(1)) == 4
    assert sqlite_store.CACHE_PEOPLE >= 10_000


def test_weighted_lru_evicts_one_entry_at_a_time_least_recent_first() -> None:
    lru: WeightedLRU[str, list[int]] = WeightedLRU(10, len)
    lru.put("a", [1] * 4)
    lru.put("b", [1] * 4)
    assert lru.get("a") == [1] * 4  # a is now the most recent
    lru.put("c", [1] * 4)  # 12 > 10: b goes, a stays
    assert "b" not in lru and "a" in lru and "c" in lru
    assert lru.total == 8
    lru.put("huge", [1] * 50)  # over budget alone: kept, everyone else goes
    assert len(lru) == 1 and lru.total == 50
    assert lru.pop("huge") is not None and lru.total == 0
