"""Writes the contact-file corpus in this folder: `python -m tests.formats.corpus.build`.

Each file imitates what a real exporter writes (its column names, its vCard dialect, its
encoding); tests/formats/test_corpus.py says what each must import as. The files are
committed; this script is how they were made, kept so a new shape is one function away.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).parent
FILES: dict[str, Callable[[], bytes]] = {}


def corpus(name: str) -> Callable[[Callable[[], bytes]], Callable[[], bytes]]:
    def register(make: Callable[[], bytes]) -> Callable[[], bytes]:
        FILES[name] = make
        return make

    return register


def crlf(lines: list[str]) -> str:
    return "\r\n".join(lines) + "\r\n"


def card(version: str, *lines: str) -> list[str]:
    return ["BEGIN:VCARD", f"VERSION:{version}", *lines, "END:VCARD"]


def fold(line: str, width: int = 75) -> list[str]:
    """Fold at `width` octets, as RFC 6350 says; may cut a UTF-8 character in two."""
    raw = line.encode("utf-8")
    out = [raw[:width]]
    raw = raw[width:]
    while raw:
        out.append(b" " + raw[: width - 1])
        raw = raw[width - 1 :]
    return [part.decode("utf-8", errors="surrogateescape") for part in out]


def utf8_folded(lines: list[str]) -> bytes:
    return "\r\n".join(lines).encode("utf-8", errors="surrogateescape") + b"\r\n"


# A tiny JPEG-ish blob: what matters is that it is long base64, folded.
PHOTO = base64.b64encode(bytes(range(256)) * 6).decode("ascii")


def photo_lines(prefix: str) -> list[str]:
    text = prefix + PHOTO
    return [text[:75]] + [" " + text[i : i + 74] for i in range(75, len(text), 74)]


# -- vCards from phones ---------------------------------------------------------------------


@corpus("android_21_qp_soft_breaks.vcf")
def android_qp() -> bytes:
    note = (
        "NOTE;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Kennt sich mit Fahrr=C3=A4dern aus,=\r\n"
        " hilft gern beim Umzug. Fragen, wie es mit dem neuen Job in M=C3=BCnchen l=\r\n"
        "=C3=A4uft."
    )
    return (
        crlf(
            card(
                "2.1",
                "N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:M=C3=BCller;J=C3=BCrgen;;;",
                "FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:J=C3=BCrgen M=C3=BCller",
                "TEL;CELL:+49 170 1234567",
                "BDAY:1985-07-23",
            )[:-1]
        )
        + note
        + "\r\nEND:VCARD\r\n"
        + crlf(
            card(
                "2.1",
                "N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=CE=A0=CE=B1=CF=80=CE=B1=CE=B4=CF=8C=",
                "=CF=80=CE=BF=CF=85=CE=BB=CE=BF=CF=82;=CE=94=CE=B7=CE=BC=CE=AE=CF=84=CF=81=CE=B7=CF=82;;;",
                "TEL;CELL:+30 69 1234 5678",
            )
        )
        + crlf(card("2.1", "N:Smith;Anna;;;", "FN:Anna Smith", "BDAY:19920229"))
    ).encode("ascii")


@corpus("android_21_qp_latin1.vcf")
def android_latin1() -> bytes:
    return crlf(
        card(
            "2.1",
            "N;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:Dupr=E9;Fran=E7ois;;;",
            "FN;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:Fran=E7ois Dupr=E9",
            "BDAY:1979-11-30",
        )
        + card("2.1", "N:Rossi;Marco;;;", "FN:Marco Rossi", "TEL;HOME:+39 06 1234567")
    ).encode("ascii")


def qp(text: str, encoding: str) -> str:
    return "".join(f"={b:02X}" if b > 127 or b == 61 else chr(b) for b in text.encode(encoding))


@corpus("nokia_21_qp_cp1251_no_charset.vcf")
def nokia_qp() -> bytes:
    # Quoted-printable without CHARSET: the bytes are the phone's own code page.
    return crlf(
        card(
            "2.1",
            "N;ENCODING=QUOTED-PRINTABLE:" + qp("Петров;Иван;;;", "cp1251"),
            "FN;ENCODING=QUOTED-PRINTABLE:" + qp("Иван Петров", "cp1251"),
            "TEL;CELL:+7 912 345-67-89",
            "BDAY:1980-01-02",
        )
        + card("2.1", "N;ENCODING=QUOTED-PRINTABLE:" + qp("Смирнова;Ольга;;;", "cp1251"))
    ).encode("ascii")


@corpus("iphone_30_photo.vcf")
def iphone_photo() -> bytes:
    return crlf(
        card(
            "3.0",
            "PRODID:-//Apple Inc.//iPhone OS 17.1//EN",
            "N:Appleseed;Jane;;;",
            "FN:Jane Appleseed",
            "item1.EMAIL;type=INTERNET;type=pref:jane@example.com",
            "TEL;type=CELL;type=VOICE;type=pref:+1 (408) 555-0101",
            "BDAY;X-APPLE-OMIT-YEAR=1604:1604-03-12",
            *photo_lines("PHOTO;ENCODING=b;TYPE=JPEG:"),
        )
        + card(
            "3.0",
            "N:O’Brien;Seán;;;",
            "FN:Seán O’Brien",
            "BDAY:1988-11-02",
            *photo_lines("PHOTO;ENCODING=b;TYPE=JPEG:"),
        )
    ).encode("utf-8")


@corpus("macos_30_group.vcf")
def macos_group() -> bytes:
    return crlf(
        card(
            "3.0",
            "N:Nakamura;Yuki;;;",
            "FN:Yuki Nakamura",
            "UID:1111-aaaa",
            "BDAY;value=date:1995-07-04",
        )
        + card("3.0", "N:Chen;Li;;;", "FN:Li Chen", "UID:2222-bbbb")
        + card(
            "3.0",
            "FN:Climbing",
            "N:Climbing;;;;",
            "X-ADDRESSBOOKSERVER-KIND:group",
            "X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:1111-aaaa",
        )
    ).encode("utf-8")


@corpus("blackberry_21.vcf")
def blackberry() -> bytes:
    return crlf(
        card("2.1", "N:Okafor;Bob;;;", "FN:Bob Okafor", "TEL;WORK:+234 1 555 0100", "BDAY:19800115")
        + card("2.1", "N:Singh;Priya;;;", "TEL;CELL:+91 98765 43210", "EMAIL;INTERNET:p@ex.in")
    ).encode("ascii")


@corpus("whatsapp_shared_30.vcf")
def whatsapp() -> bytes:
    return crlf(
        card(
            "3.0",
            "N:;Carla;;;",
            "FN:Carla 🌻",
            "item1.TEL;waid=351912345678:+351 912 345 678",
            "item1.X-ABLabel:Mobile",
        )
    ).encode("utf-8")


@corpus("google_contacts_30.vcf")
def google_vcf() -> bytes:
    return crlf(
        card(
            "3.0",
            "FN:Alice Smith",
            "N:Smith;Alice;;;",
            "NICKNAME:Ali",
            "EMAIL;TYPE=INTERNET:alice@example.com",
            "TEL;TYPE=CELL:+44 7700 900123",
            "BDAY:--03-12",
            "CATEGORIES:myContacts,Climbing",
        )
        + card("3.0", "FN:Dario Fo", "N:Fo;Dario;;;", "BDAY:1926-03-24")
        + card("3.0", "FN:", "N:;;;;", "TEL;TYPE=CELL:+44 7700 900999")
    ).encode("utf-8")


@corpus("evolution_30_folded.vcf")
def evolution() -> bytes:
    note = "NOTE:" + "Met at the Lisbon meetup\\, talks about bikes and bread. " * 3
    return utf8_folded(
        [
            *card(
                "3.0",
                "UID:pas-id-1",
                "X-EVOLUTION-FILE-AS:Costa\\, Inês",
                "FN:Inês Costa",
                "N:Costa;Inês;;;",
                *fold(note),
                "BDAY:1991-05-06",
            ),
            *card("3.0", "UID:pas-id-2", "FN:Tomás Silva", "N:Silva;Tomás;;;"),
        ]
    )


@corpus("folded_inside_utf8.vcf")
def folded_inside() -> bytes:
    # The fold at octet 75 lands inside "ü": some writers count bytes, not characters.
    name = "FN:Jo " + "a" * 68 + "ürgen Müller"
    lines = fold(name)
    assert lines[0].encode("utf-8", errors="surrogateescape")[-1:] == b"\xc3"
    return utf8_folded([*card("3.0", *lines), *card("3.0", "FN:Ana", *fold("NOTE:" + "ü" * 60))])


@corpus("kde_30.vcf")
def kde() -> bytes:
    return crlf(
        card(
            "3.0",
            "CLASS:PUBLIC",
            "FN:Jan Kowalski",
            "N:Kowalski;Jan;;;",
            "X-KADDRESSBOOK-X-Anniversary:2010-06-12",
            "BDAY:1982-02-14T00:00:00Z",
            "EMAIL;TYPE=PREF:jan@example.pl",
        )
    ).encode("utf-8")


@corpus("davx5_40.vcf")
def davx5() -> bytes:
    return crlf(
        card(
            "4.0",
            "PRODID:+//IDN bitfire.at//DAVx5/4.3 ez-vcard/0.11.3",
            "UID:urn:uuid:3333",
            "FN:Noor Al-Hassan",
            "N:Al-Hassan;Noor;;;",
            "BDAY:--0415",
            "TEL;TYPE=cell:tel:+44-20-7946-0958",
        )
        + card("4.0", "UID:urn:uuid:4444", "FN:王小明", "N:王;小明;;;", "BDAY:--1224")
        + card("4.0", "UID:urn:uuid:5555", "FN:Olu", "BDAY:20000101")
    ).encode("utf-8")


@corpus("lotus_notes_21.vcf")
def lotus() -> bytes:
    return crlf(card("2.1", "N:Weber;Klaus;;Dr.;", "FN:Dr. Klaus Weber", "BDAY:1966-09-09")).encode(
        "ascii"
    )


@corpus("outlook_21_cp1252.vcf")
def outlook_vcf() -> bytes:
    return crlf(
        card(
            "2.1",
            "N;LANGUAGE=de;CHARSET=Windows-1252:Groß;Jürgen",
            "FN;CHARSET=Windows-1252:Jürgen Groß",
            "BDAY:19700501",
            "EMAIL;PREF;INTERNET:jg@example.de",
        )
    ).encode("cp1252")


# -- encodings --------------------------------------------------------------------------------

RUSSIAN = card("3.0", "FN:Иван Петров", "N:Петров;Иван;;;", "BDAY:1980-01-02") + card(
    "3.0", "FN:Мария Иванова", "N:Иванова;Мария;;;", "NOTE:Подруга из школы"
)
JAPANESE = card("2.1", "FN:山田太郎", "N:山田;太郎;;;", "BDAY:19900321") + card(
    "2.1", "FN:佐藤花子", "N:佐藤;花子;;;", "NOTE:大学の友達"
)


@corpus("utf16le_bom.vcf")
def utf16le_bom() -> bytes:
    return crlf(RUSSIAN).encode("utf-16")  # Python writes the BOM, little-endian


@corpus("utf16be_bom.vcf")
def utf16be_bom() -> bytes:
    return b"\xfe\xff" + crlf(RUSSIAN).encode("utf-16-be")


@corpus("utf16le_no_bom.vcf")
def utf16le() -> bytes:
    return crlf(JAPANESE).encode("utf-16-le")


@corpus("utf16be_no_bom.vcf")
def utf16be() -> bytes:
    return crlf(JAPANESE).encode("utf-16-be")


@corpus("cp1251_undeclared.vcf")
def cp1251() -> bytes:
    return crlf(RUSSIAN).encode("cp1251")


@corpus("cp1251_declared.vcf")
def cp1251_declared() -> bytes:
    return crlf(
        card(
            "2.1", "FN;CHARSET=WINDOWS-1251:Ольга Смирнова", "N;CHARSET=WINDOWS-1251:Смирнова;Ольга"
        )
    ).encode("cp1251")


@corpus("shift_jis_undeclared.vcf")
def sjis() -> bytes:
    return crlf(JAPANESE).encode("shift_jis")


@corpus("shift_jis_declared.vcf")
def sjis_declared() -> bytes:
    return crlf(
        card(
            "2.1",
            "FN;CHARSET=SHIFT_JIS:鈴木一郎",
            "N;CHARSET=SHIFT_JIS:鈴木;一郎",
            "BDAY:1975-10-10",
        )
    ).encode("shift_jis")


@corpus("cp1252_undeclared.vcf")
def cp1252() -> bytes:
    return crlf(
        card("3.0", "FN:François Dupré", "N:Dupré;François;;;", "NOTE:très bien")
        + card("3.0", "FN:Jürgen Groß", "N:Groß;Jürgen;;;")
    ).encode("cp1252")


# -- damaged vCards ---------------------------------------------------------------------------


@corpus("truncated_mid_card.vcf")
def truncated() -> bytes:
    data = crlf(card("3.0", "FN:Ada Lovelace", "BDAY:1815-12-10") + card("3.0", "FN:Bob"))
    return data[: data.rindex("END:VCARD")].encode("utf-8")


@corpus("truncated_mid_photo.vcf")
def truncated_photo() -> bytes:
    data = crlf(card("3.0", "FN:Ada Lovelace", *photo_lines("PHOTO;ENCODING=b:")))
    return data[: len(data) // 2].encode("utf-8")


@corpus("no_begin.vcf")
def no_begin() -> bytes:
    return crlf(card("3.0", "FN:Ada Lovelace", "N:Lovelace;Ada;;;")[1:]).encode("utf-8")


@corpus("one_card_without_begin.vcf")
def one_without_begin() -> bytes:
    return crlf(
        card("3.0", "FN:Lost Start")[1:] + card("3.0", "FN:Ada") + card("3.0", "FN:Bob")
    ).encode("utf-8")


@corpus("nameless_cards.vcf")
def nameless() -> bytes:
    return crlf(
        card("3.0", "FN:Ada")
        + card("3.0", "FN:Bob")
        + card("3.0", "TEL:+1 555 0100")
        + card("3.0", "FN:Carol")
        + card("3.0", "EMAIL:who@example.com")
        + card("3.0", "FN:Dan")
    ).encode("utf-8")


@corpus("long_names.vcf")
def long_names() -> bytes:
    long = "María de los Ángeles Fernández de Córdoba y Gutiérrez de la Concha Ruiz-Tagle Pérez"
    return crlf(
        card("3.0", f"FN:{long}", "N:Fernández de Córdoba;María de los Ángeles;;;")
        + card("3.0", "FN:Li")
    ).encode("utf-8")


@corpus("lf_only_mixed_case.vcf")
def lf_only() -> bytes:
    text = "begin:vcard\nversion:3.0\nfn:Ada\nbday:1990-01-31\nend:vcard\n"
    return (text + text.replace("Ada", "Bea")).encode("utf-8")


@corpus("duplicates.vcf")
def duplicates() -> bytes:
    return crlf(
        card("3.0", "FN:Ada", "BDAY:--0131")
        + card("3.0", "FN:ada", "BDAY:1990-01-31", "TEL:+1 555 0100")
        + card("3.0", "FN:Bea")
    ).encode("utf-8")


# -- CSV ------------------------------------------------------------------------------------

OUTLOOK_HEADER = (
    "Title,First Name,Middle Name,Last Name,Suffix,Company,Department,Job Title,"
    "Business Street,Business City,Business Phone,Home Phone,Mobile Phone,Birthday,"
    "Anniversary,Categories,E-mail Address,E-mail Display Name,E-mail 2 Address,Notes"
)


@corpus("outlook_2016.csv")
def outlook() -> bytes:
    rows = [
        OUTLOOK_HEADER,
        "Mr.,John,,Doe,III,Acme,,,,,,+1 555 0101,+1 555 0102,3/15/1990,0/0/00,Work,"
        'john@example.com,John Doe (john@example.com),,"Likes chess, and café au lait"',
        ",Mary,Ann,Major,,,,,,,,,,0/0/00,0/0/00,,mary@example.com,,,",
        ",,,,,Acme Plumbing,,,,,+1 555 0199,,,,,,,,,",
    ]
    return ("\r\n".join(rows) + "\r\n").encode("cp1252")


@corpus("outlook_de_semicolon.csv")
def outlook_de() -> bytes:
    rows = [
        "Anrede;Vorname;Weitere Vornamen;Nachname;Suffix;Firma;Telefon geschäftlich;"
        "Mobiltelefon;Geburtstag;Kategorien;E-Mail-Adresse;Notizen",
        "Herr;Jürgen;;Groß;;;;+49 170 1234567;15.3.1990;Familie;jg@example.de;",
        "Frau;Anke;;Weiß;;;;;0.0.00;;;",
    ]
    return ("\r\n".join(rows) + "\r\n").encode("cp1252")


@corpus("google_2024.csv")
def google_new() -> bytes:
    rows = [
        "First Name,Middle Name,Last Name,Phonetic First Name,Phonetic Middle Name,"
        "Phonetic Last Name,Name Prefix,Name Suffix,Nickname,File As,Organization Name,"
        "Organization Title,Organization Department,Birthday,Notes,Photo,Labels,"
        "E-mail 1 - Label,E-mail 1 - Value,Phone 1 - Label,Phone 1 - Value",
        "Alice,,Smith,,,,,,Ali,,,,,1990-03-12,Climbing partner,,* myContacts ::: Climbing,"
        "* Home,alice@example.com,Mobile,+44 7700 900123 ::: +44 20 7946 0000",
        "Bob,,Okafor,,,,,Jr.,,,,,,--07-04,,,* myContacts,,,,",
    ]
    return ("\r\n".join(rows) + "\r\n").encode("utf-8")


@corpus("google_legacy.csv")
def google_old() -> bytes:
    rows = [
        "Name,Given Name,Additional Name,Family Name,Yomi Name,Given Name Yomi,"
        "Additional Name Yomi,Family Name Yomi,Name Prefix,Name Suffix,Initials,Nickname,"
        "Short Name,Maiden Name,Birthday,Gender,Location,Billing Information,"
        "Directory Server,Mileage,Occupation,Hobby,Sensitivity,Priority,Subject,Notes,"
        "Language,Photo,Group Membership,E-mail 1 - Type,E-mail 1 - Value,"
        "Phone 1 - Type,Phone 1 - Value",
        "Chloé Dubois,Chloé,,Dubois,,,,,,,,,,,1992-08-01,,,,,,,,,,,,,,* My Contacts,"
        "* Home,chloe@example.fr,Mobile,+33 6 12 34 56 78",
    ]
    return ("\r\n".join(rows) + "\r\n").encode("utf-8")


THUNDERBIRD_HEADER = (
    "First Name,Last Name,Display Name,Nickname,Primary Email,Secondary Email,Screen Name,"
    "Work Phone,Home Phone,Fax Number,Pager Number,Mobile Number,Home Address,"
    "Home Address 2,Home City,Home State,Home ZipCode,Home Country,Work Address,"
    "Work Address 2,Work City,Work State,Work ZipCode,Work Country,Job Title,Department,"
    "Organization,Web Page 1,Web Page 2,Birth Year,Birth Month,Birth Day,Custom 1,"
    "Custom 2,Custom 3,Custom 4,Notes,"
)


def thunderbird_row(first: str, last: str, email: str, year: str, month: str, day: str) -> str:
    display = f"{first} {last}".strip()
    cells = [first, last, display, "", email, "", "", "", "", "", "", "+1 555 0123", *[""] * 17]
    cells += [year, month, day, "", "", "", "", "", ""]
    return ",".join(cells)


@corpus("thunderbird.csv")
def thunderbird() -> bytes:
    rows = [
        THUNDERBIRD_HEADER,
        thunderbird_row("Hana", "Kim", "hana@example.kr", "1993", "9", "17"),
        thunderbird_row("Ivan", "Petrov", "ivan@example.ru", "", "2", "29"),  # no year
        thunderbird_row("Jo", "", "jo@example.com", "", "", ""),
    ]
    return ("\r\n".join(rows) + "\r\n").encode("utf-8")


@corpus("thunderbird_utf16.csv")
def thunderbird_utf16() -> bytes:
    rows = [
        THUNDERBIRD_HEADER,
        thunderbird_row("Zoë", "Ñúñez", "zoe@example.es", "1988", "12", "1"),
    ]
    return ("\r\n".join(rows) + "\r\n").encode("utf-16")


@corpus("yahoo.csv")
def yahoo() -> bytes:
    rows = [
        '"First","Middle","Last","Nickname","Email","Category","Distribution Lists",'
        '"Yahoo! ID","Home","Work","Pager","Fax","Mobile","Other","Yahoo! Phone","Primary",'
        '"Alternate Email 1","Alternate Email 2","Personal Website","Business Website",'
        '"Title","Company","Work Address","Work City","Work State","Work ZIP","Work Country",'
        '"Home Address","Home City","Home State","Home ZIP","Home Country","Birthday",'
        '"Anniversary","Custom 1","Custom 2","Custom 3","Custom 4","Comments"',
        '"Kofi","","Mensah","","kofi@example.com","","","kofim","+233 30 000 0000","","","",'
        '"+233 24 000 0000","","","","kofi@alt.example","","","","","","","","","","","",'
        '"","","","","4/2/1987","","","","","","old school friend"',
    ]
    return ("\r\n".join(rows) + "\r\n").encode("utf-8")


@corpus("excel_sep_semicolon.csv")
def excel_sep() -> bytes:
    rows = ["sep=;", "Name;Birthday;Phone", "Sofia Rossi;24/12/1990;+39 333 1234567", "Luca;;"]
    return ("\r\n".join(rows) + "\r\n").encode("utf-8-sig")


@corpus("excel_unicode_text.csv")
def excel_unicode() -> bytes:
    rows = ["Name\tBirthday\tEmail", "Zoë Ñúñez\t1988-12-01\tzoe@example.es", "王小明\t\t"]
    return ("\r\n".join(rows) + "\r\n").encode("utf-16")


@corpus("utf16le_no_bom.csv")
def csv_utf16() -> bytes:
    rows = ["name,birthday", "Иван Петров,1980-01-02", "Мария Иванова,"]
    return ("\r\n".join(rows) + "\r\n").encode("utf-16-le")


@corpus("cp1251_undeclared.csv")
def csv_cp1251() -> bytes:
    rows = ["name,birthday,notes", "Иван Петров,1980-01-02,друг", "Мария Иванова,,подруга из школы"]
    return ("\r\n".join(rows) + "\r\n").encode("cp1251")


@corpus("cp1252_undeclared.csv")
def csv_cp1252() -> bytes:
    rows = ["Name,Notes", "José Müller,café lover", "François Dupré,très bien"]
    return ("\r\n".join(rows) + "\r\n").encode("cp1252")


@corpus("shift_jis_undeclared.csv")
def csv_sjis() -> bytes:
    rows = ["名前,誕生日", "山田太郎,1990-03-21", "佐藤花子,"]
    return ("\r\n".join(rows) + "\r\n").encode("shift_jis")


@corpus("truncated_quote.csv")
def csv_truncated() -> bytes:
    return b'name,notes\r\nAda,"fine"\r\nBob,"cut off in the mid'


@corpus("plain_names.csv")
def plain_names() -> bytes:
    return "Friends\nAda\nBea\n\nCarla 🌻\n".encode()


@corpus("hand_made_birth_day.csv")
def hand_made() -> bytes:
    # A sheet whose "Birth day" column holds whole dates: no month column beside it.
    return b"Name,Birth day\r\nAda,1990-01-31\r\nBea,12 March\r\n"


def main() -> None:
    for name, make in FILES.items():
        (HERE / name).write_bytes(make())
    print(f"wrote {len(FILES)} files to {HERE}")


if __name__ == "__main__":
    main()
