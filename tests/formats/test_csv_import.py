"""Reading CSV exports: Google (current and older), Outlook, hand-made sheets."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.formats import ContactsFile, ImportedContact, ImportFormatError, parse_contacts

FIXTURES = Path(__file__).parent / "fixtures"


def load(name: str) -> ContactsFile:
    return parse_contacts(name, (FIXTURES / name).read_bytes())


def csv_of(text: str, name: str = "contacts.csv") -> ContactsFile:
    return parse_contacts(name, text.encode("utf-8"))


def test_google_contacts_csv() -> None:
    result = load("google.csv")
    assert result.format == "google-csv"
    assert result.nameless == 1  # the plumber: an organisation and a phone, no name
    assert result.merged == 1  # "alice SMITH" is Alice Smith
    assert result.contacts == (
        ImportedContact(
            name="Alice Smith",
            aliases=("Ali",),
            birthday=(3, 12, 1990),
            note="Moving to Lisbon in March.\nAsk about the flat.\nWorks at the library.",
            tags=("climbing",),  # "* myContacts" and "* starred" are Google's own
            phones=("+1 415-555-0100", "+1 415-555-0101", "+1 415 555 0102"),
            emails=("alice@example.com", "alice.smith@work.example"),
        ),
        ImportedContact(
            name="Bob J. Okafor Jr.",
            birthday=(7, 4, None),
            tags=("family", "rock-climbing"),
            phones=("+44 7700 900123",),
        ),
        ImportedContact(name="Chloé Dubois"),  # "Imported on 3/12/19" is no tag
    )


def test_google_legacy_csv() -> None:
    result = load("google_legacy.csv")
    assert result.format == "google-csv-legacy"
    assert result.nameless == 1
    assert result.contacts == (
        ImportedContact(
            name="Dana Lee",
            aliases=("Dee",),
            birthday=(6, 30, 1985),
            note="Board games on Thursdays",
            tags=("friends", "board-games"),
            phones=("+1 206 555 0142",),
            emails=("dana@example.com",),
        ),
        # No "Name", so it is assembled from the given and family names.
        ImportedContact(name="Eli Navarro", birthday=(11, 30, None)),
    )


def test_outlook_csv_in_windows_1252() -> None:
    result = load("outlook.csv")
    assert result.format == "outlook-csv"
    assert result.contacts == (
        ImportedContact(
            name="François Lefèvre",  # no "Mr.": the title is not part of a friend's name
            birthday=(3, 12, 1990),  # Outlook writes month/day/year
            note="Café owner – ask about the new menu.",
            tags=("friends", "cycling"),
            phones=("+33 6 12 34 56 78",),  # not the assistant's phone, not the fax
            emails=("francois@example.fr",),
        ),
        ImportedContact(  # "0/0/00" is Outlook's empty birthday
            name="Grace Hopper",
            tags=("work",),
            phones=("(555) 010-2000",),
            emails=("grace@example.com",),
        ),
    )


def test_plain_name_csv() -> None:
    result = load("names.csv")
    assert result.format == "csv"
    assert result.nameless == 1
    assert result.contacts == (
        ImportedContact(
            name="Hana Kim",
            birthday=(9, 17, 1993),
            note="Sister's friend",
            tags=("neighbor", "climbing"),
            emails=("hana@example.kr",),
        ),
        ImportedContact(name="Ivan Petrov", birthday=(2, 29, None), tags=("work", "book-club")),
        ImportedContact(name="Jo 🌻"),
    )
    assert result.summary() == ("4 rows in this CSV file: 3 people; 1 had no name and was skipped.")


def test_single_column_of_names_without_header() -> None:
    result = load("names_only.csv")
    assert [c.name for c in result.contacts] == ["Kofi Mensah", "Lena Fischer", "Marta Nowak"]


def test_single_column_with_a_title_skips_the_title() -> None:
    result = csv_of("Friends\nAda\nBob\n")
    assert [c.name for c in result.contacts] == ["Ada", "Bob"]


def test_single_column_of_emails_is_not_a_list_of_names() -> None:
    with pytest.raises(ImportFormatError) as error:
        csv_of("Email\na@example.com\n")
    assert "has no name column; the columns I found are: Email." in str(error.value)


def test_semicolon_csv_from_european_excel() -> None:
    result = load("excel_semicolon.csv")
    assert result.contacts == (
        ImportedContact(
            name="Jörg Weiß",
            birthday=(3, 12, 1990),
            note="Kennt sich mit Bier aus; mag Fußball",
            phones=("0170 1234567",),
        ),
        # Slashed dates in a ;-separated file are day first.
        ImportedContact(name="Anke Schulz", birthday=(4, 3, 1991)),
        ImportedContact(name="Ümit", birthday=(12, 31, None)),
    )


def test_excel_sep_line_sets_the_delimiter() -> None:
    result = csv_of("sep=|\nName|Birthday\nAda Lovelace|10 December 1815\n")
    assert result.contacts == (ImportedContact(name="Ada Lovelace", birthday=(12, 10, 1815)),)


def test_tab_separated() -> None:
    result = csv_of("First Name\tLast Name\nAda\tLovelace\n")
    assert [c.name for c in result.contacts] == ["Ada Lovelace"]


def test_slashed_dates_decided_for_the_whole_column() -> None:
    # 25/12 can only be day first, so 03/04 in the same file is 3 April.
    result = csv_of("name,birthday\nAda,03/04/1990\nBob,25/12/1985\n")
    assert [c.birthday for c in result.contacts] == [(4, 3, 1990), (12, 25, 1985)]
    us = csv_of("name,birthday\nAda,03/04/1990\nBob,12/25/1985\n")
    assert [c.birthday for c in us.contacts] == [(3, 4, 1990), (12, 25, 1985)]


def test_latin1_file_is_decoded_not_refused() -> None:
    result = load("latin1.csv")
    assert result.contacts == (
        ImportedContact(name="José Álvarez", note="Señor of the café"),
        ImportedContact(name="Björk Guðmundsdóttir", note="Sings"),
    )


def test_utf16_with_bom_as_excel_unicode_text() -> None:
    data = "name\tnotes\nZoë\tß and 🎉\n".encode("utf-16")
    result = parse_contacts("contacts.txt", data)
    assert result.contacts == (ImportedContact(name="Zoë", note="ß and 🎉"),)


def test_no_name_column_lists_the_columns_found() -> None:
    with pytest.raises(ImportFormatError) as error:
        load("no_name_column.csv")
    assert str(error.value) == (
        "no_name_column.csv has no name column; the columns I found are: Email, Phone, "
        'Company. Add a column called "name" (or "first name" and "last name") and send it again.'
    )


def test_many_columns_are_abbreviated() -> None:
    header = ",".join(f"col{n}" for n in range(12))
    with pytest.raises(ImportFormatError) as error:
        csv_of(header + "\n" + ",".join("x" * 12) + "\n")
    assert "col0, col1, col2, col3, col4, col5, col6, col7 and 4 more." in str(error.value)


def test_header_only_has_nobody() -> None:
    with pytest.raises(ImportFormatError) as error:
        csv_of("name,email\n")
    assert str(error.value) == "I found no contacts in contacts.csv."


def test_unclosed_quote_in_a_huge_field_is_reported_with_its_line() -> None:
    text = 'name,notes\nAda,ok\nBob,"' + "x" * 200_000 + "\n"
    with pytest.raises(ImportFormatError) as error:
        csv_of(text)
    assert str(error.value).startswith("contacts.csv line 3: I couldn't read this CSV (")
