"""Where a meeting happened and who reached out, read from the words of a log."""

from __future__ import annotations

import pytest

from bot.core.meeting_words import (
    find_place,
    note_without_place,
    place_key,
    place_words,
    who_reached_out,
)

PLACES = [
    ("met Maria at the bakery", "bakery"),
    ("drinks at the Crown", "the Crown"),
    ("drinks with Bob at the Crown yesterday", "the Crown"),
    ("coffee with Alice at Bob's", "Bob's"),
    ("walk with Carol in the park", "park"),
    ("dinner with Dan in Lisbon", "Lisbon"),
    ("lunch with Eve at the farmers market on Friday", "farmers market"),
    ("bumped into Maria at the bakery, she's moving", "bakery"),
    ("coffee with Alice at home", "home"),
    # times, not places
    ("call with Bob at 5", None),
    ("coffee with Alice at noon", None),
    ("dinner with Bob in March", None),
    ("walk with Carol in the morning", None),
    ("call with Bob in a bit", None),
    ("coffee with Alice yesterday", None),
    # a place in the note is part of the story
    ("coffee with Alice — she got a job at Google", None),
    ("lunch with Bob: he works at the hospital now", None),
    # "to the Capitalised" is where you went; "to Nora", "to the vet" are not places
    ("Maria invited me to the Crown", "the Crown"),
    ("went to the Tate with Sara", "the Tate"),
    ("talked to Nora at the Crown", "the Crown"),
    ("took Mum to the vet", None),
    ("lunch with Omar, moving to Lisbon", None),
    # where someone is, not where you met
    ("coffee with Omar, his sister is in the Navy", None),
    ("lunch with Sara, she's at Google now", None),
    ("drinks with Sara, she works at the Crown", None),
    ("met Maria at Google now", "Google"),
]


@pytest.mark.parametrize(("text", "place"), PLACES)
def test_the_place_of_a_meeting(text: str, place: str | None) -> None:
    assert find_place(text) == place


def test_places_compare_without_case_or_article() -> None:
    assert place_key("The Bakery") == place_key("bakery") == "bakery"
    assert place_key("the Crown") == "crown"


REACH_OUTS = [
    ("coffee with Alice, she called me", "them"),
    ("got a text from Bob", "them"),
    ("Alice invited me to dinner", "them"),
    ("call with Bob, he rang me", "them"),
    ("a call from Carol", "them"),
    ("Bob reached out, we had lunch", "them"),
    ("dinner with Dan, his idea", "them"),
    ("I called Bob", "me"),
    ("I invited Alice for a walk", "me"),
    ("lunch with Carol, I reached out", "me"),
    ("I texted Dan and he texted me back", "me"),
    ("coffee with Alice", None),
    ("dinner with Bob, he told me about Lisbon", None),
    ("walk with Carol in the park", None),
]


@pytest.mark.parametrize(("text", "who"), REACH_OUTS)
def test_who_reached_out(text: str, who: str | None) -> None:
    assert who_reached_out(text) == who


def test_the_words_of_the_place_clause() -> None:
    assert place_words("bumped into Tom at the Bakery on Main yesterday, nice") == {
        "the",
        "bakery",
        "on",
        "main",
        "yesterday",
    }
    assert place_words("drinks at the Crown with Bob") == {"the", "crown"}
    assert place_words("coffee with Alice") == frozenset()
    # only clauses that name a place: "to Nora" is someone, not where
    assert place_words("talked to Nora at the Crown") == {"the", "crown"}


@pytest.mark.parametrize(
    ("note", "place", "left"),
    [
        ("at the bakery", "bakery", ""),
        ("at the bakery — she called me", "bakery", "she called me"),
        ("At the Crown, he called me", "the Crown", "he called me"),
        ("she called me", "bakery", "she called me"),
        ("at the bakery on Main", "bakery", "on Main"),
        # what the log parser left of a place whose last word was read as the kind
        ("at Costa", "Costa Coffee", ""),
        ("at The Crown", "the Crown & Anchor", ""),
        ("at Costanza's", "Costa Coffee", "at Costanza's"),
    ],
)
def test_the_note_does_not_repeat_the_place(note: str, place: str, left: str) -> None:
    assert note_without_place(note, place) == left
