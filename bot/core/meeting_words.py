"""Two things a log says in passing: where you met, and who reached out first.

"met Maria at the bakery" keeps `bakery` as the meeting's place; "she called me" or
"got a text from Bob" mean the other person reached out, "I called Bob" means you did.
Pure and separate from `phrases.py` on purpose: the log parser reads who, when and what,
these rules read only the two extras, so either can change without the other.
"""

from __future__ import annotations

import re
from typing import Final, Literal

Initiator = Literal["me", "them"]
ME: Final = "me"
THEM: Final = "them"

MAX_PLACE = 40
MAX_PLACE_WORDS = 4


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# A note starts after a dash or a colon; a place mentioned there ("her job at Google")
# is part of the story, not where you met.
_NOTE_START = re.compile(r"\s[—–-]\s|:\s|\.\s")
# The rest is a lookahead so that every "at"/"in"/"to" is tried, not only the first.
_AT = re.compile(r"(?:^|\s)(at|in|to)\s+(?=(.+))", re.IGNORECASE | re.DOTALL)
_WORD_BEFORE = re.compile(r"([\w'’]+)\W*$")
# "she works at Google", "his sister is in the Navy": where someone is, not where you met.
_STATE_WORDS = _words(
    "is are was were be been works worked working lives lived living studies studied "
    "studying stays stayed staying based born moved moving teaches taught job "
    "she's he's it's they're i'm we're you're she’s he’s it’s they’re i’m we’re you’re"
)
_STOP_PUNCT = re.compile(r"[,;!?()\"“”.]")


_MONTHS = _words(
    "january february march april may june july august september october november "
    "december jan feb mar apr jun jul aug sep sept oct nov dec"
)
# Words that end a place ("at the bakery yesterday", "at the Crown with Bob").
_STOPS = _words(
    "with and or on yesterday today tonight last this next for after before then when "
    "while until till since about to from because but so who where ago we i she he "
    "they it again earlier later around now"
)
# "at 5", "at noon", "in the morning": times, not places.
_NOT_PLACES = _words(
    "noon midnight night lunchtime dinnertime breakfast lunch dinner morning evening "
    "afternoon weekend week month year the a an last first end least most all once "
    "time times a while bit moment minute minutes hour hours day days weeks months "
    "years person"
)
_DETERMINERS = frozenset({"the", "a", "an", "our", "my", "their", "his", "her"})

_VERBS = (
    r"called|rang|phoned|texted|messaged|invited|pinged|emailed|dmed|dm'd|"
    r"wrote to|reached out to|asked|contacted|visited|hosted"
)
_THEM_PATTERNS = (
    # "she called me", "Alice invited me", "Bob texted me"
    re.compile(rf"\b(?!i\b)[\w'’-]+\s+(?:{_VERBS})\s+(?:me|us)\b", re.IGNORECASE),
    # "got a text from Bob", "a call from Alice", "an invite from Carol"
    re.compile(
        r"\b(?:text|call|message|email|invite|invitation|ping|dm|note|letter|card|visit)s?\s+"
        r"from\b",
        re.IGNORECASE,
    ),
    # "Bob reached out", "she got in touch", "Alice asked to meet"
    re.compile(
        r"\b(?!i\b)[\w'’-]+\s+(?:reached out|got in touch|asked to meet|dropped by|came by)\b",
        re.IGNORECASE,
    ),
    re.compile(r"\b(?:her|his|their) (?:idea|invitation|invite)\b", re.IGNORECASE),
)
_ME_PATTERNS = (
    # "I called Bob", "I invited Alice", "I reached out"
    re.compile(rf"\bi\s+(?:{_VERBS}|reached out|got in touch|suggested)\b", re.IGNORECASE),
    re.compile(r"\b(?:my idea|my invitation|my invite)\b", re.IGNORECASE),
)


def head(text: str) -> str:
    """The part of a log before its note: who, when, where."""
    match = _NOTE_START.search(text)
    return text[: match.start()] if match else text


def find_place(text: str) -> str | None:
    """Where the meeting happened, as written ("bakery", "the Crown"); None when unsaid.

    Read from "at …" anywhere before the note, "in the …"/"in Capitalised" (a park, a
    city) or "to the Capitalised" ("invited me to the Crown"): "in March" and "in the
    morning" are times, and "she works at Google" is where she is, not places you met.
    Give it the log's head as the parser splits it (`phrases.split_head`): a comma can
    start the note ("lunch with Sara, she works at Google now").
    """
    clauses = _place_clauses(head(text))
    return clauses[0][1] if clauses else None


def _place_clauses(part: str) -> list[tuple[re.Match[str], str]]:
    """Each "at/in/to …" of `part` that names a place, with the place."""
    found: list[tuple[re.Match[str], str]] = []
    for match in _AT.finditer(part):
        before = _WORD_BEFORE.search(part[: match.start() + 1])
        if before is not None and before.group(1).casefold() in _STATE_WORDS:
            continue
        place = _take_place(match.group(2), match.group(1).casefold())
        if place is not None:
            found.append((match, place))
    return found


def _take_place(rest: str, preposition: str) -> str | None:
    cut = _STOP_PUNCT.search(rest)
    if cut is not None:
        rest = rest[: cut.start()]
    words = rest.split()
    if not words:
        return None
    first = words[0].casefold()
    had_determiner = first in _DETERMINERS
    if had_determiner:
        words = words[1:]
    if not words:
        return None
    if preposition == "in" and not had_determiner and not words[0][:1].isupper():
        return None  # "in a bit", "in two weeks": only "in the park" or "in Lisbon"
    if preposition == "to" and (first != "the" or not words[0][:1].isupper()):
        return None  # "talked to Nora", "took Mum to the vet": only "to the Crown"
    kept: list[str] = []
    for word in words:
        low = word.casefold()
        if low in _STOPS or low in _MONTHS or low[:1].isdigit():
            break
        kept.append(word)
        if len(kept) == MAX_PLACE_WORDS:
            break
    if not kept or kept[0].casefold() in _NOT_PLACES or kept[-1].casefold() in _NOT_PLACES:
        return None
    place = " ".join(kept)
    # "the Crown" keeps its article (a proper name); "the bakery" is just "bakery".
    if had_determiner and words and words[0][:1].isupper() and first == "the":
        place = "the " + place
    return place[:MAX_PLACE]


def place_key(place: str) -> str:
    """How places compare: "The Bakery" and "bakery" are the same place."""
    low = " ".join(place.casefold().split())
    return low[4:] if low.startswith("the ") else low


def who_reached_out(text: str) -> Initiator | None:
    """ "them" when the other person reached out, "me" when you did, None when unsaid.

    Whichever is said first wins ("I called Bob after he texted me" is yours).
    """
    checks: tuple[tuple[tuple[re.Pattern[str], ...], Initiator], ...] = (
        (_ME_PATTERNS, "me"),
        (_THEM_PATTERNS, "them"),
    )
    first: tuple[int, Initiator] | None = None
    for patterns, who in checks:
        for pattern in patterns:
            match = pattern.search(text)
            if match is not None and (first is None or match.start() < first[0]):
                first = (match.start(), who)
    return first[1] if first else None


_NO_ARTICLE = frozenset({"home", "work", "school", "church", "uni", "university", "college"})


def at_place(place: str) -> str:
    """ "at the bakery", "at home", "at the Crown", "at Bob's": the place in a sentence."""
    if place[:1].isupper() or place.casefold().startswith("the ") or "'" in place:
        return f"at {place}"
    if place.casefold() in _NO_ARTICLE or "’" in place:
        return f"at {place}"
    return f"at the {place}"


def note_without_place(note: str, place: str) -> str:
    """The note without where ("at the bakery — she called me" -> "she called me"):
    the place is kept as the meeting's place now, not said twice. What the log parser
    left of it counts too: "at Costa" of "met Bob at Costa Coffee" (its "Coffee" was read
    as the kind)."""
    words = [re.escape(w) for w in place_key(place).split()]
    if not words:
        return note
    key = words[0] + "".join(rf"(?:\s+{w}" for w in words[1:]) + ")?" * (len(words) - 1)
    lead = re.compile(rf"^\s*(?:at|in)\s+(?:the\s+)?{key}(?!\w)\s*[—–,;:.!-]*\s*", re.IGNORECASE)
    return lead.sub("", note, count=1)


def place_words(text: str) -> frozenset[str]:
    """The words of the "at …" clause ("at the Bakery on Main" -> the, bakery, on, main).

    A log reader may take a capitalised place for a name; an unknown "name" made only of
    these words is the place, not a person to ask about.
    """
    words: set[str] = set()
    for match, _place in _place_clauses(head(text)):
        rest = match.group(2)
        cut = _STOP_PUNCT.search(rest)
        for word in (rest[: cut.start()] if cut else rest).split():
            if word.casefold() in ("with", "and"):
                break
            words.add(word.casefold())
    return frozenset(words)
