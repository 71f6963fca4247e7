"""Forgiving name resolution: exact, alias, first name, unique prefix, then typo-tolerant.

Everything is precomputed in `NameIndex.build` so `resolve` is a few dict lookups and,
only when those fail, one rapidfuzz pass over the precomputed keys.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

_SPACES = re.compile(r"\s+")
# Phones type curly apostrophes ("O’Brien"); fold them so both spellings meet.
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'"})
# Stripped from a query only as a second try, so a stored "Jr." still matches exactly.
_EDGE_PUNCT = " .,;:!?\"'()[]{}<>«»“”"

MAX_SUGGESTIONS = 3
# A suggestion must really resemble the query: "Carla" is 60 against "Zahra" and "Tom"
# 67 against "Mom", and neither is a typo of the other.
_SUGGEST_CUTOFF = 70.0
_SUGGEST_MIN_LENGTH_RATIO = 0.6
_MIN_PREFIX = 2
_MAX_PREFIX_CHOICES = 5


def name_key(text: str) -> str:
    """The matching key of a name: NFKC, casefolded, apostrophes unified, spaces collapsed.

    SQLite's lower() folds only ASCII, so every comparison of names goes through this.
    """
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_APOSTROPHES)
    return _SPACES.sub(" ", folded).strip()


# Letters NFD does not take apart; the rest lose their accents by decomposition.
_UNACCENTED = str.maketrans(
    {"ø": "o", "ł": "l", "đ": "d", "ß": "ss", "æ": "ae", "œ": "oe", "ı": "i"}
)


def fold_key(text: str) -> str:
    """A lookup key that also forgets accents: "Zoë" and "zoe" meet, "María" and "Maria".

    Identity stays on `name_key` (Zoë and Zoe may be two people); this key is only
    tried once the exact one found nobody.
    """
    key = name_key(text)
    return key if key.isascii() else _fold(key)


def _fold(key: str) -> str:
    parts = unicodedata.normalize("NFD", key.translate(_UNACCENTED))
    return unicodedata.normalize(
        "NFC", "".join(ch for ch in parts if not unicodedata.combining(ch))
    )


def _max_edits(key: str) -> int:
    """Typos tolerated for a query of this length: short names differ by one letter."""
    n = len(key)
    if n < 3:
        return 0
    if n <= 5:
        return 1
    if n <= 9:
        return 2
    return 3


@dataclass(frozen=True, slots=True)
class NameEntry:
    person_id: int
    name: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Candidate:
    person_id: int
    name: str


class Match(StrEnum):
    EXACT = "exact"
    ALIAS = "alias"
    FIRST_NAME = "first_name"
    FUZZY = "fuzzy"


@dataclass(frozen=True, slots=True)
class Resolution:
    """What a name query meant.

    found: `person_id` is set and `match` says how. ambiguous: `person_id` is None,
    `match` is the level at which several people tied and `candidates` are them.
    unknown: `match` is None and `candidates` are up to three close suggestions.
    """

    query: str
    person_id: int | None
    match: Match | None
    candidates: tuple[Candidate, ...] = ()

    @property
    def found(self) -> bool:
        return self.person_id is not None

    @property
    def ambiguous(self) -> bool:
        return self.person_id is None and self.match is not None and len(self.candidates) > 1

    @property
    def unknown(self) -> bool:
        return self.person_id is None and not self.ambiguous


def _add(table: dict[str, list[int]], key: str, person_id: int) -> None:
    ids = table.setdefault(key, [])
    if person_id not in ids:
        ids.append(person_id)


class NameIndex:
    """An immutable lookup over one user's people. Build once per request or cache it."""

    __slots__ = (
        "_alias",
        "_choice_ids",
        "_choices",
        "_first",
        "_folded",
        "_full",
        "_known",
        "_known_folded",
        "_max_tokens",
        "_names",
        "_sorted_full",
    )

    def __init__(self, entries: Sequence[NameEntry]) -> None:
        self._names: dict[int, str] = {}
        self._full: dict[str, list[int]] = {}
        self._alias: dict[str, list[int]] = {}
        self._first: dict[str, list[int]] = {}
        fuzzy: dict[str, list[int]] = {}
        for entry in entries:
            self._index_entry(entry, fuzzy)
        self._sorted_full: list[str] = sorted(self._full)
        self._choices: list[str] = list(fuzzy)
        self._choice_ids: list[list[int]] = list(fuzzy.values())
        self._known: frozenset[str] = frozenset(self._full) | set(self._alias) | set(self._first)
        self._folded = _Tables.folded(self._full, self._alias, self._first)
        self._known_folded: frozenset[str] = self._folded.keys()
        self._max_tokens: int = max((k.count(" ") + 1 for k in self._known), default=0)

    def _index_entry(self, entry: NameEntry, fuzzy: dict[str, list[int]]) -> None:
        pid = entry.person_id
        self._names.setdefault(pid, entry.name)
        full = name_key(entry.name)
        if not full:
            return
        _add(self._full, full, pid)
        _add(fuzzy, full, pid)
        tokens = full.split(" ")
        _add(self._first, tokens[0], pid)
        # Every token is a fuzzy target so "Smiht" can still find Alice Smith.
        for token in tokens:
            _add(fuzzy, token, pid)
        for alias in entry.aliases:
            akey = name_key(alias)
            if akey:
                _add(self._alias, akey, pid)
                _add(fuzzy, akey, pid)

    @classmethod
    def build(cls, entries: Iterable[NameEntry]) -> NameIndex:
        return cls(tuple(entries))

    def __len__(self) -> int:
        return len(self._names)

    def known_names(self) -> frozenset[str]:
        """Every key a person can be written as here: full names, aliases, first names."""
        return self._known

    def knows(self, key: str) -> bool:
        """Whether a `name_key` is a way to write someone here, accents forgiven."""
        if key in self._known:
            return True
        return (key if key.isascii() else _fold(key)) in self._known_folded

    @property
    def max_name_tokens(self) -> int:
        """Words in the longest known key, to bound a scan of text for known names."""
        return self._max_tokens

    def name_of(self, person_id: int) -> str:
        return self._names[person_id]

    def resolve(self, query: str) -> Resolution:
        key = name_key(query)
        stripped = key.strip(_EDGE_PUNCT)
        for attempt in dict.fromkeys((key, stripped)):
            if attempt:
                found = self._resolve_exactish(query, attempt)
                if found is not None:
                    return found
        folded = fold_key(stripped)
        if folded:
            found = self._resolve_folded(query, folded)
            if found is not None:
                return found
        if not stripped:
            return Resolution(query, None, None)
        return self._resolve_fuzzy(query, stripped)

    def _resolve_exactish(self, query: str, key: str) -> Resolution | None:
        for table, how in (
            (self._full, Match.EXACT),
            (self._alias, Match.ALIAS),
            (self._first, Match.FIRST_NAME),
        ):
            ids = table.get(key)
            if ids:
                return self._outcome(query, ids, how)
        prefixed = self._prefixed(key)
        # A prefix shared by a crowd ("Al") is no answer; let fuzzy suggestions speak.
        if prefixed and len(prefixed) <= _MAX_PREFIX_CHOICES:
            return self._outcome(query, prefixed, Match.FIRST_NAME)
        return None

    def _resolve_folded(self, query: str, key: str) -> Resolution | None:
        """ "zoe" for Zoë, "Maria Jose" for María José: the same steps on folded keys."""
        f = self._folded
        for table, how in (
            (f.full, Match.EXACT),
            (f.alias, Match.ALIAS),
            (f.first, Match.FIRST_NAME),
        ):
            ids = table.get(key)
            if ids:
                return self._outcome(query, ids, how)
        prefixed = _prefixed_in(f.sorted_full, f.full, key)
        if prefixed and len(prefixed) <= _MAX_PREFIX_CHOICES:
            return self._outcome(query, prefixed, Match.FIRST_NAME)
        return None

    def _prefixed(self, key: str) -> list[int]:
        """People whose full name starts with the key ("Ali", "Alice S")."""
        return _prefixed_in(self._sorted_full, self._full, key)

    def _outcome(self, query: str, ids: Sequence[int], how: Match) -> Resolution:
        if len(ids) == 1:
            return Resolution(query, ids[0], how, (self._candidate(ids[0]),))
        return Resolution(query, None, how, tuple(self._candidate(pid) for pid in ids))

    def _candidate(self, person_id: int) -> Candidate:
        return Candidate(person_id, self._names[person_id])

    def _resolve_fuzzy(self, query: str, key: str) -> Resolution:
        limit = _max_edits(key)
        best: dict[int, int] = {}
        if limit:
            hits = process.extract(
                key, self._choices, scorer=OSA.distance, score_cutoff=limit, limit=None
            )
            for choice, distance, idx in hits:
                # At three letters only a swap ("Bbo") is a typo; "Jon" vs "Joe" is a new name.
                if len(key) == 3 and sorted(choice) != sorted(key):
                    continue
                for pid in self._choice_ids[idx]:
                    best[pid] = min(distance, best.get(pid, distance))
        if not best:
            return Resolution(query, None, None, self._suggest(key))
        top = min(best.values())
        # Ties, or near ties once two edits are needed, are too close to pick silently.
        slack = 1 if top >= 2 else 0
        close = sorted((d, pid) for pid, d in best.items() if d <= top + slack)
        if len(close) == 1:
            return self._outcome(query, [close[0][1]], Match.FUZZY)
        return self._outcome(query, [pid for _, pid in close], Match.FUZZY)

    def _suggest(self, key: str) -> tuple[Candidate, ...]:
        hits = process.extract(
            key, self._choices, scorer=fuzz.ratio, score_cutoff=_SUGGEST_CUTOFF, limit=12
        )
        # Same first letter first: people misspell the middle of a name, rarely its start.
        hits.sort(key=lambda hit: (hit[0][:1] != key[:1], -hit[1]))
        picked: list[int] = []
        for choice, _, idx in hits:
            if min(len(choice), len(key)) / max(len(choice), len(key)) < _SUGGEST_MIN_LENGTH_RATIO:
                continue
            for pid in self._choice_ids[idx]:
                if pid not in picked:
                    picked.append(pid)
        return tuple(self._candidate(pid) for pid in picked[:MAX_SUGGESTIONS])


def _prefixed_in(sorted_keys: list[str], table: dict[str, list[int]], key: str) -> list[int]:
    """People whose key in `table` starts with `key`, found by bisecting `sorted_keys`."""
    if len(key) < _MIN_PREFIX:
        return []
    ids: list[int] = []
    at = bisect.bisect_left(sorted_keys, key)
    while at < len(sorted_keys) and len(ids) <= _MAX_PREFIX_CHOICES:
        full = sorted_keys[at]
        if not full.startswith(key):
            break
        ids.extend(pid for pid in table[full] if pid not in ids)
        at += 1
    return ids


@dataclass(frozen=True, slots=True)
class _Tables:
    """The lookup tables again, keyed on `fold_key`."""

    full: dict[str, list[int]]
    alias: dict[str, list[int]]
    first: dict[str, list[int]]
    sorted_full: list[str]

    @classmethod
    def folded(
        cls, full: dict[str, list[int]], alias: dict[str, list[int]], first: dict[str, list[int]]
    ) -> _Tables:
        def fold(table: dict[str, list[int]]) -> dict[str, list[int]]:
            out: dict[str, list[int]] = {}
            for key, ids in table.items():
                for pid in ids:
                    _add(out, fold_key(key), pid)
            return out

        f_full = fold(full)
        return cls(f_full, fold(alias), fold(first), sorted(f_full))

    def keys(self) -> frozenset[str]:
        return frozenset(self.full) | set(self.alias) | set(self.first)
