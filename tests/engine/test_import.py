"""Contacts files sent to kith: the summary, the buttons, and what ends up stored."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.compose import Services
from bot.formats import MAX_IMPORT_BYTES, ImportFormatError, parse_contacts
from bot.store.sqlite import accounts as store_transfer
from tests.conversation import Chat
from tests.engine.observe import cards, state

FIXTURES = Path(__file__).parents[1] / "formats" / "fixtures"
QUIET = (
    "They won't be nudged or show in /who until you log a meeting with them or move them "
    "closer (/circle NAME friends)."
)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


async def people(app: Services) -> list[tuple[str, str, int]]:
    """(name, circle, imported) of user 1's people, in the order they were added."""
    found = sorted(await app.store.people(1), key=lambda p: p.id)
    return [(p.name, p.circle, int(p.imported)) for p in found]


async def aliases(app: Services, name: str) -> list[str]:
    return list((await cards(app))[name].person.aliases)


async def tags(app: Services, name: str) -> list[str]:
    """Their tags, as /show lists them (in order)."""
    return list((await cards(app))[name].person.tags)


async def birthdays(app: Services) -> dict[str, tuple[int, int, int | None]]:
    return {
        name: (d.month, d.day, d.year)
        for name, card in (await cards(app)).items()
        for d in card.dates
        if d.label == "birthday"
    }


async def notes(app: Services, name: str) -> list[str]:
    return [n.text for n in (await cards(app))[name].notes]


# -- the real-shaped fixtures, through the engine ----------------------------------------


async def test_android_vcard_21_with_quoted_printable(app: Services, user: Chat) -> None:
    summary = await user.sends_file("android_v21.vcf", fixture("android_v21.vcf"))
    assert summary == (
        "5 cards in this vCard 2.1 file: 3 people; 1 had no name and was skipped; "
        "1 was a duplicate of another and was merged.\n"
        "2 have a birthday.\n"
        f"The new ones go into the circle you pick. {QUIET}"
    )
    assert user.labels == [
        "Import 3 into wider",
        "Import 3 into friends",
        "Import 3 into close",
        "Import 3 into inner",
        "Cancel",
    ]
    assert await people(app) == []  # nothing is stored until the user says so

    reply = await user.presses("Import 3 into wider")

    assert reply == (
        "android_v21.vcf: 5 cards: 3 people imported into wider, "
        "1 repeated an earlier one and was merged into it, 1 had no name. "
        f"Saved 2 birthdays, 4 phone numbers and 1 e-mail address. {QUIET} "
        "/undo takes the whole import back."
    )
    assert await people(app) == [
        ("Jürgen Müller", "wider", 1),
        ("Δημήτρης Παπαδόπουλος", "wider", 1),
        ("Anna Smith", "wider", 1),
    ]
    assert await aliases(app, "Jürgen Müller") == ["Jürgi", "Jogi"]
    assert await birthdays(app) == {"Jürgen Müller": (7, 23, 1985), "Anna Smith": (2, 29, 1992)}
    assert await notes(app, "Jürgen Müller") == [
        "Kennt sich mit Fahrrädern aus, hilft gern beim Umzug.\n"
        "Hat zwei Katzen: Mia & Leo. Fragen, wie es mit dem neuen Job in München läuft."
    ]
    # Imported people wait quietly: not in /who, marked on their card, found by nickname.
    assert "Jürgen" not in await user.says("/who")
    card = await user.says("/show Jogi")
    assert card.startswith("Jürgen Müller — wider")
    assert "Imported — not nudged until you log a meeting or move them closer." in card
    assert "also Jürgi, Jogi" in card
    assert "Birthday: 23 Jul 1985" in card


async def test_vcard_40_with_a_birthday_without_a_year(app: Services, user: Chat) -> None:
    summary = await user.sends_file("v40.vcf", fixture("v40.vcf"))
    assert summary.startswith(
        "5 cards in this vCard 4.0 file: 3 people; 1 had no name and was skipped; "
        "1 was a group, tagging their members."
    )
    assert "3 have a birthday." in summary

    await user.presses("Import 3 into friends")

    assert await people(app) == [
        ("نور الحسن", "friends", 1),
        ("Yuki Nakamura", "friends", 1),
        ("王小明", "friends", 1),
    ]
    assert await birthdays(app) == {
        "نور الحسن": (4, 15, None),
        "Yuki Nakamura": (7, 4, 1995),
        "王小明": (12, 24, None),
    }
    assert await aliases(app, "نور الحسن") == ["Nuri", "Noor H."]
    assert await tags(app, "نور الحسن") == ["book-club", "work"]
    assert "نور الحسن" in await user.says("/people #book-club")


async def test_icloud_vcard_30_groups_become_tags(app: Services, user: Chat) -> None:
    await user.sends_file("icloud_v30.vcf", fixture("icloud_v30.vcf"))
    await user.presses("Import 3 into wider")
    assert [name for name, _, _ in await people(app)] == [
        "Jane Appleseed",
        "Seán O’Brien",
        "Bakery Rossi",
    ]
    assert await tags(app, "Jane Appleseed") == ["book-club", "climbing", "neighbours"]
    assert await aliases(app, "Jane Appleseed") == ["Janie"]
    assert (await birthdays(app))["Jane Appleseed"] == (3, 12, None)


async def test_google_csv(app: Services, user: Chat) -> None:
    summary = await user.sends_file("google.csv", fixture("google.csv"))
    assert summary.startswith("5 rows in this Google Contacts CSV file: 3 people;")
    await user.presses("Import 3 into close")
    assert await people(app) == [
        ("Alice Smith", "close", 1),
        ("Bob J. Okafor Jr.", "close", 1),
        ("Chloé Dubois", "close", 1),
    ]
    assert await aliases(app, "Alice Smith") == ["Ali"]
    assert await tags(app, "Bob J. Okafor Jr.") == ["family", "rock-climbing"]
    assert await birthdays(app) == {"Alice Smith": (3, 12, 1990), "Bob J. Okafor Jr.": (7, 4, None)}
    assert await notes(app, "Alice Smith") == [
        "Moving to Lisbon in March.\nAsk about the flat.\nWorks at the library."
    ]


async def test_a_meeting_logged_with_an_imported_person_starts_tracking_them(
    app: Services, user: Chat
) -> None:
    await user.sends_file("google.csv", fixture("google.csv"))
    await user.presses("Import 3 into wider")
    assert (await user.says("coffee with Ali yesterday")).startswith(
        "Logged coffee with Alice Smith on Tue 24 Nov"
    )
    assert ("Alice Smith", "wider", 0) in await people(app)


# -- people already there -------------------------------------------------------------


async def test_known_people_are_merged_by_default(app: Services, user: Chat) -> None:
    await user.says("/add Alice Smith inner")
    await user.says("/date Alice birthday 1 April")
    await user.says("/tag Alice #work")

    summary = await user.sends_file("google.csv", fixture("google.csv"))

    assert "1 is already here: Alice Smith." in summary
    assert (
        "What's new (nicknames, tags, birthday, phones, e-mails, note) is added to "
        "the one already here."
    ) in summary
    assert user.labels == [
        "Import 2 into wider",
        "Import 2 into friends",
        "Import 2 into close",
        "Import 2 into inner",
        "✓ Merge the 1 known",
        "Skip the 1 known",
        "Cancel",
    ]
    reply = await user.presses("Import 2 into wider")
    assert reply.startswith(
        "google.csv: 5 rows: 2 people imported into wider, 1 merged into people you had, "
        "1 repeated an earlier one and was merged into it, 1 had no name. "
        "Added what was new to 1 person you already had: Alice Smith. Saved 1 birthday,"
    )
    # Still one Alice, in her own circle and tracked; what she lacked was added.
    assert await people(app) == [
        ("Alice Smith", "inner", 0),
        ("Bob J. Okafor Jr.", "wider", 1),
        ("Chloé Dubois", "wider", 1),
    ]
    assert await aliases(app, "Alice Smith") == ["Ali"]
    assert await tags(app, "Alice Smith") == ["climbing", "work"]
    assert (await birthdays(app))["Alice Smith"] == (4, 1, None)  # hers stays
    assert await notes(app, "Alice Smith") == [
        "Moving to Lisbon in March.\nAsk about the flat.\nWorks at the library."
    ]


async def test_a_name_that_is_someones_alias_is_that_person(app: Services, user: Chat) -> None:
    await user.says("/add Bobby")
    await user.says("/alias Bobby Bob J. Okafor Jr.")
    await user.sends_file("google.csv", fixture("google.csv"))
    assert "1 is already here: Bobby." in user.text
    await user.presses("Import 2 into wider")
    names = [name for name, _, _ in await people(app)]
    assert names == ["Bobby", "Alice Smith", "Chloé Dubois"]
    assert await tags(app, "Bobby") == ["family", "rock-climbing"]


async def test_known_people_can_be_skipped(app: Services, user: Chat) -> None:
    await user.says("/add Alice Smith inner")
    await user.sends_file("google.csv", fixture("google.csv"))

    again = await user.presses("Skip the 1 known")

    assert "I'll leave the one already here exactly as they are." in again
    assert user.labels[4:] == ["Merge the 1 known", "✓ Skip the 1 known", "Cancel"]
    reply = await user.presses("Import 2 into friends")
    assert "Skipped 1 person you already had: Alice Smith." in reply
    assert await aliases(app, "Alice Smith") == []
    assert await tags(app, "Alice Smith") == []
    assert await notes(app, "Alice Smith") == []
    assert len(await people(app)) == 3


async def test_the_same_file_twice_adds_nobody_twice(app: Services, user: Chat) -> None:
    await user.sends_file("google.csv", fixture("google.csv"))
    await user.presses("Import 3 into wider")

    summary = await user.sends_file("google.csv", fixture("google.csv"))

    assert "3 are already here: Alice Smith, Bob J. Okafor Jr. and Chloé Dubois." in summary
    assert user.labels == ["Merge into the 3 known ones", "Cancel"]
    reply = await user.presses("Merge into the 3 known ones")
    assert reply == (
        "google.csv: 5 rows: 0 people imported into wider, 3 already up to date, "
        "1 repeated an earlier one and was merged into it, 1 had no name. "
        "3 people you already had were up to date: Alice Smith, Bob J. Okafor Jr. and "
        "Chloé Dubois. Nothing changed."
    )
    assert len(await people(app)) == 3
    assert await aliases(app, "Alice Smith") == ["Ali"]
    assert await notes(app, "Alice Smith") == [
        "Moving to Lisbon in March.\nAsk about the flat.\nWorks at the library."
    ]


# -- changing one's mind ------------------------------------------------------------------


async def test_undo_takes_the_whole_import_back(app: Services, user: Chat) -> None:
    await user.says("/add Alice Smith inner")
    before = await state(app)
    await user.sends_file("google.csv", fixture("google.csv"))
    await user.presses("Import 2 into wider")
    assert len(await people(app)) == 3

    assert await user.says("/undo") == "Undone: imported google.csv."

    after = await state(app)
    assert after == before  # no person, alias, tag, note, date, question or journal entry left
    assert "also Ali" not in await user.says("/show Alice")


async def test_cancel_imports_nothing(app: Services, user: Chat) -> None:
    await user.says("/start")
    before = await state(app)
    await user.sends_file("google.csv", fixture("google.csv"))
    assert await user.presses("Cancel") == "OK — nothing imported."
    assert await state(app) == before


async def test_a_second_press_never_imports_twice(app: Services, user: Chat) -> None:
    await user.sends_file("google.csv", fixture("google.csv"))
    button = user.button("Import 3 into wider")
    await user.engine.press(1, button.data)
    again = await user.engine.press(1, button.data)
    assert again[0].text == "That question was already answered (or has expired)."
    assert len(await people(app)) == 3


async def test_an_import_that_fails_halfway_leaves_nothing(
    app: Services, user: Chat, monkeypatch: pytest.MonkeyPatch
) -> None:
    await user.says("/start")
    await user.sends_file("google.csv", fixture("google.csv"))
    before = await state(app)
    button = user.button("Import 3 into wider")

    async def broken(*args: object) -> None:
        raise RuntimeError("disk on fire")

    # After the people and their details were written, inside the same transaction.
    monkeypatch.setattr(store_transfer._Importer, "_interactions", broken)
    reply = await user.presses("Import 3 into wider")

    assert reply == "Sorry — something went wrong on my side, and nothing was changed."
    assert await state(app) == before  # the question is still there to try again
    monkeypatch.undo()
    [retried] = await user.engine.press(1, button.data)
    assert retried.text.startswith("google.csv: 5 rows: 3 people imported")


# -- files that cannot be imported -----------------------------------------------------------


def error_of(name: str, data: bytes) -> str:
    with pytest.raises(ImportFormatError) as caught:
        parse_contacts(name, data)
    return str(caught.value)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("truncated.vcf", fixture("truncated.vcf")),
        ("photo.vcf", fixture("photo.vcf")),
        ("empty.vcf", fixture("empty.vcf")),
        ("no_name_column.csv", fixture("no_name_column.csv")),
        ("huge.vcf", b"BEGIN:VCARD\r\nFN:A\r\nEND:VCARD\r\n" * (MAX_IMPORT_BYTES // 30 + 1)),
        ("notes.json", b'{"name": "not kith"}'),
    ],
)
async def test_a_file_that_cannot_be_read_gets_its_reason_and_changes_nothing(
    app: Services, user: Chat, name: str, data: bytes
) -> None:
    await user.says("/add Alice")
    before = await state(app)

    reply = await user.sends_file(name, data)

    assert reply == error_of(name, data)
    assert user.buttons == []
    assert await state(app) == before


async def test_the_reasons_read_like_sentences(user: Chat) -> None:
    assert await user.sends_file("photo.vcf", fixture("photo.vcf")) == (
        "That file is called .vcf but it is not a vCard (it looks like a PNG image)."
    )
    too_big = b"x" * (MAX_IMPORT_BYTES + 1)
    assert await user.sends_file("big.csv", too_big) == (
        "That file is 5.1 MB; I can import files up to 5 MB."
    )
    assert await user.sends_file("truncated.vcf", fixture("truncated.vcf")) == (
        "truncated.vcf line 6: a card starts (BEGIN:VCARD) but never ends."
    )


async def test_import_without_a_file_says_how(user: Chat) -> None:
    reply = await user.says("/import")
    assert reply.startswith("Send me a contacts file")
    assert ".vcf" in reply and ".csv" in reply and "/export" in reply


async def test_control_characters_in_a_note_never_break_the_export(
    app: Services, user: Chat
) -> None:
    await user.sends_file("contacts.csv", b"name,notes\nAda Lovelace,rings the\x07 bell\tloudly\n")
    await user.presses("Import 1 into wider")
    assert await notes(app, "Ada Lovelace") == ["rings the bell\tloudly"]
    await user.says("/export")
    assert [f.file_name for f in user.replies[0].files] == [
        "kith-export-2026-11-25.json",
        "kith-contacts-2026-11-25.vcf",
    ]


async def test_long_real_names_are_kept_and_unusable_ones_are_said(
    app: Services, user: Chat
) -> None:
    # Titles and several surnames run past the chat's 80 characters: an import keeps them.
    long_name = "Dr. María de los Ángeles Fernández de Córdoba y Gutiérrez de la Concha Ruiz-Tagle"
    assert len(long_name) > 80
    absurd = "Maximilian " * 20
    reply = await user.sends_file("names.csv", f"name\n{long_name}\n{absurd}\nAda\n".encode())
    assert reply.startswith("3 rows in this CSV file: 3 people.")
    assert (
        "1 name can't be used and is left out: “Maximilian Maximilian Maximilian Maximi…” "
        "(219 characters, over the 200 I keep)."
    ) in reply
    assert user.labels[0] == "Import 2 into wider"
    done = await user.presses("Import 2 into wider")
    assert done.startswith(
        "names.csv: 3 rows: 2 people imported into wider, 1 with a name I can't use: "
        "“Maximilian Maximilian Maximilian Maximi…” (219 characters, over the 200 I keep)."
    )
    assert sorted(await people(app)) == [("Ada", "wider", 1), (long_name, "wider", 1)]

    only_that = await user.sends_file("names.csv", f"name\n{absurd}\n".encode())
    assert only_that.endswith("over the 200 I keep). There's nobody left to import.")
    assert user.buttons == []


CORPUS = Path(__file__).parents[1] / "formats" / "corpus"


async def test_an_undeclared_encoding_is_said_in_the_question_and_the_answer(
    app: Services, user: Chat
) -> None:
    data = (CORPUS / "shift_jis_undeclared.vcf").read_bytes()
    summary = await user.sends_file("phone.vcf", data)
    assert summary.startswith(
        "2 cards in this vCard 2.1 file: 2 people. The file doesn't say how its text is "
        "encoded; I read it as Shift_JIS (Japanese). If names look wrong, save it as UTF-8 "
        "and send it again."
    )
    reply = await user.presses("Import 2 into wider")
    assert "I read it as Shift_JIS (Japanese)." in reply
    assert [name for name, _, _ in await people(app)] == ["山田太郎", "佐藤花子"]


async def test_a_vcard_without_begin_is_refused_for_what_it_is(user: Chat) -> None:
    reply = await user.sends_file("cut.vcf", (CORPUS / "no_begin.vcf").read_bytes())
    assert reply.startswith("cut.vcf has no BEGIN:VCARD line")
    assert user.buttons == []
