"""Contacts import: what a contacts file yields (`ContactsFile`, `ImportFormatError`), and
what every reader shares. The front door that sniffs a file's format and picks a reader,
`parse_contacts`, is in bot/formats/reading.py (it imports the readers, which import
this module).

The shared cleaning rules (names, tags, birthdays, phone and e-mail lists, merging
duplicates) live here so the vCard and CSV readers treat every source alike.
"""

from __future__ import annotations

import calendar
import io
import math
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import PurePath

from bot.core.names import name_key
from bot.formats.charsets import bom_encoding, utf16_without_bom

MAX_IMPORT_BYTES = 5 * 1024 * 1024

# Tags follow the chat's `/tag` rule: letters, digits, `_` and `-`, at most 40 characters.
MAX_TAG_LENGTH = 40

Birthday = tuple[int, int, int | None]
"""(month, day, year or None)."""


class ImportFormatError(ValueError):
    """A file we cannot import. `str(error)` is a complete sentence for the user.

    `line` is the 1-based line of the problem when there is one, for callers that want it
    separately; the message already names it.
    """

    def __init__(self, message: str, *, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


class TooManyContacts(ImportFormatError):
    """A file with more different people than one person may keep (`[storage]
    max_people`): refused whole, as soon as that is known, without building the rest
    (a 5 MB CSV of one-word rows is 669k names). `entries` counts every card or row."""

    def __init__(self, label: str, entries: int, noun: str, limit: int) -> None:
        subject = "That file" if label == "That file" else label
        super().__init__(
            f"{subject} has {entries:,} {noun}s, with more than {limit:,} different people "
            f"in them, and kith keeps at most {limit:,} people per account, so I haven't "
            "imported any of it. Send me a smaller file: most contacts apps can export just "
            "a group or a selection."
        )
        self.entries = entries
        self.limit = limit


class DistinctNames:
    """Counts the different names a reader has built, to stop once past `limit`."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.keys: set[str] = set()

    def add(self, name: str) -> bool:
        """Note `name`; True when the file now holds more people than `limit`."""
        if self.limit is None:
            return False
        self.keys.add(name_key(name))
        return len(self.keys) > self.limit


@dataclass(frozen=True, slots=True)
class ImportedContact:
    """One person found in a contacts file, cleaned and ready to add."""

    name: str
    aliases: tuple[str, ...] = ()
    birthday: Birthday | None = None
    note: str = ""
    tags: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    # The card's structured name (family, given, additional, prefix, suffix), kept so an
    # export writes back the N the address book had rather than re-splitting the name.
    name_parts: NameParts | None = None


NameParts = tuple[str, str, str, str, str]

FORMAT_LABELS = {
    "vcard-2.1": "vCard 2.1",
    "vcard-3.0": "vCard 3.0",
    "vcard-4.0": "vCard 4.0",
    "vcard": "vCard",
    "google-csv": "Google Contacts CSV",
    "google-csv-legacy": "Google Contacts CSV (older format)",
    "outlook-csv": "Outlook CSV",
    "thunderbird-csv": "Thunderbird CSV",
    "yahoo-csv": "Yahoo CSV",
    "csv": "CSV",
}


@dataclass(frozen=True, slots=True)
class ContactsFile:
    """What `parse_contacts` found in one file.

    `contacts` is never empty (an import with nobody in it raises instead).
    `format` is one of the keys of `FORMAT_LABELS`.
    `nameless` counts cards or rows skipped because they had no name at all (a phone
    number on its own, say); `merged` counts entries folded into an earlier one with the
    same name; `unreadable` holds the first line of each vCard property or card that could
    not be read and was skipped; `no_begin` the line where each card that lacked its
    `BEGIN:VCARD` ended (skipped: its start may be cut off). `encoding_note` says which
    encoding was assumed when the file did not say (see bot/formats/charsets.py).
    `groups` counts address-book group cards, whose names became their members' tags.
    """

    contacts: tuple[ImportedContact, ...]
    format: str
    nameless: int = 0
    merged: int = 0
    unreadable: tuple[int, ...] = field(default=())
    no_begin: tuple[int, ...] = field(default=())
    encoding_note: str = ""
    groups: int = 0

    @property
    def format_label(self) -> str:
        return FORMAT_LABELS.get(self.format, self.format)

    @property
    def noun(self) -> str:
        return "card" if self.format.startswith("vcard") else "row"

    @property
    def entries(self) -> int:
        """Cards (or rows) in the file: everyone found, merged, nameless or skipped."""
        return len(self.contacts) + self.merged + self.nameless + len(self.no_begin) + self.groups

    def summary(self) -> str:
        """Sentences for the reply: how many cards, how many people, what was left out.

        "6 cards in this vCard 3.0 file: 4 people; 2 had no name and were skipped."
        """
        people = _count(len(self.contacts), "person", "people")
        head = f"{_count(self.entries, self.noun)} in this {self.format_label} file: {people}"
        left: list[str] = []
        if self.nameless:
            left.append(f"{self.nameless} had no name and {_were(self.nameless)} skipped")
        if self.merged:
            left.append(
                f"{self.merged} {_were(self.merged)} a duplicate of another and "
                f"{_were(self.merged)} merged"
            )
        if self.groups:
            left.append(
                f"{self.groups} {_were(self.groups)} "
                f"{'a group' if self.groups == 1 else 'groups'}, tagging their members"
            )
        if self.no_begin:
            lines = ", ".join(str(n) for n in self.no_begin[:5])
            left.append(
                f"{len(self.no_begin)} had no BEGIN:VCARD line (ending on line {lines}) "
                f"and {_were(len(self.no_begin))} skipped"
            )
        if self.unreadable:
            lines = ", ".join(str(n) for n in self.unreadable[:5])
            more = "…" if len(self.unreadable) > 5 else ""
            left.append(f"I couldn't read line {lines}{more} and skipped {_it(self.unreadable)}")
        text = head + ("; " + "; ".join(left) if left else "") + "."
        return f"{text} {self.encoding_note}" if self.encoding_note else text


def _count(n: int, noun: str, many: str | None = None) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {many or noun + 's'}"


def _were(n: int) -> str:
    return "was" if n == 1 else "were"


def _it(items: Sequence[object]) -> str:
    return "it" if len(items) == 1 else "them"


def _sentence(clauses: Sequence[str]) -> str:
    text = "; ".join(clauses)
    return text[0].upper() + text[1:] + "."


VCARD_EXTENSIONS = {".vcf", ".vcard"}
SPREADSHEET_EXTENSIONS = {".xlsx", ".xls", ".ods", ".numbers"}


def too_big(size: int) -> ImportFormatError:
    """The error for a file of `size` bytes, more than MAX_IMPORT_BYTES.

    For transports that learn a file's size before downloading it, so a refusal reads
    the same whether the bytes arrived or not.
    """
    limit = MAX_IMPORT_BYTES // (1024 * 1024)
    shown = round(size / (1024 * 1024), 1)
    if shown <= limit:  # never "5.0 MB; I can import up to 5 MB"
        shown = math.ceil(size / (1024 * 1024) * 10) / 10
    return ImportFormatError(f"That file is {shown:.1f} MB; I can import files up to {limit} MB.")


def display_name(filename: str) -> str:
    """The file's own name for messages ("contacts.vcf"), or "That file" without one."""
    name = PurePath(filename.replace("\\", "/")).name.strip() if filename else ""
    return name or "That file"


def line_prefix(label: str, line: int) -> str:
    """The start of a message about one line: `contacts.vcf line 14: `, or `Line 14: `."""
    return f"Line {line}: " if label == "That file" else f"{label} line {line}: "


# -- bytes to text -----------------------------------------------------------------------

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Excel or Word file"),
    (b"\x1f\x8b", "a compressed (gzip) file"),
    (b"SQLite format 3\x00", "a SQLite database"),
    (b"{\\rtf", "a rich-text (RTF) document"),
)


def sniff_binary(data: bytes, ext: str = "") -> str | None:
    """What a non-text file looks like ("a PNG image"), or None when it is text."""
    head = data[:8192]
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return what
    if head.startswith(b"PK\x03\x04"):
        # Office, OpenDocument and Numbers files are all ZIP archives inside.
        if b"xl/" in head or ext in {".xlsx", ".xls"}:
            return "an Excel workbook"
        if ext in SPREADSHEET_EXTENSIONS or b"spreadsheet" in head:
            return "a spreadsheet"
        if b"word/" in head:
            return "a Word document"
        return "a ZIP archive"
    if head[4:8] == b"ftyp":
        return "a photo or video"
    if bom_encoding(head) is not None or utf16_without_bom(head) is not None:
        return None
    if b"\x00" in head:
        return "a binary file"
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 13))
    if controls > len(head) * 0.05:
        return "a binary file"
    return None


# How much text one call of a C routine (a regex scan, a split, a copy) is given at a
# time: a whole 5 MB file in one call holds the interpreter for 100-200 ms, and with it
# every other chat; 64 KB is well under a millisecond.
TEXT_CHUNK = 64 * 1024


def text_chunks(text: str, size: int = TEXT_CHUNK) -> Iterator[str]:
    """`text` in pieces of about `size`, each ending just after a line feed (the last
    one excepted), so no line (and no CRLF) is cut in two."""
    start = 0
    while start < len(text):
        cut = text.find("\n", start + size)
        end = len(text) if cut < 0 else cut + 1
        yield text[start:end]
        start = end


def text_lines(text: str, newline: str | None) -> Iterator[str]:
    """The lines of `text` as `io.StringIO(text, newline=newline)` gives them, read a
    chunk at a time (see TEXT_CHUNK)."""
    for chunk in text_chunks(text):
        yield from io.StringIO(chunk, newline=newline)


def search_lines(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    """`pattern.search(text)` for a pattern that matches within one line, a chunk at a time."""
    for chunk in text_chunks(text):
        found = pattern.search(chunk)
        if found is not None:
            return found
    return None


def decode_text(data: bytes) -> str:
    """Bytes to text (see bot/formats/charsets.py for how the encoding is chosen)."""
    from bot.formats import charsets

    return charsets.decode(data).text


# -- cleaning shared by the readers -------------------------------------------------------

_SPACES = re.compile(r"\s+")


def clean_text(raw: str) -> str:
    """NFC (macOS writes decomposed accents), control characters dropped, spaces collapsed."""
    text = unicodedata.normalize("NFC", raw)
    text = "".join(c if unicodedata.category(c) != "Cc" else " " for c in text)
    return _SPACES.sub(" ", text).strip()


def clean_name(raw: str) -> str:
    """A display name, or "" when nothing name-like is left (only punctuation, say)."""
    name = clean_text(raw)
    # A name needs at least one letter, digit or symbol (an emoji counts).
    if not any(unicodedata.category(c)[0] in "LNS" for c in name):
        return ""
    return name


def clean_note(raw: str) -> str:
    text = unicodedata.normalize("NFC", raw.replace("\r\n", "\n").replace("\r", "\n"))
    return "\n".join(line.rstrip() for line in text.split("\n")).strip()


# Address books' own groups, which say nothing about the person.
_SYSTEM_TAGS = {
    "mycontacts",
    "my-contacts",
    "starred",
    "starred-in-android",
    "othercontacts",
    "other-contacts",
    "all-contacts",
    "card",
}
# Google adds "Imported on 3/12/19" to everything from one import.
_IMPORTED_LABEL = re.compile(r"imported(-on)?(-[\d-]+)?")
_NOT_TAG_CHARS = re.compile(r"[^\w-]+")


def slug_tag(raw: str) -> str | None:
    """A label or category as a chat tag ("Rock Climbing" → "rock-climbing").

    None for empty labels and address-book system groups ("* myContacts", "starred").
    """
    text = unicodedata.normalize("NFKC", raw).strip().casefold().lstrip("*# \t")
    slug = _NOT_TAG_CHARS.sub("-", text)
    slug = re.sub(r"-{2,}", "-", slug).strip("-")[:MAX_TAG_LENGTH].strip("-")
    if not slug or slug in _SYSTEM_TAGS or _IMPORTED_LABEL.fullmatch(slug):
        return None
    return slug


def clean_tags(labels: Iterable[str]) -> tuple[str, ...]:
    tags = (slug_tag(label) for label in labels)
    return tuple(dict.fromkeys(t for t in tags if t))


def clean_aliases(name: str, aliases: Iterable[str]) -> tuple[str, ...]:
    """Aliases cleaned, without repeats and without the name itself."""
    seen = {name_key(name)}
    out: list[str] = []
    for raw in aliases:
        alias = clean_name(raw)
        key = name_key(alias)
        if alias and key not in seen:
            seen.add(key)
            out.append(alias)
    return tuple(out)


def clean_phones(phones: Iterable[str]) -> tuple[str, ...]:
    out: dict[str, str] = {}
    for raw in phones:
        phone = clean_text(raw)
        if phone.lower().startswith("tel:"):
            phone = phone[4:].strip()
        digits = re.sub(r"[^\d+]", "", phone)
        if digits and digits not in out:
            out[digits] = phone
    return tuple(out.values())


def clean_emails(emails: Iterable[str]) -> tuple[str, ...]:
    out: dict[str, str] = {}
    for raw in emails:
        email = clean_text(raw)
        if email.lower().startswith("mailto:"):
            email = email[7:].strip()
        if "@" in email and " " not in email and email.casefold() not in out:
            out[email.casefold()] = email
    return tuple(out.values())


# -- birthdays ---------------------------------------------------------------------------

# Exporters write a placeholder year when it is unknown: Apple 1604, others 0000 or 0001.
# Nobody being kept in touch with was born before 1800, so an earlier year means "none".
_EARLIEST_YEAR = 1800

_MONTHS = {
    name.lower(): number
    for number in range(1, 13)
    for name in (calendar.month_name[number], calendar.month_abbr[number])
}
_MONTHS["sept"] = 9
MONTH_NUMBERS: dict[str, int] = dict(_MONTHS)

_TIME = r"(?:[t ].*)?"  # the text is lowercased first
_ISO_NO_YEAR = re.compile(r"--(\d\d)-?(\d\d)" + _TIME)
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})" + _TIME + r"|(\d{4})(\d\d)(\d\d)" + _TIME)
_YMD_SLASH = re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})" + _TIME)
_NUMERIC = re.compile(r"(\d{1,2})([/.-])(\d{1,2})(?:\2(\d{4}|\d\d)?)?\.?" + _TIME)
_DAY_MONTH_NAME = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?\.?\s+([a-z]+)\.?,?(?:\s+(\d{4}))?")
_MONTH_NAME_DAY = re.compile(r"([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?(?:\s+(\d{4}))?")


def parse_birthday(
    raw: str, *, day_first: bool = False, omit_year: bool = False
) -> Birthday | None:
    """A birthday as (month, day, year or None), or None when it is not a real date.

    Reads ISO and vCard forms (`1990-03-12`, `19900312`, `--0312`, `--03-12`, with or
    without a time), `3/12/1990` (month first unless `day_first`), `12.3.1990`, and
    English month names (`12 March 1990`, `March 12`). `omit_year` drops the year, for
    Apple's `X-APPLE-OMIT-YEAR`.
    """
    text = raw.strip().lower()
    year: int | None
    if match := _ISO_NO_YEAR.fullmatch(text):
        month, day, year = int(match[1]), int(match[2]), None
    elif match := _ISO.fullmatch(text):
        y, m, d = (match[1], match[2], match[3]) if match[1] else (match[4], match[5], match[6])
        year, month, day = int(y), int(m), int(d)
    elif match := _YMD_SLASH.fullmatch(text):
        year, month, day = int(match[1]), int(match[2]), int(match[3])
    elif match := _NUMERIC.fullmatch(text):
        first, second = int(match[1]), int(match[3])
        # Dotted dates are always day first (German, Russian…).
        if day_first or match[2] == ".":
            day, month = first, second
        else:
            month, day = first, second
        year = _expand_year(match[4]) if match[4] else None
    elif (match := _DAY_MONTH_NAME.fullmatch(text)) and match[2] in _MONTHS:
        day, month = int(match[1]), _MONTHS[match[2]]
        year = int(match[3]) if match[3] else None
    elif (match := _MONTH_NAME_DAY.fullmatch(text)) and match[1] in _MONTHS:
        month, day = _MONTHS[match[1]], int(match[2])
        year = int(match[3]) if match[3] else None
    else:
        return None
    if omit_year or (year is not None and year < _EARLIEST_YEAR):
        year = None
    if not 1 <= month <= 12:
        return None
    # Without a year, 29 February is a fine birthday; with one it must exist that year.
    if not 1 <= day <= calendar.monthrange(year or 2000, month)[1]:
        return None
    return (month, day, year)


def _expand_year(digits: str) -> int:
    if len(digits) == 4:
        return int(digits)
    # Two digits: the most recent such year not in the future ("90" → 1990, "05" → 2005).
    this_year = date.today().year
    year = this_year - this_year % 100 + int(digits)
    return year if year <= this_year else year - 100


# -- merging duplicates -------------------------------------------------------------------


def merge_contacts(contacts: Iterable[ImportedContact]) -> tuple[tuple[ImportedContact, ...], int]:
    """Fold entries with the same name key into the first one; returns (contacts, merged)."""
    by_key: dict[str, ImportedContact] = {}
    merged = 0
    for contact in contacts:
        key = name_key(contact.name)
        first = by_key.get(key)
        if first is None:
            by_key[key] = contact
        else:
            by_key[key] = _merge(first, contact)
            merged += 1
    return tuple(by_key.values()), merged


def _merge(a: ImportedContact, b: ImportedContact) -> ImportedContact:
    birthday = a.birthday or b.birthday
    if (
        a.birthday is not None
        and b.birthday is not None
        and a.birthday[2] is None
        and a.birthday[:2] == b.birthday[:2]
    ):
        birthday = b.birthday  # same day, and b knows the year
    # The same note in two copies of a card (a re-export, a synced account) is said once.
    notes = [a.note] if f"\n{b.note}\n" in f"\n{a.note}\n" else [a.note, b.note]
    return ImportedContact(
        name=a.name,
        aliases=clean_aliases(a.name, (*a.aliases, *b.aliases)),
        birthday=birthday,
        note="\n".join(n for n in notes if n),
        tags=tuple(dict.fromkeys((*a.tags, *b.tags))),
        phones=clean_phones((*a.phones, *b.phones)),
        emails=clean_emails((*a.emails, *b.emails)),
        name_parts=a.name_parts or b.name_parts,
    )
