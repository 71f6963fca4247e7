"""vCard in and out: reading what phones and address books export, writing 3.0 or 4.0.

Reading. vobject parses each content line (name, group, parameters with their quoting
rules, value); this module does the rest, because vobject's whole-file
`readComponents` falls short on real exports in four ways:

* its vCard behaviour decodes a text value as a comma-separated list and keeps only the
  first item, so `NOTE:Hi, there` (an unescaped comma, as vCard 2.1 and many 3.0 writers
  produce) comes back as `Hi`;
* one unreadable line aborts the whole file, where skipping that line loses nothing;
* a truncated card fails at the end of the file, not at the `BEGIN:VCARD` that never
  ended, which is the line worth telling the user;
* vCard 2.1 quoted-printable values with a wrong or missing CHARSET raise
  UnicodeDecodeError from deep inside the parser.

So a small pass over the physical lines unfolds them, joins and decodes
quoted-printable soft line breaks, drops binary blobs (PHOTO and friends, the bulk of
most files) and tracks BEGIN/END with line numbers; each remaining logical line goes
through vobject's `textLineToContentLine`, and values are unescaped here.

Writing uses vobject's serializer (escaping, folding at 75 octets, CRLF); the tests read
what it writes back with vobject's own parser, as another address book would.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import vobject
from nameparser import HumanName
from vobject.base import ParseError, textLineToContentLine

from bot.formats import charsets
from bot.formats.contacts import (
    ContactsFile,
    DistinctNames,
    ImportedContact,
    ImportFormatError,
    NameParts,
    TooManyContacts,
    clean_aliases,
    clean_emails,
    clean_name,
    clean_note,
    clean_phones,
    clean_tags,
    clean_text,
    line_prefix,
    merge_contacts,
    parse_birthday,
    text_lines,
)
from bot.formats.document import ExportDocument, ExportedPerson

# Properties holding binary data: never needed, and most of a file's bytes.
_BINARY = frozenset({"PHOTO", "LOGO", "SOUND", "KEY"})
_QP = re.compile(r"QUOTED-PRINTABLE", re.IGNORECASE)
_CHARSET = re.compile(r";\s*CHARSET\s*=\s*\"?([\w.:-]+)", re.IGNORECASE)
# A logical line must start with a property name (optionally grouped) and ; or :.
_PROPERTY = re.compile(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)?[ \t]*[;:]")
_NAME_OF = re.compile(r"(?:[A-Za-z0-9_-]+\.)?([A-Za-z0-9_-]+)")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_ANDROID_NICKNAME = "vnd.android.cursor.item/nickname"


@dataclass(slots=True)
class _Card:
    """The logical lines of one card, with the line each started on."""

    start: int
    lines: list[tuple[str, int]] = field(default_factory=list)


def parse_vcards(text: str, label: str, limit: int | None = None) -> ContactsFile:
    """Every card in `text`. `label` names the file in error messages.

    TooManyContacts when the cards hold more than `limit` different names: the cards
    after that are only counted, never read.
    """
    names = DistinctNames(limit)
    cards = 0
    over = False
    contacts: list[ImportedContact] = []
    groups: list[tuple[str, tuple[str, ...]]] = []
    uids: list[str] = []
    versions: set[str] = set()
    nameless = 0
    unreadable: list[int] = []
    no_begin: list[int] = []
    guessed: list[str] = []  # encodings assumed for quoted-printable values without CHARSET
    for card in _cards(text, label, no_begin):
        cards += 1
        if over:
            continue
        properties = _properties(card, unreadable, guessed)
        version = _first(properties, "VERSION")
        if version:
            versions.add(version.strip())
        kind = (
            _first(properties, "KIND") or _first(properties, "X-ADDRESSBOOKSERVER-KIND")
        ).lower()
        if kind.strip() == "group":
            # An address-book group (Apple, vCard 4.0): its name tags its members.
            members = [
                *_values(properties, "MEMBER"),
                *_values(properties, "X-ADDRESSBOOKSERVER-MEMBER"),
            ]
            groups.append((_unescape(_first(properties, "FN")), tuple(_uid(m) for m in members)))
            continue
        contact = _contact(properties)
        if contact is None:
            nameless += 1
            continue
        contacts.append(contact)
        uids.append(_uid(_first(properties, "UID")))
        if names.add(contact.name):
            over = True
            contacts, uids, groups = [], [], []  # never imported: let them go now
    if over:
        raise TooManyContacts(label, cards + len(no_begin), "card", limit or 0)
    contacts = _tag_group_members(contacts, uids, groups)
    merged_contacts, merged = merge_contacts(contacts)
    if len(versions) == 1:
        version = versions.pop()
        fmt = f"vcard-{version}" if version in ("2.1", "3.0", "4.0") else "vcard"
    else:
        fmt = "vcard"
    return ContactsFile(
        contacts=merged_contacts,
        format=fmt,
        nameless=nameless,
        merged=merged,
        unreadable=tuple(unreadable),
        no_begin=tuple(no_begin),
        groups=len(groups),
        encoding_note=charsets.Decoded("", guessed[0], guessed=True).note if guessed else "",
    )


# -- physical lines to cards ---------------------------------------------------------------


def _cards(text: str, label: str, no_begin: list[int]) -> Iterator[_Card]:
    """Logical lines grouped into cards; raises on a card that never ends.

    Properties outside any card followed by an END:VCARD are a card whose BEGIN line is
    missing (cut off, or mangled by an editor): its END line goes into `no_begin`, so the
    summary can say it was skipped rather than lose it without a word.
    """
    card: _Card | None = None
    outside = False  # properties seen since the last card ended
    for line, number in _logical_lines(text):
        # Only short lines can be BEGIN/END; skip upper-casing long ones (unfolded photos).
        head = line.strip().upper().replace(" ", "") if len(line) < 40 else ""
        if head == "BEGIN:VCARD":
            if card is not None:
                raise _never_ends(label, card.start)
            card = _Card(start=number)
            outside = False
        elif head == "END:VCARD":
            if card is not None:
                yield card
                card = None
            elif outside:
                no_begin.append(number)
            outside = False
        elif card is not None:
            card.lines.append((line, number))
        elif _PROPERTY.match(line) and not head.startswith("VERSION:"):
            outside = True
    if card is not None:
        raise _never_ends(label, card.start)


def _never_ends(label: str, line: int) -> ImportFormatError:
    return ImportFormatError(
        line_prefix(label, line) + "a card starts (BEGIN:VCARD) but never ends.", line=line
    )


def _logical_lines(text: str) -> Iterator[tuple[str, int]]:
    """Unfolded lines with their first physical line number.

    Folding is a line starting with a space or tab. Quoted-printable values (vCard 2.1)
    instead continue after a line ending in `=` (a soft line break), and the next line
    is taken whole, leading spaces included, because they are part of the value.
    """
    parts: list[str] = []
    start = 0
    soft_break = False
    # Line by line from a stream (universal newlines), not one split of the whole text:
    # a 5 MB split is one long call that holds the interpreter, stalling every other chat.
    for number, raw in enumerate(text_lines(text, None), 1):
        line = raw[:-1] if raw.endswith("\n") else raw
        if soft_break and not _is_boundary(line):
            # Keep the break visible so the decoder can drop exactly "=\n".
            parts.append("\n" + line)
            soft_break = line.endswith("=")
        elif not line.strip():
            # A blank line ends a value (vCard 2.1 base64 photos end this way).
            if parts:
                yield "".join(parts), start
            parts = []
        elif line[0] in " \t" and parts:
            parts.append(line[1:])
            soft_break = line.endswith("=") and _is_qp(parts[0])
        else:
            if parts:
                yield "".join(parts), start
            parts, start = [line], number
            soft_break = line.endswith("=") and _is_qp(line)
    if parts:
        yield "".join(parts), start


def _is_boundary(line: str) -> bool:
    # A value ending in a stray "=" must not swallow the end of its card.
    head = line.strip().upper().replace(" ", "")
    return head in ("END:VCARD", "BEGIN:VCARD")


def _is_qp(line: str) -> bool:
    return _QP.search(line.partition(":")[0]) is not None


# -- lines to properties --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Property:
    name: str
    value: str
    params: dict[str, list[str]]


def _properties(
    card: _Card, unreadable: list[int], guessed: list[str]
) -> dict[str, list[_Property]]:
    """The card's properties by upper-case name; unreadable lines are noted and skipped."""
    out: dict[str, list[_Property]] = {}
    for line, number in card.lines:
        name_match = _NAME_OF.match(line)
        if not _PROPERTY.match(line) or name_match is None:
            # Not a property at all: unindented base64 from some old phones, stray text.
            continue
        if name_match[1].upper() in _BINARY:
            continue
        if _is_qp(line):
            line = _decode_quoted_printable(line, guessed)
        try:
            content = textLineToContentLine(line, number)
        except ParseError:
            unreadable.append(number)
            continue
        params = {key.upper(): list(values) for key, values in content.params.items()}
        for single in content.singletonparams:
            params.setdefault("TYPE", []).append(single)
        prop = _Property(name=content.name.upper(), value=str(content.value), params=params)
        out.setdefault(prop.name, []).append(prop)
    return out


def _decode_quoted_printable(line: str, guessed: list[str]) -> str:
    """A vCard 2.1 quoted-printable property as a plain one, decoded with its CHARSET.

    Real newlines (=0D=0A) stay in the value; the line parser accepts them and they mean
    what they say. Backslash escapes are left for `_unescape`, as in any other line.
    """
    header, _, value = line.partition(":")
    charset = _CHARSET.search(header)
    params = [
        p
        for p in header.split(";")
        if not _QP.search(p) and not p.strip().upper().startswith("CHARSET")
    ]
    # Soft line breaks: "=" at the end of a physical line joins it to the next.
    raw = codecs.decode(re.sub(r"=\n", "", value).encode("utf-8"), "quopri")
    if charset is None:
        try:
            value = raw.decode("utf-8")
        except UnicodeDecodeError:
            # Old phones leave CHARSET out and write their own code page: guess it, and
            # let the summary say so.
            codec = charsets.guess(raw)
            guessed.append(codec)
            value = raw.decode(codec, errors="replace")
        return ";".join(params) + ":" + value
    return ";".join(params) + ":" + _decode_bytes(raw, charset[1])


def _decode_bytes(raw: bytes, charset: str) -> str:
    # Valid UTF-8 first, whatever CHARSET claims: non-ASCII Latin-1 text is almost never
    # valid UTF-8 by accident, while phones mislabelling UTF-8 are common.
    for encoding in ("utf-8", charset, "cp1252"):
        try:
            return raw.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    return raw.decode("latin-1")


def _first(properties: dict[str, list[_Property]], name: str) -> str:
    for prop in properties.get(name, ()):
        if prop.value.strip():
            return prop.value
    return ""


def _values(properties: dict[str, list[_Property]], name: str) -> list[str]:
    return [prop.value for prop in properties.get(name, ())]


_ESCAPES = {"n": "\n", "N": "\n", "\\": "\\", ",": ",", ";": ";", ":": ":"}
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)


def _unescape(value: str) -> str:
    """vCard text escapes (\\n, \\, \\; \\\\); an unknown escape stays as written."""
    if "\\" not in value:
        return value
    return _ESCAPE.sub(lambda m: _ESCAPES.get(m[1], m[0]), value)


def _split(value: str, separator: str) -> list[str]:
    """Split on separators that are not backslash-escaped, then unescape each part."""
    if "\\" not in value:
        return value.split(separator)
    parts: list[str] = []
    current: list[str] = []
    chars = iter(value)
    for char in chars:
        if char == "\\":
            current.append(char + next(chars, ""))
        elif char == separator:
            parts.append(_unescape("".join(current)))
            current = []
        else:
            current.append(char)
    parts.append(_unescape("".join(current)))
    return parts


def _uid(value: str) -> str:
    value = _unescape(value).strip()
    return value[9:] if value.lower().startswith("urn:uuid:") else value


# -- properties to a contact -------------------------------------------------------------------


def _contact(properties: dict[str, list[_Property]]) -> ImportedContact | None:
    name = clean_name(_unescape(_first(properties, "FN")))
    if not name:
        name = clean_name(_name_from_n(_first(properties, "N")))
    if not name:
        return None
    aliases = [alias for value in _values(properties, "NICKNAME") for alias in _split(value, ",")]
    for value in _values(properties, "X-ANDROID-CUSTOM"):
        # Android's vCard 2.1 export keeps nicknames here: "<mimetype>;Bobby;1;;;…".
        fields = _split(value, ";")
        if fields[0] == _ANDROID_NICKNAME and len(fields) > 1:
            aliases.append(fields[1])
    return ImportedContact(
        name=name,
        name_parts=_name_parts(_first(properties, "N")),
        aliases=clean_aliases(name, aliases),
        birthday=_birthday(properties),
        note=clean_note("\n".join(_unescape(v) for v in _values(properties, "NOTE") if v.strip())),
        tags=clean_tags(
            tag for value in _values(properties, "CATEGORIES") for tag in _split(value, ",")
        ),
        phones=clean_phones(
            _unescape(p.value) for p in properties.get("TEL", ()) if not _is_fax(p)
        ),
        emails=clean_emails(_unescape(v) for v in _values(properties, "EMAIL")),
    )


def _is_fax(prop: _Property) -> bool:
    return any("FAX" in value.upper() for value in prop.params.get("TYPE", ()))


def _name_parts(value: str) -> NameParts | None:
    """The structured N as five cleaned fields, or None when it names nobody."""
    fields = [clean_text(" ".join(_split(part, ","))) for part in _split(value, ";")]
    fields += [""] * (5 - len(fields))
    family, given, additional, prefix, suffix = fields[:5]
    if not (family or given):
        return None
    return (family, given, additional, prefix, suffix)


def _name_from_n(value: str) -> str:
    """A display name from the structured N (family;given;additional;prefix;suffix).

    Honorific prefixes are left out: a friend is "Alice Smith", not "Dr. Alice Smith".
    Chinese, Japanese and Korean names keep family-name-first order with no space.
    """
    fields = [" ".join(_split(part, ",")).strip() for part in _split(value, ";")]
    fields += [""] * (5 - len(fields))
    family, given, additional, _prefix, suffix = fields[:5]
    if family and given and _CJK.search(family) and _CJK.search(given):
        return family + given
    return " ".join(part for part in (given, additional, family, suffix) if part)


def _birthday(properties: dict[str, list[_Property]]) -> tuple[int, int, int | None] | None:
    for prop in properties.get("BDAY", ()):
        birthday = parse_birthday(
            _unescape(prop.value), omit_year="X-APPLE-OMIT-YEAR" in prop.params
        )
        if birthday is not None:
            return birthday
    return None


def _tag_group_members(
    contacts: list[ImportedContact], uids: list[str], groups: list[tuple[str, tuple[str, ...]]]
) -> list[ImportedContact]:
    if not groups:
        return contacts
    tags_by_uid: dict[str, list[str]] = {}
    for group_name, members in groups:
        for member in members:
            tags_by_uid.setdefault(member, []).append(group_name)
    out: list[ImportedContact] = []
    for contact, uid in zip(contacts, uids, strict=True):
        extra = tags_by_uid.get(uid) if uid else None
        if extra:
            tags = clean_tags((*contact.tags, *extra))
            contact = ImportedContact(
                name=contact.name,
                aliases=contact.aliases,
                birthday=contact.birthday,
                note=contact.note,
                tags=tags,
                phones=contact.phones,
                emails=contact.emails,
                name_parts=contact.name_parts,
            )
        out.append(contact)
    return out


# -- writing --------------------------------------------------------------------------------

PRODID = "-//kith//kith export//EN"
VCARD_VERSIONS = ("3.0", "4.0")
# Apple's placeholder for "no year" (a leap year, so 29 February fits), with the
# X-APPLE-OMIT-YEAR parameter that tells readers to ignore it: what vCard 3.0 readers
# (iOS, macOS, Google, Outlook via iCloud) understand, where 3.0 has no year-less form.
APPLE_NO_YEAR = 1604


def people_to_vcard(doc: ExportDocument, version: str = "3.0") -> str:
    """Every person as a vCard (3.0 by default, or 4.0), CRLF line ends, for any address book.

    FN and N carry the name (N as the imported card had it, else split by a name parser
    that knows titles, suffixes and particles), NICKNAME the aliases, BDAY a birthday,
    TEL and EMAIL the phones and e-mails, CATEGORIES the tags and NOTE the notes, one per
    line. A birthday without a year is `--MMDD` in 4.0 and Apple's
    `BDAY;X-APPLE-OMIT-YEAR=1604:1604-MM-DD` in 3.0. Interactions, follow-ups and favors
    have no place in a vCard: the JSON export keeps those.
    """
    return vcards_of(doc.people, version)


def vcards_of(people: Iterable[ExportedPerson], version: str = "3.0") -> str:
    """These people's cards, as `people_to_vcard` writes them: a streamed export writes
    a page of people at a time."""
    if version not in VCARD_VERSIONS:
        raise ValueError(f"vCard version {version} is not one kith writes")
    return "".join(_person_card(person, version).serialize() for person in people)


def _person_card(person: ExportedPerson, version: str) -> vobject.base.Component:
    card = vobject.vCard()
    if version != "3.0":
        card.add("version").value = version
    card.add("prodid").value = PRODID
    name = " ".join(_printable(person.name).split())
    card.add("fn").value = name
    family, given, additional, prefix, suffix = (
        tuple(_printable(part) for part in person.name_parts)
        if person.name_parts is not None
        else split_name(name)
    )
    card.add("n").value = vobject.vcard.Name(
        family=family, given=given, additional=additional, prefix=prefix, suffix=suffix
    )
    if person.aliases:
        nickname = card.add("nickname")
        # vobject would escape our commas; the list separator must stay a bare comma.
        nickname.value = ",".join(_escape(_printable(alias)) for alias in person.aliases)
        nickname.encoded = True
    birthday = next((d for d in person.dates if d.label.casefold() == "birthday"), None)
    if birthday is not None:
        bday = card.add("bday")
        if birthday.year is not None:
            bday.value = f"{birthday.year:04d}-{birthday.month:02d}-{birthday.day:02d}"
        elif version == "4.0":
            bday.value = f"--{birthday.month:02d}{birthday.day:02d}"
        else:
            bday.value = f"{APPLE_NO_YEAR}-{birthday.month:02d}-{birthday.day:02d}"
            bday.params["X-APPLE-OMIT-YEAR"] = [str(APPLE_NO_YEAR)]
    for phone in person.phones:
        card.add("tel").value = _printable(phone)
    for email in person.emails:
        card.add("email").value = _printable(email)
    if person.tags:
        card.add("categories").value = [_printable(tag) for tag in person.tags]
    if person.notes:
        card.add("note").value = _printable("\n".join(note.text for note in person.notes))
    return card


def split_name(name: str) -> NameParts:
    """A name typed in chat as vCard N fields, by a parser that knows titles and suffixes.

    "John Doe III" is given John, family Doe, suffix III; "Ludwig van Beethoven" keeps
    "van Beethoven" as the family name. A name the parser cannot split into given and
    family (one word, an emoji) stays whole in the given-name field, never cut up.
    """
    parsed = HumanName(name)
    family, given = str(parsed.last), str(parsed.first)
    if not family or not given:
        return ("", name, "", "", "")
    return (family, given, str(parsed.middle), str(parsed.title), str(parsed.suffix))


def _printable(text: str) -> str:
    # vCard text may not hold control characters (RFC 6350 §3.3) other than the line
    # breaks, which are escaped as \n; importers would take a NUL for a binary file.
    return "".join(c for c in text if c in "\n\r\t" or unicodedata.category(c) != "Cc")


def _escape(text: str) -> str:
    text = text.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
    return text.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")
