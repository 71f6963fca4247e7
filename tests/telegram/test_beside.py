"""`kith import` in another process while the bot runs: seen at once, never duplicated."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.cli.main import main
from tests.telegram.conftest import Kith, TelegramUser


async def test_people_imported_while_the_bot_runs_are_seen_on_the_next_message(
    kith: Kith, ann: TelegramUser, tmp_path: Path
) -> None:
    assert "Added Bob" in await ann.says("/add Bob")
    assert "Bob" in await ann.says("/people")  # Ann's people are cached now
    card = tmp_path / "friends.vcf"
    card.write_text("BEGIN:VCARD\nVERSION:3.0\nFN:Alice Smith\nEND:VCARD\n")
    db = kith.services.config.db_path
    args = ["import", str(card), "--user", str(ann.id), "--db", db]
    assert await asyncio.to_thread(main, args) == 0  # another process's connection

    assert "Alice Smith" in await ann.says("/people")
    assert "already" in (await ann.says("/add Alice Smith")).lower()
    assert await kith.rows("SELECT name FROM people ORDER BY name") == [
        ("Alice Smith",),
        ("Bob",),
    ]

    # `kith export` beside the running bot reads one consistent snapshot.
    out = tmp_path / "ann.json"
    args = ["export", "--user", str(ann.id), "--db", db, "-o", str(out)]
    assert await asyncio.to_thread(main, args) == 0
    assert "Alice Smith" in out.read_text() and "Bob" in out.read_text()
