"""`kith export`, `kith import`, `kith backup` and files in `kith chat`, run from a shell."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

from bot.formats import document_from_json, parse_contacts

FIXTURES = Path(__file__).parent / "formats" / "fixtures"
REPO = Path(__file__).resolve().parents[1]
QUIET = (
    "They won't be nudged or show in /who until you log a meeting with them or move them "
    "closer (/circle NAME friends)."
)


def kith(
    *args: str | Path, stdin: str = "", cwd: Path | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot ARGS` with a clean KITH_* environment plus `env`."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("KITH_")}
    environ["PYTHONPATH"] = str(REPO)
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-m", "bot", *map(str, args)],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env=environ,
        cwd=cwd or REPO,
        check=False,
    )


def people_in(db: Path, owner: int = 0) -> list[tuple[str, str]]:
    with sqlite3.connect(db) as conn:
        found = conn.execute(
            "SELECT name, circle FROM people WHERE owner_id = ? ORDER BY id", (owner,)
        ).fetchall()
    return [(str(n), str(c)) for n, c in found]


def test_import_contacts_then_see_them_in_chat(tmp_path: Path) -> None:
    db = tmp_path / "kith.db"

    done = kith("import", FIXTURES / "google.csv", "--db", db)

    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == (
        "google.csv: 5 rows: 3 people imported into wider, "
        "1 repeated an earlier one and was merged into it, 1 had no name. "
        f"Saved 2 birthdays, 4 phone numbers and 2 e-mail addresses. {QUIET} "
        "/undo takes the whole import back.\n"
    )
    assert people_in(db) == [
        ("Alice Smith", "wider"),
        ("Bob J. Okafor Jr.", "wider"),
        ("Chloé Dubois", "wider"),
    ]
    chat = kith("chat", "--db", db, stdin="/show Ali\n/undo\n/people\n")
    assert "Alice Smith — wider" in chat.stdout
    assert "Undone: imported google.csv." in chat.stdout
    assert "Nobody here yet" in chat.stdout


def test_import_into_a_circle_skipping_people_already_there(tmp_path: Path) -> None:
    db = tmp_path / "kith.db"
    kith("chat", "--db", db, stdin="/add Yuki Nakamura inner\n")

    done = kith(
        "import", FIXTURES / "v40.vcf", "--db", db, "--circle", "friends", "--duplicates", "skip"
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(
        "v40.vcf: 5 cards: 2 people imported into friends, 1 skipped as already here, "
        "1 had no name, 1 was a group, whose name became a tag."
    )
    assert "Skipped 1 person you already had: Yuki Nakamura." in done.stdout
    assert people_in(db) == [
        ("Yuki Nakamura", "inner"),
        ("نور الحسن", "friends"),
        ("王小明", "friends"),
    ]


def test_a_file_that_cannot_be_imported_is_one_line_and_changes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "kith.db"
    kith("import", FIXTURES / "names.csv", "--db", db)
    before = db.read_bytes()

    cases: list[tuple[list[str | Path], str]] = [
        (
            [FIXTURES / "photo.vcf"],
            "kith: That file is called .vcf but it is not a vCard (it looks like a PNG image). "
            "Nothing was imported.\n",
        ),
        ([tmp_path / "missing.vcf"], f"kith: There's no file at {tmp_path / 'missing.vcf'}.\n"),
        (
            [FIXTURES / "google.csv", "--circle", "besties"],
            "kith: There's no circle called “besties”. Circles: inner, close, friends, wider. "
            "Nothing was imported.\n",
        ),
    ]
    for args, message in cases:
        result = kith("import", *args, "--db", db)
        assert (result.returncode, result.stdout, result.stderr) == (1, "", message)
    assert db.read_bytes() == before


def test_export_as_json_vcard_and_csv(tmp_path: Path) -> None:
    db = tmp_path / "kith.db"
    kith(
        "chat",
        "--db",
        db,
        stdin="/add Alice Smith inner\n/alias Alice Ali\n/date Alice birthday 12 March\n"
        "coffee with Alice yesterday\n/phone Alice +351 912 345 678\n",
    )

    as_json = kith("export", "--db", db)
    as_vcf = kith("export", "--db", db, "--format", "vcf")
    as_vcf4 = kith("export", "--db", db, "--format", "vcf", "--vcard", "4.0")
    as_csv = kith("export", "--db", db, "--format", "csv")

    assert as_json.returncode == as_vcf.returncode == as_csv.returncode == 0
    assert as_vcf4.returncode == 0
    # Year-less birthdays: Apple's convention in 3.0, RFC 6350's --MMDD only in 4.0.
    assert "BDAY;X-APPLE-OMIT-YEAR=1604:1604-03-12\n" in as_vcf.stdout
    assert "VERSION:4.0\n" in as_vcf4.stdout and "BDAY:--0312\n" in as_vcf4.stdout
    [card4] = parse_contacts("x.vcf", as_vcf4.stdout.encode()).contacts
    assert (card4.birthday, card4.phones) == ((3, 12, None), ("+351 912 345 678",))
    doc = document_from_json(as_json.stdout)
    assert [(p.name, p.circle, p.aliases) for p in doc.people] == [
        ("Alice Smith", "inner", ("Ali",))
    ]
    assert [i.kind for i in doc.interactions] == ["coffee"]
    assert doc.exported_at.endswith("Z") and len(doc.interactions[0].day) == 10  # ISO 8601
    [card] = parse_contacts("x.vcf", as_vcf.stdout.encode()).contacts
    assert (card.name, card.aliases, card.birthday) == ("Alice Smith", ("Ali",), (3, 12, None))
    header, row = as_csv.stdout.splitlines()
    assert header.startswith("name,circle,")
    assert row.startswith("Alice Smith,inner,")
    assert ",--03-12,+351 912 345 678," in row
    # The JSON's dates are ISO 8601 too.
    assert '"date": "--03-12"' in as_json.stdout


def test_export_to_a_file_then_restore_it_for_another_user(tmp_path: Path) -> None:
    db = tmp_path / "kith.db"
    kith("import", FIXTURES / "android_v21.vcf", "--db", db)
    backup = tmp_path / "me.json"

    written = kith("export", "--db", db, "-o", backup)
    assert (written.returncode, written.stdout) == (0, f"Exported 3 people to {backup}.\n")

    restored = kith("import", backup, "--db", db, "--user", "42")
    assert restored.returncode == 0, restored.stderr
    assert restored.stdout.startswith("Restored 3 people, 2 notes and 2 dates from me.json.")
    again = kith("export", "--db", db, "--user", "42")
    mine, theirs = json.loads(backup.read_text()), json.loads(again.stdout)
    mine["exported_at"] = theirs["exported_at"] = ""
    assert theirs == mine

    # A second restore into that account is refused unless told how to treat duplicates.
    refused = kith("import", backup, "--db", db, "--user", "42")
    assert refused.returncode == 1
    assert refused.stderr.startswith("kith: This account already has 3 people.")
    merged = kith("import", backup, "--db", db, "--user", "42", "--duplicates", "merge")
    assert merged.stdout.endswith("Nothing changed.\n")
    assert len(people_in(db, 42)) == 3


def test_a_restore_from_the_shell_has_no_size_limit(tmp_path: Path) -> None:
    db = tmp_path / "kith.db"
    kith("chat", "--db", db, stdin="/add Alice Smith inner\n/note Alice short\n")
    backup = tmp_path / "big.json"
    doc = json.loads(kith("export", "--db", db).stdout)
    # Over the 5 MB a chat file may be: the limit is for files sent over chat only.
    doc["people"][0]["notes"] += [
        {"text": f"{n} " + "x" * 3000, "created_at": "2026-11-25T09:00:00Z"} for n in range(2100)
    ]
    backup.write_text(json.dumps(doc))

    chat = kith("chat", "--db", db, stdin=f"/import {backup}\n")
    assert "5 MB" in chat.stdout
    restored = kith("import", backup, "--db", db, "--user", "42")
    assert restored.returncode == 0, restored.stderr
    assert restored.stdout.startswith("Restored 1 person and 2101 notes from big.json.")
    assert backup.stat().st_size > 6 * 1024 * 1024
    with sqlite3.connect(db) as conn:
        [(notes,)] = conn.execute("SELECT count(*) FROM notes WHERE owner_id = 42").fetchall()
    assert notes == 2101


def big_export(db: Path, meetings: int) -> dict[str, object]:
    """The terminal user's export with `meetings` meetings between Alice and Bob added."""
    kith("chat", "--db", db, stdin="/add Alice inner\n/add Bob friends\n")
    doc = json.loads(kith("export", "--db", db).stdout)
    doc["interactions"] = [
        {
            "day": "2026-01-15",
            "kind": "coffee",
            "note": f"meeting {n} " + "x" * 400,
            "people": ["p1", "p2"],
            "created_at": "2026-01-15T10:00:00Z",
        }
        for n in range(meetings)
    ]
    return doc


def test_a_restore_of_a_big_kith_export_is_read_as_it_goes(tmp_path: Path) -> None:
    db = tmp_path / "kith.db"
    backup = tmp_path / "big.json"
    doc = big_export(db, 15_000)
    # Laid out as kith writes it: read a meeting at a time, whatever the size.
    backup.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    assert backup.stat().st_size > 6 * 1024 * 1024

    chat = kith("chat", "--db", db, stdin=f"/import {backup}\n")
    assert "5 MB" in chat.stdout  # over chat the limit holds
    restored = kith("import", backup, "--db", db, "--user", "42")
    assert restored.returncode == 0, restored.stderr
    assert restored.stdout.startswith("Restored 2 people and 15000 meetings from big.json.")
    again = json.loads(kith("export", "--db", db, "--user", "42").stdout)
    again["exported_at"] = doc["exported_at"]
    assert again == doc


def test_a_big_restore_with_one_bad_meeting_writes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "kith.db"
    backup = tmp_path / "big.json"
    doc = big_export(db, 12_000)
    meetings = doc["interactions"]
    assert isinstance(meetings, list)
    meetings[11_000]["day"] = "9999-12-31"
    backup.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")

    refused = kith("import", backup, "--db", db, "--user", "42")
    assert refused.returncode == 1
    assert refused.stderr.startswith("kith: Meeting 11001 has its day on 9999-12-31")
    assert people_in(db, 42) == []
    with sqlite3.connect(db) as conn:
        [(stored,)] = conn.execute(
            "SELECT count(*) FROM interactions WHERE owner_id = 42"
        ).fetchall()
    assert stored == 0


def test_export_says_when_there_is_nothing_to_export(tmp_path: Path) -> None:
    db = tmp_path / "kith.db"
    missing = kith("export", "--db", db)
    assert (missing.returncode, missing.stderr) == (1, f"kith: there is no database at {db}\n")
    assert not db.exists()

    kith("import", FIXTURES / "names.csv", "--db", db)
    nobody = kith("export", "--user", "99", "--db", db)
    assert (nobody.returncode, nobody.stdout) == (1, "")
    assert nobody.stderr == f"kith: nothing is stored for user 99 in {db}\n"


def test_the_database_comes_from_kith_db_too(tmp_path: Path) -> None:
    db = tmp_path / "env.db"
    assert kith("import", FIXTURES / "names_only.csv", KITH_DB=str(db)).returncode == 0
    exported = kith("export", "--format", "csv", KITH_DB=str(db))
    assert [line.split(",")[0] for line in exported.stdout.splitlines()[1:]] == [
        "Kofi Mensah",
        "Lena Fischer",
        "Marta Nowak",
    ]


def test_backup_while_the_bot_is_writing(tmp_path: Path) -> None:
    db = tmp_path / "kith.db"
    kith("import", FIXTURES / "names_only.csv", "--db", db)
    # The running bot: its own connection, a committed change still only in the WAL,
    # and a change in progress that is not committed yet.
    bot = sqlite3.connect(db, isolation_level=None)
    try:
        bot.execute("PRAGMA journal_mode=WAL")
        bot.execute("PRAGMA wal_autocheckpoint=0")
        bot.execute("UPDATE people SET circle = 'inner' WHERE name = 'Kofi Mensah'")
        bot.execute("BEGIN IMMEDIATE")
        bot.execute("UPDATE people SET circle = 'close' WHERE name = 'Lena Fischer'")
        backup = tmp_path / "backup.db"

        done = kith("backup", backup, "--db", db)

        bot.execute("COMMIT")
    finally:
        bot.close()
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"Backed up {db} to {backup} (")
    assert done.stdout.endswith("; 1 user, 3 people).\n")
    assert people_in(backup) == [
        ("Kofi Mensah", "inner"),  # committed: in the copy
        ("Lena Fischer", "wider"),  # not yet committed: not in the copy
        ("Marta Nowak", "wider"),
    ]
    with sqlite3.connect(backup) as copy:
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backup.db", "kith.db"]


def test_backup_never_overwrites_unless_forced(tmp_path: Path) -> None:
    db = tmp_path / "kith.db"
    kith("import", FIXTURES / "names_only.csv", "--db", db)
    backup = tmp_path / "backup.db"
    backup.write_text("my precious file")

    refused = kith("backup", backup, "--db", db)

    assert (refused.returncode, refused.stdout) == (1, "")
    assert refused.stderr == f"kith: {backup} already exists; add --force to overwrite it\n"
    assert backup.read_text() == "my precious file"
    assert kith("backup", backup, "--db", db, "--force").returncode == 0
    assert len(people_in(backup)) == 3
    itself = kith("backup", db, "--db", db, "--force")
    assert itself.stderr == "kith: the backup cannot be the database itself\n"


def test_restore_a_backup_by_copying_it_over_the_database(tmp_path: Path) -> None:
    """The README's restore steps: stop the bot, copy the backup over the database, start."""
    db = tmp_path / "kith.db"
    kith("import", FIXTURES / "names_only.csv", "--db", db)
    backup = tmp_path / "backup.db"
    assert kith("backup", backup, "--db", db).returncode == 0
    kith("chat", "--db", db, stdin="/forget Kofi\n1\n")
    assert len(people_in(db)) == 2

    for leftover in (Path(f"{db}-wal"), Path(f"{db}-shm")):
        leftover.unlink(missing_ok=True)
    shutil.copyfile(backup, db)

    assert "Kofi Mensah" in kith("chat", "--db", db, stdin="/people\n").stdout


def test_chat_imports_a_path_and_saves_the_export_in_the_current_folder(tmp_path: Path) -> None:
    db = tmp_path / "kith.db"
    here = tmp_path / "here"
    here.mkdir()
    vcf = FIXTURES / "android_v21.vcf"

    result = kith(
        "chat",
        "--db",
        db,
        stdin=f"/import {vcf}\n1\n/export\n/export\n/import {tmp_path / 'nope.vcf'}\n/import\n",
        cwd=here,
    )

    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "5 cards in this vCard 2.1 file: 3 people;" in out
    assert "  1) Import 3 into wider" in out
    assert "android_v21.vcf: 5 cards: 3 people imported into wider," in out
    # Two exports: the second beside the first, never over it.
    saved = sorted((p.name for p in here.iterdir()), key=lambda name: (name[-4:], len(name)))
    assert len(saved) == 4
    first_vcf, second_vcf, first_json, second_json = saved
    assert first_json.startswith("kith-export-") and second_json.endswith("-2.json")
    assert first_vcf.startswith("kith-contacts-") and second_vcf.endswith("-2.vcf")
    assert f"Saved {first_json} (" in out and f" in {here.resolve()}." in out
    assert len(document_from_json((here / first_json).read_bytes()).people) == 3
    assert f"There's no file at {tmp_path / 'nope.vcf'}." in out
    assert "Usage: /import PATH" in out


CORPUS = Path(__file__).parent / "formats" / "corpus"


def test_kith_import_says_where_every_card_went(tmp_path: Path) -> None:
    db = tmp_path / "kith.db"

    done = kith("import", CORPUS / "nameless_cards.vcf", "--db", db)
    refused = kith("import", CORPUS / "no_begin.vcf", "--db", db)
    guessed = kith("import", CORPUS / "cp1251_undeclared.csv", "--db", db)

    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith(
        "nameless_cards.vcf: 6 cards: 4 people imported into wider, 2 had no name."
    )
    assert refused.returncode == 1
    assert refused.stderr.startswith("kith: no_begin.vcf has no BEGIN:VCARD line")
    assert "CSV" not in refused.stderr
    assert guessed.returncode == 0
    assert "I read it as Windows-1251 (Cyrillic)." in guessed.stdout
    assert [name for name, _ in people_in(db)] == [
        "Ada",
        "Bob",
        "Carol",
        "Dan",
        "Иван Петров",
        "Мария Иванова",
    ]
