"""Phones and e-mails: kept from contacts files, typed in chat, on the card, merged, undone.

user says "/phone Alice +351 912 345 678" -> kith keeps it, shows it on Alice's card (where
Telegram makes it one tap from a call), writes it to every export, and a re-import of a
card with the same number in another spelling adds nothing.
"""

from __future__ import annotations

from pathlib import Path

from bot.compose import Services
from bot.core.clock import FixedClock
from bot.formats import ExportDocument, document_from_json
from tests.conversation import Chat, kith

UNDO = " /undo to take it back."
ALICE_CARD = (
    b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Alice Smith\r\nN:Smith;Alice;;Dr.;\r\n"
    b"TEL;TYPE=CELL:+351 912-345-678\r\nTEL;TYPE=HOME:+351 21 000 0000\r\n"
    b"EMAIL:Alice@Example.com\r\nEMAIL:alice@work.example\r\nEND:VCARD\r\n"
)


async def exported(user: Chat) -> ExportDocument:
    await user.says("/export")
    [json_file] = [f for f in user.replies[0].files if f.file_name.endswith(".json")]
    return document_from_json(json_file.data)


async def test_phone_and_email_are_kept_shown_and_taken_back(user: Chat) -> None:
    await user.says("/add Alice Smith")

    assert await user.says("/phone Alice +351 912 345 678") == (
        "Alice Smith: +351 912 345 678." + UNDO
    )
    assert await user.says("/email Alice alice@example.com") == (
        "Alice Smith: alice@example.com." + UNDO
    )
    assert await user.says("/phone Alice 00351 912 345 678") == (
        "Alice Smith already has +351 912 345 678."
    )
    assert await user.says("/email Alice ALICE@example.com") == (
        "Alice Smith already has alice@example.com."
    )
    assert await user.says("/phone Alice +44 20 7946 0000") == (
        "Alice Smith: +351 912 345 678, +44 20 7946 0000." + UNDO
    )
    card = await user.says("/show Alice")
    assert "Phones: +351 912 345 678, +44 20 7946 0000\nE-mail: alice@example.com" in card

    assert await user.says("/undo") == "Undone: added Alice Smith's phone number."
    assert await user.says("/phone Alice remove +351912345678") == (
        "Removed +351 912 345 678 from Alice Smith." + UNDO
    )
    assert "Phone" not in await user.says("/show Alice")
    assert await user.says("/phone Alice remove +351912345678") == (
        "Alice Smith has no phone number +351912345678."
    )


async def test_what_is_not_a_phone_or_an_email_gets_the_usage(user: Chat) -> None:
    await user.says("/add Alice Smith")
    assert await user.says("/phone Alice call me") == (
        "That doesn't look like a phone number; e.g. +351 912 345 678."
    )
    assert await user.says("/email Alice at home") == (
        "That doesn't look like an e-mail address; e.g. alice@example.com."
    )
    assert (await user.says("/phone")).startswith("Usage: /phone NAME NUMBER")
    assert "Phone" not in await user.says("/show Alice")


async def test_imported_phones_merge_without_duplicates_and_survive_a_restart(
    db_path: Path, clock: FixedClock, app: Services, user: Chat
) -> None:
    await user.says("/add Alice Smith")
    await user.says("/phone Alice +351 912 345 678")

    await user.sends_file("alice.vcf", ALICE_CARD)
    reply = await user.presses("Merge into the 1 known one")

    assert reply.startswith("alice.vcf: 1 card: 0 people imported into wider, 1 merged")
    assert "Saved 1 phone number and 2 e-mail addresses." in reply
    # The same again: nothing new.
    await user.sends_file("alice.vcf", ALICE_CARD)
    again = await user.presses("Merge into the 1 known one")
    assert again.endswith("Nothing changed.")

    async with kith(db_path, clock) as restarted:
        card = await Chat(restarted.engine, owner=1).says("/show Alice")
    assert (
        "Phones: +351 912 345 678, +351 21 000 0000\nE-mails: Alice@Example.com, alice@work.example"
    ) in card


async def test_an_imported_card_exports_its_own_structured_name(user: Chat) -> None:
    await user.sends_file("alice.vcf", ALICE_CARD)
    await user.presses("Import 1 into wider")

    doc = await exported(user)
    [alice] = doc.people
    assert alice.name_parts == ("Smith", "Alice", "", "Dr.", "")
    assert alice.phones == ("+351 912-345-678", "+351 21 000 0000")
    [vcf] = [f for f in user.replies[0].files if f.file_name.endswith(".vcf")]
    assert b"N:Smith;Alice;;Dr.;\r\n" in vcf.data
    assert b"TEL:+351 912-345-678\r\n" in vcf.data

    # After a rename the card's parts no longer fit; the new name is split instead.
    await user.says("/rename Alice Smith to Alice Jones")
    assert (await exported(user)).people[0].name_parts is None
    [vcf] = [f for f in user.replies[0].files if f.file_name.endswith(".vcf")]
    assert b"N:Jones;Alice;;;\r\n" in vcf.data


async def test_a_pending_import_from_before_phones_were_kept_still_works(
    app: Services, user: Chat
) -> None:
    await user.says("/start")
    # A question asked by the previous version: rows of five, no tally.
    payload = {
        "a": "imp",
        "k": "c",
        "f": "old.vcf",
        "s": "Found 1 contact in this vCard 3.0 file.",
        "d": "merge",
        "c": [["Old Friend", [], [3, 12, None], "", []]],
    }
    pid = await app.store.put_pending(1, payload, app.clock.now())
    [reply] = await user.engine.press(1, f"q:{pid}:c3")
    assert reply.text.startswith("old.vcf: 1 card: 1 person imported into wider.")
