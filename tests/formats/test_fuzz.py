"""Whatever a user sends, the answer is contacts or an ImportFormatError, never a crash."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.formats import ContactsFile, ImportFormatError, parse_contacts

# Fragments of real and broken files, shuffled into lines.
PIECES = st.sampled_from(
    [
        "BEGIN:VCARD",
        "END:VCARD",
        "VERSION:2.1",
        "VERSION:3.0",
        "FN:Ada",
        "N:a;b;c;d;e;f;g",
        "N:",
        "FN;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:=C3=",
        "NOTE;QUOTED-PRINTABLE:a=",
        "=",
        "",
        " ",
        "  x",
        "BDAY:--1399",
        "BDAY:0000-00-00",
        "BDAY;X-APPLE-OMIT-YEAR:1604-02-30",
        "CATEGORIES:,,",
        "NICKNAME:\\",
        'TEL;TYPE="a:b',
        "item1.X:y",
        ";;;",
        ":",
        "KIND:group",
        "MEMBER:urn:uuid:",
        "X-ANDROID-CUSTOM:vnd.android.cursor.item/nickname",
        "FN;CHARSET=x-unknown;ENCODING=QUOTED-PRINTABLE:=FF=FE",
        "name,email",
        'a"b,c',
        '"unterminated',
        "sep=;",
        "\x00",
        "\ufeff",
    ]
)


def check(filename: str, data: bytes) -> None:
    try:
        result = parse_contacts(filename, data)
    except ImportFormatError as error:
        assert str(error).endswith(".")
        return
    assert isinstance(result, ContactsFile)
    assert result.contacts
    assert all(c.name and c.name == c.name.strip() for c in result.contacts)
    assert result.summary()


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.one_of(PIECES, st.text(max_size=10)), max_size=30),
    st.sampled_from(["\r\n", "\n", "\r"]),
    st.sampled_from(["c.vcf", "c.csv", "", "c.json", "c.txt"]),
)
def test_line_soup(lines: list[str], newline: str, filename: str) -> None:
    check(filename, newline.join(lines).encode("utf-8", "surrogatepass"))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300), st.sampled_from(["c.vcf", "c.csv", ""]))
def test_any_bytes(data: bytes, filename: str) -> None:
    check(filename, data)
