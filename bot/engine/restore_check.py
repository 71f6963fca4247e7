"""A kith export is checked like everything else a user gives kith before it is restored.

`document_from_json` checks the file's *shape*; this checks its *content* against the
rules chat input and contacts files follow: names and aliases as `/add` and `/alias`
accept them, tags as `/tag` stores them, no control characters in any text, meetings
between 1900 and today, sane dates. The first record that breaks a rule refuses the whole
restore, named so the user can find it; nothing is written (the check runs first).

Why so strict: a meeting on 9999-12-31 broke `/who` and `/show` and silently skipped the
user's digest; control characters in a name reached terminals raw; an alias holding the
store's separator split into two.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta
from typing import Final

from bot.core.dates import DATE_ORDERS
from bot.engine.engine import MAX_IMPORTED_NAME, MAX_INPUT, UserError, check_name, short
from bot.formats import ExportDocument, ImportFormatError
from bot.formats.document import ExportedInteraction, ExportedPerson

EARLIEST: Final = date(1900, 1, 1)
# Snoozes and follow-ups may point ahead, but not past what /snooze could have set.
MAX_AHEAD: Final = timedelta(days=3660)
TAG: Final = re.compile(r"[\w-]{1,40}")
MAX_KIND: Final = 40


def check_restore(doc: ExportDocument, today: date) -> None:
    """ImportFormatError naming the first record kith would not have stored itself."""
    order = doc.settings.get("date_order")
    if order is not None and order not in DATE_ORDERS:
        raise _bad("The settings", f"have a date order kith can't use (“{_shown(order)}”)")
    for n, person in enumerate(doc.people, 1):
        _check_person(person, f"Person {n}", today)
    for n, meeting in enumerate(doc.interactions, 1):
        check_meeting(meeting, n, today)


def check_meeting(meeting: ExportedInteraction, n: int, today: date) -> None:
    """`check_restore` for the `n`th meeting alone (a big restore checks them as it
    reads them)."""
    where = f"Meeting {n}"
    _day(meeting.day, where, "its day", EARLIEST, today)
    _text(meeting.kind, where, "its kind", MAX_KIND)
    _text(meeting.note, where, "its note", MAX_INPUT)


def _check_person(person: ExportedPerson, where: str, today: date) -> None:
    name = _name(person.name, where, "name")
    where = f"{where} (“{short(name, 30)}”)"
    for alias in person.aliases:
        _name(alias, where, "an alias")
    for tag in person.tags:
        if not TAG.fullmatch(tag) or tag != tag.casefold():
            raise _bad(where, f"has a tag kith can't use (“{_shown(tag)}”)")
    _day(person.added_on, where, "the day they were added", EARLIEST, today)
    if person.snoozed_until is not None:
        _day(person.snoozed_until, where, "its snooze", EARLIEST, today + MAX_AHEAD)
    for note in person.notes:
        _text(note.text, where, "a note", MAX_INPUT)
    for follow_up in person.follow_ups:
        _text(follow_up.text, where, "a follow-up", MAX_INPUT)
        if follow_up.from_day is not None:
            _day(follow_up.from_day, where, "a follow-up", EARLIEST, today + MAX_AHEAD)
    for favor in person.favors:
        _text(favor.text, where, "a favor", MAX_INPUT)
    for phone in person.phones:
        _text(phone, where, "a phone number", MAX_KIND)
    for email in person.emails:
        _text(email, where, "an e-mail address", MAX_INPUT)
    for part in person.name_parts or ():
        _text(part, where, "a part of the name", MAX_IMPORTED_NAME)
    for important in person.dates:
        _text(important.label, where, "a date's label", MAX_KIND)
        if important.year is not None and not EARLIEST.year <= important.year <= today.year:
            raise _bad(where, f"has a date in the year {important.year}")


def _name(value: str, where: str, what: str) -> str:
    # An imported contact may keep a longer name than /add takes: a restore allows that.
    try:
        tidy = check_name(value, MAX_IMPORTED_NAME)
    except UserError as error:
        raise _bad(where, f"has {what} kith can't use ({error})") from None
    if tidy != value:
        raise _bad(where, f"has {what} with characters kith can't use (“{_shown(value)}”)")
    return tidy


def _text(value: str, where: str, what: str, limit: int) -> None:
    if len(value) > limit:
        raise _bad(where, f"has {what} {len(value):,} characters long (at most {limit:,})")
    if any(ch not in "\n\t" and unicodedata.category(ch) == "Cc" for ch in value):
        raise _bad(where, f"has control characters in {what}")


def _day(value: str, where: str, what: str, low: date, high: date) -> None:
    day = date.fromisoformat(value)  # the document's shape check made sure it parses
    if not low <= day <= high:
        raise _bad(where, f"has {what} on {value}, outside {low.isoformat()}…{high.isoformat()}")


def _shown(text: str) -> str:
    """A bad value quoted in a message: control characters made visible, kept short."""
    return short("".join(ch if ch.isprintable() else "�" for ch in text), 30)


def _bad(where: str, problem: str) -> ImportFormatError:
    return ImportFormatError(f"{where} {problem}.")
