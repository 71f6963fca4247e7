"""Big contacts files over chat: thousands of people asked about once, kept beside the
question as rows (not one giant payload), imported whole with one /undo; and files
naming more people than anyone may keep refused before anything is built."""

from __future__ import annotations

import gc
import json
from datetime import timedelta
from pathlib import Path

import pytest

import bot.engine.imports as imports
import bot.formats.csvfiles as csvfiles
from bot.compose import Services
from bot.core.clock import FixedClock
from bot.engine.collector import collector_paused
from bot.formats.contacts import ImportedContact
from tests.conversation import NOW, Chat, kith

BIG = 20_000


def contacts_csv(people: int, prefix: str = "Friend") -> bytes:
    lines = ["Name,Phone,Birthday"]
    lines += [
        f"{prefix} {n},+1 555 {n:07d},{1 + n % 12:02d}/{1 + n % 28:02d}/19{70 + n % 30}"
        for n in range(people)
    ]
    return ("\r\n".join(lines) + "\r\n").encode()


def one_word_rows(size: int) -> tuple[bytes, int]:
    """A CSV of one different word per row, about `size` bytes: (data, rows)."""
    words, total, n = [], 0, 0
    while total < size:
        word = f"w{n:x}\n"
        words.append(word)
        total += len(word)
        n += 1
    return "".join(words).encode(), n


def question_id(user: Chat) -> int:
    """The pending question the buttons of the last reply belong to."""
    return int(user.buttons[0].data.split(":")[1])


@pytest.fixture
def big(app: Services) -> Services:
    app.engine.max_people = BIG + 100
    return app


async def test_a_20000_contact_file_is_asked_about_then_imported_whole(
    big: Services, user: Chat
) -> None:
    await user.says("/start")
    summary = await user.sends_file("everyone.csv", contacts_csv(BIG))
    assert summary.startswith("20000 rows in this CSV file: 20000 people.")
    assert "Import 20000 into wider" in user.labels
    asked = question_id(user)
    # The question keeps a reference and a count; the people wait beside it as rows.
    payload = await big.store.get_pending(1, asked)
    assert payload is not None and "c" not in payload and payload["n"] == BIG
    assert len(json.dumps(payload)) < 4000
    rows = await big.store.pending_rows(1, asked)
    assert len(rows) == BIG and json.loads(rows[7])[0] == "Friend 7"

    button = user.button("Import 20000 into wider")
    reply = await user.presses("Import 20000 into wider")
    assert reply.startswith("everyone.csv: 20000 rows: 20000 people imported into wider.")
    assert "Saved 20000 birthdays and 20000 phone numbers." in reply
    assert len(await big.store.people(1)) == BIG
    assert await big.store.pending_rows(1, asked) == []  # gone with the answer
    [again] = await user.engine.press(1, button.data)
    assert "That question was already answered" in again.text

    assert "Undone: imported everyone.csv" in await user.says("/undo")
    assert await big.store.people(1) == ()


async def test_a_file_past_the_people_limit_is_refused_before_any_question(
    app: Services, user: Chat
) -> None:
    await user.says("/start")
    assert app.engine.max_people == 5000  # the default
    reply = await user.sends_file("everyone.csv", contacts_csv(BIG))
    assert reply == (
        "everyone.csv has 20,000 rows, with more than 5,000 different people in them, and "
        "kith keeps at most 5,000 people per account, so I haven't imported any of it. "
        "Send me a smaller file: most contacts apps can export just a group or a selection."
    )
    assert user.buttons == []
    assert await app.store.people(1) == ()
    assert await app.store.latest_pending(1, NOW) is None


async def test_a_5mb_csv_of_one_word_rows_is_refused_without_building_every_contact(
    app: Services, user: Chat, monkeypatch: pytest.MonkeyPatch
) -> None:
    data, rows = one_word_rows(5 * 1024 * 1024 - 4096)
    assert rows > 600_000
    built = 0
    contact = csvfiles._contact

    def counting(*args: object) -> ImportedContact | None:
        nonlocal built
        built += 1
        return contact(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(csvfiles, "_contact", counting)
    # Read in this process, where the count can be seen (a big file is otherwise read in
    # a worker process, with the same reader).
    monkeypatch.setattr(imports, "WORKER_BYTES", len(data) + 1)
    await user.says("/start")
    reply = await user.sends_file("words.csv", data)
    assert reply.startswith(f"words.csv has {rows:,} rows, with more than 5,000 different people")
    assert built == 5001  # the one past the limit, then only counting
    assert user.buttons == []


async def test_a_big_file_read_in_a_worker_process_says_the_same(app: Services, user: Chat) -> None:
    data, rows = one_word_rows(600_000)
    assert len(data) >= imports.WORKER_BYTES
    await user.says("/start")
    reply = await user.sends_file("words.csv", data)
    assert reply.startswith(f"words.csv has {rows:,} rows, with more than 5,000 different people")
    bad = b"\x89PNG\r\n\x1a\n" + bytes(imports.WORKER_BYTES)
    assert await user.sends_file("photo.vcf", bad) == (
        "That file is called .vcf but it is not a vCard (it looks like a PNG image)."
    )


async def test_a_file_of_many_vcards_is_refused_past_the_limit_too(
    app: Services, user: Chat
) -> None:
    app.engine.max_people = 3
    cards = "".join(f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Pal {n}\r\nEND:VCARD\r\n" for n in range(9))
    reply = await user.sends_file("pals.vcf", cards.encode())
    assert reply.startswith("pals.vcf has 9 cards, with more than 3 different people in them")


async def test_the_rows_go_when_the_import_is_cancelled(big: Services, user: Chat) -> None:
    await user.says("/start")
    await user.sends_file("some.csv", contacts_csv(40))
    asked = question_id(user)
    assert len(await big.store.pending_rows(1, asked)) == 40
    assert await user.presses("Cancel") == "OK — nothing imported."
    assert await big.store.pending_rows(1, asked) == []
    assert await big.store.people(1) == ()


async def test_the_rows_go_when_the_question_is_let_go(big: Services, user: Chat) -> None:
    await user.says("/start")
    await user.sends_file("some.csv", contacts_csv(40))
    asked = question_id(user)
    await user.says("what's the weather like")
    assert await big.store.get_pending(1, asked) is None
    assert await big.store.pending_rows(1, asked) == []


async def test_the_rows_go_with_the_account_on_deleteme(big: Services, user: Chat) -> None:
    await user.says("/start")
    await user.sends_file("some.csv", contacts_csv(40))
    asked = question_id(user)
    await user.says("/deleteme")
    assert "everything you told me is deleted" in await user.presses("Yes")
    assert await big.store.pending_rows(1, asked) == []


async def test_the_rows_of_a_month_old_question_expire(big: Services, user: Chat) -> None:
    await user.says("/start")
    await user.sends_file("some.csv", contacts_csv(40))
    asked = question_id(user)
    old_button = user.button("Import 40")
    big.clock.advance(timedelta(days=31))  # type: ignore[attr-defined]
    await user.sends_file("other.csv", contacts_csv(5, "Pal"))  # a new question clears old ones
    assert await big.store.pending_rows(1, asked) == []
    [reply] = await user.engine.press(1, old_button.data)
    assert "That question was already answered" in reply.text


async def test_switching_to_skip_keeps_the_file_for_the_new_question(
    big: Services, user: Chat
) -> None:
    await user.says("/start")
    await user.says("/add Friend 3")
    await user.sends_file("some.csv", contacts_csv(40))
    first = question_id(user)
    assert "Skip the 1 known" in " ".join(user.labels)
    await user.presses("Skip the 1 known")
    assert await big.store.pending_rows(1, first) == []
    assert len(await big.store.pending_rows(1, question_id(user))) == 40
    reply = await user.presses("Import 39 into wider")
    assert "39 people imported into wider" in reply and "1 skipped as already here" in reply


async def test_a_restart_between_question_and_answer_still_imports(
    db_path: Path, clock: FixedClock
) -> None:
    async with kith(db_path, clock) as before:
        user = Chat(before.engine)
        await user.says("/start")
        await user.sends_file("some.csv", contacts_csv(300))
        button = user.button("Import 300 into wider")
    async with kith(db_path, clock) as after:
        [reply] = await after.engine.press(1, button.data)
        assert reply.text.startswith("some.csv: 300 rows: 300 people imported into wider.")
        assert len(await after.store.people(1)) == 300


async def test_a_question_from_an_older_kith_with_inline_rows_still_answers(
    app: Services, user: Chat
) -> None:
    await user.says("/start")
    await user.says("/add Old Pal")
    payload = {
        "a": "imp",
        "k": "c",
        "f": "old.vcf",
        "s": "2 cards in this vCard 3.0 file: 2 people.",
        "d": "merge",
        "t": {"cards": 2, "noun": "card"},
        "c": [
            ["Old Pal", ["Oldie"], None, "", [], [], [], None],
            ["New Friend", [], [3, 12, None], "", ["work"], ["+1 555 0100"], [], None],
        ],
    }
    asked = await app.store.put_pending(1, payload, app.clock.now())
    # Switching to skip asks again, now with the rows kept beside the question.
    [again] = await user.engine.press(1, f"q:{asked}:s")
    assert "I'll leave the one already here exactly as they are." in again.text
    [button] = [b for b in again.flat_buttons if b.label.startswith("Import 1 into wider")]
    [done] = await user.engine.press(1, button.data)
    assert done.text.startswith("old.vcf: 2 cards: 1 person imported into wider")
    assert sorted(p.name for p in await app.store.people(1)) == ["New Friend", "Old Pal"]


async def test_the_cycle_collector_runs_again_after_an_import_however_it_ends(
    big: Services, user: Chat
) -> None:
    assert gc.isenabled()
    await user.says("/start")
    await user.sends_file("broken.csv", b'Name\r\n"Ann\r\n')  # cut off: refused
    assert gc.isenabled()
    await user.sends_file("some.csv", contacts_csv(10))
    await user.presses("Import 10 into wider")
    assert gc.isenabled()
    with collector_paused():  # two imports at once: on until both are done
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
