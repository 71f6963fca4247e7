"""The grammar of kind phrases, follow-ups, favors and time spans, over every kind × form."""

from __future__ import annotations

import re

import pytest

from bot.core.dates import format_span
from bot.core.phrases import KINDS
from bot.core.wording import (
    PHRASES,
    ask_line,
    favor_line,
    kind_label,
    kind_noun,
    kind_past,
    kind_recent,
    kind_since,
    sentence,
    sport_of,
)

EVERY_KIND = sorted({*KINDS, *PHRASES, "reached out", "pottery class"})
NAME_SETS = (["Tom"], ["Noah", "Emma"], ["Ana", "Bo", "Cy"])

# Phrasings a user once saw and must never see again.
BROKEN = re.compile(
    r"bumped into with|into with|reached out with|sport with|with with|\bto with"
    r"|since (?:bumped|reached|called|messaged|ran)|\s{2}|\.\.|[!?]\.|: about\b|: they\b",
    re.IGNORECASE,
)


@pytest.mark.parametrize("kind", EVERY_KIND)
@pytest.mark.parametrize("names", NAME_SETS)
def test_every_kind_in_every_form_reads_as_english(kind: str, names: list[str]) -> None:
    forms = {
        "noun": f"Logged {kind_noun(kind, names)} on Sun 22 Nov.",
        "past": f"You {kind_past(kind, names)} on Sun 22 Nov.",
        "since": f"3 weeks since {kind_since(kind)}",
        "recent": f"{kind_recent(kind)} yesterday",
        "label": f"Last: {kind_label(kind)} on Sun 22 Nov",
    }
    for form, text in forms.items():
        assert not BROKEN.search(text), (kind, form, text)
        assert "{" not in text and "}" not in text, (kind, form, text)
    for name in names:
        assert name in forms["noun"] and name in forms["past"]
    assert "them" in forms["recent"]


@pytest.mark.parametrize(
    ("kind", "noun", "past", "since"),
    [
        ("bumped into", "running into Tom", "ran into Tom", "you ran into them"),
        ("reached out", "reaching out to Tom", "reached out to Tom", "you reached out"),
        ("coffee", "coffee with Tom", "had coffee with Tom", "coffee"),
        ("call", "a call with Tom", "called Tom", "your last call"),
        ("tennis", "tennis with Tom", "played tennis with Tom", "tennis"),
        ("climbing", "climbing with Tom", "went climbing with Tom", "climbing"),
        ("catch-up", "a catch-up with Tom", "caught up with Tom", "you caught up"),
    ],
)
def test_kind_phrases(kind: str, noun: str, past: str, since: str) -> None:
    assert (kind_noun(kind, ["Tom"]), kind_past(kind, ["Tom"]), kind_since(kind)) == (
        noun,
        past,
        since,
    )


def test_a_sport_reads_back_as_itself() -> None:
    assert sport_of("played Tennis") == "tennis"
    assert sport_of("swam") == "swimming"
    assert sport_of("worked out") == "workout"
    assert sport_of("something") == "sport"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("she's pregnant!", "she's pregnant!"),
        ("moving to Lisbon", "moving to Lisbon."),
        ("is it true?", "is it true?"),
        ("the end.", "the end."),
        ("so happy 🎉", "so happy 🎉"),
        ("(maybe)", "(maybe)"),
    ],
)
def test_a_sentence_ends_once(text: str, expected: str) -> None:
    assert sentence(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("about her sister's wedding", "Ask about her sister's wedding"),
        ("her sister's wedding", "Ask about her sister's wedding"),
        ("how the move went", "Ask how the move went"),
        ("ask about the flat", "Ask about the flat"),
        ("whether she got the job", "Ask whether she got the job"),
        ("plan something together", "Plan something together"),
    ],
)
def test_ask_lines(text: str, expected: str) -> None:
    assert ask_line(text) == expected


@pytest.mark.parametrize(
    ("kind", "text", "expected"),
    [
        ("got", "they gave me a stroller", "Zoë gave you a stroller"),
        ("got", "she lent me her drill", "Zoë lent you her drill — to give back"),
        ("got", "a lift to the airport", "Zoë helped you with a lift to the airport"),
        ("offered", "to help her move", "You offered to help her move"),
        ("offered", "help with the boxes", "You offered Zoë help with the boxes"),
        ("gave", "a lift home", "You gave Zoë a lift home"),
        ("gave", "helped with the move", "You helped with the move"),
    ],
)
def test_favor_lines(kind: str, text: str, expected: str) -> None:
    line = favor_line(kind, text, "Zoë")
    assert line == expected
    assert not BROKEN.search(line)


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        (1, "a day"),
        (3, "3 days"),
        (7, "a week"),
        (13, "nearly 2 weeks"),
        (14, "2 weeks"),
        (27, "nearly a month"),
        (34, "a month"),
        (58, "nearly 2 months"),
        (90, "3 months"),
        (340, "nearly a year"),
        (365, "a year"),
        (500, "over a year"),
        (730, "2 years"),
    ],
)
def test_time_spans_are_never_rounded_down(days: int, expected: str) -> None:
    assert format_span(days) == expected


def test_spans_never_shrink_as_days_go_by() -> None:
    order = [format_span(d) for d in range(1, 800)]
    seen: list[str] = []
    for span in order:
        if not seen or seen[-1] != span:
            assert span not in seen, f"{span} comes back after {seen[-1]}"
            seen.append(span)
