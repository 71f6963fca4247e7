"""Senders marking their digests at once share a thread hop, and each still gets its own
answer: a statement that fails fails only its caller, the others commit."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from bot.store.sqlite.db import Database
from bot.store.sqlite.digests import _SharedHops


async def test_writes_asked_together_share_a_hop_and_keep_their_own_outcome(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = await Database.open(tmp_path / "kith.db")
    try:
        await db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)")
        hops = 0
        run = db.run

        async def counted(fn):  # type: ignore[no-untyped-def]
            nonlocal hops
            hops += 1
            return await run(fn)

        monkeypatch.setattr(db, "run", counted)
        shared = _SharedHops(db)
        writes = [
            shared.fetchall("INSERT INTO t (id, v) VALUES (?, ?) RETURNING id", (i, f"v{i}"))
            for i in range(1, 6)
        ]
        writes.insert(2, shared.fetchall("INSERT INTO t (id, v) VALUES (?, NULL)", (9,)))
        outcomes = await asyncio.gather(*writes, return_exceptions=True)

        assert isinstance(outcomes[2], sqlite3.IntegrityError)
        answered = [[tuple(r) for r in o] for i, o in enumerate(outcomes) if i != 2]  # type: ignore[union-attr]
        assert answered == [[(i,)] for i in range(1, 6)]
        assert hops == 1
        rows = await db.fetchall("SELECT id FROM t ORDER BY id")
        assert [r[0] for r in rows] == [1, 2, 3, 4, 5]  # committed, each on its own
    finally:
        await db.close()
