"""The sweep's bulk digests are the very digests `choose` makes from everyone.

The sweep reads only a few candidates per circle (`Store.due_candidates_many`) and keeps
of them only those whose overdue band can still make the digest (`Bands`); this checks
that neither ever changes a digest. Owners come from the benchmark's generator (circles,
own cadences, paused, snoozed and imported people, years of history), with a seeded mix
of recent nudges so that fair turns (`rotate`) have work to do, over several days.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bench.generate import END, Spec, generate, owner_ids
from bot.core.clock import FixedClock
from bot.core.due import Bands
from bot.core.model import Person
from bot.nudges.actions import build_digests
from tests.conversation import kith

SPEC = Spec(owners=30, people=90, interactions=60, seed=12)
DAYS = [END - timedelta(days=40), END, END + timedelta(days=3), END + timedelta(days=30)]


@pytest.fixture
def generated(tmp_path: Path) -> Path:
    path = tmp_path / "kith.db"
    generate(path, SPEC)
    rng = random.Random(5)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        ids = [int(r[0]) for r in conn.execute("SELECT id FROM people")]
        nudged = [
            ((END - timedelta(days=rng.randrange(0, 20))).isoformat(), pid)
            for pid in ids
            if rng.random() < 0.35
        ]
        conn.execute("BEGIN")
        conn.executemany("UPDATE people SET last_nudged_on = ? WHERE id = ?", nudged)
        conn.execute("COMMIT")
    finally:
        conn.close()
    return path


async def test_bulk_digests_match_choosing_from_everyone(
    generated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FixedClock(datetime(END.year, END.month, END.day, 12, tzinfo=UTC))
    async with kith(generated, clock) as services:
        engine, store = services.engine, services.store
        owners = list(owner_ids(SPEC))
        kept: list[int] = []
        read = store.due_candidates_many

        async def counted(
            requests: Sequence[tuple[int, date]],
            cadences: Sequence[tuple[str, int]],
            limit: int,
            bands: Bands | None = None,
        ) -> dict[int, list[Person]]:
            found = await read(requests, cadences, limit, bands)
            kept.extend(len(people) for people in found.values())
            return found

        async def everyone(
            requests: Sequence[tuple[int, date]],
            cadences: Sequence[tuple[str, int]],
            limit: int,
            bands: Bands | None = None,
        ) -> dict[int, list[Person]]:
            return {owner: list(await engine.people(owner)) for owner, _ in requests}

        for day in DAYS:
            wanted = [(owner, day) for owner in owners]
            monkeypatch.setattr(store, "due_candidates_many", counted)
            bulk = await build_digests(engine, wanted)
            monkeypatch.setattr(store, "due_candidates_many", everyone)
            reference = await build_digests(engine, wanted)
            assert bulk == reference, day
            assert sum(d is not None for d in bulk.values()) > len(owners) // 2
        # The band filter did leave people out (else this would prove nothing about it).
        assert sum(kept) < len(owners) * len(DAYS) * engine.max_per_digest * 3


def test_bands_keep_everyone_in_the_bands_the_top_reaches() -> None:
    bands = Bands(1.25, top=2)
    # Ratios 3.0 and 2.9 share a band; 2.0 is a band lower, so it can never be in the
    # top 2 whatever the rotation inside the top band.
    assert bands.keep([2.0, 3.0, 1.0, 2.9]) == [False, True, False, True]
    # The 2nd highest (2.0) shares its band with 2.1: both stay, rotation picks.
    assert bands.keep([3.0, 2.0, 2.1, 1.0]) == [True, True, True, False]
    assert bands.keep([1.0]) == [True]
    assert Bands(1.25, top=0).keep([1.0]) == [False]
