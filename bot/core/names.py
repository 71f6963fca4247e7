"""Forgiving name resolution: exact, alias, first name, unique prefix, then typo-tolerant.

Everything is precomputed in `NameIndex.build` so `resolve` is a few dict lookups and,
only when those fail, one rapidfuzz pass over the precomputed keys.

A *probe* (`NameIndex.probe`) is the same index over only the people a message's words
can name, read by their stored keys (`NameProbe` says which): it answers exactly what
the whole index would for the keys it was built for, and raises `Unsure` for anything
else (another key, a prefix, a typo), so the caller can fall back to the whole index.
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
    if text.isascii():
        # The common case, and the same answer: ASCII is NFKC-stable, casefolds to
        # lower(), and split() breaks on exactly what `\s` matches. A cold roster keys
        # thousands of names, so this path is worth having.
        return " ".join(text.lower().replace("`", "'").split())
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


def stored_fold_key(text: str) -> str | None:
    """`fold_key` as the stores keep it: None when it is the `name_key` itself (every
    ASCII name), so only names with accents carry a second key."""
    key = name_key(text)
    folded = key if key.isascii() else _fold(key)
    return None if folded == key else folded


class Unsure(Exception):
    """A probe was asked what it did not read: `key` is the name key to read as well;
    `prefix`, a key whose names-starting-with to read; both None when only the whole
    index can answer (a typo, every name)."""

    def __init__(self, key: str | None, prefix: str | None = None) -> None:
        super().__init__(key or prefix)
        self.key = key
        self.prefix = prefix


def key_after(prefix: str) -> str | None:
    """The least text above every text starting with `prefix` (None: no bound), so that
    "starts with" is the indexed range `prefix <= key < key_after(prefix)`."""
    for at in range(len(prefix) - 1, -1, -1):
        code = ord(prefix[at]) + 1
        if code == 0xD800:
            code = 0xE000  # past the surrogates, which no text holds
        if code <= 0x10FFFF:
            return prefix[:at] + chr(code)
    return None


@dataclass(frozen=True, slots=True)
class NameProbe:
    """What a store reads for a probe answering `keys` (each a `name_key`).

    A person belongs to the probe when one of their keys could be the answer for one of
    `keys` in the whole index: their name key or an alias key in `exact` (the keys and
    their accent-folded forms), their first name in `firsts`, or, for names with accents,
    their stored `fold_key` (an alias's too) in `folded` or its first word in
    `folded_firsts`. First names are a range on the key: "alice" is `name_key` =
    'alice' or between 'alice ' and 'alice!' (a space sorts just before '!').

    `prefixes` are keys the probe must also answer "whose name starts with" for: a store
    reads, per (low, high) range of `prefix_ranges`, the first `PREFIX_ROWS` people by
    `name_key` in it, and per range of `folded_prefix_ranges` the first ones by folded
    key (`fold_key`, or `name_key` where that is NULL) — enough to tell a unique prefix
    from a crowd, as `NameIndex` does.
    """

    keys: frozenset[str]
    exact: tuple[str, ...]
    folded: tuple[str, ...]
    firsts: tuple[str, ...]
    folded_firsts: tuple[str, ...]
    prefixes: frozenset[str] = frozenset()
    prefix_ranges: tuple[tuple[str, str | None], ...] = ()
    folded_prefix_ranges: tuple[tuple[str, str | None], ...] = ()

    @classmethod
    def of(cls, keys: Iterable[str], prefixes: Iterable[str] = ()) -> NameProbe:
        wanted = frozenset(k for k in keys if k)
        folded = frozenset(k if k.isascii() else _fold(k) for k in wanted)
        exact = wanted | folded
        starts = frozenset(k for k in prefixes if len(k) >= _MIN_PREFIX)
        folded_starts = {k if k.isascii() else _fold(k) for k in starts}
        return cls(
            wanted,
            tuple(sorted(exact)),
            tuple(sorted(folded)),
            tuple(sorted(k for k in exact if " " not in k)),
            tuple(sorted(k for k in folded if " " not in k)),
            starts,
            tuple((k, key_after(k)) for k in sorted(starts)),
            tuple((k, key_after(k)) for k in sorted(folded_starts) if k),
        )


# People read per prefix: one more than a prefix may name (a crowd answers nothing).
PREFIX_ROWS = 6

# A probe reads keys of any length the parser may ask for; it has no longest name.
_PROBE_TOKENS = 1 << 16


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


# Key -> person ids as a dict: a set that keeps their order (a list's `in` made a first
# name shared by a thousand people cost a million steps to index).
_Table = dict[str, dict[int, None]]


def _add(table: _Table, key: str, person_id: int) -> None:
    table.setdefault(key, {})[person_id] = None


class NameIndex:
    """An immutable lookup over one user's people. Build once per request or cache it."""

    __slots__ = (
        "_alias",
        "_first",
        "_folded",
        "_folded_prefixes",
        "_full",
        "_fuzzy",
        "_keyed",
        "_known",
        "_known_folded",
        "_max_tokens",
        "_names",
        "_prefixes",
        "_probe",
        "_sorted_full",
    )

    def __init__(
        self,
        entries: Sequence[NameEntry],
        probe: frozenset[str] | None = None,
        prefixes: frozenset[str] = frozenset(),
    ) -> None:
        # The keys a probe may answer (None: this is the whole index), and the keys it
        # read the names starting with (and their folded forms, for the folded tables).
        self._probe = probe
        self._prefixes = prefixes
        self._folded_prefixes = frozenset(k if k.isascii() else _fold(k) for k in prefixes)
        self._names: dict[int, str] = {}
        self._full: _Table = {}
        self._alias: _Table = {}
        self._first: _Table = {}
        # Each entry's keys, kept so the typo and prefix tables can be built from them
        # later: most messages name people exactly, so a cold message (the first after
        # a restart) should not pay for sorting and fuzzy targets it will not use.
        self._keyed: list[tuple[int, str, tuple[str, ...]]] = []
        for entry in entries:
            self._index_entry(entry)
        self._sorted_full: list[str] | None = None
        self._fuzzy: tuple[list[str], list[dict[int, None]]] | None = None
        self._known: frozenset[str] = frozenset(self._full) | set(self._alias) | set(self._first)
        # The accent-folded tables are only needed once an exact lookup found nobody:
        # built then (a cold message otherwise pays for them on every roster load). Which
        # keys exist folded is needed at once (`knows`), and an ASCII key folds to itself.
        self._folded: _Tables | None = None
        self._known_folded: frozenset[str] = self._known | {
            _fold(k) for k in self._known if not k.isascii()
        }
        self._max_tokens: int = max((k.count(" ") + 1 for k in self._known), default=0)

    def _index_entry(self, entry: NameEntry) -> None:
        pid = entry.person_id
        self._names.setdefault(pid, entry.name)
        full = name_key(entry.name)
        if not full:
            return
        _add(self._full, full, pid)
        _add(self._first, full.split(" ", 1)[0], pid)
        akeys = tuple(k for k in map(name_key, entry.aliases) if k)
        for akey in akeys:
            _add(self._alias, akey, pid)
        self._keyed.append((pid, full, akeys))

    def _choices(self) -> tuple[list[str], list[dict[int, None]]]:
        """The typo targets (full names, every token, aliases) and their people."""
        self._whole()
        if self._fuzzy is None:
            fuzzy: _Table = {}
            for pid, full, akeys in self._keyed:
                _add(fuzzy, full, pid)
                # Every token is a fuzzy target so "Smiht" can still find Alice Smith.
                for token in full.split(" "):
                    _add(fuzzy, token, pid)
                for akey in akeys:
                    _add(fuzzy, akey, pid)
            self._fuzzy = (list(fuzzy), list(fuzzy.values()))
        return self._fuzzy

    @classmethod
    def build(cls, entries: Iterable[NameEntry]) -> NameIndex:
        return cls(tuple(entries))

    @classmethod
    def probe(cls, entries: Iterable[NameEntry], read: NameProbe) -> NameIndex:
        """An index answering only what `read` asked for, over the people a store read
        for it (`Store.name_entries`), in the order the whole roster lists them."""
        return cls(tuple(entries), read.keys, read.prefixes)

    @property
    def is_probe(self) -> bool:
        return self._probe is not None

    def _answerable(self, key: str) -> None:
        if self._probe is not None and key not in self._probe:
            raise Unsure(key)

    def _whole(self) -> None:
        """Only the whole index knows this (a prefix, a typo target, every name)."""
        if self._probe is not None:
            raise Unsure(None)

    def __len__(self) -> int:
        return len(self._names)

    def with_key(self, key: str) -> tuple[int, ...]:
        """The people whose full name has this `name_key` (no scan of everyone)."""
        self._answerable(key)
        return tuple(self._full.get(key, ()))

    def known_names(self) -> frozenset[str]:
        """Every key a person can be written as here: full names, aliases, first names."""
        self._whole()
        return self._known

    def knows(self, key: str) -> bool:
        """Whether a `name_key` is a way to write someone here, accents forgiven."""
        self._answerable(key)
        if key in self._known:
            return True
        return (key if key.isascii() else _fold(key)) in self._known_folded

    @property
    def max_name_tokens(self) -> int:
        """Words in the longest known key, to bound a scan of text for known names."""
        return _PROBE_TOKENS if self._probe is not None else self._max_tokens

    def name_of(self, person_id: int) -> str:
        if person_id not in self._names:
            self._whole()
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
        self._answerable(key)
        for table, how in (
            (self._full, Match.EXACT),
            (self._alias, Match.ALIAS),
            (self._first, Match.FIRST_NAME),
        ):
            ids = table.get(key)
            if ids:
                return self._outcome(query, list(ids), how)
        prefixed = self._prefixed(key)
        # A prefix shared by a crowd ("Al") is no answer; let fuzzy suggestions speak.
        if prefixed and len(prefixed) <= _MAX_PREFIX_CHOICES:
            return self._outcome(query, prefixed, Match.FIRST_NAME)
        return None

    def _resolve_folded(self, query: str, key: str) -> Resolution | None:
        """ "zoe" for Zoë, "Maria Jose" for María José: the same steps on folded keys."""
        f = self._folded
        if f is None:
            f = self._folded = _Tables.folded(self._full, self._alias, self._first)
        for table, how in (
            (f.full, Match.EXACT),
            (f.alias, Match.ALIAS),
            (f.first, Match.FIRST_NAME),
        ):
            ids = table.get(key)
            if ids:
                return self._outcome(query, list(ids), how)
        probing = self._probe is not None and len(key) >= _MIN_PREFIX
        if probing and key not in self._folded_prefixes:
            raise Unsure(None, prefix=key)
        prefixed = _prefixed_in(f.sorted_full, f.full, key)
        if prefixed and len(prefixed) <= _MAX_PREFIX_CHOICES:
            return self._outcome(query, prefixed, Match.FIRST_NAME)
        return None

    def _prefixed(self, key: str) -> list[int]:
        """People whose full name starts with the key ("Ali", "Alice S")."""
        if len(key) < _MIN_PREFIX:
            return []
        if self._probe is not None and key not in self._prefixes:
            raise Unsure(None, prefix=key)
        if self._sorted_full is None:
            self._sorted_full = sorted(self._full)
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
        choices, choice_ids = self._choices()
        if limit:
            hits = process.extract(
                key, choices, scorer=OSA.distance, score_cutoff=limit, limit=None
            )
            for choice, distance, idx in hits:
                # At three letters only a swap ("Bbo") is a typo; "Jon" vs "Joe" is a new name.
                if len(key) == 3 and sorted(choice) != sorted(key):
                    continue
                for pid in choice_ids[idx]:
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
        choices, choice_ids = self._choices()
        hits = process.extract(
            key, choices, scorer=fuzz.ratio, score_cutoff=_SUGGEST_CUTOFF, limit=12
        )
        # Same first letter first: people misspell the middle of a name, rarely its start.
        hits.sort(key=lambda hit: (hit[0][:1] != key[:1], -hit[1]))
        picked: list[int] = []
        for choice, _, idx in hits:
            if min(len(choice), len(key)) / max(len(choice), len(key)) < _SUGGEST_MIN_LENGTH_RATIO:
                continue
            for pid in choice_ids[idx]:
                if pid not in picked:
                    picked.append(pid)
        return tuple(self._candidate(pid) for pid in picked[:MAX_SUGGESTIONS])


def _prefixed_in(sorted_keys: list[str], table: _Table, key: str) -> list[int]:
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

    full: _Table
    alias: _Table
    first: _Table
    sorted_full: list[str]

    @classmethod
    def folded(cls, full: _Table, alias: _Table, first: _Table) -> _Tables:
        def fold(table: _Table) -> _Table:
            out: _Table = {}
            for key, ids in table.items():
                # Already a name_key: only the accents are left to fold, once per key.
                folded = key if key.isascii() else _fold(key)
                for pid in ids:
                    _add(out, folded, pid)
            return out

        f_full = fold(full)
        return cls(f_full, fold(alias), fold(first), sorted(f_full))

    def keys(self) -> frozenset[str]:
        return frozenset(self.full) | set(self.alias) | set(self.first)
