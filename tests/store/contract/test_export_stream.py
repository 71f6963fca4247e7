"""The export streamed page by page (`Store.export_parts`), on every store: the pages are
the whole export, one snapshot, and a big account comes back whole from its own export."""

from __future__ import annotations

import os
import stat
from datetime import UTC, date, datetime
from pathlib import Path

from bot.core.circles import Circles
from bot.core.model import UserSettings
from bot.formats import (
    DocumentWriter,
    ExportCounts,
    ExportDocument,
    ExportedDate,
    ExportedInteraction,
    ExportedNote,
    ExportedPerson,
    ExportPart,
    document_to_json,
    people_to_vcard,
)
from bot.ports.accounts import Duplicates, ImportBatch
from bot.ports.store import NewPerson, Store
from bot.store import export_pages

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
TODAY = date(2026, 11, 25)
DEFAULTS = UserSettings(timezone="UTC", digest_time="09:00")
ANN, BOB = 1, 2
# More than two pages of each (500 people, 5,000 meetings a page).
PEOPLE = 2 * export_pages.PEOPLE_PER_PAGE + 37
MEETINGS = 2 * export_pages.INTERACTIONS_PER_PAGE + 123


def person(n: int) -> ExportedPerson:
    return ExportedPerson(
        ref=f"p{n}",
        name=f"Person {n}",
        circle="friends",
        cadence_days=None,
        paused=False,
        aliases=(f"P{n}",) if n % 7 == 0 else (),
        tags=("work",) if n % 3 == 0 else (),
        added_on="2026-01-01",
        snoozed_until=None,
        imported=n % 5 == 0,
        notes=(ExportedNote(f"note {n}", "2026-02-01T09:00:00Z"),) if n % 2 else (),
        follow_ups=(),
        favors=(),
        dates=(ExportedDate("birthday", 1 + n % 12, 1 + n % 28, None),) if n % 4 == 0 else (),
        phones=(f"+351 91{n:07d}",) if n % 6 == 0 else (),
    )


def meeting(n: int) -> ExportedInteraction:
    day = date(2025, 1, 1).toordinal() + n % 600
    return ExportedInteraction(
        day=date.fromordinal(day).isoformat(),
        kind="coffee" if n % 2 else "call",
        note=f"meeting {n}",
        people=(f"p{1 + n % PEOPLE}", f"p{1 + (n * 7 + 3) % PEOPLE}")
        if n % 7 != 6
        else (f"p{1 + n % PEOPLE}",),
        created_at="2026-03-01T12:00:00Z",
    )


async def big_account(store: Store, owner: int) -> None:
    await store.ensure_user(owner, DEFAULTS, NOW)
    batch = ImportBatch(
        tuple(person(n) for n in range(1, PEOPLE + 1)),
        tuple(meeting(n) for n in range(MEETINGS)),
    )
    await store.apply_import(owner, "imported", NOW, batch, Duplicates.MERGE)


async def parts_of(store: Store, owner: int, *, meetings: bool = True) -> list[ExportPart]:
    parts = store.export_parts(owner, Circles(), NOW, DEFAULTS, meetings=meetings)
    return [part async for part in parts]


def written(parts: list[ExportPart]) -> str:
    writer = DocumentWriter()
    out = []
    for part in parts:
        if part.head is not None:
            out.append(writer.head(part.head))
        elif part.groups is not None:
            out.append(writer.end(part.groups))
        elif part.people:
            out.append(writer.people(part.people))
        else:
            out.append(writer.interactions(part.interactions))
    return "".join(out)


async def test_a_big_account_streams_in_pages_that_are_the_whole_export(store: Store) -> None:
    await big_account(store, ANN)
    parts = await parts_of(store, ANN)
    whole = await store.export(ANN, Circles(), NOW, DEFAULTS)

    assert parts[0].head is not None and parts[-1].groups is not None
    assert sum(1 for p in parts if p.people) == 3
    assert sum(1 for p in parts if p.interactions) == 3
    assert (len(whole.people), len(whole.interactions)) == (PEOPLE, MEETINGS)
    # The pages written one by one are the document written whole, byte for byte.
    assert written(parts) == document_to_json(whole)


async def test_a_big_account_exported_into_files_is_the_document_and_the_vcard(
    store: Store, tmp_path: Path
) -> None:
    # On SQLite an account this big is read and written by a worker process.
    await big_account(store, ANN)
    json_path, vcard_path = tmp_path / "export.json", tmp_path / "contacts.vcf"
    counts = await store.export_files(ANN, Circles(), NOW, DEFAULTS, json_path, vcard_path)
    whole = await store.export(ANN, Circles(), NOW, DEFAULTS)

    assert json_path.read_bytes() == document_to_json(whole).encode("utf-8")
    assert vcard_path.read_bytes() == people_to_vcard(whole).encode("utf-8")
    notes = sum(len(p.notes) for p in whole.people)
    dates = sum(len(p.dates) for p in whole.people)
    assert counts == ExportCounts(people=PEOPLE, meetings=MEETINGS, notes=notes, dates=dates)
    for path in (json_path, vcard_path):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


async def test_a_big_account_restored_from_its_export_is_the_same(store: Store) -> None:
    await big_account(store, ANN)
    original = await store.export(ANN, Circles(), NOW, DEFAULTS)
    await store.ensure_user(BOB, DEFAULTS, NOW)
    batch = ImportBatch(original.people, original.interactions, groups=original.groups)
    outcome = await store.apply_import(BOB, "restored", NOW, batch, Duplicates.MERGE)
    restored = await store.export(BOB, Circles(), NOW, DEFAULTS)

    assert (len(outcome.added), outcome.interactions) == (PEOPLE, MEETINGS)
    assert document_to_json(restored) == document_to_json(original)


async def test_an_address_book_stream_reads_people_and_their_last_contact(store: Store) -> None:
    await big_account(store, ANN)
    parts = await parts_of(store, ANN, meetings=False)
    whole = await store.export(ANN, Circles(), NOW, DEFAULTS)

    assert not any(p.interactions for p in parts)
    people = [p for part in parts for p in part.people]
    last = [day for part in parts for day in part.last_contact]
    assert people == list(whole.people)
    latest: dict[str, str] = {}
    for i in whole.interactions:
        for ref in i.people:
            latest[ref] = max(latest.get(ref, ""), i.day)
    assert last == [latest.get(p.ref) for p in people]


async def test_an_export_is_one_snapshot_even_while_the_owner_writes(store: Store) -> None:
    await store.ensure_user(ANN, DEFAULTS, NOW)
    async with store.change(ANN, "added", NOW) as ch:
        [alice] = await ch.add_people([NewPerson("Alice", "inner", TODAY)])
    await store.log_now(ANN, "logged", NOW, TODAY, "coffee", "", [alice])

    parts = store.export_parts(ANN, Circles(), NOW, DEFAULTS)
    head = await anext(parts)
    # Written after the export began: another task's change, not in this export.
    await store.log_now(ANN, "logged", NOW, TODAY, "call", "", [alice])
    rest = [part async for part in parts]

    doc = collected([head, *rest])
    assert [i.kind for i in doc.interactions] == ["coffee"]
    assert [i.kind for i in (await store.export(ANN, Circles(), NOW, DEFAULTS)).interactions] == [
        "coffee",
        "call",
    ]


def collected(parts: list[ExportPart]) -> ExportDocument:
    head = parts[0].head
    assert head is not None
    return ExportDocument(
        version=head.version,
        exported_at=head.exported_at,
        settings=head.settings,
        circles=head.circles,
        people=tuple(p for part in parts for p in part.people),
        interactions=tuple(i for part in parts for i in part.interactions),
        groups=parts[-1].groups or (),
        weekly_review=head.weekly_review,
    )


async def test_a_big_roster_reads_whole_and_the_same_again_from_the_cache(store: Store) -> None:
    # Over a thousand people: the store builds them off the event loop (both stores).
    await big_account(store, ANN)
    roster = await store.roster(ANN)
    assert len(roster.people) == PEOPLE
    assert {p.name for p in roster.people} == {f"Person {n}" for n in range(1, PEOPLE + 1)}
    assert (await store.roster(ANN)) == roster
    assert [p.id for p in roster.people] == sorted(p.id for p in roster.people)
