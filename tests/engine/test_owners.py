"""Two owners in one database never see each other's people (property-tested)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conversation import Chat, kith

names = st.text(
    alphabet=st.characters(categories=["L", "M", "N", "Zs", "So"], exclude_characters="#/"),
    min_size=1,
    max_size=20,
).filter(lambda s: s.strip() and any(c.isalpha() for c in s))


@settings(
    max_examples=15, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(mine=st.lists(names, min_size=1, max_size=4), theirs=st.lists(names, min_size=1, max_size=4))
async def test_owners_are_isolated(mine: list[str], theirs: list[str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        async with kith(Path(folder) / "kith.db") as app:
            me, other = Chat(app.engine, owner=1), Chat(app.engine, owner=2)
            for name in theirs:
                await other.says(f"/add {name} inner")
                await other.says(f"/note {name} secret-of-owner-two")
            for name in mine:
                await me.says(f"/add {name}")
            my_people = {p.name for p in await app.store.people(1)}
            their_people = {p.name for p in await app.store.people(2)}
            for name in their_people - my_people:
                reply = await me.says(f"/show {name}")
                assert "secret-of-owner-two" not in reply
                assert not reply.startswith(name + " — inner")
            everyone = await me.says("/people")
            assert "secret-of-owner-two" not in everyone
            for name in their_people - my_people:
                assert f"• {name} —" not in everyone
            # My undo never touches their data.
            while "nothing to undo" not in await me.says("/undo"):
                pass
            assert {p.name for p in await app.store.people(2)} == their_people
