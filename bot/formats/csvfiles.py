"""CSV in and out: Google, Outlook, Thunderbird and Yahoo exports, any sheet with names.

Reading maps columns to roles by their header (name, first/last name, nickname,
birthday, notes, tags, phones, e-mails) in one table that covers Google's current and
older exports, Outlook's (German ones too), Thunderbird's and Yahoo's, and hand-made
sheets in a few languages, so there is one reader, not one per exporter; the exporter is
only recognised for the summary. A birthday may be one column or Thunderbird's three
(Birth Year, Birth Month, Birth Day), where "Birth Day" is only the day of the month.

Excel in much of Europe writes `;` between fields (and sometimes a `sep=;` first line),
so the delimiter is taken from the header line rather than assumed.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from bot.formats.contacts import (
    MONTH_NUMBERS as _MONTH_NUMBERS,
)
from bot.formats.contacts import (
    Birthday,
    ContactsFile,
    DistinctNames,
    ImportedContact,
    ImportFormatError,
    TooManyContacts,
    clean_aliases,
    clean_emails,
    clean_name,
    clean_note,
    clean_phones,
    clean_tags,
    line_prefix,
    merge_contacts,
    parse_birthday,
    text_lines,
)
from bot.formats.document import ExportDocument, ExportedPerson

_FULL_NAME = {
    "name",
    "full name",
    "fullname",
    "display name",
    "displayname",
    "contact name",
    "contact",
    "person",
    "friend",
    "naam",
    "nom complet",
    "nombre completo",
    "nome completo",
    "vollständiger name",
    "名前",
    "氏名",
    "姓名",
    "фио",
    "ф.и.о.",
}
_GIVEN = {
    "first name",
    "firstname",
    "first",
    "given name",
    "givenname",
    "forename",
    "vorname",
    "prénom",
    "prenom",
    "nombre",
    "nome",
    "voornaam",
}
_MIDDLE = {"middle name", "middlename", "additional name", "second name"}
_FAMILY = {
    "last name",
    "lastname",
    "last",
    "family name",
    "familyname",
    "surname",
    "nachname",
    "nom",
    "nom de famille",
    "apellido",
    "apellidos",
    "cognome",
    "achternaam",
}
_SUFFIX = {"name suffix", "suffix"}
_NICKNAME = {
    "nickname",
    "nicknames",
    "nick",
    "alias",
    "aliases",
    "aka",
    "also known as",
    "spitzname",
    "surnom",
    "apodo",
}
# "Birth Day" is a whole date in a hand-made sheet, but the day of the month beside
# Thunderbird's "Birth Year" and "Birth Month": see `_columns`.
_BIRTHDAY = {
    "birthday",
    "birth day",
    "birthdate",
    "birth date",
    "date of birth",
    "dob",
    "bday",
    "born",
    "geburtstag",
    "geburtsdatum",
    "anniversaire",
    "date de naissance",
    "cumpleaños",
    "fecha de nacimiento",
    "compleanno",
    "data di nascita",
    "verjaardag",
    "誕生日",
    "生日",
    "день рождения",
    "дата рождения",
}
_BIRTH_YEAR = {"birth year", "birthyear", "year of birth", "geburtsjahr", "année de naissance"}
_BIRTH_MONTH = {"birth month", "birthmonth", "month of birth", "geburtsmonat", "mois de naissance"}
_BIRTH_DAY = {"birth day", "birthday day", "day of birth", "geburtstag tag", "jour de naissance"}
_NOTES = {
    "notes",
    "note",
    "comments",
    "comment",
    "notizen",
    "notiz",
    "bemerkung",
    "bemerkungen",
    "remarques",
    "notas",
    "nota",
    "opmerkingen",
}
_TAGS = {
    "tags",
    "tag",
    "labels",
    "categories",
    "category",
    "groups",
    "group",
    "group membership",
    "kategorien",
    "etiketten",
    "étiquettes",
    "etiquetas",
}
_PHONE_WORDS = {
    "phone",
    "phones",
    "phone number",
    "mobile",
    "cell",
    "tel",
    "telephone",
    "telefon",
    "téléphone",
    "telefono",
    "teléfono",
    "handy",
    "mobil",
    # German Outlook.
    "mobiltelefon",
    "telefon privat",
    "telefon geschäftlich",
}
_EMAIL_WORDS = {
    "email",
    "e-mail",
    "emails",
    "e-mails",
    "mail",
    "email address",
    "e-mail address",
    "e-mail-adresse",
    # Thunderbird, Yahoo.
    "primary email",
    "secondary email",
    "alternate email",
}
# Words that make a phone or e-mail column something else: its label, a fax, a reading
# aid, someone else's number (an assistant's, the company switchboard).
_NOT_VALUE = ("label", "type", "fax", "yomi", "assistant", "pager", "display name", "company")
# A header cell that is only a title over a single column of names.
_LIST_TITLES = _FULL_NAME | {"names", "contacts", "friends", "people", "who"}

# Cells that hold several values: Google joins them with " ::: ", sheets use ; or ,.
# Only the strongest separator present splits, so "Ali; A, the great" is two aliases.
_SEPARATORS = (":::", "\n", ";", ",")
# Tags never contain separators, and may be written "#climbing #work" as in the chat.
_TAG_SPLIT = re.compile(r"\s*:::\s*|\s*[,;\n]\s*|\s+(?=#)")


def _header_key(cell: str) -> str:
    text = unicodedata.normalize("NFKC", cell).strip().strip('"').replace("_", " ").casefold()
    return re.sub(r"\s+", " ", text).strip()


@dataclass(frozen=True, slots=True)
class _Columns:
    """Which columns play which role; -1 when absent."""

    full: int = -1
    given: int = -1
    middle: int = -1
    family: int = -1
    suffix: int = -1
    nickname: tuple[int, ...] = ()
    birthday: int = -1
    # Thunderbird's split birthday: year, month and day of month in columns of their own.
    birth_year: int = -1
    birth_month: int = -1
    birth_day: int = -1
    notes: tuple[int, ...] = ()
    tags: tuple[int, ...] = ()
    phones: tuple[int, ...] = ()
    emails: tuple[int, ...] = ()

    @property
    def has_name(self) -> bool:
        return self.full >= 0 or self.given >= 0 or self.family >= 0


def _columns(header: Sequence[str]) -> _Columns:
    keys = [_header_key(cell) for cell in header]

    def first(names: set[str]) -> int:
        return next((i for i, key in enumerate(keys) if key in names), -1)

    def every(names: set[str]) -> tuple[int, ...]:
        return tuple(i for i, key in enumerate(keys) if key in names)

    birth_month = first(_BIRTH_MONTH)
    # With a month column beside it, "Birth Day" is only the day of the month.
    split = birth_month >= 0
    birthday_names = _BIRTHDAY - _BIRTH_DAY if split else _BIRTHDAY
    yahoo = "yahoo! id" in keys
    return _Columns(
        full=first(_FULL_NAME),
        given=first(_GIVEN),
        middle=first(_MIDDLE),
        family=first(_FAMILY),
        suffix=first(_SUFFIX),
        nickname=every(_NICKNAME),
        birthday=first(birthday_names),
        birth_year=first(_BIRTH_YEAR) if split else -1,
        birth_month=birth_month,
        birth_day=first(_BIRTH_DAY) if split else -1,
        notes=every(_NOTES),
        tags=every(_TAGS),
        phones=tuple(
            i for i, key in enumerate(keys) if _is_phone(key) or (yahoo and key in _YAHOO_PHONES)
        ),
        emails=tuple(i for i, key in enumerate(keys) if _is_email(key)),
    )


# Yahoo's phone columns are bare "Home", "Work", "Mobile"…: phones only in a Yahoo file.
_YAHOO_PHONES = {"home", "work", "mobile", "other", "yahoo! phone"}


def _is_phone(key: str) -> bool:
    if any(word in key for word in _NOT_VALUE):
        return False
    # "Mobile Phone", "Home Phone 2", Google's "Phone 1 - Value", Thunderbird's
    # "Mobile Number".
    return key in _PHONE_WORDS or bool(
        re.fullmatch(r"(.* )?phone( \d+)?( - value)?|(mobile|cell|home|work) number", key)
    )


def _is_email(key: str) -> bool:
    if any(word in key for word in _NOT_VALUE):
        return False
    # Outlook's "E-mail 2 Address", Google's "E-mail 1 - Value".
    return key in _EMAIL_WORDS or bool(
        re.fullmatch(r"e-?mail( \d+)?( address| - value)|alternate email \d+", key)
    )


def _format_of(header: Sequence[str]) -> str:
    keys = {_header_key(cell) for cell in header}
    if "yahoo! id" in keys:
        return "yahoo-csv"
    if {"primary email", "birth year"} <= keys or {"primary email", "screen name"} <= keys:
        return "thunderbird-csv"
    if "group membership" in keys or {"given name", "family name", "name"} <= keys:
        return "google-csv-legacy"
    if "first name" in keys and (
        "labels" in keys or "file as" in keys or "phone 1 - value" in keys
    ):
        return "google-csv"
    if "first name" in keys and ("e-mail address" in keys or "mobile phone" in keys):
        return "outlook-csv"
    return "csv"


def _delimiter(text: str) -> tuple[str, str]:
    """(delimiter, text without an Excel `sep=` line), judged from the header line."""
    first_line = next(
        (line.strip() for line in text_lines(text.lstrip("\ufeff"), "") if line.strip()), ""
    )
    if match := re.fullmatch(r"\"?sep=(.)\"?", first_line, re.IGNORECASE):
        return match[1], text.split("\n", 1)[1] if "\n" in text else ""
    # Count outside quotes, so a comma inside "Smith, Jr." does not decide.
    unquoted = re.sub(r'"[^"]*"', "", first_line)
    counts = {d: unquoted.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return (best if counts[best] else ","), text


def parse_csv(text: str, label: str, limit: int | None = None) -> ContactsFile:
    """Contacts from CSV text. `label` names the file in error messages.

    Rows are read as a stream, a pass for each thing the whole file decides (cut off?
    one column or several? day-first dates?), so no list of every row is ever held.
    TooManyContacts when the rows hold more than `limit` different names: the rows after
    that are only counted.
    """
    delimiter, text = _delimiter(text)
    _refuse_cut_off(text, delimiter, label)
    header = next(_read_rows(text, delimiter, label), None)
    if header is None:
        raise ImportFormatError(f"{label} is empty.")
    columns = _columns(header)
    fmt = _format_of(header)
    skip = 1
    single = not columns.has_name
    if single:
        if len(header) > 1 or columns != _Columns():
            # Several columns, or one with another role's title ("Email"): no names here.
            raise ImportFormatError(_no_name_column(label, header))
        # A single column: a plain list of names, perhaps under a title such as "Friends"
        # (a wider row further down says otherwise: see below).
        columns = _Columns(full=0)
        skip = 1 if _header_key(header[0]) in _LIST_TITLES else 0
    day_first = _day_first(
        (
            row[columns.birthday]
            for row in itertools.islice(_read_rows(text, delimiter, label), skip, None)
            if columns.birthday < len(row)
        )
        if columns.birthday >= 0
        else (),
        delimiter,
    )
    names = DistinctNames(limit)
    contacts: list[ImportedContact] = []
    nameless = 0
    rows = 0
    over = False
    wide = False
    for row in itertools.islice(_read_rows(text, delimiter, label), skip, None):
        rows += 1
        wide = wide or (single and len(row) > 1)
        if over:
            continue
        contact = _contact(row, columns, day_first)
        if contact is None:
            nameless += 1
            continue
        contacts.append(contact)
        if names.add(contact.name):
            over = True
            contacts = []  # never imported: let them go now
    if wide:
        raise ImportFormatError(_no_name_column(label, header))
    if over:
        raise TooManyContacts(label, rows, "row", limit or 0)
    merged_contacts, merged = merge_contacts(contacts)
    return ContactsFile(contacts=merged_contacts, format=fmt, nameless=nameless, merged=merged)


def _read_rows(text: str, delimiter: str, label: str) -> Iterator[list[str]]:
    """The rows that hold anything, one at a time."""
    reader = csv.reader(text_lines(text, ""), delimiter=delimiter)
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                yield row
    except csv.Error as error:
        raise ImportFormatError(
            line_prefix(label, reader.line_num) + f"I couldn't read this CSV ({error}).",
            line=reader.line_num,
        ) from error


def _refuse_cut_off(text: str, delimiter: str, label: str) -> None:
    """A file that ends inside a quoted cell was cut off: its last row would come in
    half-read without a word (the lenient reader takes the rest of the file as the cell)."""
    reader = csv.reader(text_lines(text, ""), delimiter=delimiter, strict=True)
    try:
        for _ in reader:
            pass
    except csv.Error as error:
        # Other strict complaints (a stray quote mid-cell) the lenient reader copes with.
        if "unexpected end of data" in str(error):
            raise ImportFormatError(
                line_prefix(label, reader.line_num)
                + "the file ends inside a quoted cell, so it looks cut off. "
                "Export it again and send me the new file.",
                line=reader.line_num,
            ) from error


def _no_name_column(label: str, header: Sequence[str]) -> str:
    found = [cell.strip() for cell in header if cell.strip()]
    shown = ", ".join(found[:8]) + (f" and {len(found) - 8} more" if len(found) > 8 else "")
    return (
        f"{label} has no name column; the columns I found are: {shown}. "
        'Add a column called "name" (or "first name" and "last name") and send it again.'
    )


def _day_first(values: Iterable[str], delimiter: str) -> bool:
    """Whether slashed dates in this file are day/month: decided once, for the whole column.

    A first number above 12 settles it as day first, a second above 12 as month first;
    with no such date, files from European Excel (`;`-separated) are taken as day first.
    """
    for value in values:
        match = re.match(r"\s*(\d{1,2})[/-](\d{1,2})[/-]", value)
        if match:
            if int(match[1]) > 12:
                return True
            if int(match[2]) > 12:
                return False
    return delimiter == ";"


def _cell(row: Sequence[str], index: int) -> str:
    return row[index].strip() if 0 <= index < len(row) else ""


def _cells(row: Sequence[str], indexes: Iterable[int], split: re.Pattern[str] | None) -> list[str]:
    """The values in these cells; a cell is split by `split`, or by its strongest separator."""
    values: list[str] = []
    for i in indexes:
        cell = _cell(row, i)
        if split is not None:
            values += split.split(cell)
        else:
            separator = next((s for s in _SEPARATORS if s in cell), None)
            values += cell.split(separator) if separator else [cell]
    return [value.strip() for value in values if value.strip()]


def _contact(row: Sequence[str], columns: _Columns, day_first: bool) -> ImportedContact | None:
    name = clean_name(_cell(row, columns.full))
    if not name:
        parts = (columns.given, columns.middle, columns.family, columns.suffix)
        name = clean_name(" ".join(_cell(row, i) for i in parts))
    if not name:
        return None
    birthday = parse_birthday(_cell(row, columns.birthday), day_first=day_first)
    if birthday is None and columns.birth_month >= 0:
        birthday = _split_birthday(row, columns)
    return ImportedContact(
        name=name,
        aliases=clean_aliases(name, _cells(row, columns.nickname, None)),
        birthday=birthday,
        note=clean_note("\n".join(_cell(row, i) for i in columns.notes if _cell(row, i))),
        tags=clean_tags(_cells(row, columns.tags, _TAG_SPLIT)),
        phones=clean_phones(_cells(row, columns.phones, None)),
        emails=clean_emails(_cells(row, columns.emails, None)),
    )


def _split_birthday(row: Sequence[str], columns: _Columns) -> Birthday | None:
    """Year, month and day from their own cells; no year gives a year-less birthday."""
    year, month, day = (
        _cell(row, i) for i in (columns.birth_year, columns.birth_month, columns.birth_day)
    )
    if not month.isdigit():
        # A month written as a word ("March"): let the date reader name it.
        month = str(_MONTH_NUMBERS.get(month.casefold().rstrip("."), 0)) if month else ""
    if not (month.isdigit() and day.isdigit()):
        return None
    text = f"{int(month):02d}/{int(day):02d}"
    if year.isdigit() and len(year) == 4:
        text += f"/{year}"
    return parse_birthday(text)


# -- writing --------------------------------------------------------------------------------

CSV_COLUMNS = (
    "name",
    "circle",
    "cadence_days",
    "aliases",
    "tags",
    "last_contact",
    "birthday",
    "phones",
    "emails",
    "notes",
)


def people_to_csv(doc: ExportDocument) -> str:
    """One row per person, for a spreadsheet; `parse_contacts` reads it back.

    Lists are joined the way they read best in a cell: aliases with "; ", tags as
    "#climbing #work" (as typed in the chat), notes one per line. `last_contact` is the
    latest day among the person's interactions; `birthday` is `1990-03-12`, or
    `--03-12` when the year is unknown; phones and e-mails are joined with "; ". Lines end
    in CRLF (RFC 4180).
    """
    last_contact: dict[str, str] = {}
    for interaction in doc.interactions:
        for ref in interaction.people:
            if interaction.day > last_contact.get(ref, ""):
                last_contact[ref] = interaction.day
    return csv_rows(doc.people, [last_contact.get(p.ref) for p in doc.people], header=True)


def csv_rows(
    people: Sequence[ExportedPerson], last_contact: Sequence[str | None], *, header: bool = False
) -> str:
    """These people's rows as `people_to_csv` writes them (`last_contact` one day or None
    per person), after the header row when `header`: a streamed export writes a page of
    people at a time, their last contact as the store keeps it, no meeting read."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if header:
        writer.writerow(CSV_COLUMNS)
    for person, day in zip(people, last_contact, strict=True):
        writer.writerow(_person_row(person, day or ""))
    return out.getvalue()


def _person_row(person: ExportedPerson, last_contact: str) -> list[str]:
    birthday = next((d for d in person.dates if d.label.casefold() == "birthday"), None)
    shown_birthday = ""
    if birthday is not None:
        shown_birthday = (
            f"{birthday.year:04d}-{birthday.month:02d}-{birthday.day:02d}"
            if birthday.year is not None
            else f"--{birthday.month:02d}-{birthday.day:02d}"
        )
    return [
        person.name,
        person.circle,
        "" if person.cadence_days is None else str(person.cadence_days),
        "; ".join(person.aliases),
        " ".join("#" + tag for tag in person.tags),
        last_contact,
        shown_birthday,
        "; ".join(person.phones),
        "; ".join(person.emails),
        "\n".join(note.text for note in person.notes),
    ]
