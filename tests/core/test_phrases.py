"""Reading logs, spotting logs and who-questions."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.dates import DateError
from bot.core.names import NameEntry, NameIndex
from bot.core.phrases import (
    KINDS,
    LogPhrase,
    PhraseError,
    is_who_question,
    looks_like_log,
    parse_log,
)

TODAY = date(2026, 11, 25)  # a Wednesday
YESTERDAY = date(2026, 11, 24)
CORPUS = Path(__file__).parents[2] / "bench" / "phrases_corpus.txt"

INDEX = NameIndex.build(
    [
        NameEntry(1, "Alice Smith"),
        NameEntry(2, "Bob Lee", ("Bobby",)),
        NameEntry(3, "Will Turner"),
        NameEntry(4, "Margaret Jones", ("mum",)),
        NameEntry(5, "Carol"),
        NameEntry(6, "María José"),
        NameEntry(7, "Jean-Luc Picard", ("the captain",)),
        NameEntry(8, "Sam"),
    ]
)

Case = tuple[str, tuple[str, ...], date, str, str]

SPEC_EXAMPLES: list[Case] = [
    (
        "had coffee with Alice yesterday — she's moving to Lisbon in March",
        ("Alice",),
        YESTERDAY,
        "coffee",
        "she's moving to Lisbon in March",
    ),
    ("coffee with Alice and Bob yesterday", ("Alice", "Bob"), YESTERDAY, "coffee", ""),
    (
        "Dinner with Alice, Bob & Carol at Bob's on Friday",
        ("Alice", "Bob", "Carol"),
        date(2026, 11, 20),
        "dinner",
        "at Bob's",
    ),
    ("called mum last night", ("mum",), YESTERDAY, "call", ""),
    ("Bob called me", ("Bob",), TODAY, "call", ""),
    ("texted Carla", ("Carla",), TODAY, "message", ""),
    ("video call with Dan 3 days ago", ("Dan",), date(2026, 11, 22), "video call", ""),
    ("facetime with Dan", ("Dan",), TODAY, "video call", ""),
    ("walk with Eve 12 March", ("Eve",), date(2026, 3, 12), "walk", ""),
    ("lunch w/ Frank 2026-11-01", ("Frank",), date(2026, 11, 1), "lunch", ""),
    (
        "ran into Grace at the supermarket",
        ("Grace",),
        TODAY,
        "bumped into",
        "at the supermarket",
    ),
    ("saw Heidi", ("Heidi",), TODAY, "catch-up", ""),
    ("drinks with Ivan and Judy last week", ("Ivan", "Judy"), date(2026, 11, 18), "drinks", ""),
    ("visited grandma", ("grandma",), TODAY, "visit", ""),
    (
        "party at Mallory's with Niaj and Olivia",
        ("Mallory", "Niaj", "Olivia"),
        TODAY,
        "party",
        "at Mallory's",
    ),
    ("coffee with alice yesterday", ("alice",), YESTERDAY, "coffee", ""),
    ("Alice and I had lunch", ("Alice",), TODAY, "lunch", ""),
    ("met up with María José today", ("María José",), TODAY, "catch-up", ""),
    ("coffee with 🌸 Mei", ("🌸 Mei",), TODAY, "coffee", ""),
    ("coffee with محمد", ("محمد",), TODAY, "coffee", ""),
]

MORE_EXAMPLES: list[Case] = [
    ("coffee with יעל כהן", ("יעל כהן",), TODAY, "coffee", ""),
    ("coffee with محمد علي yesterday", ("محمد علي",), YESTERDAY, "coffee", ""),
    ("lunch with Zoë", ("Zoë",), TODAY, "lunch", ""),
    ("quick chat with O'Brien", ("O'Brien",), TODAY, "catch-up", ""),
    ("coffee with O’Brien", ("O’Brien",), TODAY, "coffee", ""),
    ('dinner with "Bob"', ("Bob",), TODAY, "dinner", ""),
    (
        "coffee with Robert'); DROP TABLE people;--",
        ("Robert",),
        TODAY,
        "coffee",
        "DROP TABLE people;--",
    ),
    ("Lunch with Alice (she's pregnant!)", ("Alice",), TODAY, "lunch", "she's pregnant!"),
    (
        "Coffee with Hana yesterday. She's training for a marathon.",
        ("Hana",),
        YESTERDAY,
        "coffee",
        "She's training for a marathon.",
    ),
    (
        "Coffee with Alice, she's moving to Lisbon",
        ("Alice",),
        TODAY,
        "coffee",
        "she's moving to Lisbon",
    ),
    (
        "Coffee with Alice and she told me about Berlin",
        ("Alice",),
        TODAY,
        "coffee",
        "she told me about Berlin",
    ),
    (
        "Quick call with Tom this morning - his dad is doing better",
        ("Tom",),
        TODAY,
        "call",
        "his dad is doing better",
    ),
    (
        "Dinner at Marco's last Saturday: amazing risotto",
        ("Marco",),
        date(2026, 11, 21),
        "dinner",
        "at Marco's — amazing risotto",
    ),
    ("Coffee with Bob at Starbucks", ("Bob",), TODAY, "coffee", "at Starbucks"),
    (
        "Dinner with Louis at Chez Panisse last Friday",
        ("Louis",),
        date(2026, 11, 20),
        "dinner",
        "at Chez Panisse",
    ),
    ("Hike with Ana de la Cruz last weekend", ("Ana de la Cruz",), date(2026, 11, 21), "hike", ""),
    ("Visited Auntie Rose in hospital", ("Auntie Rose",), TODAY, "visit", "in hospital"),
    ("Called my brother Sam yesterday", ("Sam",), YESTERDAY, "call", ""),
    ("Heidi came over yesterday evening", ("Heidi",), YESTERDAY, "visit", ""),
    ("Heidi dropped by with cake", ("Heidi",), TODAY, "visit", "cake"),
    ("Walk with Olga and her dog", ("Olga",), TODAY, "walk", "her dog"),
    ("lunch with mum and dad", ("mum", "dad"), TODAY, "lunch", ""),
    ("Mum called", ("Mum",), TODAY, "call", ""),
    ("Alice's birthday party", ("Alice",), TODAY, "party", "birthday"),
    (
        "Bob Lee came over for dinner on Mar. 12",
        ("Bob Lee",),
        date(2026, 3, 12),
        "visit",
        "for dinner",
    ),
    ("played tennis with Sam on sunday", ("Sam",), date(2026, 11, 22), "tennis", ""),
    ("talked to Bob on the phone", ("Bob",), TODAY, "call", ""),
    ("Finally met Bob for a beer", ("Bob",), TODAY, "drinks", ""),
    ("Coffee Alice", ("Alice",), TODAY, "coffee", ""),
    ("had drinks with will and carol", ("will", "carol"), TODAY, "drinks", ""),
    ("Ran into Mr. Patel at the market", ("Mr. Patel",), TODAY, "bumped into", "at the market"),
    ("Lunch with Ji-woo and Min-jun today", ("Ji-woo", "Min-jun"), TODAY, "lunch", ""),
    ("Drinks with Oscar, Freya and Liam", ("Oscar", "Freya", "Liam"), TODAY, "drinks", ""),
    ("Dinner with Bob at Bob's", ("Bob",), TODAY, "dinner", "at Bob's"),
    ("Texted Niamh congratulations", ("Niamh",), TODAY, "message", "congratulations"),
    (
        "Movie with Ethan last week — we saw Dune",
        ("Ethan",),
        date(2026, 11, 18),
        "movie",
        "we saw Dune",
    ),
    ("Met Lena at the gallery", ("Lena",), TODAY, "catch-up", "at the gallery"),
    ("Coffee with Ava on November 3rd, 2025", ("Ava",), date(2025, 11, 3), "coffee", ""),
    ("coffee with @alice", ("alice",), TODAY, "coffee", ""),
]


def _as_tuple(phrase: LogPhrase) -> tuple[tuple[str, ...], date, str, str]:
    return phrase.names, phrase.day, phrase.kind, phrase.note


@pytest.mark.parametrize(("text", "names", "day", "kind", "note"), SPEC_EXAMPLES + MORE_EXAMPLES)
def test_parse_log(text: str, names: tuple[str, ...], day: date, kind: str, note: str) -> None:
    assert _as_tuple(parse_log(text, TODAY)) == (names, day, kind, note)


@pytest.mark.parametrize(("text", "names", "day", "kind", "note"), SPEC_EXAMPLES)
def test_parse_log_is_the_same_with_an_index(
    text: str, names: tuple[str, ...], day: date, kind: str, note: str
) -> None:
    assert _as_tuple(parse_log(text, TODAY, INDEX)) == (names, day, kind, note)


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("coffee alice yesterday", ("alice",)),
        ("lunch alice smith", ("alice smith",)),
        ("dinner, bobby, carol", ("bobby", "carol")),
        ("drinks w the captain", ("the captain",)),
        ("drinks w/ the captain and will", ("the captain", "will")),
        ("dinner with Alice Bob and Carol", ("Alice", "Bob", "Carol")),
        ("Coffee with Alice Smith and maría josé", ("Alice Smith", "maría josé")),
        ("Will and I went for a run", ("Will",)),
        ("I will call mum", ("mum",)),
        ("coffee with alice about Bob's new job", ("alice",)),
        ("lunch at sam's", ("sam",)),
    ],
)
def test_known_names_are_found_anywhere_in_the_head(text: str, names: tuple[str, ...]) -> None:
    assert parse_log(text, TODAY, INDEX).names == names


def test_known_names_in_the_note_are_not_people() -> None:
    phrase = parse_log("coffee with Alice — Bob says hi", TODAY, INDEX)
    assert phrase.names == ("Alice",)
    assert phrase.note == "Bob says hi"


def test_date_in_the_note_is_not_the_day() -> None:
    phrase = parse_log("coffee with Alice on Monday: she flies out 12 December", TODAY)
    assert phrase.day == date(2026, 11, 23)
    assert phrase.note == "she flies out 12 December"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Tell me who you saw — for example: coffee with Alice yesterday."),
        ("   \n\t", "Tell me who you saw — for example: coffee with Alice yesterday."),
        ("coffee with the team", "Who was it with? Try: coffee with Alice yesterday."),
        ("had a lovely walk", "Who was it with? Try: coffee with Alice yesterday."),
        ("hello", "Who was it with? Try: coffee with Alice yesterday."),
        ("🌸🌸🌸", "Who was it with? Try: coffee with Alice yesterday."),
        ("x" * 10_000, "Who was it with? Try: coffee with Alice yesterday."),
        ("Robert'); DROP TABLE people;--", "Who was it with? Try: coffee with Alice yesterday."),
        ("— she's moving", "Who was it with? Try: coffee with Alice yesterday."),
    ],
)
def test_parse_log_without_a_person(text: str, message: str) -> None:
    with pytest.raises(PhraseError) as info:
        parse_log(text, TODAY)
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "coffee with Alice 12 Dec",
            "12 Dec is in the future — I can only log what already happened. "
            "If you meant last year, write 12 Dec 2025.",
        ),
        (
            "dinner with Bob tomorrow",
            "Tomorrow is in the future — I can only log what already happened.",
        ),
        ("lunch with Carol on 31 Feb", "There's no 31 February."),
    ],
)
def test_parse_log_with_a_bad_date(text: str, message: str) -> None:
    with pytest.raises(DateError) as info:
        parse_log(text, TODAY)
    assert str(info.value) == message


def test_long_note_is_kept_but_not_searched() -> None:
    note = "she said " + "blah Lisbon 12 March " * 600
    phrase = parse_log(f"coffee with Alice yesterday — {note}", TODAY)
    assert _as_tuple(phrase)[:3] == (("Alice",), YESTERDAY, "coffee")
    assert phrase.note == note.strip()


def test_huge_input_without_separator_still_parses() -> None:
    text = "coffee with Alice " + "and then we talked " * 600
    phrase = parse_log(text, TODAY, INDEX)
    assert phrase.names == ("Alice",)
    assert len(phrase.note) > 9000


def test_kinds_are_canonical() -> None:
    assert KINDS[-1] == "catch-up"
    assert len(KINDS) == len(set(KINDS))
    for kind in ("coffee", "breakfast", "brunch", "lunch", "dinner", "drinks", "call"):
        assert kind in KINDS
    for kind in ("video call", "message", "walk", "visit", "party", "hike", "run", "game"):
        assert kind in KINDS
    for kind in ("movie", "concert", "bumped into"):
        assert kind in KINDS


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("breakfast with Bob", "breakfast"),
        ("brunch with Bob", "brunch"),
        ("supper with Bob", "dinner"),
        ("beers with Bob", "drinks"),
        ("phoned Bob", "call"),
        ("whatsapped Bob", "message"),
        ("emailed Bob", "message"),
        ("zoom with Bob", "video call"),
        ("strolled with Bob", "walk"),
        ("stayed with Bob", "visit"),
        ("bbq at Bob's", "party"),
        ("hiking with Bob", "hike"),
        ("jogged with Bob", "run"),
        ("board games with Bob", "game"),
        ("cinema with Bob", "movie"),
        ("gig with Bob", "concert"),
        ("bumped into Bob", "bumped into"),
        ("hung out with Bob", "catch-up"),
        ("climbing with Bob", "climbing"),
        ("road trip with Bob", "trip"),
    ],
)
def test_kind_words(text: str, kind: str) -> None:
    phrase = parse_log(text, TODAY)
    assert (phrase.kind, phrase.names) == (kind, ("Bob",))
    assert phrase.kind in KINDS


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_parse_log_only_raises_friendly_errors(text: str) -> None:
    try:
        phrase = parse_log(text, TODAY, INDEX)
    except (PhraseError, DateError) as error:
        assert str(error)
        return
    assert phrase.names
    assert all(name.strip() for name in phrase.names)
    assert phrase.kind in KINDS
    assert phrase.day <= TODAY


def test_corpus_parses() -> None:
    lines = [line for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(lines) >= 220
    for line in lines:
        phrase = parse_log(line, TODAY)
        assert phrase.names, line


@pytest.mark.parametrize(
    "text",
    [
        "coffee with Alice",
        "saw Heidi yesterday",
        "Bob called me",
        "visited grandma",
        "drinks w/ Ivan",
        "met up with María José",
        "ran into Grace at the shop",
        "Lunch today with Carol — great",
    ],
)
def test_looks_like_log(text: str) -> None:
    assert looks_like_log(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "hello",
        "thanks!",
        "/log coffee with Alice",
        "who haven't I seen?",
        "where should we get coffee?",
        "how does this work",
        "Alice",
        "Alice yesterday",
        "x" * 10_000,
    ],
)
def test_does_not_look_like_log(text: str) -> None:
    assert not looks_like_log(text)


def test_known_name_and_a_day_looks_like_log() -> None:
    assert looks_like_log("Alice yesterday", INDEX)
    assert looks_like_log("alice smith 3 days ago", INDEX)
    assert looks_like_log("Bobby on Friday", INDEX)
    assert not looks_like_log("Alice", INDEX)
    assert not looks_like_log("Zed yesterday", INDEX)


@pytest.mark.parametrize(
    "text",
    [
        "who haven't I seen?",
        "Who haven’t I seen",
        "who should I call?",
        "who's overdue",
        "whos overdue?",
        "who is overdue",
        "who do I need to catch up with",
        "anyone I should see?",
        "is anyone overdue?",
        "who's next?",
        "who have I not talked to in a while?",
        "so, who should I text?",
        "who am I neglecting",
        "who's due",
    ],
)
def test_is_who_question(text: str) -> None:
    assert is_who_question(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "who is Alice?",
        "who did I see yesterday?",
        "coffee with Alice",
        "had coffee with Alice and she asked who I should call next about the flat",
        "what's up",
        "x" * 10_000,
    ],
)
def test_is_not_who_question(text: str) -> None:
    assert not is_who_question(text)
