"""A per-user limit on people ([storage] max_people): past it, nothing is added and the
reply says why, whichever way the people would have come in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.compose import Services
from bot.config import load_config
from tests.conversation import Chat, kith

FIXTURES = Path(__file__).parents[1] / "formats" / "fixtures"


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[Services]:
    async with kith(tmp_path / "kith.db") as services:
        services.engine.max_people = 3
        yield services


async def test_adding_past_the_limit_is_refused_with_the_numbers(app: Services) -> None:
    ann = Chat(app.engine)
    for name in ("Mia", "Bob", "Zoe"):
        assert f"Added {name}" in await ann.says(f"/add {name}")
    reply = await ann.says("/add Lukas")
    assert reply.startswith("You keep 3 people, and kith keeps at most 3 people per account")
    assert "/forget" in reply
    assert len(await app.store.people(1)) == 3


async def test_a_log_with_a_new_name_past_the_limit_adds_nobody(app: Services) -> None:
    ann = Chat(app.engine)
    for name in ("Mia", "Bob", "Zoe"):
        await ann.says(f"/add {name}")
    await ann.says("coffee with Lukas yesterday")
    if ann.buttons:  # "Lukas is new: add them?" — yes
        await ann.presses("Add")
    assert "kith keeps at most 3" in ann.text
    assert len(await app.store.people(1)) == 3
    assert await app.store.interaction_count(1) == 0


async def test_an_import_past_the_limit_writes_nothing(app: Services) -> None:
    ann = Chat(app.engine)
    await ann.says("/add Mia")
    summary = await ann.sends_file("google.csv", (FIXTURES / "google.csv").read_bytes())
    assert summary.startswith("5 rows in this Google Contacts CSV file: 3 people;")
    reply = await ann.presses("Import 3 into friends")
    assert "can't add 3 more people" in reply
    assert [p.name for p in await app.store.people(1)] == ["Mia"]


def test_the_limit_is_a_setting(tmp_path: Path) -> None:
    config_file = tmp_path / "kith.toml"
    config_file.write_text("[storage]\nmax_people = 200\n")
    assert load_config(str(config_file), env={}).max_people == 200
    assert load_config(None, env={}).max_people == 5000
