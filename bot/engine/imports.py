"""Your data in and out: `/export`, `/import`, and the files a user sends.

A file arrives through `Engine.import_file(owner, file_name, data)` (the transport
downloaded it or read it from a path; the engine never opens files). Two kinds:

- A contacts file (vCard or CSV, read by `bot.formats.parse_contacts`): the reply is a
  summary and a question. The question's `pending` payload is
  `{"a": "imp", "k": "c", "f": file label, "s": summary, "d": "merge"|"skip",
  "t": {"cards", "noun", "nameless", "no_begin", "duplicates", "groups", "encoding"}
  (what the file held and the encoding assumed, for the final count), "n": rows}`;
  the parsed contacts wait beside it as `n` compact rows (`Store.put_pending(rows=…)`,
  gone with the question), each the JSON text of `[name, [aliases],
  [month, day, year|null]|null, note, [tags], [phones], [emails],
  [family, given, additional, prefix, suffix]|null]`. A question stored by an older
  kith carries those rows inline as "c" and still answers (rows of five, from before
  phones were kept, are still read). A file naming more people than one person may keep
  (`Engine.max_people`) is refused before any question. The reading, the rows and the
  question's sums run in worker threads, so a big file never holds the event loop. The buttons
  carry only `q:<id>:<choice>`: `c<i>` imports into circle i, `m`/`s` switch between
  merging and skipping the people already there (the question is asked again), `x`
  cancels. New people land in that circle with `imported` set (no nudges, not in /who,
  until a meeting is logged or they are moved closer); birthdays become dates, nicknames
  aliases, the note a note, categories tags.
- A kith export (`bot.formats.is_kith_document`): a restore. Payload `{"a": "imp",
  "k": "kith", "f": label, "z": the file, zlib-compressed, base64}` (a question asked
  before, with `"doc": the JSON text`, is still answered); `r` restores (or, when the account
  already has people, merges into them), `s` adds only people not there yet, `x` cancels.
  Into an empty account everything comes back as it was, settings included; into an
  account with people nothing of theirs is changed or removed and the settings stay.

Both become one `bot.ports.ImportBatch`, written as one change: `/undo` takes the
whole import back. Duplicates are merged or skipped as the user chose, never doubled (the
rules are in the store, bot/store/sqlite/accounts.py). A file that cannot be read is
answered with the `ImportFormatError` sentence and nothing is stored.
"""

from __future__ import annotations

import asyncio
import base64
import calendar
import contextlib
import dataclasses
import json
import unicodedata
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.dates import DATE_ORDERS
from bot.core.schedule import format_clock, parse_clock
from bot.engine.collector import collector_paused
from bot.engine.engine import (
    EXPIRED,
    MAX_IMPORTED_NAME,
    Command,
    Context,
    Engine,
    UserError,
    check_name,
    short,
)
from bot.engine.render import join_names
from bot.engine.replies import Attachment, Reply
from bot.engine.restore_check import check_meeting, check_restore
from bot.formats import (
    ContactsFile,
    ExportCounts,
    ExportDocument,
    ExportedDate,
    ExportedInteraction,
    ExportedNote,
    ExportedPerson,
    ImportedContact,
    ImportFormatError,
    StreamedDocument,
    UnknownLayout,
    document_from_json,
    is_kith_document,
    iso_timestamp,
    parse_contacts,
    parse_timestamp,
)
from bot.formats.contacts import display_name
from bot.ports.accounts import (
    AlreadyAnswered,
    Duplicates,
    ImportBatch,
    ImportOutcome,
    known_people,
)
from bot.private import private_folder
from bot.workers import in_worker

ANSWER = "imp"
MAX_LISTED = 5
QUIET = (
    "They won't be nudged or show in /who until you log a meeting with them or move them "
    "closer (/circle NAME friends)."
)
SEND_A_FILE = (
    "Send me a contacts file and I'll bring the people in it over: a .vcf (vCard) from your "
    "phone's contacts app, iCloud or Google Contacts, or a .csv from Google or Outlook, up to "
    "5 MB. A kith export (.json, from /export) restores your data."
)


# -- /export ----------------------------------------------------------------------------


async def cmd_export(engine: Engine, ctx: Context, args: str) -> list[Reply]:
    """/export: the whole account as the JSON document, and the people as a vCard file.

    Streamed, off the event loop: the store reads the account a page at a time and
    writes each page into the two files as it comes (`Store.export_files`: SQLite in a
    worker process, else a thread), so memory stays that of a page however big the
    account. The transports send the files (`Attachment.spooled`); the vCard is written
    from the people pages alone.
    """
    day = ctx.today.isoformat()
    json_name = f"kith-export-{day}.json"
    # A million meetings are tens of millions of short-lived objects: the cycle
    # collector's full passes (tens of ms each, holding everyone) wait until the end.
    with private_folder() as folder, collector_paused(), contextlib.ExitStack() as opened:
        json_path, vcf_path = folder / "export.json", folder / "contacts.vcf"
        counts = await engine.store.export_files(
            ctx.owner, engine.circles, ctx.now, ctx.settings, json_path, vcf_path
        )
        # Open before the folder goes: the files live on, nameless, until closed.
        json_file = opened.enter_context(json_path.open("rb"))
        vcf_file = opened.enter_context(vcf_path.open("rb"))
        opened.pop_all()  # theirs now: the attachments close them
    attachments = [Attachment.spooled(json_name, json_file, "application/json")]
    if not counts.people:
        vcf_file.close()
        text = f"You haven't told me about anyone yet, so {json_name} holds only your settings."
        return [Reply(text, files=tuple(attachments))]
    vcf_name = f"kith-contacts-{day}.vcf"
    attachments.append(Attachment.spooled(vcf_name, vcf_file, "text/vcard"))
    text = (
        f"Here's everything you've told me: {_counts_stats(counts)}.\n"
        f"• {json_name} is all of it — send it back to me to restore it.\n"
        f"• {vcf_name} has your people (names, nicknames, birthdays, phones, e-mails, tags, "
        "notes) for any address book."
    )
    return [Reply(text, files=tuple(attachments))]


def _counts_stats(counts: ExportCounts) -> str:
    return _stats(
        people=counts.people,
        meetings=counts.meetings,
        notes=counts.notes,
        follow_ups=counts.follow_ups,
        favors=counts.favors,
        dates=counts.dates,
    )


def _document_stats(doc: ExportDocument) -> str:
    return _stats(
        people=len(doc.people),
        meetings=len(doc.interactions),
        notes=sum(len(p.notes) for p in doc.people),
        follow_ups=sum(len(p.follow_ups) for p in doc.people),
        favors=sum(len(p.favors) for p in doc.people),
        dates=sum(len(p.dates) for p in doc.people),
    )


def _stats(
    *, people: int, meetings: int, notes: int, follow_ups: int, favors: int, dates: int
) -> str:
    """ "12 people, 40 meetings and 3 notes": the counts that are not zero."""
    parts = [
        _count(people, "person", "people"),
        *(
            _count(n, noun)
            for n, noun in (
                (meetings, "meeting"),
                (notes, "note"),
                (follow_ups, "follow-up"),
                (favors, "favor"),
                (dates, "date"),
            )
            if n
        ),
    ]
    return join_names(parts)


# -- /import and files -----------------------------------------------------------------


async def cmd_import(engine: Engine, ctx: Context, args: str) -> list[Reply]:
    """/import: how to bring contacts in (the file itself is what imports)."""
    return [Reply(SEND_A_FILE)]


async def on_file(engine: Engine, ctx: Context, file_name: str, data: bytes) -> list[Reply]:
    """A file the user sent: ask how to import it, or say why it can't be."""
    with collector_paused():
        return await _on_file(engine, ctx, file_name, data)


async def _on_file(engine: Engine, ctx: Context, file_name: str, data: bytes) -> list[Reply]:
    label = display_name(file_name)
    # A JSON file (a kith export, to restore) is read here; contacts files in a worker.
    json_like = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")
    if len(data) >= WORKER_BYTES and not json_like:
        existing = list(await engine.people(ctx.owner))
        circle = engine.circles.default_import
        read_there = await in_worker(
            _contacts_in_worker, file_name, data, engine.max_people, circle, ctx, existing
        )
        if isinstance(read_there, str):
            return [Reply(read_there)]
        if read_there is not None:
            summary, tally, rows, plan = read_there
            payload = _contacts_payload(label, summary, tally, rows)
            return [await _contacts_question(engine, ctx, payload, (), rows, plan)]
        # None: a kith export after all; read here, as a restore.
    try:
        read = await asyncio.to_thread(_read_file, file_name, data, engine.max_people)
    except ImportFormatError as error:
        return [Reply(str(error))]
    if isinstance(read, ExportDocument):
        try:
            check_restore(read, ctx.today)
        except ImportFormatError as error:
            return [Reply(f"{error} Nothing was restored.")]
        # The file waits with the question, compressed: a 5 MB export is ~0.5 MB of text
        # (kith's indented JSON compresses ~10x) rather than the whole text again.
        packed = await asyncio.to_thread(_pack, data)
        restore = {"a": ANSWER, "k": "kith", "f": label, "z": packed}
        return [await _restore_question(engine, ctx, restore, read)]
    rows = await asyncio.to_thread(_contact_rows, read.contacts)
    payload = _contacts_payload(label, read.summary(), _tally(read), rows)
    return [await _contacts_question(engine, ctx, payload, read.contacts, rows)]


# Files this big are read in a worker process (bot/workers.py): a few hundred
# kilobytes of vCard is already a second of parsing. Smaller ones in a thread.
WORKER_BYTES = 256 * 1024


def _contacts_in_worker(
    file_name: str,
    data: bytes,
    max_people: int,
    circle: str,
    ctx: Context,
    existing: Sequence[Any],
) -> tuple[str, dict[str, Any], list[str], _Plan] | str | None:
    """In the worker: a contacts file read into what the question needs (summary, tally,
    rows, plan); the sentence when it can't be read; None for a kith export."""
    try:
        if is_kith_document(data):
            return None
        read = parse_contacts(file_name, data, max_people)
    except ImportFormatError as error:
        return str(error)  # the sentence: an exception of ours may not pickle back
    plan = _plan(read.contacts, circle, ctx, existing)
    return read.summary(), _tally(read), _contact_rows(read.contacts), plan


def _contacts_payload(
    label: str, summary: str, tally: dict[str, Any], rows: Sequence[str]
) -> dict[str, Any]:
    return {
        "a": ANSWER,
        "k": "c",
        "f": label,
        "s": summary,
        "d": Duplicates.MERGE.value,
        "t": tally,
        "n": len(rows),
    }


def _read_file(
    file_name: str, data: bytes, max_people: int | None = None
) -> ExportDocument | ContactsFile:
    """A kith export or a contacts file; ImportFormatError when neither.

    Parsing a few megabytes of JSON or vCard is seconds of CPU: call it off the event loop.
    A kith export of any size is read (the transports refuse a chat file over the limit
    before it gets here; `kith import` restores a bigger local one); contacts files
    are held to the limit by `parse_contacts`.
    """
    if is_kith_document(data):
        return document_from_json(data)
    return parse_contacts(file_name, data, max_people)


async def answer_import(
    engine: Engine, ctx: Context, pending_id: int, payload: dict[str, Any], choice: str
) -> list[Reply]:
    """A button on an import question."""
    if choice == "x":
        await engine.store.drop_pending(ctx.owner, pending_id)
        return [Reply("OK — nothing imported.")]
    try:
        if payload.get("k") == "kith":
            return await _answer_restore(engine, ctx, pending_id, payload, choice)
        with collector_paused():
            return await _answer_contacts(engine, ctx, pending_id, payload, choice)
    except AlreadyAnswered:
        return [Reply("That question was already answered (or has expired).")]


# -- contacts files ---------------------------------------------------------------------


def _tally(read: ContactsFile) -> dict[str, Any]:
    return {
        "cards": read.entries,
        "noun": read.noun,
        "nameless": read.nameless,
        "no_begin": len(read.no_begin),
        "duplicates": read.merged,
        "groups": read.groups,
        "encoding": read.encoding_note,
    }


def _contact_row(c: ImportedContact) -> list[Any]:
    return [
        c.name,
        list(c.aliases),
        list(c.birthday) if c.birthday else None,
        c.note,
        list(c.tags),
        list(c.phones),
        list(c.emails),
        list(c.name_parts) if c.name_parts else None,
    ]


def _contact_rows(contacts: Sequence[ImportedContact]) -> list[str]:
    """Each contact as one compact JSON text, to keep beside the question."""
    return [
        json.dumps(_contact_row(c), ensure_ascii=False, separators=(",", ":")) for c in contacts
    ]


def _contacts_from_rows(rows: Sequence[str]) -> list[ImportedContact]:
    return [_contact_from_row(json.loads(r)) for r in rows]


async def _waiting_contacts(
    engine: Engine, ctx: Context, pending_id: int, payload: dict[str, Any]
) -> tuple[list[ImportedContact], list[str]] | None:
    """The contacts a question holds, and their rows; None when they are gone.

    An older kith kept them inline ("c"); they are turned into rows for a question
    asked again.
    """
    if "c" in payload:
        inline = payload["c"]
        contacts = await asyncio.to_thread(lambda: [_contact_from_row(r) for r in inline])
        return contacts, await asyncio.to_thread(_contact_rows, contacts)
    rows = await engine.store.pending_rows(ctx.owner, pending_id)
    if len(rows) != int(payload.get("n", -1)):
        return None
    return await asyncio.to_thread(_contacts_from_rows, rows), rows


def _contact_from_row(row: Sequence[Any]) -> ImportedContact:
    name, aliases, birthday, note, tags = row[:5]
    phones, emails, parts = (*row[5:8], [], [], None)[:3]
    return ImportedContact(
        name=str(name),
        aliases=tuple(str(a) for a in aliases),
        birthday=(int(birthday[0]), int(birthday[1]), birthday[2]) if birthday else None,
        note=str(note),
        tags=tuple(str(t) for t in tags),
        phones=tuple(str(p) for p in phones),
        emails=tuple(str(e) for e in emails),
        name_parts=_parts(parts),
    )


def _parts(parts: Sequence[Any] | None) -> tuple[str, str, str, str, str] | None:
    if not parts or len(parts) != 5:
        return None
    family, given, additional, prefix, suffix = (str(p) for p in parts)
    return (family, given, additional, prefix, suffix)


def contact_people(
    contacts: Sequence[ImportedContact], circle: str, ctx: Context
) -> tuple[tuple[ExportedPerson, ...], list[str]]:
    """Contacts as people for `circle`, and the names that cannot be a person's name.

    An unusable name is given as `“Name…” (why)`, so the reply says which and why.
    """
    people: list[ExportedPerson] = []
    unusable: list[str] = []
    stamp = iso_timestamp(ctx.now)
    for n, c in enumerate(contacts, 1):
        try:
            name = check_name(c.name, MAX_IMPORTED_NAME)
        except UserError:
            unusable.append(f"“{short(c.name, 40)}” ({_why_unusable(c.name)})")
            continue
        aliases: list[str] = []
        for alias in c.aliases:
            try:
                aliases.append(check_name(alias, MAX_IMPORTED_NAME))
            except UserError:
                continue
        people.append(
            ExportedPerson(
                ref=f"c{n}",
                name=name,
                circle=circle,
                cadence_days=None,
                paused=False,
                aliases=tuple(aliases),
                tags=c.tags,
                added_on=ctx.today.isoformat(),
                snoozed_until=None,
                imported=True,
                notes=(ExportedNote(note, stamp),) if (note := _printable(c.note)) else (),
                follow_ups=(),
                favors=(),
                dates=(ExportedDate("birthday", *c.birthday),) if c.birthday else (),
                phones=c.phones,
                emails=c.emails,
                name_parts=c.name_parts if name == c.name else None,
            )
        )
    return tuple(people), unusable


def _why_unusable(name: str) -> str:
    tidy = " ".join(name.split())
    if len(tidy) > MAX_IMPORTED_NAME:
        return f"{len(tidy)} characters, over the {MAX_IMPORTED_NAME} I keep"
    if tidy.startswith(("/", "#")):
        return "starts with / or #"
    return "not a name"


def _printable(text: str) -> str:
    """Text without control characters (line breaks and tabs stay): what an export allows."""
    kept = "".join(c for c in text if c in "\n\t" or unicodedata.category(c) != "Cc")
    return kept.strip()


def _circle_order(engine: Engine) -> list[int]:
    """Circle indexes for the buttons: the import default first, then from wide to close."""
    names = engine.circles.names
    default = names.index(engine.circles.default_import)
    return [default, *(i for i in reversed(range(len(names))) if i != default)]


@dataclasses.dataclass(frozen=True, slots=True)
class _Plan:
    """What a contacts question says, worked out in a thread: the people, who is known."""

    people: int
    unusable: list[str]
    known: list[str]
    birthdays: int


def _plan(
    contacts: Sequence[ImportedContact], circle: str, ctx: Context, existing: Sequence[Any]
) -> _Plan:
    people, unusable = contact_people(contacts, circle, ctx)
    known = known_people(existing, people)
    return _Plan(
        people=len(people),
        unusable=unusable,
        known=[p.name for p in known.values()],
        birthdays=sum(1 for p in people if p.dates),
    )


async def _contacts_question(
    engine: Engine,
    ctx: Context,
    payload: dict[str, Any],
    contacts: Sequence[ImportedContact],
    rows: Sequence[str],
    plan: _Plan | None = None,
) -> Reply:
    if plan is None:
        existing = await engine.people(ctx.owner)
        circle = engine.circles.default_import
        plan = await asyncio.to_thread(_plan, contacts, circle, ctx, existing)
    unusable, known = plan.unusable, plan.known
    new = plan.people - len(known)
    merge = payload["d"] == Duplicates.MERGE.value or new == 0
    lines = [payload["s"]]
    facts: list[str] = []
    birthdays = plan.birthdays
    if birthdays:
        facts.append(f"{_count(birthdays, 'has', 'have')} a birthday")
    if known:
        facts.append(f"{len(known)} {_are(len(known))} already here: {_names(known)}")
    if unusable:
        facts.append(
            f"{_count(len(unusable), 'name')} can't be used and {_will_be(unusable)} left "
            f"out: {_names(unusable)}"
        )
    if facts:
        lines.append(_sentence(facts))
    if not plan.people:
        return Reply("\n".join(lines) + " There's nobody left to import.")
    if new:
        lines.append("The new ones go into the circle you pick. " + QUIET)
    if known:
        them = "the one already here" if len(known) == 1 else f"the {len(known)} already here"
        if merge:
            lines.append(
                f"What's new (nicknames, tags, birthday, phones, e-mails, note) is added to {them}."
            )
        else:
            lines.append(f"I'll leave {them} exactly as they are.")
    choices: list[tuple[str, str]] = []
    if new:
        for i in _circle_order(engine):
            choices.append((f"Import {new} into {engine.circles.names[i]}", f"c{i}"))
        if known:
            mark_merge, mark_skip = ("✓ ", "") if merge else ("", "✓ ")
            choices.append((f"{mark_merge}Merge the {len(known)} known", "m"))
            choices.append((f"{mark_skip}Skip the {len(known)} known", "s"))
    else:
        default = engine.circles.names.index(engine.circles.default_import)
        choices.append((f"Merge into the {_count(len(known), 'known one')}", f"c{default}"))
    choices.append(("Cancel", "x"))
    payload = {
        **{k: v for k, v in payload.items() if k != "c"},
        "d": (Duplicates.MERGE if merge else Duplicates.SKIP).value,
        "n": len(rows),
    }
    return await engine.ask(ctx, "\n".join(lines), payload, choices, rows=rows)


async def _answer_contacts(
    engine: Engine, ctx: Context, pending_id: int, payload: dict[str, Any], choice: str
) -> list[Reply]:
    names = engine.circles.names
    index = choice[1:]
    if choice not in ("m", "s") and (
        not choice.startswith("c") or not index.isdigit() or int(index) >= len(names)
    ):
        return [Reply(EXPIRED)]
    waiting = await _waiting_contacts(engine, ctx, pending_id, payload)
    if waiting is None:
        await engine.store.drop_pending(ctx.owner, pending_id)
        return [Reply("That question has expired; send me the file again.")]
    contacts, rows = waiting
    if choice in ("m", "s"):
        await engine.store.drop_pending(ctx.owner, pending_id)
        mode = Duplicates.MERGE if choice == "m" else Duplicates.SKIP
        again = {**payload, "d": mode.value}
        return [await _contacts_question(engine, ctx, again, contacts, rows)]
    circle = names[int(index)]
    tally = payload.get("t") or {"cards": len(contacts)}
    return [
        Reply(
            await _import_contacts(
                engine,
                ctx,
                payload["f"],
                contacts,
                circle,
                Duplicates(payload["d"]),
                tally,
                pending_id,
            )
        )
    ]


async def _import_contacts(
    engine: Engine,
    ctx: Context,
    label: str,
    contacts: Sequence[ImportedContact],
    circle: str,
    duplicates: Duplicates,
    tally: dict[str, Any],
    answering: int | None = None,
) -> str:
    people, unusable = await asyncio.to_thread(contact_people, contacts, circle, ctx)
    await _check_room(engine, ctx, people)
    outcome = await engine.store.apply_import(
        ctx.owner,
        f"imported {label}",
        ctx.now,
        ImportBatch(people),
        duplicates,
        answering=answering,
    )
    lines = [_count_line(label, circle, tally, outcome, unusable)]
    lines.extend(_known_lines(outcome))
    saved = [
        _count(n, noun, many)
        for n, noun, many in (
            (outcome.birthdays, "birthday", "birthdays"),
            (outcome.phones, "phone number", "phone numbers"),
            (outcome.emails, "e-mail address", "e-mail addresses"),
        )
        if n
    ]
    if saved:
        lines.append(f"Saved {join_names(saved)}.")
    if tally.get("encoding"):
        lines.append(str(tally["encoding"]))
    if outcome.added:
        lines.append(QUIET)
    lines.append("/undo takes the whole import back." if outcome.changed else "Nothing changed.")
    return " ".join(lines)


def _count_line(
    label: str, circle: str, tally: dict[str, Any], outcome: ImportOutcome, unusable: list[str]
) -> str:
    """Where every card of the file went: "contacts.vcf: 6 cards: 4 people imported into
    friends, 2 had no name." The parts add up to the cards the file held."""
    noun = str(tally.get("noun", "card"))
    cards = int(tally.get("cards", 0)) or len(outcome.added)
    parts = [f"{_count(len(outcome.added), 'person', 'people')} imported into {circle}"]
    if outcome.merged:
        parts.append(f"{len(outcome.merged)} merged into people you had")
    if outcome.unchanged:
        parts.append(f"{len(outcome.unchanged)} already up to date")
    if outcome.skipped:
        parts.append(f"{len(outcome.skipped)} skipped as already here")
    for key, one, many in (
        ("duplicates", "repeated an earlier one and was merged into it", None),
        ("nameless", "had no name", None),
        ("no_begin", "had no BEGIN:VCARD line", None),
        ("groups", "was a group, whose name became a tag", "were groups, whose names became tags"),
    ):
        n = int(tally.get(key, 0))
        if n:
            words = one if n == 1 else (many or one.replace(" was ", " were "))
            parts.append(f"{n} {words}")
    if unusable:
        parts.append(f"{len(unusable)} with a name I can't use: {_names(unusable)}")
    return f"{label}: {_count(cards, noun)}: {', '.join(parts)}."


def _known_lines(outcome: ImportOutcome) -> list[str]:
    lines: list[str] = []
    if outcome.merged:
        lines.append(
            f"Added what was new to {_count(len(outcome.merged), 'person', 'people')} "
            f"you already had: {_names(outcome.merged)}."
        )
    if outcome.unchanged:
        n = len(outcome.unchanged)
        lines.append(
            f"{_count(n, 'person', 'people')} you already had {_was(n)} up to date: "
            f"{_names(outcome.unchanged)}."
        )
    if outcome.skipped:
        lines.append(
            f"Skipped {_count(len(outcome.skipped), 'person', 'people')} you already had: "
            f"{_names(outcome.skipped)}."
        )
    return lines


# -- kith exports: restore --------------------------------------------------------------


def fit_circles(doc: ExportDocument, engine: Engine) -> tuple[list[ExportedPerson], list[str]]:
    """The export's people in circles this kith has; the circles that had to change.

    A circle unknown here becomes the one whose cadence is closest to its cadence in the
    export (the import default when the export does not say).
    """
    here = engine.circles
    cadences = dict(doc.circles)
    people: list[ExportedPerson] = []
    changed: dict[str, str] = {}
    for person in doc.people:
        if person.circle in here.names:
            people.append(person)
            continue
        days = cadences.get(person.circle)
        target = (
            min(here.order, key=lambda c: abs(c.cadence_days - days)).name
            if days is not None
            else here.default_import
        )
        changed[person.circle] = target
        people.append(dataclasses.replace(person, circle=target))
    return people, [f"{old} → {new}" for old, new in changed.items()]


def restorable_settings(doc: ExportDocument) -> dict[str, str | None]:
    """The export's settings this kith can use: a known time zone, a readable time."""
    settings: dict[str, str | None] = {}
    tz = doc.settings.get("timezone")
    if tz:
        with contextlib.suppress(ZoneInfoNotFoundError, ValueError, OSError):
            ZoneInfo(tz)
            settings["timezone"] = tz
    digest = doc.settings.get("digest_time")
    if digest is None:
        settings["digest_time"] = None
    else:
        with contextlib.suppress(ValueError):
            settings["digest_time"] = format_clock(parse_clock(digest))
    order = doc.settings.get("date_order")
    if order in DATE_ORDERS:  # check_restore refuses any other; absent: asked later
        settings["date_order"] = order
    return settings


def _exported_on(doc: ExportDocument) -> str:
    day = parse_timestamp(doc.exported_at).date()
    return f"{day.day} {calendar.month_abbr[day.month]} {day.year}"


async def _restore_question(
    engine: Engine, ctx: Context, payload: dict[str, Any], doc: ExportDocument
) -> Reply:
    label = payload["f"]
    head = f"{label} is a kith export from {_exported_on(doc)} with {_document_stats(doc)}."
    people = await engine.people(ctx.owner)
    if not people:
        settings = _settings_text(restorable_settings(doc))
        text = f"{head} Restore it?" + (
            f" Your settings become its settings: {settings}." if settings else ""
        )
        choices = [(f"Restore {_count(len(doc.people), 'person', 'people')}", "r")]
    else:
        known = known_people(people, doc.people)
        new = len(doc.people) - len(known)
        text = f"{head} You already have {_count(len(people), 'person', 'people')} here"
        if known:
            names = _names([p.name for p in known.values()])
            text += f"; {len(known)} of them {_are(len(known))} in the export too: {names}."
        else:
            text += "."
        text += (
            " I can merge it in: what's missing is added, nothing you have is changed or "
            "removed, and your settings stay as they are."
        )
        if new and known:
            choices = [
                (f"Add {new} and merge the {len(known)} known", "r"),
                (f"Add only the {new} new", "s"),
            ]
        elif new:
            choices = [(f"Add the {_count(new, 'person', 'people')}", "r")]
        else:
            choices = [(f"Merge into the {_count(len(known), 'known one')}", "r")]
    choices.append(("Cancel", "x"))
    return await engine.ask(ctx, text, payload, choices)


async def _answer_restore(
    engine: Engine, ctx: Context, pending_id: int, payload: dict[str, Any], choice: str
) -> list[Reply]:
    if choice not in ("r", "s"):
        return [Reply(EXPIRED)]
    try:
        doc = await asyncio.to_thread(document_from_json, _unpack(payload))
        check_restore(doc, ctx.today)
    except ImportFormatError as error:
        await engine.store.drop_pending(ctx.owner, pending_id)
        return [Reply(str(error))]
    mode = Duplicates.MERGE if choice == "r" else Duplicates.SKIP
    return [Reply(await _restore(engine, ctx, payload["f"], doc, mode, pending_id))]


def _pack(data: bytes) -> str:
    return base64.b64encode(zlib.compress(data, 6)).decode("ascii")


def _unpack(payload: dict[str, Any]) -> bytes | str:
    """The export a restore question waits with (compressed, or as text from before)."""
    if "z" not in payload:
        return str(payload["doc"])
    try:
        return zlib.decompress(base64.b64decode(payload["z"]))
    except (ValueError, zlib.error) as error:
        raise ImportFormatError("That export can't be read any more; send it again.") from error


async def _restore(
    engine: Engine,
    ctx: Context,
    label: str,
    doc: ExportDocument,
    duplicates: Duplicates,
    answering: int | None = None,
    interactions: Iterable[ExportedInteraction] | None = None,
) -> str:
    """Restore `doc`; its meetings are `interactions` when given (read from the file as
    they are written, `restore_file`), else the document's own."""
    check_restore(doc, ctx.today)  # again here: `kith import` comes straight in
    people, moved = fit_circles(doc, engine)
    await _check_room(engine, ctx, people)
    batch = ImportBatch(
        tuple(people),
        doc.interactions if interactions is None else interactions,
        restorable_settings(doc),
        groups=doc.groups,
        weekly_review=doc.weekly_review,
    )
    outcome = await engine.store.apply_import(
        ctx.owner,
        f"imported {label}",
        ctx.now,
        batch,
        duplicates,
        answering=answering,
    )
    stats = _stats(
        people=len(outcome.added),
        meetings=outcome.interactions,
        notes=outcome.notes,
        follow_ups=outcome.follow_ups,
        favors=outcome.favors,
        dates=outcome.dates,
    )
    lines: list[str] = []
    if outcome.settings is not None:
        lines.append(f"Restored {stats} from {label}.")
        settings = _settings_text(outcome.settings)
        if settings:
            lines.append(f"Settings: {settings}.")
    elif outcome.added or outcome.interactions or outcome.merged:
        lines.append(f"Added {stats} from {label}.")
    lines.extend(_known_lines(outcome))
    if moved:
        lines.append(f"Circles you don't have here became the nearest ones: {', '.join(moved)}.")
    if outcome.settings is None and (outcome.added or outcome.merged):
        lines.append("Your settings stay as they were.")
    lines.append("/undo takes the whole import back." if outcome.changed else "Nothing changed.")
    return " ".join(lines)


def _settings_text(settings: dict[str, str | None]) -> str:
    parts = []
    if "timezone" in settings:
        parts.append(f"time zone {settings['timezone']}")
    if "digest_time" in settings:
        digest = settings["digest_time"]
        parts.append(f"daily digest at {digest}" if digest else "daily digest off")
    if settings.get("date_order"):
        parts.append(_DATE_ORDER_TEXT.get(str(settings["date_order"]), ""))
    return ", ".join(p for p in parts if p)


_DATE_ORDER_TEXT = {
    "dmy": "dates as 14/11 (day first)",
    "mdy": "dates as 11/14 (month first)",
    "ymd": "dates as 2026/11/14 (year first)",
}


# -- the same imports without a question (the `kith import` command) ------------------------


async def import_now(
    engine: Engine,
    owner: int,
    file_name: str,
    data: bytes,
    *,
    circle: str | None = None,
    duplicates: Duplicates | None = None,
) -> str:
    """Import a file at once; the outcome sentence. ImportFormatError or UserError when not.

    Contacts go into `circle` (default: the import circle), known people merged unless
    `duplicates` says skip. A kith export restores into an empty account; into one with
    people it needs `duplicates` said explicitly, so a backup never merges by accident.
    """
    ctx = await engine.context(owner)
    label = display_name(file_name)
    read = await asyncio.to_thread(_read_file, file_name, data, engine.max_people)
    if isinstance(read, ExportDocument):
        await _may_restore(engine, owner, duplicates)
        return await _restore(engine, ctx, label, read, duplicates or Duplicates.MERGE)
    target = engine.circles.default_import
    if circle is not None:
        found = engine.circles.find(circle)
        if found is None:
            raise UserError(
                f"There's no circle called “{circle}”. Circles: {', '.join(engine.circles.names)}."
            )
        target = found.name
    return await _import_contacts(
        engine,
        ctx,
        label,
        read.contacts,
        target,
        duplicates or Duplicates.MERGE,
        _tally(read),
    )


async def _may_restore(engine: Engine, owner: int, duplicates: Duplicates | None) -> None:
    """A kith export into an account with people needs `duplicates` said: a backup
    never merges by accident."""
    people = await engine.people(owner)
    if people and duplicates is None:
        raise UserError(
            f"This account already has {_count(len(people), 'person', 'people')}. "
            "To merge the export into them, say --duplicates merge; to add only people "
            "not there yet, --duplicates skip."
        )


# Opens the file again each time it is called: its lines, as bytes.
Lines = Callable[[], AbstractContextManager[Iterable[bytes]]]


async def restore_file(
    engine: Engine,
    owner: int,
    file_name: str,
    lines: Lines,
    *,
    duplicates: Duplicates | None = None,
) -> str | None:
    """`kith import` of a kith export of any size, as `import_now` restores one; None
    when the file is not laid out as kith writes an export (read it whole instead).

    The file is read twice, a meeting at a time (`StreamedDocument`): once, in a thread,
    to check all of it as `check_restore` does before anything is written; then again
    while the store writes the meetings a page at a time, in one change (all or nothing,
    one /undo). Memory is the people and a page of meetings, whatever the file's size.
    """
    ctx = await engine.context(owner)
    with collector_paused():  # as for /export: no full collector pass per million
        try:
            doc = await asyncio.to_thread(_checked_head, lines, ctx.today)
        except UnknownLayout:
            return None
        await _may_restore(engine, owner, duplicates)
        meetings = _meetings_of(lines, ctx.today)
        label = display_name(file_name)
        return await _restore(
            engine, ctx, label, doc, duplicates or Duplicates.MERGE, interactions=meetings
        )


def _checked_head(lines: Lines, today: date) -> ExportDocument:
    """The export without its meetings, every part of it checked (the meetings too)."""
    with lines() as source:
        read = StreamedDocument(source)
        for n, meeting in enumerate(read.interactions(), 1):
            check_meeting(meeting, n, today)
        check_restore(read.document, today)
        return read.document


def _meetings_of(lines: Lines, today: date) -> Iterator[ExportedInteraction]:
    with lines() as source:
        # Checked again as they are read: the file is the user's, it may have changed.
        for n, meeting in enumerate(StreamedDocument(source).interactions(), 1):
            check_meeting(meeting, n, today)
            yield meeting


# -- wording ------------------------------------------------------------------------------


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _are(n: int) -> str:
    return "is" if n == 1 else "are"


def _was(n: int) -> str:
    return "was" if n == 1 else "were"


def _will_be(items: Sequence[object]) -> str:
    return "is" if len(items) == 1 else "are"


def _names(names: Sequence[str]) -> str:
    """ "Alice, Bob and Carol", or the first few "and 7 more"."""
    if len(names) <= MAX_LISTED:
        return join_names(list(names))
    return ", ".join(names[:MAX_LISTED]) + f" and {len(names) - MAX_LISTED} more"


def _sentence(clauses: Sequence[str]) -> str:
    text = "; ".join(clauses)
    return text[:1].upper() + text[1:] + "."


def register(engine: Engine) -> None:
    engine.add_command(Command("export", cmd_export, "All your data, as files", "/export"))
    engine.add_command(Command("import", cmd_import, "Bring in contacts from a file", "/import"))
    engine.add_answer(ANSWER, answer_import)
    engine.set_file_handler(on_file)


async def _check_room(engine: Engine, ctx: Context, people: Sequence[ExportedPerson]) -> None:
    """Refuse, before writing anything, an import that would pass the people limit
    (counting only those not already there by name or alias: merged or skipped ones
    add nobody)."""
    existing = await engine.people(ctx.owner)
    known = await asyncio.to_thread(known_people, existing, people)
    await engine.check_room(ctx, len(people) - len(known))
