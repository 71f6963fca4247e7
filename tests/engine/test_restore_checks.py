"""A restore is checked like chat input: one bad record refuses it all, naming it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.compose import Services
from bot.engine.imports import import_now
from bot.formats import ImportFormatError
from tests.conversation import Chat

FIXTURE = Path(__file__).parents[1] / "formats" / "fixtures" / "kith_export_v1.json"
Doc = dict[str, Any]


def person(doc: Doc, **values: Any) -> None:
    doc["people"][1].update(values)  # Bob, the second record


BAD: list[tuple[str, Callable[[Doc], None], str]] = [
    ("meeting in 9999", lambda d: d["interactions"][0].update(day="9999-12-31"), "Meeting 1"),
    ("meeting before 1900", lambda d: d["interactions"][0].update(day="1899-12-31"), "Meeting 1"),
    ("added in 9999", lambda d: person(d, added_on="9999-12-31"), "Person 2"),
    ("a 10,000-character name", lambda d: person(d, name="B" * 10_000), "Person 2"),
    ("an escape code in a name", lambda d: person(d, name="Bob\x1b]0;pwned\x07"), "Person 2"),
    ("a control character in a name", lambda d: person(d, name="Bo\x08b"), "Person 2"),
    ("the separator in an alias", lambda d: person(d, aliases=["Bo\x1fBobby"]), "Person 2"),
    ("a malformed tag", lambda d: person(d, tags=["two words"]), "Person 2"),
    ("a tag with a hash", lambda d: person(d, tags=["#x"]), "Person 2"),
    ("an escape code in a note", lambda d: d["interactions"][0].update(note="\x1b[2J"), "Meeting"),
    ("a birthday in 9999", lambda d: d["people"][1]["dates"][0].update(year=9999), "Person 2"),
    ("an unknown date order", lambda d: d["settings"].update(date_order="dym"), "The settings"),
    ("a date order in capitals", lambda d: d["settings"].update(date_order="DMY"), "The settings"),
]


async def count(app: Services, table: str) -> int:
    rows = await app.db.fetchall(f"SELECT count(*) FROM {table}")
    return int(rows[0][0])


@pytest.mark.parametrize(("case", "spoil", "named"), BAD, ids=[c for c, _, _ in BAD])
async def test_a_bad_record_refuses_the_whole_restore(
    app: Services, user: Chat, case: str, spoil: Callable[[Doc], None], named: str
) -> None:
    doc = json.loads(FIXTURE.read_text())
    spoil(doc)
    reply = await user.sends_file("backup.json", json.dumps(doc).encode())
    assert reply.startswith(named), reply
    assert "Nothing was restored" in reply
    assert user.buttons == []  # not even asked
    assert "\x1b" not in reply and "\x07" not in reply
    assert await count(app, "people") == 0
    assert await count(app, "interactions") == 0


async def test_the_good_export_still_restores(app: Services, user: Chat) -> None:
    await user.sends_file("backup.json", FIXTURE.read_bytes())
    reply = await user.presses("Restore")
    assert reply.startswith("Restored"), reply
    assert await count(app, "people") == 2
    assert "Alice Smith" in await user.says("/show Alice")


async def test_kith_import_of_a_bad_restore_refuses_it_too(app: Services) -> None:
    doc = json.loads(FIXTURE.read_text())
    doc["interactions"][0]["day"] = "9999-12-31"
    with pytest.raises(ImportFormatError, match="Meeting 1 has its day on 9999-12-31"):
        await import_now(app.engine, 7, "backup.json", json.dumps(doc).encode())
    assert await count(app, "people") == 0
