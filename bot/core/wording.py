"""A small grammar for the lines kith writes about meetings, follow-ups and favors.

A kind is stored as a short word ("coffee", "bumped into", "tennis"); how it reads depends
on where it goes. Every kind has four forms, so that no reply pastes a kind into a frame
that does not fit it ("Logged bumped into with Tom", "2 weeks since reached out"):

* `noun`   — after "Logged": "coffee with Tom", "running into Tom", "tennis with Lukas"
* `past`   — a sentence part: "had coffee with Tom", "ran into Tom", "played tennis with Lukas"
* `since`  — after "3 weeks since": "coffee", "you ran into them", "you reached out"
* `recent` — with "today"/"yesterday": "had coffee with them", "ran into them"

Kinds nobody taught the grammar (an import from elsewhere) fall back to a neutral frame.
Pure: strings in, strings out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class KindPhrase:
    """The forms of one kind; `{who}` is where the people go."""

    noun: str
    past: str
    since: str


def _meal(word: str) -> KindPhrase:
    return KindPhrase(f"{word} with {{who}}", f"had {word} with {{who}}", word)


def _sport(play: str, word: str) -> KindPhrase:
    return KindPhrase(f"{word} with {{who}}", f"{play} {word} with {{who}}", word)


def _outing(noun: str, past: str, since: str) -> KindPhrase:
    return KindPhrase(f"{noun} with {{who}}", f"{past} with {{who}}", since)


PHRASES: Final[dict[str, KindPhrase]] = {
    "coffee": _meal("coffee"),
    "breakfast": _meal("breakfast"),
    "brunch": _meal("brunch"),
    "lunch": _meal("lunch"),
    "dinner": _meal("dinner"),
    "drinks": _meal("drinks"),
    "call": KindPhrase("a call with {who}", "called {who}", "your last call"),
    "video call": KindPhrase(
        "a video call with {who}", "had a video call with {who}", "your last video call"
    ),
    "message": KindPhrase("messaging {who}", "messaged {who}", "your last message"),
    "bumped into": KindPhrase("running into {who}", "ran into {who}", "you ran into them"),
    "reached out": KindPhrase("reaching out to {who}", "reached out to {who}", "you reached out"),
    "walk": _outing("a walk", "went for a walk", "your last walk"),
    "hike": _outing("a hike", "went hiking", "your last hike"),
    "run": _outing("a run", "went for a run", "your last run"),
    "game": _outing("a game", "played a game", "your last game"),
    "movie": _outing("a movie", "watched a movie", "the last movie"),
    "concert": _outing("a concert", "went to a concert", "the last concert"),
    "party": _outing("a party", "were at a party", "the last party"),
    "visit": KindPhrase("a visit with {who}", "visited {who}", "your last visit"),
    "trip": _outing("a trip", "went on a trip", "your last trip"),
    "catch-up": _outing("a catch-up", "caught up", "you caught up"),
    "sport": _outing("a workout", "worked out", "your last workout"),
    "tennis": _sport("played", "tennis"),
    "squash": _sport("played", "squash"),
    "football": _sport("played", "football"),
    "basketball": _sport("played", "basketball"),
    "volleyball": _sport("played", "volleyball"),
    "badminton": _sport("played", "badminton"),
    "padel": _sport("played", "padel"),
    "golf": _sport("played", "golf"),
    "climbing": _sport("went", "climbing"),
    "bouldering": _sport("went", "bouldering"),
    "swimming": _sport("went", "swimming"),
    "cycling": _sport("went", "cycling"),
    "surfing": _sport("went", "surfing"),
    "skiing": _sport("went", "skiing"),
    "yoga": _sport("did", "yoga"),
    "gym": _outing("the gym", "went to the gym", "the gym"),
    "workout": _outing("a workout", "worked out", "your last workout"),
}

# Which sport a matched word means: "played tennis" -> tennis, "swam" -> swimming.
_SPORT_WORDS: Final = (
    ("tennis", "tennis"),
    ("squash", "squash"),
    ("football", "football"),
    ("soccer", "football"),
    ("basketball", "basketball"),
    ("volleyball", "volleyball"),
    ("badminton", "badminton"),
    ("padel", "padel"),
    ("golf", "golf"),
    ("bouldering", "bouldering"),
    ("climbing", "climbing"),
    ("gym", "gym"),
    ("yoga", "yoga"),
    ("swim", "swimming"),
    ("swam", "swimming"),
    ("cycl", "cycling"),
    ("bike", "cycling"),
    ("surf", "surfing"),
    ("ski", "skiing"),
    ("work", "workout"),
)


SPORTS: Final = tuple(dict.fromkeys(sport for _, sport in _SPORT_WORDS))


def sport_of(matched: str) -> str:
    """The sport a matched phrase names ("played Tennis" -> "tennis"); "sport" if none."""
    low = matched.lower()
    for word, sport in _SPORT_WORDS:
        if word in low:
            return sport
    return "sport"


def _phrase(kind: str) -> KindPhrase:
    known = PHRASES.get(kind.casefold())
    if known is not None:
        return known
    # A kind from elsewhere ("pottery class"): a neutral frame that fits any noun.
    return KindPhrase(f"{kind} with {{who}}", f"met for {kind} with {{who}}", kind)


def join_names(names: Sequence[str]) -> str:
    """'Alice', 'Alice and Bob', 'Alice, Bob and Carol'."""
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def kind_noun(kind: str, names: Sequence[str]) -> str:
    """'coffee with Tom', 'running into Tom' — what comes after "Logged"."""
    return _phrase(kind).noun.format(who=join_names(names) or "them")


def kind_label(kind: str) -> str:
    """The kind on its own: 'coffee', 'a call', 'running into them' ("Last: a call on …")."""
    return _phrase(kind).noun.replace(" with {who}", "").replace("{who}", "them")


def kind_past(kind: str, names: Sequence[str]) -> str:
    """'had coffee with Tom', 'ran into Tom', 'played tennis with Lukas'."""
    return _phrase(kind).past.format(who=join_names(names) or "them")


def kind_since(kind: str) -> str:
    """What follows "3 weeks since": 'coffee', 'you ran into them', 'your last call'."""
    return _phrase(kind).since


def kind_recent(kind: str) -> str:
    """A meeting today or yesterday: 'had coffee with them', 'ran into them'."""
    return kind_past(kind, ["them"])


# -- sentences -----------------------------------------------------------------------

_ENDS_SENTENCE = re.compile(r"[.!?…)\"'”’»]$|[^\w\s,;:–—-]$")


def sentence(text: str) -> str:
    """`text` ended with a full stop unless it already ends one ("she's pregnant!")."""
    text = text.rstrip()
    if not text or _ENDS_SENTENCE.search(text):
        return text
    return text + "."


_QUESTION_WORDS: Final = frozenset(
    "how what whether if when why where who which whose".split()  # noqa: SIM905
)
_TO_DO: Final = frozenset(
    {"plan", "invite", "send", "call", "bring", "return", "give", "tell", "thank"}
    | {"congratulate", "book", "visit", "text", "check", "remind"}
)
_ASK_ABOUT = re.compile(r"^(?:ask\s+(?:them\s+|him\s+|her\s+)?)?about\s+", re.IGNORECASE)


def ask_line(text: str) -> str:
    """A follow-up as a suggestion: 'Ask how the move went', 'Ask about her sister's wedding'."""
    text = text.strip()
    stripped = _ASK_ABOUT.sub("", text)
    if stripped != text:
        return f"Ask about {stripped}"
    if text[:4].casefold() == "ask ":
        text = text[4:].lstrip()
    words = text.casefold().split()
    first = words[0] if words else ""
    # "her how it went" asks her; "her sister's wedding" is about something of hers.
    asks_them = first in ("them", "him", "her") and len(words) > 1 and words[1] in _QUESTION_WORDS
    if first in _QUESTION_WORDS or asks_them:
        return f"Ask {text}"
    if first in _TO_DO:  # "plan something together" is a thing to do, not to ask about
        return text[:1].upper() + text[1:]
    return f"Ask about {text}"


_SUBJECTS = re.compile(r"^(?:they|she|he)\s+", re.IGNORECASE)
_FIRST_PERSON: Final = {
    "me": "you",
    "my": "your",
    "mine": "yours",
    "i": "you",
    "i'm": "you're",
    "myself": "yourself",
}
_BORROWED = re.compile(r"\b(?:lent|loaned|borrowed|lend)\b", re.IGNORECASE)


def _second_person(text: str) -> str:
    """'gave me my keys back' -> 'gave you your keys back'."""

    def swap(m: re.Match[str]) -> str:
        return _FIRST_PERSON.get(m.group(0).casefold(), m.group(0))

    return re.sub(r"\b(?:i'm|me|my|mine|i|myself)\b", swap, text, flags=re.IGNORECASE)


def _starts_with_verb(text: str) -> bool:
    first = text.split(None, 1)[0].casefold() if text else ""
    return first.endswith("ed") or first in {"lent", "gave", "got", "brought", "took", "made"}


def favor_line(kind: str, text: str, name: str) -> str:
    """An open favor as a sentence about `name`.

    got:     'they gave me a stroller' -> 'Zoë gave you a stroller'; 'a lift' ->
             'Zoë helped you with a lift'.
    offered: 'to help Bob move' -> 'You offered to help Bob move'; 'help with the move'
             -> 'You offered Zoë help with the move'.
    gave:    'helped with the move' -> 'You helped with the move'; 'a lift' -> 'You gave
             Zoë a lift'.
    """
    text = text.strip().rstrip(".")
    if kind == "got":
        rest = _SUBJECTS.sub("", text)
        if rest != text or _starts_with_verb(rest):
            line = f"{name} {_second_person(rest)}"
        else:
            line = f"{name} helped you with {_second_person(text)}"
        if _BORROWED.search(text):
            line += " — to give back"
        return line
    if kind == "offered":
        if text[:3].casefold() == "to ":
            return f"You offered {text}"
        return f"You offered {name} {text}"
    if _starts_with_verb(text):
        return f"You {text}"
    return f"You gave {name} {text}"
