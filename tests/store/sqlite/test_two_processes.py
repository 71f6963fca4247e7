"""Two processes on one database file: what one writes, the other sees at once.

`kith run` keeps each owner's people cached; a `kith chat` (or `kith import`) beside it
writes the same file. The cache is keyed by the owner's version in the database, so
the bot's next answer already knows the new person, and its own writes after that do
not bring back a stale list.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.ports.identities import CONSOLE_USER
from tests.conversation import Chat, kith
from tests.test_chat_cli import chat


async def test_a_person_added_by_another_process_is_known_at_once(tmp_path: Path) -> None:
    db = tmp_path / "shared.db"
    async with kith(db) as services:
        me = Chat(services.engine, await services.store.identities.owner_of(CONSOLE_USER))
        await me.says("/add Alice inner")
        assert "Alice" in await me.says("/people")  # cached now, name index built

        other = await asyncio.to_thread(chat, db, ["/add Bob Lee close", "/note Alice loves jazz"])
        assert other.returncode == 0, other.stderr
        assert "Added Bob Lee" in other.stdout

        people = await me.says("/people")
        assert "Bob Lee" in people
        assert "Bob Lee" in await me.says("/show Bob")  # the name index knows him too
        assert "loves jazz" in await me.says("/show Alice")

        # Our own everyday log right after patches the fresh list, not the stale one.
        assert (await me.says("coffee with Bob yesterday")).startswith("Logged coffee")
        assert "Bob Lee" in await me.says("/people")

        # And the other process sees ours.
        later = await asyncio.to_thread(chat, db, ["/show Bob"])
        assert "coffee" in later.stdout
