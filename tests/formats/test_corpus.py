"""The corpus: contact files in the shapes people really have, each with who must come out.

tests/formats/corpus/ holds them (built by corpus/build.py): vCard 2.1/3.0/4.0 from phones
and address books, several cards a file, quoted-printable soft breaks, folds inside a
UTF-8 character, base64 photos, UTF-16 LE/BE with and without a BOM, Windows-1251 and
Shift_JIS without a declaration, Outlook/Google/Thunderbird/Yahoo CSVs with their real
column names, and damaged files. For every file: the exact people and birthdays, or the
refusal that says what is wrong; and never fewer people than the file names without the
summary saying where the rest went.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.formats import ImportFormatError, charsets, parse_contacts

CORPUS = Path(__file__).parent / "corpus"
LONG = "María de los Ángeles Fernández de Córdoba y Gutiérrez de la Concha Ruiz-Tagle Pérez"
FOLDED = "Jo " + "a" * 68 + "ürgen Müller"

B = tuple[int, int, int | None] | None
# file -> the people (name, birthday) it must import as, in order.
PEOPLE: dict[str, list[tuple[str, B]]] = {
    "android_21_qp_soft_breaks.vcf": [
        ("Jürgen Müller", (7, 23, 1985)),
        ("Δημήτρης Παπαδόπουλος", None),
        ("Anna Smith", (2, 29, 1992)),
    ],
    "android_21_qp_latin1.vcf": [("François Dupré", (11, 30, 1979)), ("Marco Rossi", None)],
    "nokia_21_qp_cp1251_no_charset.vcf": [("Иван Петров", (1, 2, 1980)), ("Ольга Смирнова", None)],
    "iphone_30_photo.vcf": [("Jane Appleseed", (3, 12, None)), ("Seán O’Brien", (11, 2, 1988))],
    "macos_30_group.vcf": [("Yuki Nakamura", (7, 4, 1995)), ("Li Chen", None)],
    "blackberry_21.vcf": [("Bob Okafor", (1, 15, 1980)), ("Priya Singh", None)],
    "whatsapp_shared_30.vcf": [("Carla 🌻", None)],
    "google_contacts_30.vcf": [("Alice Smith", (3, 12, None)), ("Dario Fo", (3, 24, 1926))],
    "evolution_30_folded.vcf": [("Inês Costa", (5, 6, 1991)), ("Tomás Silva", None)],
    "folded_inside_utf8.vcf": [(FOLDED, None), ("Ana", None)],
    "kde_30.vcf": [("Jan Kowalski", (2, 14, 1982))],
    "davx5_40.vcf": [
        ("Noor Al-Hassan", (4, 15, None)),
        ("王小明", (12, 24, None)),
        ("Olu", (1, 1, 2000)),
    ],
    "lotus_notes_21.vcf": [("Dr. Klaus Weber", (9, 9, 1966))],
    "outlook_21_cp1252.vcf": [("Jürgen Groß", (5, 1, 1970))],
    "utf16le_bom.vcf": [("Иван Петров", (1, 2, 1980)), ("Мария Иванова", None)],
    "utf16be_bom.vcf": [("Иван Петров", (1, 2, 1980)), ("Мария Иванова", None)],
    "utf16le_no_bom.vcf": [("山田太郎", (3, 21, 1990)), ("佐藤花子", None)],
    "utf16be_no_bom.vcf": [("山田太郎", (3, 21, 1990)), ("佐藤花子", None)],
    "cp1251_undeclared.vcf": [("Иван Петров", (1, 2, 1980)), ("Мария Иванова", None)],
    "cp1251_declared.vcf": [("Ольга Смирнова", None)],
    "shift_jis_undeclared.vcf": [("山田太郎", (3, 21, 1990)), ("佐藤花子", None)],
    "shift_jis_declared.vcf": [("鈴木一郎", (10, 10, 1975))],
    "cp1252_undeclared.vcf": [("François Dupré", None), ("Jürgen Groß", None)],
    "one_card_without_begin.vcf": [("Ada", None), ("Bob", None)],
    "nameless_cards.vcf": [("Ada", None), ("Bob", None), ("Carol", None), ("Dan", None)],
    "long_names.vcf": [(LONG, None), ("Li", None)],
    "lf_only_mixed_case.vcf": [("Ada", (1, 31, 1990)), ("Bea", (1, 31, 1990))],
    "duplicates.vcf": [("Ada", (1, 31, 1990)), ("Bea", None)],
    "outlook_2016.csv": [("John Doe III", (3, 15, 1990)), ("Mary Ann Major", None)],
    "outlook_de_semicolon.csv": [("Jürgen Groß", (3, 15, 1990)), ("Anke Weiß", None)],
    "google_2024.csv": [("Alice Smith", (3, 12, 1990)), ("Bob Okafor Jr.", (7, 4, None))],
    "google_legacy.csv": [("Chloé Dubois", (8, 1, 1992))],
    # Thunderbird's Birth Year / Birth Month / Birth Day: combined, a missing year allowed.
    "thunderbird.csv": [("Hana Kim", (9, 17, 1993)), ("Ivan Petrov", (2, 29, None)), ("Jo", None)],
    "thunderbird_utf16.csv": [("Zoë Ñúñez", (12, 1, 1988))],
    "yahoo.csv": [("Kofi Mensah", (4, 2, 1987))],
    "excel_sep_semicolon.csv": [("Sofia Rossi", (12, 24, 1990)), ("Luca", None)],
    "excel_unicode_text.csv": [("Zoë Ñúñez", (12, 1, 1988)), ("王小明", None)],
    "utf16le_no_bom.csv": [("Иван Петров", (1, 2, 1980)), ("Мария Иванова", None)],
    "cp1251_undeclared.csv": [("Иван Петров", (1, 2, 1980)), ("Мария Иванова", None)],
    "cp1252_undeclared.csv": [("José Müller", None), ("François Dupré", None)],
    "shift_jis_undeclared.csv": [("山田太郎", (3, 21, 1990)), ("佐藤花子", None)],
    "plain_names.csv": [("Ada", None), ("Bea", None), ("Carla 🌻", None)],
    # "Birth day" with no month column beside it is a whole date, as written.
    "hand_made_birth_day.csv": [("Ada", (1, 31, 1990)), ("Bea", (3, 12, None))],
}
# file -> what the refusal must say.
REFUSED = {
    "no_begin.vcf": "no_begin.vcf has no BEGIN:VCARD line",
    "truncated_mid_card.vcf": "truncated_mid_card.vcf line 6: a card starts (BEGIN:VCARD) "
    "but never ends.",
    "truncated_mid_photo.vcf": "line 1: a card starts (BEGIN:VCARD) but never ends.",
    "truncated_quote.csv": "truncated_quote.csv line 3: the file ends inside a quoted cell, "
    "so it looks cut off.",
}
# Files kith must say it read in an encoding it assumed.
GUESSED = {
    "nokia_21_qp_cp1251_no_charset.vcf": "Windows-1251 (Cyrillic)",
    "cp1251_undeclared.vcf": "Windows-1251 (Cyrillic)",
    "cp1251_undeclared.csv": "Windows-1251 (Cyrillic)",
    "shift_jis_undeclared.vcf": "Shift_JIS (Japanese)",
    "shift_jis_undeclared.csv": "Shift_JIS (Japanese)",
    "cp1252_undeclared.vcf": "Windows-1252 (Western European)",
    "cp1252_undeclared.csv": "Windows-1252 (Western European)",
    "outlook_2016.csv": "Windows-1252 (Western European)",
    "outlook_de_semicolon.csv": "Windows-1252 (Western European)",
}


def test_the_corpus_is_whole() -> None:
    files = {p.name for p in CORPUS.iterdir() if p.suffix in (".vcf", ".csv")}
    assert files == set(PEOPLE) | set(REFUSED)
    assert len(files) >= 40


# CSV rows holding someone (or meant to), counted by hand; vCards are counted from the file.
CSV_ROWS = {
    "outlook_2016.csv": 3,
    "outlook_de_semicolon.csv": 2,
    "google_2024.csv": 2,
    "google_legacy.csv": 1,
    "thunderbird.csv": 3,
    "thunderbird_utf16.csv": 1,
    "yahoo.csv": 1,
    "excel_sep_semicolon.csv": 2,
    "excel_unicode_text.csv": 2,
    "utf16le_no_bom.csv": 2,
    "cp1251_undeclared.csv": 2,
    "cp1252_undeclared.csv": 2,
    "shift_jis_undeclared.csv": 2,
    "plain_names.csv": 3,
    "hand_made_birth_day.csv": 2,
}


def cards_in(name: str) -> int:
    """How many cards the file holds: its END:VCARD lines (a card may lack its BEGIN)."""
    if name.endswith(".csv"):
        return CSV_ROWS[name]
    text = charsets.decode((CORPUS / name).read_bytes()).text
    return sum(1 for line in text.splitlines() if line.strip().upper() == "END:VCARD")


@pytest.mark.parametrize("name", sorted(PEOPLE))
def test_each_file_imports_its_people_and_birthdays(name: str) -> None:
    result = parse_contacts(name, (CORPUS / name).read_bytes())
    assert [(c.name, c.birthday) for c in result.contacts] == PEOPLE[name]
    # Every card or row is accounted for: the summary names where each one went.
    summary = result.summary()
    assert summary.startswith(f"{result.entries} {result.noun}")
    assert result.entries == cards_in(name)
    if name in GUESSED:
        assert f"I read it as {GUESSED[name]}." in summary
    else:
        assert "encoded" not in summary


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_damaged_files_are_refused_saying_what_is_wrong(name: str) -> None:
    with pytest.raises(ImportFormatError) as refused:
        parse_contacts(name, (CORPUS / name).read_bytes())
    assert REFUSED[name] in str(refused.value)
    assert "CSV" not in str(refused.value) or name.endswith(".csv")


def load(name: str) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    result = parse_contacts(name, (CORPUS / name).read_bytes())
    return [(c.name, c.phones, c.emails) for c in result.contacts]


def test_phones_and_emails_come_out_of_every_dialect() -> None:
    assert load("outlook_2016.csv") == [
        ("John Doe III", ("+1 555 0101", "+1 555 0102"), ("john@example.com",)),
        ("Mary Ann Major", (), ("mary@example.com",)),
    ]
    assert load("google_2024.csv")[0] == (
        "Alice Smith",
        ("+44 7700 900123", "+44 20 7946 0000"),
        ("alice@example.com",),
    )
    assert load("thunderbird.csv")[0] == ("Hana Kim", ("+1 555 0123",), ("hana@example.kr",))
    assert load("yahoo.csv") == [
        (
            "Kofi Mensah",
            ("+233 30 000 0000", "+233 24 000 0000"),
            ("kofi@example.com", "kofi@alt.example"),
        )
    ]
    assert load("outlook_de_semicolon.csv")[0] == (
        "Jürgen Groß",
        ("+49 170 1234567",),
        ("jg@example.de",),
    )
    assert load("whatsapp_shared_30.vcf") == [("Carla 🌻", ("+351 912 345 678",), ())]
    assert load("duplicates.vcf")[0] == ("Ada", ("+1 555 0100",), ())


def test_summaries_count_cards_without_a_name_and_without_a_begin() -> None:
    nameless = parse_contacts("n.vcf", (CORPUS / "nameless_cards.vcf").read_bytes())
    assert nameless.summary() == (
        "6 cards in this vCard 3.0 file: 4 people; 2 had no name and were skipped."
    )
    cut = parse_contacts("c.vcf", (CORPUS / "one_card_without_begin.vcf").read_bytes())
    assert cut.summary() == (
        "3 cards in this vCard 3.0 file: 2 people; "
        "1 had no BEGIN:VCARD line (ending on line 3) and was skipped."
    )


def test_a_group_card_is_counted_as_a_group() -> None:
    result = parse_contacts("g.vcf", (CORPUS / "macos_30_group.vcf").read_bytes())
    assert result.summary() == (
        "3 cards in this vCard 3.0 file: 2 people; 1 was a group, tagging their members."
    )
    assert result.contacts[0].tags == ("climbing",)


def test_structured_names_are_kept_from_the_card() -> None:
    result = parse_contacts("x.vcf", (CORPUS / "lotus_notes_21.vcf").read_bytes())
    assert result.contacts[0].name_parts == ("Weber", "Klaus", "", "Dr.", "")
    result = parse_contacts("x.vcf", (CORPUS / "long_names.vcf").read_bytes())
    assert result.contacts[0].name_parts == (
        "Fernández de Córdoba",
        "María de los Ángeles",
        "",
        "",
        "",
    )
