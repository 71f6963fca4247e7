"""vCard and CSV exports: exact output, and they read back through parse_contacts."""

from __future__ import annotations

import csv
import io
import unicodedata
from datetime import date

import vobject
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.formats import (
    ExportDocument,
    ExportedDate,
    ExportedInteraction,
    ExportedNote,
    ExportedPerson,
    ImportedContact,
    parse_contacts,
    people_to_csv,
    people_to_vcard,
)
from bot.formats.contacts import clean_name, clean_note, name_key, slug_tag
from tests.formats.test_document import DOC


def test_vcard_exact() -> None:
    assert people_to_vcard(DOC) == (
        "BEGIN:VCARD\r\n"
        "VERSION:3.0\r\n"
        "PRODID:-//kith//kith export//EN\r\n"
        # 3.0 has no year-less date: Apple's placeholder year and the flag to ignore it.
        "BDAY;X-APPLE-OMIT-YEAR=1604:1604-03-12\r\n"
        "CATEGORIES:climbing,neighbor\r\n"
        "EMAIL:alice@example.com\r\n"
        "EMAIL:a.smith@work.example\r\n"
        "FN:Alice Smith\r\n"
        # The structured name as the imported card had it, title included.
        "N:Smith;Alice;;Dr.;\r\n"
        "NICKNAME:Ali\r\n"
        "NOTE:Moving to Lisbon in March — “finally”\r\n"
        "TEL:+351 912 345 678\r\n"
        "END:VCARD\r\n"
        "BEGIN:VCARD\r\n"
        "VERSION:3.0\r\n"
        "PRODID:-//kith//kith export//EN\r\n"
        "BDAY:1990-07-04\r\n"
        "FN:Bob\r\n"
        "N:;Bob;;;\r\n"
        "END:VCARD\r\n"
    )


def test_vcard_40_writes_year_less_birthdays_as_rfc_6350_does() -> None:
    text = people_to_vcard(DOC, "4.0")
    assert text.count("VERSION:4.0\r\n") == 2
    assert "VERSION:3.0" not in text
    assert "BDAY:--0312\r\n" in text
    assert "X-APPLE-OMIT-YEAR" not in text
    result = parse_contacts("kith.vcf", text.encode("utf-8"))
    assert result.format == "vcard-4.0"
    assert [c.birthday for c in result.contacts] == [(3, 12, None), (7, 4, 1990)]


def test_vcard_reads_back() -> None:
    result = parse_contacts("kith.vcf", people_to_vcard(DOC).encode("utf-8"))
    assert result.format == "vcard-3.0"
    assert result.contacts == (
        ImportedContact(
            name="Alice Smith",
            aliases=("Ali",),
            birthday=(3, 12, None),
            note="Moving to Lisbon in March — “finally”",
            tags=("climbing", "neighbor"),
            phones=("+351 912 345 678",),
            emails=("alice@example.com", "a.smith@work.example"),
            name_parts=("Smith", "Alice", "", "Dr.", ""),
        ),
        ImportedContact(name="Bob", birthday=(7, 4, 1990), name_parts=("", "Bob", "", "", "")),
    )


def test_vcard_is_valid_for_vobject_too() -> None:
    """An independent parser reads what kith writes, in both versions."""
    for version in ("3.0", "4.0"):
        alice, bob = vobject.readComponents(people_to_vcard(DOC, version))
        assert alice.version.value == version
        assert (alice.fn.value, bob.fn.value) == ("Alice Smith", "Bob")
        n = alice.n.value
        assert (n.family, n.given, n.prefix) == ("Smith", "Alice", "Dr.")
        assert [t.value for t in alice.tel_list] == ["+351 912 345 678"]
        assert [e.value for e in alice.email_list] == ["alice@example.com", "a.smith@work.example"]
        assert alice.nickname.value == "Ali"
        assert bob.bday.value == "1990-07-04"
        if version == "3.0":
            assert alice.bday.value == "1604-03-12"
            assert alice.bday.params["X-APPLE-OMIT-YEAR"] == ["1604"]
        else:
            assert alice.bday.value == "--0312"


def test_a_name_typed_in_chat_is_split_by_a_name_parser() -> None:
    """Not at the last space: suffixes, particles and "Family, Given" are understood."""
    doc = doc_of(
        person("Mustermann, Heiko"),
        person("John Doe III", ref="p2"),
        person("Ludwig van Beethoven", ref="p3"),
        person("Cher", ref="p4"),
    )
    cards = list(vobject.readComponents(people_to_vcard(doc)))
    assert [(c.n.value.family, c.n.value.given, c.n.value.suffix, c.fn.value) for c in cards] == [
        ("Mustermann", "Heiko", "", "Mustermann, Heiko"),
        ("Doe", "John", "III", "John Doe III"),
        ("van Beethoven", "Ludwig", "", "Ludwig van Beethoven"),
        ("", "Cher", "", "Cher"),
    ]
    text = people_to_vcard(doc)
    assert "N:Mustermann;Heiko;;;\r\n" in text
    assert "N:Doe;John;;;III\r\n" in text


def person(name: str, **fields: object) -> ExportedPerson:
    values: dict[str, object] = {
        "ref": "p1",
        "name": name,
        "circle": "friends",
        "cadence_days": None,
        "paused": False,
        "aliases": (),
        "tags": (),
        "added_on": "2026-01-01",
        "snoozed_until": None,
        "imported": False,
        "notes": (),
        "follow_ups": (),
        "favors": (),
        "dates": (),
    }
    values.update(fields)
    return ExportedPerson(**values)  # type: ignore[arg-type]


def doc_of(
    *persons: ExportedPerson, interactions: tuple[ExportedInteraction, ...] = ()
) -> ExportDocument:
    return ExportDocument(
        version=1,
        exported_at="2026-11-25T09:00:00Z",
        settings={"timezone": "UTC", "digest_time": "09:00"},
        circles=(("friends", 90),),
        people=persons,
        interactions=interactions,
    )


def test_vcard_escapes_and_folds_long_lines() -> None:
    note = "Ein sehr langer Text über Fahrräder, Umzüge; und mehr — " * 3
    doc = doc_of(
        person(
            "Ana María de la Cruz",
            aliases=("Ani, la grande", "A;M"),
            notes=(
                ExportedNote(note.strip(), "2026-01-01T00:00:00Z"),
                ExportedNote("zwei\nZeilen", "2026-01-02T00:00:00Z"),
            ),
        )
    )
    text = people_to_vcard(doc)
    assert "N:de la Cruz;Ana;María;;\r\n" in text
    assert "NICKNAME:Ani\\, la grande,A\\;M\r\n" in text
    # Folded at 75 octets: every physical line fits, continuation lines start with a space.
    lines = text.split("\r\n")
    assert all(len(line.encode("utf-8")) <= 75 for line in lines)
    assert any(line.startswith(" ") for line in lines)
    (contact,) = parse_contacts("x.vcf", text.encode("utf-8")).contacts
    assert contact.aliases == ("Ani, la grande", "A;M")
    assert contact.note == note.strip() + "\nzwei\nZeilen"


def test_empty_document_writes_nothing_but_a_csv_header() -> None:
    assert people_to_vcard(doc_of()) == ""
    assert people_to_csv(doc_of()) == (
        "name,circle,cadence_days,aliases,tags,last_contact,birthday,phones,emails,notes\r\n"
    )


def test_csv_exact() -> None:
    assert people_to_csv(DOC) == (
        "name,circle,cadence_days,aliases,tags,last_contact,birthday,phones,emails,notes\r\n"
        "Alice Smith,inner,,Ali,#climbing #neighbor,2026-11-22,--03-12,+351 912 345 678,"
        "alice@example.com; a.smith@work.example,Moving to Lisbon in March — “finally”\r\n"
        "Bob,close,21,,,2026-11-22,1990-07-04,,,\r\n"
    )


def test_csv_is_valid_for_the_csv_module_and_reads_back() -> None:
    text = people_to_csv(DOC)
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [(r["name"], r["birthday"], r["phones"], r["emails"]) for r in rows] == [
        ("Alice Smith", "--03-12", "+351 912 345 678", "alice@example.com; a.smith@work.example"),
        ("Bob", "1990-07-04", "", ""),
    ]
    alice, bob = parse_contacts("kith.csv", text.encode("utf-8")).contacts
    assert (alice.phones, alice.emails, alice.birthday) == (
        ("+351 912 345 678",),
        ("alice@example.com", "a.smith@work.example"),
        (3, 12, None),
    )
    assert (bob.name, bob.birthday) == ("Bob", (7, 4, 1990))


def test_csv_last_contact_is_the_latest_interaction_and_reads_back() -> None:
    def met(day: str, *refs: str) -> ExportedInteraction:
        return ExportedInteraction(
            day=day, kind="walk", note="", people=refs, created_at="2026-01-01T00:00:00Z"
        )

    doc = doc_of(
        person(
            "Zoë Ñúñez",
            aliases=("Zo", "Z, the first"),
            tags=("book-club", "work"),
            dates=(ExportedDate("anniversary", 1, 1, 2020), ExportedDate("Birthday", 2, 29, None)),
            notes=(
                ExportedNote('says "hola"', "2026-01-01T00:00:00Z"),
                ExportedNote("line 2", "2026-01-01T00:00:00Z"),
            ),
        ),
        person("Quiet", ref="p2"),
        interactions=(met("2026-03-01", "p1"), met("2026-05-09", "p1"), met("2026-04-01", "p1")),
    )
    text = people_to_csv(doc)
    assert text.split("\r\n")[1] == (
        'Zoë Ñúñez,friends,,"Zo; Z, the first",#book-club #work,2026-05-09,--02-29,,,'
        '"says ""hola""\nline 2"'
    )
    assert parse_contacts("people.csv", text.encode("utf-8")).contacts == (
        ImportedContact(
            name="Zoë Ñúñez",
            aliases=("Zo", "Z, the first"),
            birthday=(2, 29, None),
            note='says "hola"\nline 2',
            tags=("book-club", "work"),
        ),
        ImportedContact(name="Quiet"),
    )


# -- any person survives the trip through a vCard ---------------------------------------------

TEXT = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=20)
NAMES = st.one_of(
    st.sampled_from(
        ["Zoë", "שלום כהן", "نور الحسن", "王小明", "O’Brien, Seán", "Ana; María", "a\\b", "🐶 Rex"]
    ),
    TEXT,
).filter(lambda s: clean_name(s) == s and s == unicodedata.normalize("NFC", s))
TAGS = st.from_regex(r"[a-z0-9éß_]([a-z0-9éß_-]{0,10}[a-z0-9éß_])?", fullmatch=True).filter(
    lambda t: slug_tag(t) == t
)
# Control characters other than newlines and tabs are not vCard text; the writer drops them.
NOTES = st.text(
    st.one_of(st.characters(exclude_categories=["Cs"]), st.sampled_from("\n\r\t")),
    min_size=1,
    max_size=30,
)
BIRTHDAYS = st.dates(min_value=date(1800, 1, 1)).flatmap(
    lambda d: st.sampled_from(
        [
            ExportedDate("birthday", d.month, d.day, d.year),
            ExportedDate("birthday", d.month, d.day, None),
        ]
    )
)


PHONES = st.from_regex(r"\+?[1-9][0-9]{2}( [0-9]{3}){1,3}", fullmatch=True)
EMAILS = st.from_regex(r"[a-z0-9._]{1,10}@[a-z0-9]{1,10}\.(pt|com|de)", fullmatch=True)


@st.composite
def vcard_people(draw: st.DrawFn) -> ExportedPerson:
    name = draw(NAMES)
    aliases = draw(st.lists(NAMES, max_size=3, unique_by=name_key))
    aliases = [a for a in aliases if name_key(a) != name_key(name)]
    notes = draw(st.lists(NOTES, max_size=3))
    return person(
        name,
        phones=tuple(draw(st.lists(PHONES, max_size=2, unique=True))),
        emails=tuple(draw(st.lists(EMAILS, max_size=2, unique_by=str.casefold))),
        aliases=tuple(aliases),
        tags=tuple(draw(st.lists(TAGS, max_size=3, unique=True))),
        dates=tuple(draw(st.lists(BIRTHDAYS, max_size=1))),
        notes=tuple(ExportedNote(n, "2026-01-01T00:00:00Z") for n in notes),
    )


@settings(max_examples=150, deadline=None)
@given(vcard_people(), st.sampled_from(["3.0", "4.0"]))
def test_any_person_round_trips_through_vcard(p: ExportedPerson, version: str) -> None:
    text = people_to_vcard(doc_of(p), version)
    (contact,) = parse_contacts("kith.vcf", text.encode("utf-8")).contacts
    assert contact.name == p.name
    assert contact.phones == p.phones
    assert contact.emails == p.emails
    # And an independent parser agrees on the name, phones and e-mails.
    (card,) = vobject.readComponents(text)
    assert card.fn.value == p.name
    assert [t.value for t in getattr(card, "tel_list", [])] == list(p.phones)
    assert [e.value for e in getattr(card, "email_list", [])] == list(p.emails)
    assert contact.aliases == p.aliases
    assert contact.tags == p.tags
    assert contact.birthday == (
        (p.dates[0].month, p.dates[0].day, p.dates[0].year) if p.dates else None
    )
    written = "\n".join(n.text for n in p.notes)
    expected = "".join(c for c in written if c in "\n\r\t" or unicodedata.category(c) != "Cc")
    assert contact.note == clean_note(expected)
