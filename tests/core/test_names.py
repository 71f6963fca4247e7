"""Name keys and forgiving name resolution."""

from __future__ import annotations

import random
import re
import string
import unicodedata

import pytest

from bot.core.names import (
    _APOSTROPHES,
    Candidate,
    Match,
    NameEntry,
    NameIndex,
    Resolution,
    fold_key,
    name_key,
)

PEOPLE = (
    NameEntry(1, "Alice Smith"),
    NameEntry(2, "Alice Wong"),
    NameEntry(3, "John Doe"),
    NameEntry(4, "María José", ("MJ",)),
    NameEntry(5, "Patrick O'Brien", ("Paddy",)),
    NameEntry(6, "Margaret Jones", ("mum", "Mom")),
    NameEntry(7, "محمد علي"),
    NameEntry(8, "🌸 Mei"),
    NameEntry(9, "Bob Lee", ("Bobby",)),
    NameEntry(10, "Bob Marley"),
    NameEntry(11, "Carol"),
    NameEntry(12, "Carol"),
    NameEntry(13, "יעל כהן"),
    NameEntry(14, "Robert'); DROP TABLE people;--"),
    NameEntry(15, "Charlotte Brown"),
)


@pytest.fixture(scope="module")
def index() -> NameIndex:
    return NameIndex.build(PEOPLE)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("  María  JOSÉ ", "maría josé"),
        ("Alice", "alice"),
        ("ALICE\tSMITH\n", "alice smith"),
        ("Straße", "strasse"),
        ("Ｆｕｌｌ　Ｗｉｄｔｈ", "full width"),
        ("O’Brien", "o'brien"),
        ("🌸 Mei", "🌸 mei"),
        ("محمد", "محمد"),
        ("", ""),
        ("   ", ""),
        ("e\u0301mile", "émile"),
    ],
)
def test_name_key(text: str, key: str) -> None:
    assert name_key(text) == key


def _slow_name_key(text: str) -> str:
    """name_key without its ASCII shortcut, as it was written first."""
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_APOSTROPHES)
    return re.sub(r"\s+", " ", folded).strip()


def test_ascii_names_key_as_before() -> None:
    # Every ASCII character, and the awkward ones often: tabs, file separators, backticks.
    rng = random.Random(12)
    alphabet = [chr(c) for c in range(128)] + list(" \t\x1c\x1f`'AZ") * 8
    texts = ["Mark `Sparky` O'Neil", "A\x1cB", " \x0b\x0cAl  \r\nBo "]
    texts += ["".join(rng.choices(alphabet, k=rng.randint(0, 12))) for _ in range(3000)]
    for text in texts:
        assert name_key(text) == _slow_name_key(text), repr(text)


def _resolve(index: NameIndex, query: str) -> tuple[int | None, Match | None, tuple[int, ...]]:
    r = index.resolve(query)
    return r.person_id, r.match, tuple(c.person_id for c in r.candidates)


@pytest.mark.parametrize(
    ("query", "person_id", "match"),
    [
        ("Alice Smith", 1, Match.EXACT),
        ("alice smith", 1, Match.EXACT),
        ("  ALICE   SMITH ", 1, Match.EXACT),
        ("maría josé", 4, Match.EXACT),
        ("MARÍA JOSÉ", 4, Match.EXACT),
        ("mj", 4, Match.ALIAS),
        ("Mum", 6, Match.ALIAS),
        ("mom", 6, Match.ALIAS),
        ("paddy", 5, Match.ALIAS),
        ("Bobby", 9, Match.ALIAS),
        ("patrick o'brien", 5, Match.EXACT),
        ("Patrick O’Brien", 5, Match.EXACT),
        ("john", 3, Match.FIRST_NAME),
        ("Margaret", 6, Match.FIRST_NAME),
        ("محمد", 7, Match.FIRST_NAME),
        ("محمد علي", 7, Match.EXACT),
        ("יעל", 13, Match.FIRST_NAME),
        ("🌸 mei", 8, Match.EXACT),
        ("Alice S", 1, Match.FIRST_NAME),
        ("alice w", 2, Match.FIRST_NAME),
        ("Charl", 15, Match.FIRST_NAME),
        ("Jo", 3, Match.FIRST_NAME),
        ("Robert'); DROP TABLE people;--", 14, Match.EXACT),
        ("Alice Smith.", 1, Match.EXACT),
        ('"John"', 3, Match.FIRST_NAME),
        ("Jonh", 3, Match.FUZZY),
        ("Alice Smiht", 1, Match.FUZZY),
        ("Margret", 6, Match.FUZZY),
        ("Charlote", 15, Match.FUZZY),
        ("Marly", 10, Match.FUZZY),
    ],
)
def test_resolve_found(index: NameIndex, query: str, person_id: int, match: Match) -> None:
    r = index.resolve(query)
    assert (r.person_id, r.match) == (person_id, match)
    assert r.found and not r.ambiguous and not r.unknown
    assert r.query == query
    assert r.candidates == (Candidate(person_id, index.name_of(person_id)),)


@pytest.mark.parametrize(
    ("query", "match", "candidates"),
    [
        ("alice", Match.FIRST_NAME, (1, 2)),
        ("Bob", Match.FIRST_NAME, (9, 10)),
        ("carol", Match.EXACT, (11, 12)),
        ("Alcie", Match.FUZZY, (1, 2)),
        ("Alicia", Match.FUZZY, (1, 2)),
        ("Bbo", Match.FUZZY, (9, 10)),
    ],
)
def test_resolve_ambiguous(
    index: NameIndex, query: str, match: Match, candidates: tuple[int, ...]
) -> None:
    r = index.resolve(query)
    assert r.person_id is None
    assert r.match is match
    assert tuple(sorted(c.person_id for c in r.candidates)) == candidates
    assert r.ambiguous and not r.found and not r.unknown


@pytest.mark.parametrize("query", ["Zebedee", "Xyzzy Quux", "", "   ", "!!!", "J", "Mei Ling Wu"])
def test_resolve_unknown(index: NameIndex, query: str) -> None:
    r = index.resolve(query)
    assert r.person_id is None and r.match is None
    assert r.unknown and not r.found and not r.ambiguous
    assert len(r.candidates) <= 3


def test_unknown_suggests_close_names(index: NameIndex) -> None:
    r = index.resolve("Charlie Brownie")
    assert r.unknown
    assert 15 in [c.person_id for c in r.candidates]


def test_unknown_without_anything_close_suggests_nothing(index: NameIndex) -> None:
    assert index.resolve("Zzzzqqq").candidates == ()


def test_exact_full_name_beats_someone_elses_first_name() -> None:
    index = NameIndex.build([NameEntry(1, "Ann"), NameEntry(2, "Ann Lee")])
    assert _resolve(index, "ann") == (1, Match.EXACT, (1,))


def test_alias_shared_by_two_people_is_ambiguous() -> None:
    index = NameIndex.build(
        [NameEntry(1, "Margaret Jones", ("mum",)), NameEntry(2, "Ruth Jones", ("mum",))]
    )
    assert _resolve(index, "Mum") == (None, Match.ALIAS, (1, 2))


def test_three_letter_typo_only_for_swapped_letters() -> None:
    index = NameIndex.build([NameEntry(1, "Bob"), NameEntry(2, "Joe")])
    assert _resolve(index, "Bbo") == (1, Match.FUZZY, (1,))
    assert index.resolve("Jon").unknown


def test_single_edit_between_two_real_names_is_ambiguous() -> None:
    index = NameIndex.build([NameEntry(1, "Mark"), NameEntry(2, "Mary")])
    assert _resolve(index, "Marz") == (None, Match.FUZZY, (1, 2))


def test_crowded_prefix_is_not_an_answer() -> None:
    index = NameIndex.build([NameEntry(i, f"Al{c}x") for i, c in enumerate("abcdefgh")])
    assert index.resolve("al").unknown


def test_len_and_known_names(index: NameIndex) -> None:
    assert len(index) == len(PEOPLE)
    known = index.known_names()
    assert {"alice smith", "alice", "mj", "mum", "🌸 mei", "محمد"} <= known
    assert index.max_name_tokens == 4  # "robert'); drop table people;--"


def test_empty_index() -> None:
    index = NameIndex.build([])
    assert len(index) == 0
    assert index.resolve("Alice") == Resolution("Alice", None, None, ())
    assert index.known_names() == frozenset()


def test_blank_names_are_ignored() -> None:
    index = NameIndex.build([NameEntry(1, "   ", ("",))])
    assert index.resolve("").unknown


def test_resolve_huge_query(index: NameIndex) -> None:
    assert index.resolve("a" * 10_000).unknown


def test_resolve_is_fast_on_a_thousand_people() -> None:
    rng = random.Random(7)

    def word() -> str:
        return "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(3, 9)))

    entries = [NameEntry(i, f"{word().title()} {word().title()}") for i in range(1000)]
    entries.append(NameEntry(1000, "Alice Smith"))
    index = NameIndex.build(entries)
    assert index.resolve("Alcie Smith").person_id == 1000
    # Its speed is bench/'s business (fig_engine); here: the answer is stable.
    assert all(index.resolve("Alcie Smith").person_id == 1000 for _ in range(3))


# -- issue 9: accents forgiven, and suggestions only when they really resemble -------------

ROSTER = NameIndex.build(
    [
        NameEntry(1, "Mom", ("Mum",)),
        NameEntry(2, "Fatima Zahra"),
        NameEntry(3, "Omar Haddad"),
        NameEntry(4, "Lena Fischer"),
        NameEntry(5, "Zoë Martin"),
        NameEntry(6, "María José Ruiz"),
        NameEntry(7, "Nora Quinn"),
    ]
)


@pytest.mark.parametrize(
    ("query", "who"),
    [("zoe", "Zoë Martin"), ("Maria Jose", "María José Ruiz"), ("maria josé", "María José Ruiz")],
)
def test_accents_are_forgiven_without_a_question(query: str, who: str) -> None:
    res = ROSTER.resolve(query)
    assert res.person_id is not None and ROSTER.name_of(res.person_id) == who


def test_an_exact_spelling_still_wins_over_a_folded_one() -> None:
    index = NameIndex.build([NameEntry(1, "Zoe Adams"), NameEntry(2, "Zoë Martin")])
    assert index.resolve("Zoë").person_id == 2
    assert index.resolve("Zoe").person_id == 1


@pytest.mark.parametrize(("typo", "who"), [("Omra", "Omar Haddad"), ("Lnea", "Lena Fischer")])
def test_a_real_typo_offers_the_right_person_first(typo: str, who: str) -> None:
    res = ROSTER.resolve(typo)
    assert res.candidates and res.candidates[0].name == who


@pytest.mark.parametrize(("query", "never"), [("Tom", "Mom"), ("Carla", "Fatima Zahra")])
def test_nonsense_suggestions_are_not_made(query: str, never: str) -> None:
    res = ROSTER.resolve(query)
    assert res.unknown
    assert never not in [c.name for c in res.candidates]


def test_fold_key_keeps_identity_apart() -> None:
    assert fold_key("Zoë") == fold_key("zoe") == "zoe"
    assert name_key("Zoë") != name_key("Zoe")
    assert fold_key("Łukasz Ørsted") == "lukasz orsted"
