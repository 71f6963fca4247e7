"""Reading people by their stored name keys (`Store.name_entries`), on every store.

A cold message finds its people this way instead of reading everyone, so the stored keys
(`name_key`, `alias_key` and the accent-folded `fold_key`) must follow a name through
every write that sets one: add, rename, alias, import, merge, forget and /undo.
"""

from __future__ import annotations

from bot.core.names import NameProbe, name_key
from bot.formats import ExportedPerson
from bot.ports.accounts import Duplicates, ImportBatch
from bot.ports.store import NewPerson, Store
from tests.store.contract.test_store_contract import ANN, BOB, DEFAULTS, NOW, TODAY, owner_with


async def found(store: Store, owner: int, *written: str) -> list[str]:
    """The names `name_entries` reads for these words, in the roster's order."""
    probe = NameProbe.of(name_key(w) for w in written)
    return [e.name for e in await store.name_entries(owner, probe)]


def exported(ref: str, name: str, aliases: tuple[str, ...] = ()) -> ExportedPerson:
    return ExportedPerson(
        ref, name, "inner", None, False, aliases, (), "2026-01-01", None, False, (), (), (), ()
    )


async def test_people_are_read_by_name_first_name_alias_and_without_accents(
    store: Store,
) -> None:
    ids = await owner_with(store, ANN, "Zoë Kravitz", "Zoe Adams", "Alice Smith", "Alice", "李小龙")
    await owner_with(store, BOB, "Zoë Bell")
    async with store.change(ANN, "aliased", NOW) as ch:
        await ch.add_alias(ids[2], "Ali Bé")

    assert await found(store, ANN, "Zoë Kravitz") == ["Zoë Kravitz"]
    # "zoe" is Zoe Adams's first name and Zoë's without its accent: both, never Bob's.
    assert await found(store, ANN, "zoe") == ["Zoë Kravitz", "Zoe Adams"]
    assert await found(store, ANN, "ZOË") == ["Zoë Kravitz", "Zoe Adams"]
    assert await found(store, ANN, "Alice") == ["Alice Smith", "Alice"]
    assert await found(store, ANN, "ali be") == ["Alice Smith"]  # an alias, folded
    assert await found(store, ANN, "李小龙") == ["李小龙"]
    # A first-name range stops at the word: "al" is nobody's first name.
    assert await found(store, ANN, "al", "alic", "smith") == []
    assert await found(store, BOB, "zoe") == ["Zoë Bell"]


async def test_the_keys_follow_renames_aliases_and_undo(store: Store) -> None:
    [bjorn] = await owner_with(store, ANN, "Bjorn")
    async with store.change(ANN, "renamed", NOW) as ch:
        await ch.rename(bjorn, "Björn Ek")
    assert await found(store, ANN, "bjorn") == ["Björn Ek"]
    assert await found(store, ANN, "björn ek") == ["Björn Ek"]
    async with store.change(ANN, "aliased", NOW) as ch:
        await ch.add_alias(bjorn, "Bär")
    assert await found(store, ANN, "bar") == ["Björn Ek"]

    await store.undo(ANN)  # the alias
    assert await found(store, ANN, "bar") == []
    await store.undo(ANN)  # the rename
    assert await found(store, ANN, "bjorn ek") == []
    assert await found(store, ANN, "bjorn") == ["Bjorn"]


async def test_a_forgotten_person_comes_back_with_their_keys(store: Store) -> None:
    [ines] = await owner_with(store, ANN, "Inês Reddy")
    async with store.change(ANN, "aliased", NOW) as ch:
        await ch.add_alias(ines, "Nês")
    async with store.change(ANN, "forgot", NOW) as ch:
        await ch.forget(ines)
    assert await found(store, ANN, "ines", "nes") == []
    await store.undo(ANN)
    assert await found(store, ANN, "ines") == ["Inês Reddy"]
    assert await found(store, ANN, "nes") == ["Inês Reddy"]


async def test_imported_and_merged_people_are_keyed(store: Store) -> None:
    await owner_with(store, ANN, "María José")
    batch = ImportBatch(
        (
            exported("p1", "María José", aliases=("Majo",)),
            exported("p2", "Łukasz Nowak", aliases=("Łuki",)),
        )
    )
    await store.apply_import(ANN, "imported", NOW, batch, Duplicates.MERGE)
    assert await found(store, ANN, "maria jose") == ["María José"]
    assert await found(store, ANN, "majo") == ["María José"]  # merged in
    assert await found(store, ANN, "lukasz") == ["Łukasz Nowak"]
    assert await found(store, ANN, "luki") == ["Łukasz Nowak"]


async def test_a_cold_person_is_read_alone(store: Store) -> None:
    ids = await owner_with(store, ANN, "Alice", "Bob")
    await store.ensure_user(ANN, DEFAULTS, NOW)
    store.invalidate(ANN)  # type: ignore[attr-defined]  # both stores have it
    bob = await store.person(ANN, ids[1])
    assert bob is not None and bob.name == "Bob"
    assert await store.person(BOB, ids[1]) is None  # never another owner's
    assert await store.roster_if_cached(ANN) is None  # nobody else was read
    async with store.change(ANN, "added", NOW) as ch:
        await ch.add_people([NewPerson("Carla", "inner", TODAY)])
    assert [p.name for p in await store.people(ANN)] == ["Alice", "Bob", "Carla"]


async def test_names_starting_with_a_prefix_are_read_up_to_a_crowd(store: Store) -> None:
    await owner_with(
        store, ANN, "Alba", "Alex", "Ali", "Alma", "Alva", "Alwin", "Alys", "Bob", "Álvaro"
    )
    # The first six by key (one more than a prefix may name), and by folded key: Álvaro.
    read = await store.name_entries(ANN, NameProbe.of([], prefixes=["al"]))
    assert [e.name for e in read] == ["Alba", "Alex", "Ali", "Alma", "Alva", "Alwin", "Álvaro"]
    read = await store.name_entries(ANN, NameProbe.of([], prefixes=["bo"]))
    assert [e.name for e in read] == ["Bob"]
