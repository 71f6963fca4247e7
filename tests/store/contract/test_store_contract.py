"""What the engine and the sweep rely on from any store (`bot.ports.Store`).

Run against every implementation in conftest.STORES; nothing here knows tables or SQL.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.core.circles import Circles
from bot.core.model import FavorKind, UserSettings
from bot.formats import ExportedInteraction, ExportedPerson
from bot.ports.accounts import AlreadyAnswered, Duplicates, ImportBatch
from bot.ports.digests import PENDING, SENT, UNDELIVERABLE, NewDigest, Planned, Scope
from bot.ports.identities import CONSOLE_USER, Identity
from bot.ports.store import NewPerson, Store

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
TODAY = date(2026, 11, 25)
DEFAULTS = UserSettings(timezone="UTC", digest_time="09:00")
ANN, BOB = 1, 2


async def owner_with(store: Store, owner: int, *names: str) -> list[int]:
    await store.ensure_user(owner, DEFAULTS, NOW)
    async with store.change(owner, "added", NOW) as ch:
        return await ch.add_people([NewPerson(n, "inner", TODAY) for n in names])


# -- owner scoping -----------------------------------------------------------------------


async def test_an_owner_sees_and_changes_only_their_own_people(store: Store) -> None:
    [alice] = await owner_with(store, ANN, "Alice")
    await owner_with(store, BOB, "Bert")

    assert [p.name for p in await store.people(BOB)] == ["Bert"]
    assert await store.person(BOB, alice) is None
    assert await store.card(BOB, alice) is None
    async with store.change(BOB, "snoozed", NOW) as ch:
        await ch.snooze(alice, TODAY + timedelta(days=7))
        await ch.add_note(alice, "not mine")
        await ch.forget(alice)
    card = await store.card(ANN, alice)
    assert card is not None
    assert card.person.snoozed_until is None
    assert card.notes == ()


async def test_undo_is_per_owner(store: Store) -> None:
    await owner_with(store, ANN, "Alice")
    await owner_with(store, BOB, "Bert")
    undone = await store.undo(BOB)
    assert undone is not None and undone.label == "added"
    assert await store.people(BOB) == ()
    assert [p.name for p in await store.people(ANN)] == ["Alice"]


async def test_pending_questions_are_per_owner(store: Store) -> None:
    await owner_with(store, ANN)
    await owner_with(store, BOB)
    asked = await store.put_pending(ANN, {"a": "pick", "ids": [1]}, NOW)
    assert await store.get_pending(BOB, asked) is None
    await store.drop_pending(BOB, asked)
    assert await store.get_pending(ANN, asked) == {"a": "pick", "ids": [1]}


async def test_rows_kept_with_a_question_are_per_owner_and_go_with_it(store: Store) -> None:
    await owner_with(store, ANN)
    await owner_with(store, BOB)
    asked = await store.put_pending(ANN, {"a": "imp", "n": 3}, NOW, rows=["a", "b", "c"])
    assert await store.get_pending(ANN, asked) == {"a": "imp", "n": 3}
    assert await store.pending_rows(ANN, asked) == ["a", "b", "c"]
    assert await store.pending_rows(BOB, asked) == []
    await store.drop_pending(BOB, asked)
    assert await store.pending_rows(ANN, asked) == ["a", "b", "c"]
    await store.drop_pending(ANN, asked)
    assert await store.pending_rows(ANN, asked) == []
    # Consumed by the import that answers it, and gone with the account.
    asked = await store.put_pending(ANN, {"a": "imp"}, NOW, rows=["x"])
    batch = ImportBatch((exported("p1", "Carla"),))
    await store.apply_import(ANN, "imported", NOW, batch, Duplicates.MERGE, answering=asked)
    assert await store.pending_rows(ANN, asked) == []
    asked = await store.put_pending(BOB, {"a": "imp"}, NOW, rows=["y", "z"])
    await store.delete_user(BOB)
    assert await store.pending_rows(BOB, asked) == []


# -- changes and undo --------------------------------------------------------------------


async def test_a_change_is_undone_whole_and_in_order(store: Store) -> None:
    [alice] = await owner_with(store, ANN, "Alice")
    async with store.change(ANN, "many things", NOW) as ch:
        await ch.rename(alice, "Alice Smith")
        await ch.add_alias(alice, "Ali")
        await ch.tag(alice, ["climbing"], [])
        await ch.set_cadence(alice, 21)
        await ch.move(alice, "close")
        await ch.add_follow_up(alice, "the move", None)
        await ch.add_favor(alice, FavorKind.OFFERED, "help with boxes")
        await ch.set_date(alice, "birthday", 3, 12, None)
        await ch.log_meeting(TODAY, "coffee", "fun", [alice])
    card = await store.card(ANN, alice)
    assert card is not None
    p = card.person
    assert (p.name, p.aliases, p.tags, p.cadence_days, p.circle) == (
        "Alice Smith",
        ("Ali",),
        ("climbing",),
        21,
        "close",
    )
    assert p.last_contact == TODAY and p.last_kind == "coffee"
    assert [d.label for d in card.dates] == ["birthday"]

    undone = await store.undo(ANN)
    assert undone is not None and undone.label == "many things"
    card = await store.card(ANN, alice)
    assert card is not None
    p = card.person
    assert (p.name, p.aliases, p.tags, p.cadence_days, p.circle) == ("Alice", (), (), None, "inner")
    assert p.last_contact is None
    assert (card.follow_ups, card.favors, card.dates, card.history) == ((), (), (), ())


async def test_a_change_that_fails_writes_nothing(store: Store) -> None:
    [alice] = await owner_with(store, ANN, "Alice")
    with pytest.raises(RuntimeError):
        async with store.change(ANN, "half done", NOW) as ch:
            await ch.add_people([NewPerson("Bob", "inner", TODAY)])
            await ch.snooze(alice, TODAY)
            raise RuntimeError("the process died here")
    assert [p.name for p in await store.people(ANN)] == ["Alice"]
    person = await store.person(ANN, alice)
    assert person is not None and person.snoozed_until is None
    undone = await store.undo(ANN)
    assert undone is not None and undone.label == "added"  # no entry for the failed one


async def test_forget_then_undo_brings_everything_back(store: Store) -> None:
    [alice, bob] = await owner_with(store, ANN, "Alice", "Bob")
    await store.log_now(ANN, "logged", NOW, TODAY, "dinner", "", [alice, bob])
    async with store.change(ANN, "noted", NOW) as ch:
        await ch.add_note(alice, "loves jazz")
    before = await store.card(ANN, alice)
    async with store.change(ANN, "forgot Alice", NOW) as ch:
        await ch.forget(alice)
    assert [p.name for p in await store.people(ANN)] == ["Bob"]
    bobs = await store.card(ANN, bob)
    assert bobs is not None and len(bobs.history) == 1  # the shared dinner stays his
    await store.undo(ANN)
    assert await store.card(ANN, alice) == before


async def test_nothing_to_undo_is_none(store: Store) -> None:
    await store.ensure_user(ANN, DEFAULTS, NOW)
    assert await store.undo(ANN) is None


async def test_the_roster_version_moves_with_every_change(store: Store) -> None:
    [alice] = await owner_with(store, ANN, "Alice")
    first = await store.roster(ANN)
    assert (await store.roster(ANN)).version == first.version
    await store.log_now(ANN, "logged", NOW, TODAY, "coffee", "", [alice])
    second = await store.roster(ANN)
    assert second.version != first.version
    assert second.people[0].last_contact == TODAY


# -- the digest ledger -------------------------------------------------------------------


def plan(owner: int, expected: datetime, people: tuple[int, ...]) -> Planned:
    digest = NewDigest(TODAY, "It's been a while", ((("Reached out", "n:r:1"),),), people)
    return Planned(owner, expected, expected + timedelta(days=1), digest)


async def due_now(store: Store) -> datetime:
    [user] = await store.ledger.due(NOW + timedelta(days=1), 10)
    return user.next_digest_at


async def test_a_digest_is_recorded_once_per_local_day(store: Store) -> None:
    [alice] = await owner_with(store, ANN, "Alice")
    ledger = store.ledger
    at = await due_now(store)
    [recorded] = await ledger.record([plan(ANN, at, (alice,))], NOW)
    person = await store.person(ANN, alice)
    assert person is not None and person.last_nudged_on == TODAY

    # The schedule moved on: the same plan again changes nothing…
    assert await ledger.record([plan(ANN, at, (alice,))], NOW) == []
    # …and a plan from the new instant, for the same local day, records no second digest.
    moved = await ledger.next_digest_at(ANN)
    assert moved == at + timedelta(days=1)
    assert await ledger.record([plan(ANN, moved, (alice,))], NOW) == []
    assert await ledger.last_day(ANN) == TODAY

    [stored] = await ledger.get_many([recorded])
    assert (stored.owner, stored.status, stored.person_ids) == (ANN, PENDING, (alice,))
    assert stored.buttons == ((("Reached out", "n:r:1"),),)


async def test_pending_digests_are_retried_until_sent(store: Store) -> None:
    [alice] = await owner_with(store, ANN, "Alice")
    ledger = store.ledger
    [digest_id] = await ledger.record([plan(ANN, await due_now(store), (alice,))], NOW)
    await ledger.mark_attempt(digest_id, "TryLater: 502")
    [pending] = await ledger.claim_pending(10)
    assert (pending.id, pending.attempts) == (digest_id, 1)
    await ledger.mark_sent(digest_id, NOW)
    assert await ledger.claim_pending(10) == []
    [sent] = await ledger.get_many([digest_id])
    assert sent.status == SENT


async def test_a_digest_never_delivered_gives_its_people_back(store: Store) -> None:
    [alice] = await owner_with(store, ANN, "Alice")
    ledger = store.ledger
    [digest_id] = await ledger.record([plan(ANN, await due_now(store), (alice,))], NOW)
    [digest] = await ledger.get_many([digest_id])
    await ledger.mark_final(digest, UNDELIVERABLE, "Forbidden")
    person = await store.person(ANN, alice)
    assert person is not None and person.last_nudged_on is None
    assert await ledger.claim_pending(10) == []


async def test_inactive_owners_are_not_due(store: Store) -> None:
    await owner_with(store, ANN, "Alice")
    await store.set_active(ANN, False)
    assert await store.ledger.due(NOW + timedelta(days=1), 10) == []
    await store.set_active(ANN, True)
    assert len(await store.ledger.due(NOW + timedelta(days=1), 10)) == 1


async def test_a_sweep_scope_keeps_to_its_transport(store: Store) -> None:
    ids = store.identities
    terminal = await ids.owner_of(CONSOLE_USER)
    telegram = await ids.owner_of(Identity("telegram", "42"))
    for owner in (terminal, telegram):
        await owner_with(store, owner, "Alice")
    later = NOW + timedelta(days=1)
    assert [u.owner for u in await store.ledger.due(later, 10, Scope("telegram"))] == [telegram]
    assert [u.owner for u in await store.ledger.due(later, 10, Scope("console"))] == [terminal]
    assert await store.ledger.due(later, 10, Scope("discord")) == []


async def test_a_review_is_sent_once_and_an_unknown_outcome_is_never_resent(
    store: Store,
) -> None:
    await owner_with(store, ANN, "Alice")
    insight = store.insight
    review = await insight.record_review(ANN, "2026-W48", TODAY, "A look back", (), NOW)
    assert review is not None
    assert await insight.record_review(ANN, "2026-W48", TODAY, "again", (), NOW) is None
    assert await insight.mark_review_sending(review, NOW)
    assert not await insight.mark_review_sending(review, NOW)  # one request at a time
    [cut_off] = await insight.pending_reviews()
    assert (cut_off.id, cut_off.sending) == (review, True)  # a crash would leave it so
    await insight.mark_review_unknown(review, NOW, "interrupted while sending")
    assert await insight.pending_reviews() == []
    assert not await insight.mark_review_sending(review, NOW)

    retried = await insight.record_review(ANN, "2026-W49", TODAY, "Next week", (), NOW)
    assert retried is not None and await insight.mark_review_sending(retried, NOW)
    await insight.mark_review(retried, PENDING, NOW, "TryLater: 502")  # failed: send again
    [pending] = await insight.pending_reviews()
    assert (pending.id, pending.sending, pending.attempts) == (retried, False, 1)
    assert await insight.mark_review_sending(retried, NOW)


# -- identities --------------------------------------------------------------------------


async def test_each_transport_user_is_one_owner(store: Store) -> None:
    ids = store.identities
    telegram = await ids.owner_of(Identity("telegram", "42"))
    assert await ids.owner_of(Identity("telegram", "42")) == telegram
    discord = await ids.owner_of(Identity("discord", "42"))
    assert discord != telegram
    assert await ids.find(Identity("discord", "43")) is None
    assert await ids.external_id(discord, "discord") == "42"


# -- data in and out ---------------------------------------------------------------------


def exported(ref: str, name: str) -> ExportedPerson:
    return ExportedPerson(
        ref, name, "inner", None, False, (), (), "2026-01-01", None, False, (), (), (), ()
    )


async def test_an_import_is_one_change_and_one_undo(store: Store) -> None:
    await owner_with(store, ANN, "Alice")
    batch = ImportBatch(
        (exported("p1", "Alice"), exported("p2", "Carla")),
        (ExportedInteraction("2026-10-01", "coffee", "", ("p1", "p2"), "2026-10-01T10:00:00Z"),),
    )
    outcome = await store.apply_import(ANN, "imported", NOW, batch, Duplicates.MERGE)
    assert (outcome.added, outcome.unchanged, outcome.interactions) == (["Carla"], ["Alice"], 1)
    assert sorted(p.name for p in await store.people(ANN)) == ["Alice", "Carla"]
    undone = await store.undo(ANN)
    assert undone is not None and undone.label == "imported"
    assert [p.name for p in await store.people(ANN)] == ["Alice"]


async def test_an_import_answering_a_question_happens_once(store: Store) -> None:
    await owner_with(store, ANN)
    asked = await store.put_pending(ANN, {"a": "imp"}, NOW)
    batch = ImportBatch((exported("p1", "Carla"),))
    await store.apply_import(ANN, "imported", NOW, batch, Duplicates.MERGE, answering=asked)
    with pytest.raises(AlreadyAnswered):
        await store.apply_import(ANN, "again", NOW, batch, Duplicates.MERGE, answering=asked)
    assert [p.name for p in await store.people(ANN)] == ["Carla"]
    undone = await store.undo(ANN)
    assert undone is not None and undone.label == "imported"  # nothing of the second


async def test_an_export_is_everything_of_the_owner_only(store: Store) -> None:
    [alice] = await owner_with(store, ANN, "Alice")
    await owner_with(store, BOB, "Bert")
    await store.log_now(ANN, "logged", NOW, TODAY, "coffee", "", [alice])
    doc = await store.export(ANN, Circles(), NOW, DEFAULTS)
    assert [p.name for p in doc.people] == ["Alice"]
    assert [i.kind for i in doc.interactions] == ["coffee"]


async def test_an_address_book_export_leaves_the_meetings_unread(store: Store) -> None:
    [alice] = await owner_with(store, ANN, "Alice")
    await store.log_now(ANN, "logged", NOW, TODAY, "coffee", "", [alice])
    full = await store.export(ANN, Circles(), NOW, DEFAULTS)
    people_only = await store.export(ANN, Circles(), NOW, DEFAULTS, meetings=False)
    assert people_only.people == full.people
    assert (people_only.interactions, len(full.interactions)) == ((), 1)


async def test_the_latest_meetings_people_and_whether_they_met_before(store: Store) -> None:
    """The log's group hint: the newest meeting's people, and if they met so before.
    Below `at_least` people the earlier meetings are not read (False)."""
    alice, bob, carol = await owner_with(store, ANN, "Alice", "Bob", "Carol")
    await owner_with(store, BOB, "Bert")
    insight = store.insight
    assert await insight.latest_meeting_people(ANN) == ((), False)
    for ids in ([alice, bob], [carol], [alice, bob]):
        await store.log_now(ANN, "logged", NOW, TODAY, "coffee", "", ids)
    pair = tuple(sorted((alice, bob)))
    assert await insight.latest_meeting_people(ANN) == (pair, True)
    assert await insight.latest_meeting_people(ANN, at_least=2) == (pair, True)
    assert await insight.latest_meeting_people(ANN, at_least=3) == (pair, False)
    assert await insight.latest_meeting_people(BOB, at_least=3) == ((), False)
    for _ in range(2):
        await store.log_now(ANN, "logged", NOW, TODAY, "dinner", "", [carol, alice, bob])
    three = tuple(sorted((alice, bob, carol)))
    assert await insight.latest_meeting_people(ANN, at_least=3) == (three, True)


async def test_a_card_shows_the_newest_meetings_first_and_only_so_many(store: Store) -> None:
    """/show's "Recent": the `history` newest meetings of that person, newest day first
    (the later log first within a day), each with everyone who was there."""
    alice, bob = await owner_with(store, ANN, "Alice", "Bob")
    [bert] = await owner_with(store, BOB, "Bert")
    days = [3, 1, 9, 1, 5, 2, 7]  # days ago, logged in this order
    for n, ago in enumerate(days):
        ids = [alice, bob] if n % 2 else [alice]
        await store.log_now(ANN, "logged", NOW, TODAY - timedelta(days=ago), "coffee", f"#{n}", ids)
    await store.log_now(BOB, "logged", NOW, TODAY, "coffee", "not Ann's", [bert])
    card = await store.card(ANN, alice, history=4)
    assert card is not None
    assert [(i.note, (TODAY - i.day).days) for i in card.history] == [
        ("#3", 1),
        ("#1", 1),
        ("#5", 2),
        ("#0", 3),
    ]
    assert [sorted(i.person_ids) for i in card.history] == [
        sorted([alice, bob]),
        sorted([alice, bob]),
        sorted([alice, bob]),
        [alice],
    ]
    [bobs] = await store.cards(ANN, [p for p in await store.people(ANN) if p.id == bob], 2)
    assert [i.note for i in bobs.history] == ["#3", "#1"]
    empty = await store.card(ANN, alice, history=0)
    assert empty is not None and empty.history == ()


async def test_review_users_come_back_at_their_instant_or_when_settings_change(
    store: Store,
) -> None:
    """The weekly review sweep reads a user only once their next review instant has
    come; a changed time zone, digest time or review setting forgets the instant."""
    await owner_with(store, ANN, "Alice")
    await owner_with(store, BOB, "Bert")
    insight = store.insight
    sunday_nine = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
    assert [u.owner for u in await insight.review_users(now=NOW)] == [ANN, BOB]  # unknown
    await insight.set_review_times([(ANN, sunday_nine), (BOB, sunday_nine)])
    assert await insight.review_users(now=NOW) == []
    assert [u.owner for u in await insight.review_users()] == [ANN, BOB]  # without `now`
    assert [u.owner for u in await insight.review_users(now=sunday_nine)] == [ANN, BOB]

    await store.update_settings(ANN, "digest time", NOW, digest_time="07:00")
    async with store.change(BOB, "review off", NOW) as ch:
        await ch.set_weekly_review(False)
    assert [u.owner for u in await insight.review_users(now=NOW)] == [ANN]
    async with store.change(BOB, "review on", NOW) as ch:
        await ch.set_weekly_review(True)
    assert [u.owner for u in await insight.review_users(now=NOW)] == [ANN, BOB]
    await insight.set_review_times([(ANN, sunday_nine)])
    await store.update_settings(ANN, "same time zone", NOW, timezone="UTC")  # unchanged
    assert [u.owner for u in await insight.review_users(now=NOW)] == [BOB]
