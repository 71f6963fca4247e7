"""Reading vCards as phones and address books really export them."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.formats import ContactsFile, ImportedContact, ImportFormatError, parse_contacts

FIXTURES = Path(__file__).parent / "fixtures"


def load(name: str) -> ContactsFile:
    return parse_contacts(name, (FIXTURES / name).read_bytes())


def vcf(*cards: list[str], version: str = "3.0") -> bytes:
    """Cards from their property lines, CRLF-joined as exporters write them."""
    out = [
        f"BEGIN:VCARD\r\nVERSION:{version}\r\n" + "\r\n".join(c) + "\r\nEND:VCARD\r\n"
        for c in cards
    ]
    return "".join(out).encode("utf-8")


def one(data: bytes) -> ImportedContact:
    result = parse_contacts("contacts.vcf", data)
    assert len(result.contacts) == 1
    return result.contacts[0]


# -- the fixtures, exactly ------------------------------------------------------------------


def test_android_vcard_21_quoted_printable() -> None:
    result = load("android_v21.vcf")
    assert result.format == "vcard-2.1"
    assert result.nameless == 1  # the card with only a phone number
    assert result.merged == 1  # Jürgen appears twice
    assert result.unreadable == ()
    assert result.contacts == (
        ImportedContact(
            name="Jürgen Müller",
            aliases=("Jürgi", "Jogi"),
            birthday=(7, 23, 1985),
            # The soft break before " mit" keeps its leading space.
            note="Kennt sich mit Fahrrädern aus, hilft gern beim Umzug.\n"
            "Hat zwei Katzen: Mia & Leo. Fragen, wie es mit dem neuen Job in München läuft.",
            tags=(),
            phones=("+49 170 1234567", "+49 30 123456"),
            emails=("juergen@example.de",),
            name_parts=("Müller", "Jürgen", "", "", ""),
        ),
        ImportedContact(
            name="Δημήτρης Παπαδόπουλος",
            note="Loves sailing; 2+2=4 and a=b",
            phones=("+30 69 1234 5678",),
            name_parts=("Παπαδόπουλος", "Δημήτρης", "", "", ""),
        ),
        ImportedContact(
            name="Anna Smith",
            birthday=(2, 29, 1992),
            phones=("+44 20 7946 0000",),
            name_parts=("Smith", "Anna", "", "", ""),
        ),
    )
    assert result.summary() == (
        "5 cards in this vCard 2.1 file: 3 people; 1 had no name and was skipped; "
        "1 was a duplicate of another and was merged."
    )


def test_apple_icloud_vcard_30() -> None:
    result = load("icloud_v30.vcf")
    assert result.format == "vcard-3.0"
    assert result.nameless == 1  # the card with an empty FN and N, only an e-mail
    jane, sean, bakery = result.contacts
    assert jane == ImportedContact(
        name="Jane Appleseed",
        aliases=("Janie",),
        birthday=(3, 12, None),  # X-APPLE-OMIT-YEAR=1604
        note="Met at the climbing gym, loves bouldering.\n"
        "Ask about her trip to Japan in April; she was nervous about the flight.",
        # CATEGORIES, then the Apple group card whose MEMBER lists her UID.
        tags=("climbing", "book-club", "neighbours"),
        phones=("+1 (408) 555-0101",),  # the HOME;FAX number is left out
        emails=("jane@example.com",),
        name_parts=("Appleseed", "Jane", "Marie", "Dr.", ""),
    )
    assert sean == ImportedContact(
        name="Seán O’Brien",
        birthday=(11, 2, 1988),
        tags=("neighbours",),
        phones=("+353 85 123 4567",),
        name_parts=("O’Brien", "Seán", "", "", ""),
    )
    assert bakery == ImportedContact(name="Bakery Rossi", phones=("+39 06 1234567",))


def test_vcard_40_with_bom_groups_and_names_from_n() -> None:
    result = load("v40.vcf")
    assert result.format == "vcard-4.0"
    assert result.nameless == 1
    assert result.contacts == (
        ImportedContact(
            name="نور الحسن",
            aliases=("Nuri", "Noor H."),
            birthday=(4, 15, None),
            note="Runs the book club. Ask how the Arabic, French and English editions compare.",
            tags=("work", "book-club"),  # "book club" from the group card merges in
            phones=("+44-20-7946-0958",),
            emails=("noor@example.org",),
            name_parts=("الحسن", "نور", "", "", ""),
        ),
        ImportedContact(
            name="Yuki Nakamura",
            birthday=(7, 4, 1995),
            name_parts=("Nakamura", "Yuki", "", "", ""),
        ),
        # Family name first, no space; the structured name keeps which is which.
        ImportedContact(
            name="王小明", birthday=(12, 24, None), name_parts=("王", "小明", "", "", "")
        ),
    )


# -- details --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "birthday"),
    [
        ("BDAY:--0312", (3, 12, None)),
        ("BDAY:--03-12", (3, 12, None)),
        ("BDAY:19900312", (3, 12, 1990)),
        ("BDAY:1990-03-12", (3, 12, 1990)),
        ("BDAY;VALUE=date:1990-03-12", (3, 12, 1990)),
        ("BDAY:1990-03-12T00:00:00Z", (3, 12, 1990)),
        ("BDAY;X-APPLE-OMIT-YEAR=1604:1604-03-12", (3, 12, None)),
        ("BDAY;X-APPLE-OMIT-YEAR=1604;VALUE=date:1604-03-12", (3, 12, None)),
        ("BDAY:0000-03-12", (3, 12, None)),
        ("BDAY:--0229", (2, 29, None)),
        ("BDAY:1991-02-29", None),  # not a date
        ("BDAY:1990-13-01", None),
        ("BDAY:1990-03", None),  # a month is not a birthday
        ("BDAY;VALUE=text:circa 1800", None),
    ],
)
def test_birthday_forms(line: str, birthday: tuple[int, int, int | None] | None) -> None:
    assert one(vcf(["FN:Ada", line])).birthday == birthday


def test_card_with_only_n_assembles_the_name_without_the_prefix() -> None:
    contact = one(vcf(["N:Lovelace;Ada;Augusta;Countess;of Lovelace"]))
    assert contact.name == "Ada Augusta Lovelace of Lovelace"


def test_unescaped_comma_in_a_note_is_kept() -> None:
    # vobject's own text decoding would keep only "Hi".
    assert one(vcf(["FN:Ada", "NOTE:Hi, there; how are you"])).note == "Hi, there; how are you"


def test_escapes_and_folding() -> None:
    contact = one(
        vcf(
            [
                "FN:Ana\\, María",
                "NICKNAME:Ani,A\\,M",
                "CATEGORIES:Rock Climbing,#Work,myContacts,starred",
                "NOTE:one\\ntwo\\\\three",
                " continued",
            ]
        )
    )
    assert contact == ImportedContact(
        name="Ana, María",
        aliases=("Ani", "A,M"),
        tags=("rock-climbing", "work"),
        note="one\ntwo\\threecontinued",
    )


def test_lowercase_lf_only_and_whitespace_tolerated() -> None:
    data = b"begin:vcard\nversion:3.0\nfn:  Ada   Lovelace \nemail:ADA@example.com\nend:vcard\n"
    assert one(data) == ImportedContact(name="Ada Lovelace", emails=("ADA@example.com",))


def test_nameless_cards_only_raise_with_the_count() -> None:
    data = vcf(["TEL:+1 555 0100"], ["EMAIL:x@example.com", "FN:  ", "N:;;;;"])
    with pytest.raises(ImportFormatError) as error:
        parse_contacts("contacts.vcf", data)
    assert str(error.value) == "I found no contacts in contacts.vcf. All 2 cards had no name."


def test_duplicates_merge_into_the_first_keeping_everything() -> None:
    data = vcf(
        ["FN:Alice Smith", "NICKNAME:Al", "BDAY:--0312", "TEL:+1 555 0100", "NOTE:likes tea"],
        [
            "FN:ALICE  smith",
            "NICKNAME:Ali,Al",
            "BDAY:1990-03-12",
            "TEL:+1 (555) 0100",
            "NOTE:has a dog",
        ],
        ["FN:alice smith", "NOTE:likes tea", "CATEGORIES:work"],
    )
    result = parse_contacts("contacts.vcf", data)
    assert result.merged == 2
    assert result.contacts == (
        ImportedContact(
            name="Alice Smith",
            aliases=("Al", "Ali"),
            birthday=(3, 12, 1990),  # the second card knew the year
            note="likes tea\nhas a dog",
            tags=("work",),
            phones=("+1 555 0100",),  # the same number written differently
        ),
    )


def test_quoted_printable_with_a_wrong_charset_falls_back() -> None:
    data = vcf(
        [
            "FN;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:J=C3=BCrgen",
            "N;CHARSET=NOPE;QUOTED-PRINTABLE:Z=FCrich;Anna;;;",
        ],
        version="2.1",
    )
    # The FN says Latin-1 but holds valid UTF-8: UTF-8 wins.
    assert one(data).name == "Jürgen"
    latin1 = vcf(["FN;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:J=FCrgen"], version="2.1")
    assert one(latin1).name == "Jürgen"
    only_n = vcf(["N;CHARSET=NOPE;QUOTED-PRINTABLE:Z=FCrich;Anna;;;"], version="2.1")
    assert one(only_n).name == "Anna Zürich"  # unknown charset, not UTF-8: Windows-1252


def test_unreadable_line_is_skipped_and_reported() -> None:
    data = vcf(["FN:Ada", 'TEL;TYPE="unterminated:+1 555 0100', "NOTE:kept"])
    result = parse_contacts("c.vcf", data)
    assert result.contacts == (ImportedContact(name="Ada", note="kept"),)
    assert result.unreadable == (4,)
    assert result.summary() == (
        "1 card in this vCard 3.0 file: 1 person; I couldn't read line 4 and skipped it."
    )


def test_unindented_base64_from_old_phones_is_ignored() -> None:
    data = vcf(
        [
            "FN:Ada",
            "PHOTO;ENCODING=BASE64;TYPE=JPEG:/9j/4AAQSkZJRg",
            "AAAABBBBCCCC",
            "DDDDEEEE==",
            "",
            "NOTE:after",
        ],
        version="2.1",
    )
    assert one(data) == ImportedContact(name="Ada", note="after")


def test_stray_end_and_text_between_cards_are_ignored() -> None:
    data = b"Exported by Foo\r\nEND:VCARD\r\n" + vcf(["FN:Ada"]) + b"\r\n\r\n" + vcf(["FN:Bob"])
    assert [c.name for c in parse_contacts("c.vcf", data).contacts] == ["Ada", "Bob"]


def test_card_that_never_ends_before_the_next_begins() -> None:
    data = b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada\r\n" + vcf(["FN:Bob"])
    with pytest.raises(ImportFormatError) as error:
        parse_contacts("contacts.vcf", data)
    assert str(error.value) == "contacts.vcf line 1: a card starts (BEGIN:VCARD) but never ends."
    assert error.value.line == 1


def test_truncated_fixture_names_the_line_of_the_unfinished_card() -> None:
    with pytest.raises(ImportFormatError) as error:
        load("truncated.vcf")
    assert str(error.value) == "truncated.vcf line 6: a card starts (BEGIN:VCARD) but never ends."


def test_mixed_versions_report_plain_vcard() -> None:
    data = vcf(["FN:Ada"], version="2.1") + vcf(["FN:Bob"], version="4.0")
    assert parse_contacts("c.vcf", data).format == "vcard"


def test_vcard_named_csv_is_still_read_as_vcard() -> None:
    assert parse_contacts("contacts.csv", vcf(["FN:Ada"])).format == "vcard-3.0"


def test_five_hundred_cards_all_parse() -> None:
    photo = "PHOTO;ENCODING=b;TYPE=JPEG:" + "QUJD" * 2000
    card = [
        "FN:Person {n}",
        "N:{n};Person;;;",
        "NICKNAME:P{n}",
        "BDAY:1990-03-12",
        "TEL;type=CELL:+1 555 {n:04d}",
        "item1.EMAIL;type=INTERNET:p{n}@example.com",
        "item1.X-ABLabel:_$!<Other>!$_",
        "NOTE:Line one\\nline two\\, with a comma",
        "CATEGORIES:Friends,Climbing",
        photo[:75],
        *[" " + photo[i : i + 74] for i in range(75, len(photo), 74)],
    ]
    data = vcf(*[[line.format(n=n) for line in card] for n in range(500)])
    result = parse_contacts("big.vcf", data)  # its speed is measured in bench/, not here
    assert len(result.contacts) == 500
    assert result.contacts[499].aliases == ("P499",)
