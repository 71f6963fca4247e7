"""Files on Telegram: a contacts file sent to kith imports; /export comes back as documents."""

from __future__ import annotations

from pathlib import Path

from bot.formats import MAX_IMPORT_BYTES, document_from_json, parse_contacts
from tests.support import FakeBotApi
from tests.telegram.conftest import Kith, TelegramUser

FIXTURES = Path(__file__).parents[1] / "formats" / "fixtures"
JSON_NAME = "kith-export-2026-11-25.json"
VCF_NAME = "kith-contacts-2026-11-25.vcf"


async def test_a_contacts_file_is_summarised_then_imported_at_a_tap(
    kith: Kith, ann: TelegramUser
) -> None:
    summary = await ann.sends_document("google.csv", (FIXTURES / "google.csv").read_bytes())

    assert summary.startswith("5 rows in this Google Contacts CSV file: 3 people;")
    assert ann.labels == [
        "Import 3 into wider",
        "Import 3 into friends",
        "Import 3 into close",
        "Import 3 into inner",
        "Cancel",
    ]
    assert await kith.count("people") == 0

    outcome = await ann.taps("Import 3 into wider")

    assert outcome.startswith("google.csv: 5 rows: 3 people imported into wider,")
    assert ann.last[0].buttons == []  # the question's buttons are gone
    assert await kith.rows("SELECT name, circle, imported FROM people ORDER BY id") == [
        ("Alice Smith", "wider", 1),
        ("Bob J. Okafor Jr.", "wider", 1),
        ("Chloé Dubois", "wider", 1),
    ]
    assert "Chloé Dubois" in await ann.says("/people")


async def test_export_sends_the_json_and_the_vcard_as_documents(
    kith: Kith, api: FakeBotApi, ann: TelegramUser
) -> None:
    await ann.says("/add Alice Smith inner")
    await ann.says("/date Alice birthday 12 March")
    await ann.says("coffee with Alice yesterday")

    text = await ann.says("/export", replies=3)

    assert text.startswith("Here's everything you've told me: 1 person, 1 meeting and 1 date.")
    message, json_doc, vcf_doc = ann.last
    assert message.document is None
    assert json_doc.document is not None and vcf_doc.document is not None
    assert (json_doc.document.filename, vcf_doc.document.filename) == (JSON_NAME, VCF_NAME)
    doc = document_from_json(json_doc.document.content)
    assert [p.name for p in doc.people] == ["Alice Smith"]
    [card] = parse_contacts(VCF_NAME, vcf_doc.document.content).contacts
    assert (card.name, card.birthday) == ("Alice Smith", (3, 12, None))
    assert len(api.calls_of("sendDocument")) == 2


async def test_the_export_restores_for_someone_else(
    kith: Kith, api: FakeBotApi, ann: TelegramUser
) -> None:
    await ann.says("/add Alice Smith inner")
    await ann.says("/note Alice loves jazz")
    await ann.says("/export", replies=3)
    exported = ann.last[1].document
    assert exported is not None
    bob = kith.user(8, "Bob")

    question = await bob.sends_document(exported.filename, exported.content)

    assert question.startswith(f"{JSON_NAME} is a kith export from 25 Nov 2026 with 1 person")
    assert (await bob.taps("Restore 1 person")).startswith("Restored 1 person and 1 note")
    assert await bob.says("/show Alice") == await ann.says("/show Alice")


async def test_a_file_too_big_is_refused_before_it_is_downloaded(
    kith: Kith, api: FakeBotApi, ann: TelegramUser
) -> None:
    reply = await ann.sends_document("all.vcf", b"x" * (MAX_IMPORT_BYTES + 1))
    assert reply == "That file is 5.1 MB; I can import files up to 5 MB."
    assert api.calls_of("getFile") == []
    assert await kith.count("people") == 0


async def test_a_file_that_is_not_contacts_gets_the_reason(kith: Kith, ann: TelegramUser) -> None:
    reply = await ann.sends_document("photo.vcf", (FIXTURES / "photo.vcf").read_bytes())
    assert reply == "That file is called .vcf but it is not a vCard (it looks like a PNG image)."
    assert await kith.count("pending") == 0
