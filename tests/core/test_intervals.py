"""Cadences and snooze lengths in words."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.intervals import (
    MAX_DAYS,
    IntervalError,
    format_interval,
    parse_duration,
    parse_interval,
)


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("3 weeks", 21),
        ("every 3 weeks", 21),
        ("Every 3 Weeks.", 21),
        ("10 days", 10),
        ("every 10 days", 10),
        ("1 day", 1),
        ("every day", 1),
        ("daily", 1),
        ("2 months", 60),
        ("a month", 30),
        ("every month", 30),
        ("6 months", 180),
        ("a year", 365),
        ("every year", 365),
        ("yearly", 365),
        ("annually", 365),
        ("weekly", 7),
        ("once a week", 7),
        ("a week", 7),
        ("monthly", 30),
        ("fortnightly", 14),
        ("a fortnight", 14),
        ("every other week", 14),
        ("every other month", 60),
        ("quarterly", 90),
        ("twice a month", 15),
        ("twice a year", 182),
        ("3 times a week", 2),
        ("a couple of weeks", 14),
        ("a few weeks", 21),
        ("three weeks", 21),
        ("about 2 weeks", 14),
        ("3w", 21),
        ("2 wks", 14),
        ("14", 14),
        ("1.5 weeks", 10),
        ("10 years", 3650),
        ("٣ weeks", 21),
    ],
)
def test_parse_interval(text: str, days: int) -> None:
    assert parse_interval(text) == days


@pytest.mark.parametrize("text", ["never", "Never", "pause", "paused", "off", "none", " stop "])
def test_parse_interval_never(text: str) -> None:
    assert parse_interval(text) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "How long? Try: every 3 weeks, monthly or never."),
        ("   ", "How long? Try: every 3 weeks, monthly or never."),
        ("0 days", "That's less than a day — try at least 1 day."),
        ("0", "That's less than a day — try at least 1 day."),
        ("10 times a day", "That's less than a day — try at least 1 day."),
        ("-3 weeks", "An interval can't be negative — try something like 3 weeks."),
        ("11 years", "That's more than 10 years — try something shorter."),
        ("9" * 5000, "That's more than 10 years — try something shorter."),
        (
            "banana",
            "I didn't get “banana” as a length of time. Try: every 3 weeks, monthly or never.",
        ),
        (
            "Robert'); DROP TABLE people;--",
            "I didn't get “Robert'); DROP TABLE people;--” as a length of time. "
            "Try: every 3 weeks, monthly or never.",
        ),
        (
            "🌸",
            "I didn't get “🌸” as a length of time. Try: every 3 weeks, monthly or never.",
        ),
        ("²", "I didn't get “²” as a length of time. Try: every 3 weeks, monthly or never."),
    ],
)
def test_parse_interval_errors(text: str, message: str) -> None:
    with pytest.raises(IntervalError) as info:
        parse_interval(text)
    assert str(info.value) == message


def test_long_nonsense_is_cut_short_in_the_message() -> None:
    with pytest.raises(IntervalError) as info:
        parse_interval("x" * 10_000)
    assert len(str(info.value)) < 120


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("2 weeks", 14),
        ("for 2 weeks", 14),
        ("10 days", 10),
        ("a month", 30),
        ("a week", 7),
        ("1 day", 1),
        ("3", 3),
        ("a year", 365),
    ],
)
def test_parse_duration(text: str, days: int) -> None:
    assert parse_duration(text) == days


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "never",
            "A snooze needs an end — try 2 weeks. To stop nudges for good, use /every NAME never.",
        ),
        (
            "forever",
            "A snooze needs an end — try 2 weeks. To stop nudges for good, use /every NAME never.",
        ),
        ("0 days", "That's less than a day — try at least 1 day."),
        ("-1 day", "A snooze can't be negative — try something like 2 weeks."),
        ("20 years", "That's more than 10 years — try something shorter."),
        ("", "How long? Try: 2 weeks, 10 days or a month."),
        ("soon", "I didn't get “soon” as a length of time. Try: 2 weeks, 10 days or a month."),
    ],
)
def test_parse_duration_errors(text: str, message: str) -> None:
    with pytest.raises(IntervalError) as info:
        parse_duration(text)
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("days", "text"),
    [
        (None, "paused"),
        (1, "every day"),
        (2, "every 2 days"),
        (7, "every week"),
        (10, "every 10 days"),
        (14, "every 2 weeks"),
        (21, "every 3 weeks"),
        (30, "every month"),
        (60, "every 2 months"),
        (90, "every 3 months"),
        (180, "every 6 months"),
        (210, "every 7 months"),
        (365, "every year"),
        (730, "every 2 years"),
        (45, "every 45 days"),
    ],
)
def test_format_interval(days: int | None, text: str) -> None:
    assert format_interval(days) == text


@pytest.mark.parametrize("days", [0, -1])
def test_format_interval_refuses_non_positive(days: int) -> None:
    with pytest.raises(ValueError, match="at least one day"):
        format_interval(days)


@given(st.integers(min_value=1, max_value=MAX_DAYS))
def test_format_then_parse_round_trips(days: int) -> None:
    assert parse_interval(format_interval(days)) == days


@given(st.text(max_size=60))
def test_parse_interval_only_raises_interval_errors(text: str) -> None:
    try:
        result = parse_interval(text)
    except IntervalError:
        return
    assert result is None or 1 <= result <= MAX_DAYS
