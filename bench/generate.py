"""A seeded synthetic kith database: owners with realistic circles and years of history.

The schema comes from the real code: `Database.open` creates and migrates the file, then
plain `sqlite3` bulk-inserts rows with `executemany` (one statement per table and batch,
not one thread hop per row). The denormalised `people.last_contact/last_kind` columns are
left to the schema's own triggers on `interaction_people`, which is why interactions are
inserted before their links, oldest first, with ascending ids.

The same `Spec` (including `seed`) always gives the same file, row for row, so a figure
measured today and one measured next month read the same data.

    python -m bench.generate out.db --owners 1 --people 1000 --interactions 100000
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import itertools
import random
import sqlite3
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from bot.core.names import name_key, stored_fold_key
from bot.store.sqlite.db import Database

__all__ = ["END", "VERSION", "Spec", "Summary", "check_denormalised", "generate", "owner_ids"]

# Bump when a change here changes the rows a Spec gives (cached files are keyed by it).
VERSION = 3
# The generated history ends the day before this (the benchmarks' FixedClock day).
END = date(2026, 11, 25)

CIRCLES: tuple[tuple[str, float, float], ...] = (
    # circle, share of an owner's people, meetings per year with each of them
    ("inner", 0.01, 24.0),
    ("close", 0.04, 10.0),
    ("friends", 0.20, 4.0),
    ("wider", 0.55, 1.2),
)
IMPORTED_SHARE = 0.20  # address-book imports: in `wider`, never met, not nudged


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIRST = _words(
    "Alice Bob Carol Dan Eve Frank Grace Heidi Ivan Judy Mallory Niaj Olivia Peggy Rupert "
    "Sybil Trent Victor Walter Priya Tom Sam Leo Hannah Marco Kenji Fatima Oliver Ingrid Chloe "
    "Raj Deepa Jess Luca Giulia Tuan Rose Zoë Joe Ben Aisha Nora Sophie Ella Yusuf Emily Pete "
    "Anna Kwame Ama Sarah Tomás Chen Noah Mia Jake Lily Max Ahmed Olga Pierre Lucy Ravi "
    "Hiroshi Chiara Oscar Freya Liam Isla Ethan Ava Leila Kai Lena Ibrahim Sven Ji-woo Min-jun "
    "Siobhán Ciarán Dmitri Rosa Jonas Theo Matteo Sara Anika Rohan Hana Paolo Esme Femi Nadia "
    "Björn Astrid Sunita Lukas Finn Beatrice Clara Jamal Carmen Harriet George Camila Ruth "
    "Nikos Eleni Ruby Amara Tariq Łukasz Agnieszka Søren Ngọc Thảo Mateus João Inês Ayşe Emre "
    "Nnamdi Chidi Aroha Mele Tane Saoirse Oisín Gwen Rhys Álvaro Lucía María José Ana "
    "Jean-Luc Élodie François Zsófia Dóra Ömer Yasmin Layla Omar Karim Bilal Mei Wei Jun "
    "Xiao Yuki Haruto Sakura Seo-yeon Do-yun Arjun Kavya Ishaan Meera Nomvula Thabo Kofi Abena "
    "Tenzin Pema Anahera Keanu Malia Santiago Valentina Mateo Isabella Gabriel Nicolás Pablo"
)
LAST = _words(
    "Smith Jones Wong Lee Patel Garcia Müller Rossi Nguyen Kim Singh Cohen O'Connor Murphy "
    "Kowalski Novak Horváth Andersson Johansson Nielsen Virtanen Dubois Moreau Lefèvre Bianchi "
    "Ricci Santos Silva Pereira Fernández López Martínez González Rodríguez Yılmaz Kaya Demir "
    "Ivanov Petrov Sokolov Tanaka Suzuki Takahashi Watanabe Sato Park Choi Zhang Wang Li Liu "
    "Chen Huang Khan Ahmed Hussain Ali Rahman Okafor Adeyemi Mensah Boateng Dlamini Nkosi "
    "Mwangi Otieno Haddad Nasser Farouk Brown Taylor Wilson Evans Thomas Roberts Walker Wright "
    "Hughes Edwards Green Hall Wood Clarke Jackson White Harris Martin Thompson Robinson "
    "Schmidt Schneider Fischer Weber Becker Hoffmann Schulz Koch Richter Klein Wolf Ó'Brien "
    "Ní Bhriain MacLeod Fraser Campbell Stewart Kaur Sharma Gupta Iyer Reddy Nair Menon Das "
    "Bose Sato Ito Yamamoto Nakamura Kobayashi Abe Hashimoto Mori Costa Ferreira Almeida"
)
# Whole names that are not "First Last": scripts without spaces, particles, emoji, family.
SPECIAL = (
    "María José Fernández",
    "Ana de la Cruz",
    "Jean-Luc Picard",
    "Siobhán Ní Bhriain",
    "Nguyễn Văn An",
    "🌸 Mei",
    "محمد",
    "فاطمة الزهراء",
    "王伟",
    "李娜",
    "Дмитрий Иванов",
    "Αλέξανδρος Παπαδόπουλος",
    "Mum",
    "Dad",
    "Grandma",
    "Uncle Pete",
    "Auntie Rose",
)
NICKNAMES = _words(
    "Al Bobby Caz Danny Evie Frankie Gracie Jude Liv Pegs Rupe Vic Wally Pri Tommy Sammy "
    "Han Ken Olly Chlo Jess Lu Benji Sophie Em Kwa Ollie Max Iz Teo Nico Mimi Kiki Bea Lulu"
)
TAGS = _words(
    "neighbor work climbing uni school family book-club choir football running parents "
    "old-job band travel chess kids-friends yoga"
)
KINDS = (
    "coffee",
    "call",
    "message",
    "lunch",
    "dinner",
    "drinks",
    "walk",
    "video call",
    "visit",
    "catch-up",
    "breakfast",
    "brunch",
    "sport",
    "hike",
    "party",
    "game",
    "movie",
    "bumped into",
)
KIND_WEIGHTS = (18, 14, 14, 9, 9, 7, 6, 5, 4, 4, 2, 2, 2, 1, 1, 1, 1, 1)
NOTES = (
    "she's moving to Lisbon in March",
    "he started a new job at the hospital",
    "talked about their trip to Japan",
    "new baby due in spring",
    "training for a marathon",
    "looking for a flat near the park",
    "his mum is doing better",
    "we should go climbing again",
    "thinking about going back to uni",
    "got engaged!",
    "recommended 'The Overstory'",
    "their dog had surgery, all fine",
    "planning a big birthday in June",
    "stressed about exams",
    "she's learning Portuguese",
    "kids are starting school",
    "wants to start a band",
    "moving in with Sam",
)
FOLLOW_UPS = (
    "ask how the move went",
    "ask about the interview",
    "send the book",
    "ask about her exams",
    "how is the new flat?",
    "did the surgery go well?",
)
FAVORS = (
    ("offered", "help with the move"),
    ("gave", "lent the drill"),
    ("got", "watered the plants"),
    ("offered", "introduce to my manager"),
)
# Where users live (IANA names, repeated for weight) and when they want their digest:
# most keep the default 09:00, the rest pick a quarter hour of their own, a few turn it off.
TIMEZONES = (
    ("Europe/London",) * 6
    + ("Europe/Berlin",) * 5
    + ("America/New_York",) * 5
    + ("America/Los_Angeles",) * 3
    + ("Asia/Kolkata",) * 3
    + ("UTC",) * 2
    + ("America/Sao_Paulo",) * 2
    + ("Europe/Madrid",) * 2
    + ("Europe/Paris",) * 2
    + ("America/Chicago",) * 2
    + ("Asia/Tokyo",) * 2
    + ("Australia/Sydney",) * 2
    + (
        "Europe/Lisbon",
        "Europe/Amsterdam",
        "Europe/Warsaw",
        "Europe/Istanbul",
        "Europe/Kyiv",
        "Europe/Stockholm",
        "Africa/Lagos",
        "Africa/Nairobi",
        "Africa/Johannesburg",
        "Asia/Dubai",
        "Asia/Singapore",
        "Asia/Shanghai",
        "Asia/Seoul",
        "Asia/Jakarta",
        "Asia/Manila",
        "America/Mexico_City",
        "America/Bogota",
        "America/Toronto",
        "America/Denver",
        "America/Argentina/Buenos_Aires",
        "Pacific/Auckland",
        "Asia/Kathmandu",
    )
)
DEFAULT_DIGEST = "09:00"


def _digest_time(rng: random.Random) -> str | None:
    roll = rng.random()
    if roll < 0.55:
        return DEFAULT_DIGEST
    if roll < 0.62:
        return None
    minutes = rng.randrange(6 * 60, 22 * 60, 15)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True, slots=True)
class Spec:
    """What to generate. `interactions` is per owner; owner ids are `first_owner` upward."""

    owners: int = 1
    people: int = 1000
    interactions: int = 100_000
    years: int = 5
    seed: int = 1
    first_owner: int = 1


@dataclass(slots=True)
class Summary:
    path: Path
    spec: Spec
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def owner_ids(spec: Spec) -> range:
    return range(spec.first_owner, spec.first_owner + spec.owners)


def _names(rng: random.Random, n: int) -> list[str]:
    """`n` distinct full names (by name key): a few special ones, then First Last."""
    picked: dict[str, str] = {}
    specials = list(SPECIAL)
    rng.shuffle(specials)
    for name in specials[: max(0, min(len(specials), n // 40))]:
        picked[name_key(name)] = name
    while len(picked) < n:
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        if rng.random() < 0.03:  # a middle initial, or a double-barrelled surname
            name = f"{rng.choice(FIRST)} {rng.choice('ABCDEFGHJKLMNPRSTW')}. {rng.choice(LAST)}"
        picked.setdefault(name_key(name), name)
    names = list(picked.values())
    rng.shuffle(names)
    return names


def _iso(day: date) -> str:
    return day.isoformat()


def _stamp(day: date, rng: random.Random) -> str:
    return f"{day.isoformat()}T{rng.randrange(7, 23):02d}:{rng.randrange(60):02d}:00Z"


class _Ids:
    """Explicit row ids, so children can reference parents without reading them back."""

    def __init__(self, conn: sqlite3.Connection, tables: Sequence[str]) -> None:
        self._next = {
            t: int(conn.execute(f"SELECT coalesce(max(id), 0) FROM {t}").fetchone()[0]) + 1
            for t in tables
        }

    def take(self, table: str) -> int:
        value = self._next[table]
        self._next[table] = value + 1
        return value


@dataclass(slots=True)
class _Rows:
    users: list[tuple[object, ...]] = field(default_factory=list)
    identities: list[tuple[object, ...]] = field(default_factory=list)
    people: list[tuple[object, ...]] = field(default_factory=list)
    aliases: list[tuple[object, ...]] = field(default_factory=list)
    tags: list[tuple[object, ...]] = field(default_factory=list)
    interactions: list[tuple[object, ...]] = field(default_factory=list)
    links: list[tuple[object, ...]] = field(default_factory=list)
    notes: list[tuple[object, ...]] = field(default_factory=list)
    follow_ups: list[tuple[object, ...]] = field(default_factory=list)
    favors: list[tuple[object, ...]] = field(default_factory=list)
    dates: list[tuple[object, ...]] = field(default_factory=list)

    def size(self) -> int:
        return len(self.people) + len(self.interactions) + len(self.links)


SQL = {
    "users": "INSERT INTO users (id, timezone, digest_time, active, created_at) "
    "VALUES (?, ?, ?, 1, ?)",
    # Bench owners are Telegram users whose owner id is their Telegram id.
    "identities": "INSERT INTO identities (transport, external_id, owner_id, digest, created_at) "
    "VALUES ('telegram', ?, ?, 1, ?)",
    "people": "INSERT INTO people (id, owner_id, name, name_key, circle, cadence_days, paused, "
    "added_on, snoozed_until, imported, fold_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "aliases": "INSERT INTO aliases (owner_id, person_id, alias, alias_key, fold_key) "
    "VALUES (?, ?, ?, ?, ?)",
    "tags": "INSERT INTO tags (owner_id, person_id, tag) VALUES (?, ?, ?)",
    "interactions": "INSERT INTO interactions (id, owner_id, day, kind, note, created_at) "
    "VALUES (?, ?, ?, ?, ?, ?)",
    "links": "INSERT INTO interaction_people (owner_id, interaction_id, person_id, day) "
    "VALUES (?, ?, ?, ?)",
    "notes": "INSERT INTO notes (owner_id, person_id, text, created_at) VALUES (?, ?, ?, ?)",
    "follow_ups": "INSERT INTO follow_ups (owner_id, person_id, text, from_day, done, created_at) "
    "VALUES (?, ?, ?, ?, 0, ?)",
    "favors": "INSERT INTO favors (owner_id, person_id, kind, text, done, created_at) "
    "VALUES (?, ?, ?, ?, 0, ?)",
    "dates": "INSERT INTO dates (owner_id, person_id, label, month, day, year) "
    "VALUES (?, ?, ?, ?, ?, ?)",
}
# Parents before children; interactions before their links (the triggers read the kind).
ORDER = (
    "users",
    "identities",
    "people",
    "aliases",
    "tags",
    "interactions",
    "links",
    "notes",
    "follow_ups",
    "favors",
    "dates",
)


def _circle(roll: float) -> tuple[str, float]:
    """The circle (and meetings per year) a roll in [0, 1 - IMPORTED_SHARE) lands in."""
    acc = 0.0
    for circle, share, rate in CIRCLES:
        acc += share
        if roll < acc:
            return circle, rate
    return CIRCLES[-1][0], CIRCLES[-1][2]


def _owner(rows: _Rows, ids: _Ids, owner: int, spec: Spec, rng: random.Random) -> None:
    start = END - timedelta(days=365 * spec.years)
    created = _stamp(start, rng)
    rows.users.append((owner, rng.choice(TIMEZONES), _digest_time(rng), created))
    rows.identities.append((str(owner), owner, created))
    names = _names(rng, spec.people)
    person_ids: list[int] = []
    weights: list[float] = []
    circles: list[str] = []
    for name in names:
        pid = ids.take("people")
        roll = rng.random()
        imported = roll < IMPORTED_SHARE
        circle, rate = ("wider", 0.0) if imported else _circle(roll - IMPORTED_SHARE)
        cadence = rng.choice((7, 21, 45, 60, 120)) if rng.random() < 0.05 else None
        paused = int(rng.random() < 0.02)
        added = start + timedelta(days=rng.randrange(0, 365 * spec.years // 3))
        snoozed = _iso(END + timedelta(days=rng.randrange(1, 30))) if rng.random() < 0.02 else None
        rows.people.append(
            (pid, owner, name, name_key(name), circle, cadence, paused, _iso(added), snoozed,
             int(imported), stored_fold_key(name))
        )  # fmt: skip
        person_ids.append(pid)
        weights.append(rate)
        circles.append(circle)
        if rng.random() < 0.1:
            alias = rng.choice(NICKNAMES)
            rows.aliases.append((owner, pid, alias, name_key(alias), stored_fold_key(alias)))
        for tag in rng.sample(TAGS, k=rng.choice((0, 0, 0, 1, 1, 2))):
            rows.tags.append((owner, pid, tag))
        for _ in range(rng.choice((0, 0, 0, 0, 1, 1, 2, 3))):
            rows.notes.append((owner, pid, rng.choice(NOTES), _stamp(added, rng)))
        if rng.random() < 0.05:
            rows.follow_ups.append((owner, pid, rng.choice(FOLLOW_UPS), None, _stamp(END, rng)))
        if rng.random() < 0.03:
            kind, text = rng.choice(FAVORS)
            rows.favors.append((owner, pid, kind, text, _stamp(END, rng)))
        if rng.random() < 0.3:
            year = rng.choice((None, rng.randrange(1950, 2010)))
            month, day = rng.randrange(1, 13), rng.randrange(1, 29)
            rows.dates.append((owner, pid, "birthday", month, day, year))

    _history(rows, ids, owner, spec, rng, person_ids, weights)


def _history(
    rows: _Rows,
    ids: _Ids,
    owner: int,
    spec: Spec,
    rng: random.Random,
    person_ids: list[int],
    weights: list[float],
) -> None:
    """`spec.interactions` meetings over the years, closer circles met more often."""
    n = spec.interactions
    if not n or not any(weights):
        return
    days = _day_strings(spec.years)
    cum = list(itertools.accumulate(weights))
    who = rng.choices(person_ids, cum_weights=cum, k=n)
    when = sorted(rng.choices(days, k=n))
    kinds = rng.choices(KINDS, cum_weights=_KIND_CUM, k=n)
    hours = rng.choices(_HOURS, k=n)
    rolls = [rng.random() for _ in range(n)]
    interactions, links, random_ = rows.interactions, rows.links, rng.random
    for pid, day, kind, hour, roll in zip(who, when, kinds, hours, rolls, strict=True):
        iid = ids.take("interactions")
        note = NOTES[int(roll * 1000) % len(NOTES)] if roll < 0.35 else ""
        interactions.append((iid, owner, day, kind, note, day + hour))
        if random_() < 0.25:  # a group: one to three more people
            present = sorted({pid, *rng.choices(person_ids, cum_weights=cum, k=rng.randint(1, 3))})
            links.extend((owner, iid, other, day) for other in present)
        else:
            links.append((owner, iid, pid, day))


_KIND_CUM = list(itertools.accumulate(KIND_WEIGHTS))
_HOURS = [f"T{h:02d}:{m:02d}:00Z" for h in range(7, 23) for m in range(0, 60, 5)]


@functools.lru_cache(maxsize=8)
def _day_strings(years: int) -> list[str]:
    start = END - timedelta(days=365 * years)
    return [(start + timedelta(days=i)).isoformat() for i in range(365 * years)]


def _flush(conn: sqlite3.Connection, rows: _Rows) -> None:
    conn.execute("BEGIN")
    for table in ORDER:
        batch = getattr(rows, table)
        if batch:
            conn.executemany(SQL[table], batch)
            batch.clear()
    conn.execute("COMMIT")


# Tables whose indexes `generate` drops for the load and builds again at the end.
BULK_TABLES = ("people", "interactions", "interaction_people")


def _drop_indexes(conn: sqlite3.Connection, tables: Sequence[str]) -> list[str]:
    """Drop the schema's own indexes on `tables`; the statements that create them again."""
    marks = ",".join("?" for _ in tables)
    found = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        f"AND tbl_name IN ({marks}) ORDER BY name",
        tuple(tables),
    ).fetchall()
    for name, _ in found:
        conn.execute(f'DROP INDEX "{name}"')
    return [sql for _, sql in found]


async def _create(path: Path) -> None:
    db = await Database.open(path)
    await db.close()


def generate(path: str | Path, spec: Spec) -> Summary:
    """Create (or extend) the kith database at `path` with `spec`'s owners."""
    began = time.perf_counter()
    path = Path(path)
    asyncio.run(_create(path))  # the real schema, through the real migrations
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA synchronous=OFF")  # a bench file: rebuilt if a crash tears it
        conn.execute("PRAGMA cache_size=-200000")
        # A bulk load: no rollback journal (the file is rebuilt if a crash tears it) and
        # the big tables' indexes built once at the end instead of updated row by row
        # (the triggers move `people_due` once per link). The rows are the same.
        conn.execute("PRAGMA journal_mode=OFF")
        rebuild = _drop_indexes(conn, BULK_TABLES)
        ids = _Ids(conn, ("people", "interactions"))
        rng = random.Random(spec.seed)
        rows = _Rows()
        for owner in owner_ids(spec):
            _owner(rows, ids, owner, spec, rng)
            if rows.size() > 200_000:
                _flush(conn, rows)
        _flush(conn, rows)
        for sql in rebuild:
            conn.execute(sql)
        conn.execute("PRAGMA journal_mode=WAL")  # as kith keeps the file
        conn.execute("ANALYZE")
        counts = {
            t: int(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0])
            for t in ("users", "people", "interactions", "interaction_people", "notes")
        }
    finally:
        conn.close()
    return Summary(path, spec, counts, time.perf_counter() - began)


def check_denormalised(path: str | Path) -> int:
    """People whose last_contact/last_kind disagree with their history (0 when right)."""
    conn = sqlite3.connect(path)
    try:
        row = conn.execute(
            """
            SELECT count(*) FROM people p
             WHERE coalesce(p.last_contact, '') || '|' || coalesce(p.last_kind, '') !=
                   coalesce((SELECT ip.day || '|' || i.kind
                               FROM interaction_people ip
                               JOIN interactions i ON i.id = ip.interaction_id
                              WHERE ip.person_id = p.id
                              ORDER BY ip.day DESC, ip.interaction_id DESC LIMIT 1), '|')
            """
        ).fetchone()
    finally:
        conn.close()
    return int(row[0])


def iter_people(path: str | Path, owner: int) -> Iterator[tuple[int, str]]:
    """(id, name) of an owner's people, in id order."""
    conn = sqlite3.connect(path)
    try:
        yield from conn.execute(
            "SELECT id, name FROM people WHERE owner_id = ? ORDER BY id", (owner,)
        )
    finally:
        conn.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__)
    parser.add_argument("path")
    parser.add_argument("--owners", type=int, default=1)
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--interactions", type=int, default=100_000)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--check", action="store_true", help="verify last_contact/last_kind")
    args = parser.parse_args(argv)
    spec = Spec(args.owners, args.people, args.interactions, args.years, args.seed)
    summary = generate(args.path, spec)
    print(f"{summary.path}: {summary.rows} in {summary.seconds:.1f} s")
    if args.check:
        wrong = check_denormalised(args.path)
        print(f"people with a wrong last_contact/last_kind: {wrong}")
        return 1 if wrong else 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
