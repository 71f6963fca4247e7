"""Places, who reached out, neighbors, groups and the /circles picture, in conversation.

NOW is Wed 25 Nov 2026.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from bot.compose import Services
from tests.conversation import Chat, kith
from tests.database import rows


async def meetings(app: Services) -> list[tuple[object, ...]]:
    return [
        tuple(r)
        for r in await rows(
            app.db, "SELECT kind, place, initiator, note FROM interactions ORDER BY id"
        )
    ]


async def test_the_place_and_who_reached_out_are_kept_on_the_meeting(
    app: Services, user: Chat, db_path: Path
) -> None:
    await user.says("/add Maria Lopez")
    await user.says("/add Bob Lee")
    assert await user.says("met Maria at the bakery yesterday") == (
        "Logged a catch-up with Maria Lopez on Tue 24 Nov at the bakery. /undo to take it back."
    )
    assert await user.says("drinks with Bob at the Crown, he called me") == (
        "Logged drinks with Bob Lee on Wed 25 Nov at the Crown — note: he called me. "
        "/undo to take it back."
    )
    await user.says("I called Bob")
    await user.says("coffee with Maria")
    assert await meetings(app) == [
        ("catch-up", "bakery", None, ""),
        ("drinks", "the Crown", "them", "he called me"),
        ("call", None, "me", ""),
        ("coffee", None, None, ""),
    ]
    # Stored, not remembered: a restart keeps them.
    async with kith(db_path) as again:
        card = await Chat(again.engine).says("/show Maria")
    assert "Usual places: bakery" in card


async def test_places_are_never_asked_about_as_people(app: Services, user: Chat) -> None:
    for name in ("Maria Lopez", "Bob Lee", "Joe Rossi", "Dan Brown"):
        await user.says(f"/add {name}")
    # Without anyone named there is nobody to log, and no place is taken for a person.
    assert await user.says("drinks at the Crown") == (
        "Who was it with? Try: coffee with Alice yesterday."
    )
    assert await user.says("lunch at Joe's Diner") == (
        "Who was it with? Try: coffee with Alice yesterday."
    )
    assert await user.says("she called me") == "Who was it with? Try: coffee with Alice yesterday."
    assert await user.says("met Maria at the bakery") == (
        "Logged a catch-up with Maria Lopez on Wed 25 Nov at the bakery. /undo to take it back."
    )
    assert await user.says("lunch at Joe's Diner with Bob") == (
        "Logged lunch with Bob Lee on Wed 25 Nov at Joe's Diner. /undo to take it back."
    )
    assert await user.says("Maria invited me to the Crown") == (
        "Logged a catch-up with Maria Lopez on Wed 25 Nov at the Crown — note: invited me to "
        "the Crown. /undo to take it back."
    )
    assert await user.says("went to the Tate with Bob") == (
        "Logged a catch-up with Bob Lee on Wed 25 Nov at the Tate — note: went to the Tate. "
        "/undo to take it back."
    )
    assert await user.says("got a text from Bob") == (
        "Logged messaging Bob Lee on Wed 25 Nov. /undo to take it back."
    )
    assert await user.says("coffee with Maria, she called me") == (
        "Logged coffee with Maria Lopez on Wed 25 Nov — note: she called me. /undo to take it back."
    )
    assert await user.says("met Bob at Costa Coffee") == (  # no stray "note: at Costa"
        "Logged coffee with Bob Lee on Wed 25 Nov at Costa Coffee. /undo to take it back."
    )
    # A place in the note is the friend's news, not where you met.
    assert await user.says("lunch with Maria, she works at Google now") == (
        "Logged lunch with Maria Lopez on Wed 25 Nov — note: she works at Google now. "
        "/undo to take it back."
    )
    assert await user.says("coffee with Bob, his sister is in the Navy") == (
        "Logged coffee with Bob Lee on Wed 25 Nov — note: his sister is in the Navy. "
        "/undo to take it back."
    )
    assert await meetings(app) == [
        ("catch-up", "bakery", None, ""),
        ("lunch", "Joe's Diner", None, ""),
        ("catch-up", "the Crown", "them", "invited me to the Crown"),
        ("catch-up", "the Tate", None, "went to the Tate"),
        ("message", None, "them", ""),
        ("coffee", None, "them", "she called me"),
        ("coffee", "Costa Coffee", None, ""),
        ("lunch", None, None, "she works at Google now"),
        ("coffee", None, None, "his sister is in the Navy"),
    ]
    assert "Usual places: the Crown, bakery" in await user.says("/show Maria")
    assert "Joe's Diner" in await user.says("/show Bob")


async def test_the_card_tells_who_has_been_reaching_out(user: Chat) -> None:
    await user.says("/add Alice Smith")
    for when in ("4 days ago", "3 days ago", "2 days ago", "yesterday"):
        await user.says(f"coffee with Alice {when}, she called me")
    await user.says("walk with Alice at the park today")  # unknown: doesn't break the run
    card = await user.says("/show Alice")
    assert "Alice reached out the last 4 times" in card
    assert "Usual places: park" in card
    await user.says("I texted Alice")
    assert "reached out the last" not in await user.says("/show Alice")


async def test_who_near_a_place_and_neighbors(user: Chat) -> None:
    await user.says("/add Maria Lopez")
    await user.says("/add Tom Berg")
    await user.says("/add Carol")
    await user.says("coffee with Maria at the bakery 5 weeks ago")
    assert (await user.says("bumped into Tom at the Bakery on Main yesterday")).endswith(
        "on Tue 24 Nov at the Bakery. /undo to take it back."  # no stray "note: on"
    )
    await user.says("/tag Maria #neighbor")
    assert await user.says("/who near bakery") == (
        "Easy reconnects at the bakery:\n"
        "• Maria Lopez — bakery, a month ago\n"
        "• Tom Berg — the Bakery, yesterday"
    )
    assert (
        await user.says("/who near the moon") == "I don't have anyone you've met at the moon yet."
    )
    assert await user.says("/who near") == "Near where? e.g. /who near bakery"
    assert "Nobody is tagged #neighbour" in await user.says("/who #neighbour")


async def test_a_group_logs_everyone_and_says_when_it_met(app: Services, user: Chat) -> None:
    for name in ("Alice Smith", "Bob Lee", "Carol"):
        await user.says(f"/add {name}")
    assert await user.says("/group board-games Alice Bob Carol") == (
        "The board-games group: Alice Smith, Bob Lee and Carol. Log “board-games yesterday” "
        "to log everyone at once. /undo to take it back."
    )
    reply = await user.says("board-games yesterday")
    assert reply.startswith("Logged a game with Alice Smith, Bob Lee and Carol on Tue 24 Nov")
    assert await user.says("/group") == (
        "Your groups:\n• board-games: Alice Smith, Bob Lee and Carol — last met yesterday "
        "(every 3 months)"
    )
    assert await user.says("/group board-games every 4 weeks") == (
        "The board-games group: every 4 weeks. /undo to take it back."
    )
    assert "Groups: board-games" in await user.says("/show Carol")
    assert await user.says("/group board-games Alice Zed") == (
        "I don't know anyone called Zed. Add them first: /add Zed"
    )
    assert await user.says("/group solo Alice") == (
        "A group needs at least two people, e.g. /group board-games Alice Bob"
    )
    await user.says("/undo")  # the cadence
    await user.says("/undo")  # the log
    await user.says("/undo")  # the group
    assert await user.says("/group") == "No groups yet. e.g. /group board-games Alice Bob Carol"


async def test_meeting_the_same_people_twice_offers_a_group(user: Chat) -> None:
    for name in ("Alice Smith", "Bob Lee", "Carol"):
        await user.says(f"/add {name}")
    first = await user.says("games night with Alice, Bob and Carol last week")
    assert "make them a group" not in first
    second = await user.says("games night with Alice, Bob and Carol yesterday")
    assert second.endswith(
        "You've met Alice, Bob and Carol together before — make them a group? "
        "e.g. /group friends-night Alice Bob Carol"
    )
    await user.says("/group games Alice Bob Carol")
    assert "make them a group" not in await user.says("games night with Alice, Bob and Carol")


async def test_forgetting_a_member_and_undo_keeps_the_group_whole(user: Chat) -> None:
    await user.says("/add Alice Smith")
    await user.says("/add Bob Lee")
    await user.says("/group walks Alice Bob")
    await user.says("/forget Bob")
    await user.presses("Yes, forget Bob Lee")
    assert "walks: Alice Smith —" in await user.says("/group")
    await user.says("/undo")
    assert "walks: Alice Smith and Bob Lee" in await user.says("/group")


async def test_circles_answers_with_a_picture_and_its_title(user: Chat) -> None:
    assert await user.says("/circles") == (
        "Nobody to draw yet. Add someone with /add Alice, or tell me who you saw."
    )
    await user.says("/add Alice Smith inner")
    await user.says("/add Bob Lee")
    await user.says("coffee with Alice 3 weeks ago")
    await user.says("coffee with Bob yesterday")
    assert await user.says("/circles") == "2 people · 1 to reach out to"
    [reply] = user.replies
    [picture] = reply.files
    assert (picture.file_name, picture.mime_type, picture.photo) == (
        "kith-circles.png",
        "image/png",
        True,
    )
    assert Image.open(io.BytesIO(picture.data)).size == (1080, 1260)
    assert await user.says("/circles inner") == "1 person · 1 to reach out to"
    assert await user.says("/circles #climbing") == (
        "Nobody is tagged #climbing yet. Tag someone with /tag Alice #climbing."
    )


async def test_places_and_who_reached_out_go_out_in_the_export_and_come_back(
    app: Services, user: Chat, tmp_path: Path
) -> None:
    from tests.engine.test_export import exported_document

    await user.says("/add Maria Lopez")
    await user.says("met Maria at the bakery, she called me")
    await user.says("coffee with Maria yesterday")
    await user.says("/export")
    [reply] = user.replies
    doc = exported_document(reply)
    assert [(i.place, i.initiator) for i in doc.interactions] == [
        ("bakery", "them"),
        (None, None),
    ]
    [json_file] = [f for f in reply.files if f.file_name.endswith(".json")]
    assert b'"place"' in json_file.data and json_file.data.count(b'"place"') == 1
    async with kith(tmp_path / "other.db") as other:
        fresh = Chat(other.engine)
        await fresh.sends_file(json_file.file_name, json_file.data)
        await fresh.presses("Restore 1 person")
        assert "Usual places: bakery" in await fresh.says("/show Maria")
        assert sorted(await meetings(other), key=str) == [
            ("catch-up", "bakery", "them", "she called me"),
            ("coffee", None, None, ""),
        ]


async def test_groups_and_the_review_setting_go_out_in_the_export_and_come_back(
    app: Services, user: Chat, tmp_path: Path
) -> None:
    from tests.engine.test_export import exported_document

    for line in ("/add Alice Smith", "/add Bob Lee", "/add Carol"):
        await user.says(line)
    await user.says("/group walks Alice Bob")
    await user.says("/group walks every 2 weeks")
    await user.says("/review off")
    await user.says("/export")
    [reply] = user.replies
    doc = exported_document(reply)
    assert [(g.name, g.cadence_days, g.members) for g in doc.groups] == [
        ("walks", 14, ("p1", "p2"))
    ]
    assert doc.weekly_review is False
    [json_file] = [f for f in reply.files if f.file_name.endswith(".json")]
    async with kith(tmp_path / "other.db") as other:
        fresh = Chat(other.engine)
        await fresh.sends_file(json_file.file_name, json_file.data)
        await fresh.presses("Restore 3 people")
        assert await fresh.says("/group") == (
            "Your groups:\n• walks: Alice Smith and Bob Lee — not met yet (every 2 weeks)"
        )
        assert "is off" in await fresh.says("/review")


async def test_an_export_without_the_new_fields_still_reads(user: Chat) -> None:
    from bot.formats import document_from_json

    await user.says("/add Alice Smith")
    await user.says("coffee with Alice")
    await user.says("/export")
    [json_file] = [f for f in user.replies[0].files if f.file_name.endswith(".json")]
    assert b'"groups"' not in json_file.data and b'"weekly_review"' not in json_file.data
    assert b'"place"' not in json_file.data and b'"initiator"' not in json_file.data
    doc = document_from_json(json_file.data)
    assert doc.groups == () and doc.weekly_review is True
