"""/export gives everything back; sending the export to kith restores it."""

from __future__ import annotations

import json
import os
import stat
from datetime import timedelta
from pathlib import Path

from bot.compose import Services
from bot.engine import Reply
from bot.formats import (
    ExportDocument,
    document_from_json,
    document_to_json,
    parse_contacts,
    people_to_vcard,
)
from tests.conversation import Chat
from tests.engine.observe import account, state

FIXTURES = Path(__file__).parents[1] / "formats" / "fixtures"
JSON_NAME = "kith-export-2026-11-25.json"
VCF_NAME = "kith-contacts-2026-11-25.vcf"


async def tell_kith_about_friends(user: Chat) -> None:
    """A few weeks of using kith, touching every kind of data there is."""
    for line in [
        "/timezone Europe/Lisbon",
        "/digest 08:30",
        "/add Alice Smith inner",
        "/add Bob Lee close every 3 weeks",
        "/add Carol",
        "/alias Alice Ali",
        "/tag Alice #climbing #neighbor",
        "/note Alice loves jazz",
        "/ask Alice how the move went in March",
        "/ask Bob about the new job",
        "/ask Bob done",
        "/favor Bob offered help with the move",
        "/favor Alice got a lift to the airport",
        "/date Alice birthday 12 March",
        "/date Bob birthday 1 May 1990",
        "/phone Alice +351 912 345 678",
        "/email Alice alice@example.com",
        "coffee with Alice yesterday — she's moving to Lisbon",
        "dinner with Alice and Bob on Friday",
        "/snooze Carol 2 weeks",
        "/every Carol never",
    ]:
        reply = await user.says(line)
        assert "/undo" in reply or "Digest" in reply or "digest" in reply, (line, reply)


async def export(user: Chat) -> Reply:
    await user.says("/export")
    [reply] = user.replies
    return reply


def exported_document(reply: Reply) -> ExportDocument:
    [json_file] = [f for f in reply.files if f.file_name.endswith(".json")]
    return document_from_json(json_file.data)


async def test_export_gives_the_whole_account_as_json_and_the_people_as_vcard(
    user: Chat,
) -> None:
    await tell_kith_about_friends(user)

    reply = await export(user)

    assert reply.text == (
        "Here's everything you've told me: 3 people, 2 meetings, 1 note, 2 follow-ups, "
        "2 favors and 2 dates.\n"
        f"• {JSON_NAME} is all of it — send it back to me to restore it.\n"
        f"• {VCF_NAME} has your people (names, nicknames, birthdays, phones, e-mails, tags, "
        "notes) for any address book."
    )
    assert [(f.file_name, f.mime_type) for f in reply.files] == [
        (JSON_NAME, "application/json"),
        (VCF_NAME, "text/vcard"),
    ]
    doc = exported_document(reply)
    assert doc.exported_at == "2026-11-25T10:00:00Z"
    assert doc.settings == {"timezone": "Europe/Lisbon", "digest_time": "08:30"}
    assert doc.circles == (("inner", 14), ("close", 30), ("friends", 90), ("wider", 180))
    alice, bob, carol = doc.people
    assert (alice.name, alice.circle, alice.aliases, alice.tags) == (
        "Alice Smith",
        "inner",
        ("Ali",),
        ("climbing", "neighbor"),
    )
    assert [n.text for n in alice.notes] == ["loves jazz"]
    assert [(f.text, f.from_day, f.done) for f in alice.follow_ups] == [
        ("how the move went", "2027-03-01", False)
    ]
    assert [(f.text, f.done) for f in bob.follow_ups] == [("about the new job", True)]
    assert [(f.kind, f.text) for f in bob.favors] == [("offered", "help with the move")]
    assert [(f.kind, f.text) for f in alice.favors] == [("got", "a lift to the airport")]
    assert [(d.label, d.month, d.day, d.year) for d in bob.dates] == [("birthday", 5, 1, 1990)]
    assert (alice.phones, alice.emails, bob.phones) == (
        ("+351 912 345 678",),
        ("alice@example.com",),
        (),
    )
    assert (bob.cadence_days, carol.paused, carol.snoozed_until) == (21, True, "2026-12-09")
    assert [(i.day, i.kind, i.people) for i in doc.interactions] == [
        ("2026-11-24", "coffee", (alice.ref,)),
        ("2026-11-20", "dinner", (alice.ref, bob.ref)),
    ]
    assert doc.interactions[0].note == "she's moving to Lisbon"

    [vcf] = [f for f in reply.files if f.file_name.endswith(".vcf")]
    cards = parse_contacts(vcf.file_name, vcf.data).contacts
    assert [(c.name, c.aliases, c.birthday, c.tags, c.phones, c.emails) for c in cards] == [
        (
            "Alice Smith",
            ("Ali",),
            (3, 12, None),
            ("climbing", "neighbor"),
            ("+351 912 345 678",),
            ("alice@example.com",),
        ),
        ("Bob Lee", (), (5, 1, 1990), (), (), ()),
        ("Carol", (), None, (), (), ()),
    ]


async def test_an_empty_account_exports_its_settings_only(app: Services, user: Chat) -> None:
    await tell_kith_about_friends(Chat(app.engine, owner=2))  # someone else's data

    reply = await export(user)

    assert reply.text == (
        f"You haven't told me about anyone yet, so {JSON_NAME} holds only your settings."
    )
    doc = exported_document(reply)
    assert (doc.people, doc.interactions) == ((), ())
    assert doc.settings == {"timezone": "UTC", "digest_time": "09:00"}


async def test_the_export_restores_into_an_empty_account_exactly(app: Services, user: Chat) -> None:
    await tell_kith_about_friends(user)
    original = await export(user)
    [json_file, _] = original.files
    newcomer = Chat(app.engine, owner=2)

    question = await newcomer.sends_file(json_file.file_name, json_file.data)

    assert question == (
        f"{JSON_NAME} is a kith export from 25 Nov 2026 with 3 people, 2 meetings, 1 note, "
        "2 follow-ups, 2 favors and 2 dates. Restore it? Your settings become its settings: "
        "time zone Europe/Lisbon, daily digest at 08:30."
    )
    assert newcomer.labels == ["Restore 3 people", "Cancel"]
    assert await newcomer.presses("Restore 3 people") == (
        f"Restored 3 people, 2 meetings, 1 note, 2 follow-ups, 2 favors and 2 dates from "
        f"{JSON_NAME}. Settings: time zone Europe/Lisbon, daily digest at 08:30. "
        "/undo takes the whole import back."
    )

    restored = await export(newcomer)
    assert restored.files == original.files  # byte for byte (the clock stands still)
    # The digest schedule follows the restored settings, as if typed with /timezone, /digest.
    assert await app.store.settings(2) == await app.store.settings(1)
    ledger = app.store.ledger
    assert await ledger.next_digest_at(2) == await ledger.next_digest_at(1)
    for line in ("/show Alice", "/show Bob", "/who", "/people", "/settings"):
        assert await newcomer.says(line) == await user.says(line)


async def test_the_date_order_and_the_weekly_review_come_back_on_restore(
    app: Services, user: Chat
) -> None:
    await tell_kith_about_friends(user)
    await user.says("/dateorder mdy")
    await user.says("/review off")
    [json_file, _] = (await export(user)).files
    settings = json.loads(json_file.data)["settings"]
    assert (settings["date_order"], json.loads(json_file.data)["weekly_review"]) == ("mdy", False)
    assert json.loads(json_file.data)["version"] == 2  # additive: still version 2
    newcomer = Chat(app.engine, owner=2)

    await newcomer.sends_file(json_file.file_name, json_file.data)
    assert (await newcomer.presses("Restore 3 people")).endswith(
        "Settings: time zone Europe/Lisbon, daily digest at 08:30, dates as 11/14 (month first). "
        "/undo takes the whole import back."
    )
    assert await newcomer.says("/dateorder") == await user.says("/dateorder")
    assert await newcomer.says("/review") == await user.says("/review")
    assert "weekly look back is off" in await newcomer.says("/review")
    assert (await export(newcomer)).files[0] == json_file  # byte for byte
    assert "on Thu 12 Nov" in await newcomer.says("coffee with Alice 11/12")


async def test_an_export_without_a_date_order_restores_and_asks_later(
    app: Services, user: Chat
) -> None:
    await tell_kith_about_friends(user)
    [json_file, _] = (await export(user)).files
    assert "date_order" not in json.loads(json_file.data)["settings"]  # never set: not said
    newcomer = Chat(app.engine, owner=2)
    await newcomer.sends_file(json_file.file_name, json_file.data)
    await newcomer.presses("Restore 3 people")
    assert (await app.store.settings(2)).date_order is None
    assert "weekly look back is on" in await newcomer.says("/review")


async def test_undo_after_a_restore_gives_back_the_empty_account(app: Services, user: Chat) -> None:
    await tell_kith_about_friends(user)
    [json_file, _] = (await export(user)).files
    newcomer = Chat(app.engine, owner=2)
    await newcomer.says("/start")
    before = await state(app, 1, 2)
    await newcomer.sends_file(json_file.file_name, json_file.data)
    await newcomer.presses("Restore")

    assert await newcomer.says("/undo") == f"Undone: imported {JSON_NAME}."

    assert await state(app, 1, 2) == before
    assert "UTC" in await newcomer.says("/settings")


async def test_an_export_into_an_account_with_people_is_merged_never_doubled(
    app: Services, user: Chat
) -> None:
    await tell_kith_about_friends(user)
    [json_file, _] = (await export(user)).files
    other = Chat(app.engine, owner=2)
    await other.says("/add Alice Smith")
    await other.says("/note Alice met at the market")

    question = await other.sends_file("backup.json", json_file.data)

    assert question == (
        "backup.json is a kith export from 25 Nov 2026 with 3 people, 2 meetings, 1 note, "
        "2 follow-ups, 2 favors and 2 dates. You already have 1 person here; 1 of them is in "
        "the export too: Alice Smith. I can merge it in: what's missing is added, nothing you "
        "have is changed or removed, and your settings stay as they are."
    )
    assert other.labels == ["Add 2 and merge the 1 known", "Add only the 2 new", "Cancel"]
    reply = await other.presses("Add 2 and merge the 1 known")
    assert reply == (
        "Added 2 people, 2 meetings, 1 note, 2 follow-ups, 2 favors and 2 dates from "
        "backup.json. Added what was new to 1 person you already had: Alice Smith. "
        "Your settings stay as they were. /undo takes the whole import back."
    )
    card = await other.says("/show Alice")
    assert card.startswith("Alice Smith — friends")  # her circle here stays
    assert "met at the market" in card and "loves jazz" in card
    assert "UTC" in await other.says("/settings")

    # The same export again adds nothing.
    await other.sends_file("backup.json", json_file.data)
    assert await other.presses("Merge into the 3 known ones") == (
        "3 people you already had were up to date: Alice Smith, Bob Lee and Carol. Nothing changed."
    )
    doc = await account(app, 2)
    assert (len(doc.people), len(doc.interactions)) == (3, 2)


async def test_skipping_known_people_keeps_them_out_of_imported_meetings(
    app: Services, user: Chat
) -> None:
    await tell_kith_about_friends(user)
    [json_file, _] = (await export(user)).files
    other = Chat(app.engine, owner=2)
    await other.says("/add Alice Smith")
    await other.sends_file("backup.json", json_file.data)

    reply = await other.presses("Add only the 2 new")

    assert "Skipped 1 person you already had: Alice Smith." in reply
    assert "Not logged yet" in await other.says("/show Alice")
    # The dinner with Alice and Bob comes with Bob only; the coffee with Alice alone not at all.
    doc = await account(app, 2)
    names = {p.ref: p.name for p in doc.people}
    meetings = [(i.kind, [names[r] for r in i.people]) for i in doc.interactions]
    assert meetings == [("dinner", ["Bob Lee"])]


async def test_circles_this_kith_does_not_have_become_the_nearest(
    app: Services, user: Chat
) -> None:
    doc = json.loads((FIXTURES / "kith_export_v1.json").read_text())
    doc["circles"].append({"name": "besties", "cadence_days": 7})
    doc["people"][1]["circle"] = "besties"
    await user.sends_file("old.json", json.dumps(doc).encode())

    reply = await user.presses("Restore 2 people")

    assert "Circles you don't have here became the nearest ones: besties → inner." in reply
    assert (await user.says("/show Bob")).startswith("Bob — inner")


async def test_a_broken_export_is_refused_with_the_reason(app: Services, user: Chat) -> None:
    doc = json.loads((FIXTURES / "kith_export_v1.json").read_text())
    doc["interactions"][0]["people"] = ["p1", "p9"]
    await user.says("/start")
    before = await state(app, 1, 2)

    reply = await user.sends_file("backup.json", json.dumps(doc).encode())

    assert reply == 'Interaction 1 mentions person "p9", who is not in the export.'
    assert await state(app, 1, 2) == before


async def test_an_export_from_a_newer_kith_says_so(user: Chat) -> None:
    doc = json.loads((FIXTURES / "kith_export_v1.json").read_text())
    doc["version"] = 3
    reply = await user.sends_file("backup.json", json.dumps(doc).encode())
    assert reply.startswith("This export is format version 3, from a newer kith")


async def test_the_export_is_written_as_the_whole_document_would_be(
    app: Services, user: Chat
) -> None:
    await tell_kith_about_friends(user)
    reply = await export(user)
    [json_file, vcf] = reply.files
    settings = await app.store.settings(user.owner)
    assert settings is not None
    whole = await app.store.export(user.owner, app.engine.circles, app.clock.now(), settings)

    # Streamed a page at a time, the same bytes as the document written whole.
    assert json_file.data == document_to_json(whole).encode("utf-8")
    assert vcf.data == people_to_vcard(whole).encode("utf-8")
    # Both wait in files only their owner can read.
    for file in reply.files:
        assert file.spool is not None
        assert stat.S_IMODE(os.fstat(file.spool.fileno()).st_mode) == 0o600
        assert file.size == len(file.data)


async def test_a_restore_question_waits_with_the_file_compressed_until_deleteme(
    app: Services, user: Chat
) -> None:
    await tell_kith_about_friends(user)
    [json_file, _] = (await export(user)).files
    newcomer = Chat(app.engine, owner=2)
    await newcomer.sends_file(json_file.file_name, json_file.data)
    [restore] = [b.data for b in newcomer.buttons if "Restore" in b.label]
    asked = await app.store.latest_pending(2, app.clock.now() - timedelta(minutes=1))
    assert asked is not None
    payload = json.dumps(asked[1])
    assert '"doc"' not in payload and len(payload) < json_file.size

    await newcomer.says("/deleteme")
    assert "everything you told me is deleted" in await newcomer.presses("Yes")
    assert await app.store.get_pending(2, asked[0]) is None
    assert await app.engine.press(2, restore) != []  # an answer, not a restore
    assert await app.store.people(2) == ()
