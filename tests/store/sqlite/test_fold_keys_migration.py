"""A database from before V_FOLD_KEYS: every row kept, every name and alias keyed anew.

The keys are computed by this kith in Python (never SQL's lower()), so a file whose keys
an older kith wrote differently (or by hand) is found by the stored keys afterwards.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.core.names import NameProbe, name_key, stored_fold_key
from bot.store.sqlite.db import Database
from bot.store.sqlite.migrations import LATEST, MIGRATIONS, V_FOLD_KEYS
from bot.store.sqlite.store import SqliteStore

PEOPLE = [
    # name, the key an older writer stored
    ("Zoë Kravitz", "zoë kravitz"),
    ("ALICE  Smith", "ALICE  Smith"),  # stored un-normalised: must be re-keyed
    ("Ciarán O’Brien", "ciarán o’brien"),  # a curly apostrophe the key unifies
    ("李小龙", "李小龙"),
    ("Bob", "bob"),
]


def _old_file(path: Path) -> None:
    before = MIGRATIONS.index(V_FOLD_KEYS)
    with sqlite3.connect(path) as conn:
        for migration in MIGRATIONS[:before]:
            for statement in migration:
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {before}")
        conn.execute(
            "INSERT INTO users (id, timezone, digest_time, created_at) "
            "VALUES (7, 'UTC', '08:00', '2026-01-01T00:00:00Z')"
        )
        for n, (name, key) in enumerate(PEOPLE, 1):
            conn.execute(
                "INSERT INTO people (id, owner_id, name, name_key, circle, added_on) "
                "VALUES (?, 7, ?, ?, 'inner', '2026-01-01')",
                (n, name, key),
            )
        conn.execute(
            "INSERT INTO aliases (owner_id, person_id, alias, alias_key) "
            "VALUES (7, 1, 'Zozo Bé', 'zozo bé'), (7, 5, 'Bobby', 'bobby')"
        )


async def test_the_previous_version_keeps_its_rows_and_gets_correct_keys(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    _old_file(path)
    db = await Database.open(path)
    store = SqliteStore(db)
    try:
        people = await db.fetchall("SELECT id, name, name_key, fold_key FROM people ORDER BY id")
        aliases = await db.fetchall("SELECT alias, alias_key, fold_key FROM aliases ORDER BY id")
        probe = NameProbe.of(["zoe", "alice smith", "ciaran o'brien", "zozo be", "bobby"])
        found = [e.name for e in await store.name_entries(7, probe)]
    finally:
        await store.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST
    assert [r["name"] for r in people] == [name for name, _ in PEOPLE]
    for r in people:
        assert (r["name_key"], r["fold_key"]) == (name_key(r["name"]), stored_fold_key(r["name"]))
    assert [(r["alias"], r["alias_key"], r["fold_key"]) for r in aliases] == [
        ("Zozo Bé", "zozo bé", "zozo be"),
        ("Bobby", "bobby", None),
    ]
    assert found == ["Zoë Kravitz", "ALICE  Smith", "Ciarán O’Brien", "Bob"]
