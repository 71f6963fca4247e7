"""Export → import → export gives back the same document, through the real store.

Hypothesis writes kith exports of every shape the format allows (odd names and notes,
people without anything, meetings with nobody or everybody, done follow-ups, year-less
birthdays, paused and snoozed people, the digest off…). Each is imported into an empty
account of a real SQLite database, exported, imported into a second empty account and
exported again: both exports must equal the original apart from `exported_at`, and each
other byte for byte.
"""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, date, datetime, time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.circles import Circles
from bot.core.model import UserSettings
from bot.core.names import name_key
from bot.core.reach import email_key, phone_key
from bot.formats import (
    DOCUMENT_VERSION,
    ExportDocument,
    ExportedDate,
    ExportedFavor,
    ExportedFollowUp,
    ExportedInteraction,
    ExportedNote,
    ExportedPerson,
    document_from_json,
    document_to_json,
)
from bot.ports.accounts import Duplicates, ImportBatch
from bot.store.sqlite.db import Database
from bot.store.sqlite.store import SqliteStore

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
CIRCLES = Circles()
DEFAULTS = UserSettings()

# Any text a user could type or a phone could export: accents, scripts, emoji, newlines;
# not NUL or lone surrogates, which the export format refuses.
text = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=30)
words = text.filter(lambda s: bool(s.strip()))
days = st.dates(date(1900, 1, 1), date(2100, 12, 31)).map(date.isoformat)
stamps = st.datetimes(datetime(1900, 1, 1), datetime(2100, 12, 31)).map(
    lambda d: d.replace(microsecond=0).isoformat() + "Z"
)
tags = st.from_regex(r"[a-z0-9_-]{1,12}", fullmatch=True)
phones = st.from_regex(r"(\+|00)?[0-9]{2,3}([ -][0-9]{2,4}){1,3}", fullmatch=True)
emails = st.builds(lambda local, host: f"{local}@{host}.example", words, words)


@st.composite
def yearly_dates(draw: st.DrawFn) -> ExportedDate:
    year = draw(st.none() | st.integers(1900, 2100))
    month = draw(st.integers(1, 12))
    last = 29 if month == 2 and year is None else 28 if month == 2 else 30
    day = draw(st.integers(1, last))
    label = draw(st.sampled_from(["birthday", "anniversary"]) | words)
    return ExportedDate(label, month, day, year)


@st.composite
def people(draw: st.DrawFn, ref: str, name: str) -> ExportedPerson:
    return ExportedPerson(
        ref=ref,
        name=name,
        circle=draw(st.sampled_from(CIRCLES.names)),
        cadence_days=draw(st.none() | st.integers(1, 1000)),
        paused=draw(st.booleans()),
        # One person's aliases differ from each other (as `/alias` keeps them).
        aliases=tuple(draw(st.lists(words, max_size=3, unique_by=name_key))),
        tags=tuple(draw(st.lists(tags, max_size=3, unique=True))),
        added_on=draw(days),
        snoozed_until=draw(st.none() | days),
        imported=draw(st.booleans()),
        notes=tuple(draw(st.lists(st.builds(ExportedNote, text, stamps), max_size=3))),
        follow_ups=tuple(
            draw(
                st.lists(
                    st.builds(ExportedFollowUp, text, st.none() | days, st.booleans(), stamps),
                    max_size=2,
                )
            )
        ),
        favors=tuple(
            draw(
                st.lists(
                    st.builds(
                        ExportedFavor,
                        st.sampled_from(["gave", "got", "offered"]),
                        text,
                        st.booleans(),
                        stamps,
                    ),
                    max_size=2,
                )
            )
        ),
        dates=tuple(draw(st.lists(yearly_dates(), max_size=2))),
        # Phones and e-mails as the store keeps them: different numbers, different addresses.
        phones=tuple(draw(st.lists(phones, max_size=2, unique_by=phone_key))),
        emails=tuple(draw(st.lists(emails, max_size=2, unique_by=email_key))),
        name_parts=draw(st.none() | st.tuples(text, text, text, text, text)),
    )


@st.composite
def documents(draw: st.DrawFn) -> ExportDocument:
    # An account's people have different names (`/add` and imports see to that).
    names = draw(st.lists(words, max_size=6, unique_by=name_key))
    everyone = tuple(draw(people(f"p{n}", name)) for n, name in enumerate(names, 1))
    refs = [p.ref for p in everyone]
    meetings = st.builds(
        ExportedInteraction,
        days,
        words,
        text,
        st.lists(st.sampled_from(refs), unique=True).map(tuple) if refs else st.just(()),
        stamps,
    )
    digest = st.none() | st.times().map(lambda t: time(t.hour, t.minute).strftime("%H:%M"))
    return ExportDocument(
        version=DOCUMENT_VERSION,
        exported_at="2026-11-25T10:00:00Z",
        settings={
            "timezone": draw(st.sampled_from(["UTC", "Europe/Lisbon", "Asia/Kolkata"])),
            "digest_time": draw(digest),
        },
        circles=tuple((c.name, c.cadence_days) for c in CIRCLES.order),
        people=everyone,
        interactions=tuple(draw(st.lists(meetings, max_size=5))),
    )


async def restore_then_export(
    store: SqliteStore, owner: int, doc: ExportDocument
) -> ExportDocument:
    """What `/export` gives after the document was sent to an empty account."""
    await store.ensure_user(owner, DEFAULTS, NOW)
    batch = ImportBatch(doc.people, doc.interactions, doc.settings)
    await store.apply_import(owner, "imported", NOW, batch, Duplicates.MERGE)
    return await store.export(owner, CIRCLES, NOW, DEFAULTS)


async def round_trip(doc: ExportDocument) -> tuple[ExportDocument, ExportDocument]:
    db = await Database.open(":memory:")
    try:
        store = SqliteStore(db)
        first = await restore_then_export(store, 1, doc)
        # The second import starts from the exported JSON, as a user's would.
        second = await restore_then_export(store, 2, document_from_json(document_to_json(first)))
        return first, second
    finally:
        await db.close()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_export_import_export_gives_the_same_document(doc: ExportDocument) -> None:
    document_to_json(doc)  # a valid export to begin with

    first, second = asyncio.run(round_trip(doc))

    assert first == dataclasses.replace(doc, exported_at=first.exported_at)
    assert document_to_json(second) == document_to_json(first)
