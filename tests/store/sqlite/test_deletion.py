"""Deleting through the engine leaves no row behind in the SQLite file (/forget, /deleteme).

After `/forget Alice` no table holds a row of hers or her name, her notes, her dates…
(the undo journal excepted: it keeps her until `/undo` brings her back or newer changes
push her out, as the reply says), and the export shows nothing of her. After `/deleteme`
no table holds a row of that user at all. Tables are listed from the schema, so a table
added later is checked too.
"""

from __future__ import annotations

from datetime import timedelta

from bot.compose import Services
from bot.core.clock import FixedClock
from bot.engine import Reply
from bot.nudges.sweep import Sweeper
from tests.conversation import Chat
from tests.database import columns, owner_rows, rows, snapshot, tables
from tests.engine.test_export import exported_document, tell_kith_about_friends

# Everything the scenario tells kith about Alice, and nothing it says about anyone else.
ALICE = (
    "Alice Smith",
    "Ali",
    "loves jazz",
    "how the move went",
    "lift to the airport",
    "+351 912 345 678",
    "alice@example.com",
)
DANA_CARD = (
    b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Dana Ruiz\r\nN:Ruiz;Dana;;;\r\n"
    b"TEL:+34 600 000 000\r\nEND:VCARD\r\n"
)


class Inbox:
    """Where the sweep delivers digests in these tests."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    async def send(self, owner: int, reply: Reply) -> None:
        self.texts.append(reply.text)


async def person_id(app: Services, owner: int, name: str) -> int:
    [(pid,)] = await rows(
        app.db, "SELECT id FROM people WHERE owner_id = ? AND name = ?", owner, name
    )
    return int(pid)


async def rows_mentioning(app: Services, words: tuple[str, ...]) -> dict[str, list[object]]:
    """Rows of any table (the undo journal aside) holding any of `words` in any column."""
    found: dict[str, list[object]] = {}
    for table, table_rows in (await snapshot(app.db)).items():
        if table == "undo_log":
            continue
        for row in table_rows:
            if any(isinstance(v, str) and w in v for v in row for w in words):
                found.setdefault(table, []).append(row)
    return found


async def rows_of_person(app: Services, pid: int) -> dict[str, int]:
    """Rows pointing at person `pid`, in every table with a person_id column (and people)."""
    counts: dict[str, int] = {}
    for table in await tables(app.db):
        column = "id" if table == "people" else "person_id"
        if column not in await columns(app.db, table):
            continue
        [(n,)] = await rows(app.db, f"SELECT count(*) FROM {table} WHERE {column} = ?", pid)
        counts[table] = int(n)
    return counts


async def test_forget_leaves_nothing_of_the_person(app: Services, user: Chat) -> None:
    await tell_kith_about_friends(user)
    alice = await person_id(app, 1, "Alice Smith")
    assert await rows_mentioning(app, ALICE)  # she is everywhere before
    before = await snapshot(app.db)

    await user.says("/forget Alice")
    reply = await user.presses("Yes, forget Alice Smith")

    assert reply == "Forgot Alice Smith and their history. /undo brings them back."
    assert set((await rows_of_person(app, alice)).values()) == {0}
    assert await rows_mentioning(app, ALICE) == {}
    # The dinner she shared with Bob stays his; the coffee only she was at is gone.
    meetings = await rows(
        app.db,
        "SELECT i.kind, p.name FROM interactions i "
        "LEFT JOIN interaction_people ip ON ip.interaction_id = i.id "
        "LEFT JOIN people p ON p.id = ip.person_id WHERE i.owner_id = 1",
    )
    assert meetings == [("dinner", "Bob Lee")]
    # Her export is gone from the user's export too.
    await user.says("/export")
    [export] = user.replies
    doc = exported_document(export)
    assert [p.name for p in doc.people] == ["Bob Lee", "Carol"]
    for file in export.files:
        for word in ALICE:
            assert word.encode() not in file.data, (file.file_name, word)

    # And /undo, as promised, brings all of her back.
    assert await user.says("/undo") == "Undone: forgot Alice Smith."
    assert await snapshot(app.db) == before


async def test_deleteme_leaves_no_row_of_the_user(app: Services, user: Chat) -> None:
    await tell_kith_about_friends(user)
    neighbour = Chat(app.engine, owner=2)
    await tell_kith_about_friends(neighbour)
    await user.sends_file("dana.vcf", DANA_CARD)  # a structured vCard name, a phone
    assert (await user.presses("Import 1 into wider")).startswith("dana.vcf: 1 card: 1 person")
    await user.says("/forget Carol")  # a question left open: a pending row
    await user.sends_file("contacts.csv", b"name\nDana\n")  # another one
    await user.says("/group dinners Alice Bob")
    # Digests and weekly reviews are written by the sweep, not by this conversation.
    assert all(
        n > 0
        for t, n in (await owner_rows(app.db, 1)).items()
        if t not in ("digests", "identities", "reviews", "link_codes", "log_messages")
    )
    theirs = await owner_rows(app.db, 2)

    await user.says("/deleteme")
    reply = await user.presses("Yes, delete everything")

    assert reply == (
        "Done — everything you told me is deleted. If you ever want to start again, say hi."
    )
    assert set((await owner_rows(app.db, 1)).values()) == {0}
    assert await owner_rows(app.db, 2) == theirs  # nobody else's data is touched
    # Rows without an owner column must not point at anything of theirs either.
    [(orphans,)] = await rows(
        app.db,
        "SELECT count(*) FROM interaction_people ip "
        "LEFT JOIN people p ON p.id = ip.person_id WHERE p.id IS NULL",
    )
    assert orphans == 0

    # Coming back later is a fresh start: the export holds nothing of before.
    await user.says("/export")
    doc = exported_document(user.replies[0])
    assert (doc.people, doc.interactions) == ((), ())
    assert doc.settings == {"timezone": "UTC", "digest_time": "09:00"}


async def test_forget_also_clears_the_digests_that_named_them(
    app: Services, user: Chat, clock: FixedClock
) -> None:
    await tell_kith_about_friends(user)
    clock.set(clock.now() + timedelta(days=30))
    inbox = Inbox()
    await Sweeper(app.engine, clock, inbox).sweep()  # schedules
    await Sweeper(app.engine, clock, inbox).sweep()  # sends
    assert any("Alice Smith" in text for text in inbox.texts)

    await user.says("/forget Alice")
    await user.presses("Yes, forget Alice Smith")

    assert await rows_mentioning(app, ALICE) == {}
