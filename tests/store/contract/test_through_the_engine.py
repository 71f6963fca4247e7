"""What every store promises (bot/ports/store.py), checked the same way on each backend:
through the engine as a user lives it, and through the ports where no user can see it."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from bot.compose import Services
from bot.core.clock import FixedClock
from bot.core.model import UserSettings
from bot.formats import ExportedPerson
from bot.ports import AlreadyAnswered, Duplicates, ImportBatch, NewPerson
from bot.ports.digests import SENT, NewDigest, Planned
from bot.ports.identities import DISCORD, TELEGRAM, Identity
from bot.store.sqlite.accounts import _Importer
from tests.conversation import NOW, Chat
from tests.store.contract.conftest import Reopen

TODAY = NOW.date()


def person(ref: str, name: str, added_on: str = "2026-01-01") -> ExportedPerson:
    return ExportedPerson(
        ref, name, "friends", None, False, (), (), added_on, None, False, (), (), (), ()
    )


async def says_all(user: Chat, *lines: str) -> None:
    for line in lines:
        reply = await user.says(line)
        assert "Sorry" not in reply and "I didn't catch" not in reply, (line, reply)


async def test_what_was_said_is_there_after_a_restart(backend: Reopen) -> None:
    async with backend() as app:
        ann = Chat(app.engine, owner=1)
        await says_all(ann, "/add Alice", "/add Bob close", "coffee with Alice yesterday")
        await says_all(ann, "note Alice moving to Porto", "/date Bob birthday 3 May")
    async with backend() as app:
        ann = Chat(app.engine, owner=1)
        card = await ann.says("/show Alice")
        assert "coffee on Tue 24 Nov (yesterday)" in card
        assert "moving to Porto" in card
        assert "3 May" in await ann.says("/show Bob")


async def test_undo_takes_back_the_newest_change_whole(ann: Chat, app: Services) -> None:
    await says_all(ann, "/add Alice")
    assert "Who is it?" in await ann.says("dinner with Alice and Carol yesterday")
    assert "Added Carol" in await ann.presses("Add Carol")
    assert "Undone" in await ann.says("/undo")
    names = [p.name for p in await app.store.people(1)]
    assert names == ["Alice"]
    assert (await app.store.people(1))[0].last_contact is None
    assert await app.store.interaction_count(1) == 0
    assert "Undone: added Alice" in await ann.says("/undo")
    assert await app.store.people(1) == ()
    assert "nothing to undo" in await ann.says("/undo")


async def test_the_everyday_log_moves_last_contact_and_undoes(ann: Chat, app: Services) -> None:
    await says_all(ann, "/add Alice", "/add Bob")
    await says_all(ann, "coffee with Alice 3 days ago", "walk with Alice and Bob yesterday")
    alice, bob = sorted(await app.store.people(1), key=lambda p: p.name)
    assert (alice.last_contact, alice.last_kind) == (TODAY - timedelta(days=1), "walk")
    assert bob.last_contact == TODAY - timedelta(days=1)
    await says_all(ann, "call with Alice a week ago")  # older: last contact stays
    alice = (await app.store.people(1))[0]
    assert (alice.last_contact, alice.last_kind) == (TODAY - timedelta(days=1), "walk")
    await ann.says("/undo")
    await ann.says("/undo")
    alice, bob = sorted(await app.store.people(1), key=lambda p: p.name)
    assert (alice.last_contact, alice.last_kind) == (TODAY - timedelta(days=3), "coffee")
    assert bob.last_contact is None


async def test_no_owner_reaches_another_owners_data(ann: Chat, bob: Chat, app: Services) -> None:
    await says_all(ann, "/add Alice", "coffee with Alice yesterday", "note Alice secret plans")
    assert "Nobody here yet" in await bob.says("/who")
    assert "secret" not in await bob.says("/show Alice")
    assert "nothing to undo" in await bob.says("/undo")
    [alice] = await app.store.people(1)
    assert await app.store.person(2, alice.id) is None
    assert await app.store.card(2, alice.id) is None
    async with app.store.change(2, "sneaky", NOW) as ch:
        await ch.rename(alice.id, "Mallory")
        await ch.snooze(alice.id, TODAY + timedelta(days=9))
        await ch.add_note(alice.id, "hi")
    [alice] = await app.store.people(1)
    assert (alice.name, alice.snoozed_until) == ("Alice", None)
    card = await app.store.card(1, alice.id)
    assert card is not None and [n.text for n in card.notes] == ["secret plans"]
    await app.store.delete_user(2)
    assert [p.name for p in await app.store.people(1)] == ["Alice"]


@pytest.mark.parametrize(
    ("stored", "typed"), [("Åsa", "ÅSA"), ("Straße", "STRASSE"), ("Ａｓａ", "asa")]
)
async def test_names_match_on_their_keys(ann: Chat, stored: str, typed: str) -> None:
    await says_all(ann, f"/add {stored}")
    assert f"Logged coffee with {stored}" in await ann.says(f"coffee with {typed} yesterday")


async def test_forget_and_undo_bring_back_the_whole_history(ann: Chat, app: Services) -> None:
    await says_all(ann, "/add Alice", "/add Bob", "/alias Alice Ali", "/tag Alice #work")
    await says_all(ann, "dinner with Alice and Bob yesterday", "note Alice likes jazz")
    before = await ann.says("/show Alice")
    reply = await ann.says("/forget Alice")
    await ann.presses("forget")
    assert [p.name for p in await app.store.people(1)] == ["Bob"]
    assert "Undone" in await ann.says("/undo")
    assert await ann.says("/show Ali") == before
    assert reply


async def test_a_question_is_answered_once(ann: Chat, app: Services) -> None:
    await says_all(ann, "/add Alice Smith", "/add Alice Jones")
    reply = await ann.says("coffee with Alice yesterday")
    assert "Which Alice" in reply or "which" in reply.casefold()
    button = ann.buttons[0]
    await ann.presses(button.label)
    assert "Logged coffee" in ann.text
    replies = await app.engine.press(1, button.data)
    assert "already answered" in replies[0].text
    assert await app.store.interaction_count(1) == 1


async def test_settings_move_the_schedule_and_undo_restores_it(ann: Chat, app: Services) -> None:
    await ann.says("/add Alice")
    first = await app.store.ledger.next_digest_at(1)
    assert first is not None and first.tzinfo is not None
    await says_all(ann, "/timezone Asia/Tokyo")
    moved = await app.store.ledger.next_digest_at(1)
    assert moved is not None and moved != first
    assert await app.store.settings(1) == UserSettings("Asia/Tokyo", "09:00")
    await ann.says("/undo")
    assert await app.store.ledger.next_digest_at(1) == first
    assert await app.store.settings(1) == UserSettings("UTC", "09:00")


async def test_an_import_is_all_or_nothing(app: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    """An import failing after its people were written leaves nothing of them."""
    await app.store.ensure_user(1, UserSettings("UTC", "09:00"), NOW)
    good = person("p1", "Alice")

    async def broken(*args: object) -> None:
        raise RuntimeError("the disk is on fire")

    with monkeypatch.context() as m:
        m.setattr(_Importer, "_interactions", broken)
        with pytest.raises(RuntimeError):
            await app.store.apply_import(
                1, "imported", NOW, ImportBatch((good, person("p2", "Bob"))), Duplicates.MERGE
            )
    assert await app.store.people(1) == ()
    assert "nothing to undo" in (await app.engine.handle(1, "/undo"))[0].text
    outcome = await app.store.apply_import(
        1, "imported", NOW, ImportBatch((good,)), Duplicates.MERGE
    )
    assert outcome.added == ["Alice"]
    again = await app.store.apply_import(1, "imported", NOW, ImportBatch((good,)), Duplicates.MERGE)
    assert again.added == [] and again.unchanged == ["Alice"]
    assert [p.name for p in await app.store.people(1)] == ["Alice"]


async def test_an_import_answering_a_question_happens_once(app: Services) -> None:
    await app.store.ensure_user(1, UserSettings("UTC", "09:00"), NOW)
    question = await app.store.put_pending(1, {"a": "import"}, NOW)
    assert await app.store.get_pending(1, question) == {"a": "import"}
    assert await app.store.get_pending(2, question) is None
    batch = ImportBatch((person("p1", "Alice"),))
    await app.store.apply_import(1, "imported", NOW, batch, Duplicates.MERGE, answering=question)
    with pytest.raises(AlreadyAnswered):
        await app.store.apply_import(
            1, "imported", NOW, batch, Duplicates.MERGE, answering=question
        )
    assert len(await app.store.people(1)) == 1


async def test_an_export_restores_into_an_empty_account_identically(
    ann: Chat, app: Services
) -> None:
    await says_all(ann, "/add Alice", "/add Bob close", "/alias Alice Ali", "/tag Bob #climbing")
    await says_all(ann, "dinner with Alice and Bob yesterday", "note Bob knee surgery")
    await says_all(ann, "/date Alice birthday 4 July 1990", "/timezone Europe/Lisbon")
    await ann.says("/export")
    [data] = [f.data for r in ann.replies for f in r.files if f.file_name.endswith(".json")]
    carol = Chat(app.engine, owner=3)
    reply = await carol.sends_file("kith-export.json", data)
    if carol.buttons:
        reply = await carol.presses(carol.buttons[0].label)
    assert "Sorry" not in reply
    await carol.says("/export")
    [again] = [f.data for r in carol.replies for f in r.files if f.file_name.endswith(".json")]
    first, second = json.loads(data), json.loads(again)
    assert first == second


async def test_the_ledger_records_a_digest_once_per_local_day(app: Services) -> None:
    await app.store.ensure_user(1, UserSettings("UTC", "09:00"), NOW)
    async with app.store.change(1, "added", NOW) as ch:
        [pid] = await ch.add_people([NewPerson("Alice", "friends", date(2026, 1, 1))])
    ledger = app.store.ledger
    due_at = await ledger.next_digest_at(1)
    assert due_at is not None
    later = due_at + timedelta(minutes=1)
    [user] = await ledger.due(later, 10)
    assert user.owner == 1 and user.next_digest_at == due_at
    digest = NewDigest(TODAY, "Say hi to Alice", ((("Seen", "x:1"),),), (pid,))
    plan = Planned(1, due_at, due_at + timedelta(days=1), digest)
    [digest_id] = await ledger.record([plan], later)
    assert await ledger.record([plan], later) == []  # planned from an old instant
    again = Planned(1, due_at + timedelta(days=1), due_at + timedelta(days=2), digest)
    assert await ledger.record([again], later) == []  # that day has its digest
    [stored] = await ledger.get_many([digest_id])
    assert (stored.text, stored.buttons, stored.person_ids) == (
        digest.text,
        digest.buttons,
        digest.person_ids,
    )
    assert (await app.store.people(1))[0].last_nudged_on == TODAY
    assert await ledger.last_day(1) == TODAY
    await ledger.mark_sent(digest_id, later)
    [stored] = await ledger.get_many([digest_id])
    assert stored.status == SENT
    assert await ledger.claim_pending(10) == []


async def test_an_undeliverable_digest_gives_its_people_back(
    app: Services, clock: FixedClock
) -> None:
    await app.store.ensure_user(1, UserSettings("UTC", "09:00"), NOW)
    async with app.store.change(1, "added", NOW) as ch:
        [pid] = await ch.add_people([NewPerson("Alice", "friends", date(2026, 1, 1))])
    ledger = app.store.ledger
    due_at = await ledger.next_digest_at(1)
    assert due_at is not None
    digest = NewDigest(TODAY, "Say hi to Alice", (), (pid,))
    [digest_id] = await ledger.record([Planned(1, due_at, None, digest)], NOW)
    [pending] = await ledger.claim_pending(10)
    assert pending.id == digest_id
    await ledger.mark_final(pending, "undeliverable", "blocked")
    assert (await app.store.people(1))[0].last_nudged_on is None
    assert await ledger.claim_pending(10) == []
    assert await ledger.next_digest_at(1) is None


async def test_identities_map_each_transport_user_to_one_owner(app: Services) -> None:
    ids = app.store.identities
    ann_tg = Identity(TELEGRAM, "4242")
    assert await ids.find(ann_tg) is None
    ann = await ids.owner_of(ann_tg)
    assert await ids.owner_of(ann_tg) == ann == await ids.find(ann_tg)
    bob = await ids.owner_of(Identity(DISCORD, "4242"))  # the same number elsewhere
    assert bob != ann
    assert await ids.of_owner(ann) == [ann_tg]
    assert await ids.external_id(ann, TELEGRAM) == "4242"
    assert await ids.external_id(ann, DISCORD) is None
    assert await ids.digest_via(ann) == TELEGRAM
    assert await ids.set_digest_via(ann, DISCORD) is False
    assert await ids.digest_via(ann) == TELEGRAM


async def test_an_edited_log_message_corrects_its_meeting(app: Services) -> None:
    await app.store.ensure_user(1, UserSettings("UTC", "09:00"), NOW)
    async with app.store.change(1, "added", NOW) as ch:
        alice, bob = await ch.add_people(
            [NewPerson("Alice", "friends", TODAY), NewPerson("Bob", "friends", TODAY)]
        )
    meeting = await app.store.log_now(1, "logged", NOW, TODAY, "coffee", "", [alice])
    await app.store.remember_log_message(1, "chat:42", meeting, NOW)
    assert await app.store.logged_by_message(2, "chat:42") is None  # another owner's ref
    found = await app.store.logged_by_message(1, "chat:42")
    assert found is not None and found[0].person_ids == (alice,) and found[1].endswith("Z")
    yesterday = TODAY - timedelta(days=1)
    async with app.store.change(1, "corrected", NOW) as ch:
        await ch.correct_meeting(meeting, yesterday, "walk", "by the river", [bob])
    people = {p.name: p for p in await app.store.people(1)}
    assert people["Alice"].last_contact is None
    assert (people["Bob"].last_contact, people["Bob"].last_kind) == (yesterday, "walk")
    last = await app.store.last_undo(1)
    assert last is not None and last[1].endswith("Z")
    await app.store.undo(1)
    people = {p.name: p for p in await app.store.people(1)}
    assert people["Alice"].last_contact == TODAY and people["Bob"].last_contact is None


async def test_dates_ahead_say_which_dates_are_news_to_the_next_digest(app: Services) -> None:
    await app.store.ensure_user(1, UserSettings("UTC", "09:00"), NOW)
    async with app.store.change(1, "added", NOW) as ch:
        [alice] = await ch.add_people([NewPerson("Alice", "friends", TODAY)])
        await ch.set_date(alice, "birthday", 12, 3, None)
        await ch.set_date(alice, "anniversary", 6, 1, 2010)  # months away
    ahead = await app.store.dates_ahead_many([(1, TODAY), (2, TODAY)], 14)
    assert [(d.label, d.month, d.day) for d in ahead[1].dates] == [("birthday", 12, 3)]
    assert ahead[1].last_digest_day is None and ahead[1].set_since == frozenset()
    assert ahead[2].dates == ()


async def test_people_by_id_read_only_the_owners_own(app: Services) -> None:
    await app.store.ensure_user(1, UserSettings("UTC", "09:00"), NOW)
    await app.store.ensure_user(2, UserSettings("UTC", "09:00"), NOW)
    async with app.store.change(1, "added", NOW) as ch:
        alice, bob = await ch.add_people(
            [NewPerson("Alice", "friends", TODAY), NewPerson("Bob", "close", TODAY)]
        )
        await ch.add_alias(alice, "Ali")
    async with app.store.change(2, "added", NOW) as ch:
        [zoe] = await ch.add_people([NewPerson("Zoë", "friends", TODAY)])
    # Owner 2 asking for owner 1's Alice gets nobody; owner 1 gets exactly whom they asked.
    found = await app.store.people_by_id_many([(1, [bob, alice, alice]), (2, [alice, zoe])])
    assert sorted((p.name, p.circle, p.aliases) for p in found[1]) == [
        ("Alice", "friends", ("Ali",)),
        ("Bob", "close", ()),
    ]
    assert [p.name for p in found[2]] == ["Zoë"]
    # The same people as the whole roster holds (every field).
    assert sorted(found[1], key=lambda p: p.id) == sorted(
        await app.store.people(1), key=lambda p: p.id
    )
