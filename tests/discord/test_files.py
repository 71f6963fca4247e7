"""Files on Discord: a contacts file attached in the DM imports at a press; /export
comes back as attachments; two people with the same friends never see each other's."""

from __future__ import annotations

from pathlib import Path

from bot.formats import MAX_IMPORT_BYTES, document_from_json, parse_contacts
from tests.discord.conftest import ANN, BOB, DiscordUser, Kith, Launcher
from tests.support.fake_discord import FakeFile

FIXTURES = Path(__file__).parents[1] / "formats" / "fixtures"
JSON_NAME = "kith-export-2026-11-25.json"
VCF_NAME = "kith-contacts-2026-11-25.vcf"


async def test_a_contacts_file_is_imported_with_the_same_confirm_buttons(
    kith: Kith, ann: DiscordUser
) -> None:
    summary = await ann.sends_file("icloud.vcf", (FIXTURES / "icloud_v30.vcf").read_bytes())
    assert summary.startswith("5 cards in this vCard 3.0 file: 3 people;")
    assert [label for label in ann.labels if label.startswith("Import")]
    assert await kith.rows("SELECT count(*) FROM people") == [(0,)]

    outcome = await ann.taps("Import")
    assert outcome.startswith("icloud.vcf: 5 cards: 3 people imported into")
    assert ann.last[0].buttons == []
    [(count,)] = await kith.rows("SELECT count(*) FROM people")
    assert count > 0


async def test_csv_too_big_or_other_files_get_the_reason(kith: Kith, ann: DiscordUser) -> None:
    csv = await ann.sends_file("google.csv", (FIXTURES / "google.csv").read_bytes())
    assert csv.startswith("5 rows in this Google Contacts CSV file: 3 people;")
    assert await ann.sends_file("all.vcf", b"x" * (MAX_IMPORT_BYTES + 1)) == (
        "That file is 5.1 MB; I can import files up to 5 MB."
    )
    assert "contacts files" in await ann.sends_file("cat.png", b"\x89PNG....")


async def test_export_sends_the_json_and_the_vcard_as_attachments(
    kith: Kith, ann: DiscordUser
) -> None:
    await ann.says("/add Alice Smith inner")
    await ann.says("/date Alice birthday 12 March")
    text = await ann.slash("export", replies=2)
    assert text.startswith("Here's everything you've told me: 1 person")
    files = {f.filename: f.data for m in ann.last for f in m.files}
    assert set(files) == {JSON_NAME, VCF_NAME}
    assert [p.name for p in document_from_json(files[JSON_NAME]).people] == ["Alice Smith"]
    [card] = parse_contacts(VCF_NAME, files[VCF_NAME]).contacts
    assert (card.name, card.birthday) == ("Alice Smith", (3, 12, None))

    in_dm = await ann.says("/export", replies=2)  # typed in the DM: the same files
    assert in_dm == text and {f.filename for m in ann.last for f in m.files} == set(files)


async def test_two_users_with_the_same_friends_never_see_each_other(
    kith: Kith, ann: DiscordUser
) -> None:
    bob = kith.user(BOB, "Bob")
    for user, note in ((ann, "loves jazz"), (bob, "hates jazz")):
        await user.says("/add Alice Smith")
        await user.says(f"/note Alice {note}")
    assert "loves jazz" in await ann.slash("show", person="Alice Smith")
    assert "hates" not in ann.last[0].shown
    assert "hates jazz" in await bob.says("/show Alice")
    assert "loves" not in bob.last[0].shown

    await bob.says("/forget Alice")
    assert bob.labels == ["Yes, forget Alice Smith", "No, keep them"]
    await bob.taps("Yes, forget")
    assert "loves jazz" in await ann.says("/show Alice")  # Ann's Alice is untouched
    assert await kith.fake.autocomplete(bob.id, "show", "person", "Al") == []


async def test_circles_is_one_message_the_picture_with_its_caption(
    kith: Kith, ann: DiscordUser
) -> None:
    await ann.says("/add Alice Smith inner")
    await ann.says("coffee with Alice 3 weeks ago")

    assert await ann.says("/circles") == "1 person · 1 to reach out to"
    [message] = ann.last  # the caption is not sent again as a message of its own
    [picture] = message.files
    assert picture.filename == "kith-circles.png" and picture.data.startswith(b"\x89PNG")

    assert await ann.slash("circles", text="inner") == "1 person · 1 to reach out to"
    [answer] = ann.last
    assert [f.filename for f in answer.files] == ["kith-circles.png"]
    assert len(kith.fake.messages_to(ann.id)) == 4  # two answers, no stray file messages


async def test_a_slow_circles_answer_still_carries_its_picture(launch: Launcher) -> None:
    async with launch(fast=0.0) as kith:  # deferred first, the picture comes in the edit
        ann = kith.user(ANN)
        await ann.says("/add Alice Smith inner")
        assert await ann.slash("circles") == "1 person · 0 to reach out to"
        [interaction] = kith.fake.interactions.values()
        assert [r["type"] for r in interaction.responses] == [5]
        [answer] = ann.last
        assert [f.filename for f in answer.files] == ["kith-circles.png"]


async def test_words_sent_with_a_file_are_read_too(kith: Kith, ann: DiscordUser) -> None:
    before = len(kith.fake.messages_to(ann.id))
    data = (FIXTURES / "icloud_v30.vcf").read_bytes()
    await kith.fake.dm(ann.id, "/add Mia", files=[FakeFile("icloud.vcf", data)])
    added, summary = await kith.fake.replies(ann.id, 2, after=before)
    assert "Added Mia" in added.shown
    assert summary.shown.startswith("5 cards in this vCard 3.0 file")
