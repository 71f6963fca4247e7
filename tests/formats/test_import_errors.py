"""The front door: files that are not contacts get a clear sentence, never a traceback."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from bot.formats import MAX_IMPORT_BYTES, ImportFormatError, parse_contacts
from bot.formats.contacts import decode_text, parse_birthday, slug_tag

FIXTURES = Path(__file__).parent / "fixtures"


def error_of(filename: str, data: bytes) -> str:
    with pytest.raises(ImportFormatError) as error:
        parse_contacts(filename, data)
    return str(error.value)


def test_too_big() -> None:
    data = b"name\n" + b"x" * int(7.2 * 1024 * 1024)
    assert error_of("contacts.csv", data) == ("That file is 7.2 MB; I can import files up to 5 MB.")


def test_just_over_the_limit_never_says_5_0() -> None:
    message = error_of("c.vcf", b"x" * (MAX_IMPORT_BYTES + 1))
    assert message == "That file is 5.1 MB; I can import files up to 5 MB."


def test_empty_files() -> None:
    assert error_of("empty.vcf", (FIXTURES / "empty.vcf").read_bytes()) == "empty.vcf is empty."
    assert error_of("c.csv", b"\xef\xbb\xbf \r\n\r\n") == "c.csv is empty."
    assert error_of("", b"") == "That file is empty."


def test_png_renamed_vcf() -> None:
    assert error_of("photo.vcf", (FIXTURES / "photo.vcf").read_bytes()) == (
        "That file is called .vcf but it is not a vCard (it looks like a PNG image)."
    )


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        (
            "c.csv",
            b"%PDF-1.7\n...",
            "That file is called .csv but it is not a CSV file (it looks like a PDF document).",
        ),
        (
            "c.txt",
            b"\xff\xd8\xff\xe0\x00\x10JFIF",
            "That file looks like a JPEG image, not a contacts file. "
            "I can import vCard (.vcf) and CSV files.",
        ),
        (
            "c.bin",
            bytes(range(256)) * 4,
            "That file looks like a binary file, not a contacts file. "
            "I can import vCard (.vcf) and CSV files.",
        ),
        (
            "backup.db",
            b"SQLite format 3\x00" + b"\x00" * 100,
            "That file looks like a SQLite database, not a contacts file. "
            "I can import vCard (.vcf) and CSV files.",
        ),
    ],
)
def test_binary_files(filename: str, data: bytes, message: str) -> None:
    assert error_of(filename, data) == message


def test_excel_workbook_asks_for_csv() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    assert error_of("contacts.xlsx", buffer.getvalue()) == (
        "That looks like an Excel workbook. Save it as CSV (File → Save As → CSV UTF-8) "
        "and send me that."
    )


def test_text_that_is_not_a_vcard_but_named_vcf() -> None:
    assert error_of("contacts.vcf", b"name,email\nAda,ada@example.com\n") == (
        "That file is called .vcf but it is not a vCard (it looks like a CSV file)."
    )
    assert error_of("cal.vcf", b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n") == (
        "That file is called .vcf but it is not a vCard (it looks like a calendar (.ics) file)."
    )


def test_json_and_html_are_not_contacts() -> None:
    assert error_of("data.json", b'{"a": 1}') == (
        "data.json looks like a JSON file, not a contacts file. "
        "I can import vCard (.vcf) and CSV files."
    )
    kith = b'{"format": "kith-export", "version": 1}'
    assert error_of("backup.json", kith) == "backup.json is a kith export, not a contacts file."
    assert error_of("page.html", b"<!DOCTYPE html><html></html>").startswith(
        "page.html looks like a web page,"
    )
    assert error_of("c.json", b"name\nAda\n") == (
        "That file is called .json but it is not JSON (it looks like a CSV or text file)."
    )


def test_path_in_the_filename_is_not_shown() -> None:
    assert error_of("/home/ada/Downloads/empty.csv", b"") == "empty.csv is empty."


def test_decode_text_fallbacks() -> None:
    assert decode_text("Zoë".encode()) == "Zoë"
    assert decode_text(b"\xef\xbb\xbfZo\xc3\xab") == "Zoë"
    assert decode_text("Zoë".encode("utf-16-le")) == "Zoë"  # no BOM, found by its NULs
    assert decode_text("Zoë\n".encode("utf-16-be") * 3) == "Zoë\n" * 3
    # A mixed file: the UTF-8 line stays UTF-8, the Windows-1252 line is decoded as such.
    assert decode_text("Zoë\n".encode() + "“Bjørn”\n".encode("cp1252")) == "Zoë\n“Bjørn”\n"


@pytest.mark.parametrize(
    ("raw", "day_first", "expected"),
    [
        ("3/12/1990", False, (3, 12, 1990)),
        ("3/12/1990", True, (12, 3, 1990)),
        ("12.3.1990", False, (3, 12, 1990)),
        ("12.03.", False, (3, 12, None)),
        ("3/12", False, (3, 12, None)),
        ("1990/03/12", False, (3, 12, 1990)),
        ("12 March 1990", False, (3, 12, 1990)),
        ("12th Mar", False, (3, 12, None)),
        ("March 12, 1990", False, (3, 12, 1990)),
        ("Sept 9", False, (9, 9, None)),
        ("3/12/1990 0:00:00", False, (3, 12, 1990)),
        ("0/0/00", False, None),
        ("29.02.1991", False, None),
        ("29.02.", False, (2, 29, None)),
        ("Smarch 12", False, None),
        ("", False, None),
        ("soon", False, None),
    ],
)
def test_parse_birthday(
    raw: str, day_first: bool, expected: tuple[int, int, int | None] | None
) -> None:
    assert parse_birthday(raw, day_first=day_first) == expected


def test_two_digit_years_are_never_in_the_future() -> None:
    parsed = parse_birthday("3/12/90")
    assert parsed == (3, 12, 1990)


@pytest.mark.parametrize(
    ("label", "tag"),
    [
        ("Climbing", "climbing"),
        ("Rock Climbing", "rock-climbing"),
        ("#Work", "work"),
        ("* Friends", "friends"),
        ("* myContacts", None),
        ("My Contacts", None),
        ("starred", None),
        ("Imported on 3/12/19", None),
        ("Imported 2019-03-12", None),
        ("Vinos & Tapas!", "vinos-tapas"),
        ("Café", "café"),
        ("board_games", "board_games"),
        ("---", None),
        ("x" * 60, "x" * 40),
    ],
)
def test_slug_tag(label: str, tag: str | None) -> None:
    assert slug_tag(label) == tag
