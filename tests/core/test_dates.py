"""Reading and writing days."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.core.dates import (
    DateError,
    find_day,
    format_ago,
    format_day,
    mentions_day,
    parse_day,
    parse_future_day,
    parse_month_day,
)

TODAY = date(2026, 11, 25)  # a Wednesday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("today", date(2026, 11, 25)),
        ("Today", date(2026, 11, 25)),
        ("tonight", date(2026, 11, 25)),
        ("this morning", date(2026, 11, 25)),
        ("this evening", date(2026, 11, 25)),
        ("earlier today", date(2026, 11, 25)),
        ("yesterday", date(2026, 11, 24)),
        ("YESTERDAY", date(2026, 11, 24)),
        ("yesterday evening", date(2026, 11, 24)),
        ("last night", date(2026, 11, 24)),
        ("the day before yesterday", date(2026, 11, 23)),
        ("Friday", date(2026, 11, 20)),
        ("on Friday", date(2026, 11, 20)),
        ("friday night", date(2026, 11, 20)),
        ("Wednesday", date(2026, 11, 25)),
        ("on Wednesday", date(2026, 11, 25)),
        ("last Wednesday", date(2026, 11, 18)),
        ("last Friday", date(2026, 11, 20)),
        ("last Tuesday", date(2026, 11, 24)),
        ("this past Monday", date(2026, 11, 23)),
        ("this Monday", date(2026, 11, 23)),
        ("on sat", date(2026, 11, 21)),
        ("last thurs", date(2026, 11, 19)),
        ("3 days ago", date(2026, 11, 22)),
        ("three days ago", date(2026, 11, 22)),
        ("a day ago", date(2026, 11, 24)),
        ("a week ago", date(2026, 11, 18)),
        ("2 weeks ago", date(2026, 11, 11)),
        ("a fortnight ago", date(2026, 11, 11)),
        ("a couple of days ago", date(2026, 11, 23)),
        ("a few days ago", date(2026, 11, 22)),
        ("2 months ago", date(2026, 9, 25)),
        ("a year ago", date(2025, 11, 25)),
        ("10 days back", date(2026, 11, 15)),
        ("last week", date(2026, 11, 18)),
        ("last month", date(2026, 10, 25)),
        ("last year", date(2025, 11, 25)),
        ("last weekend", date(2026, 11, 21)),
        ("over the weekend", date(2026, 11, 21)),
        ("12 March", date(2026, 3, 12)),
        ("March 12", date(2026, 3, 12)),
        ("12th of March", date(2026, 3, 12)),
        ("the 12th of March", date(2026, 3, 12)),
        ("Mar 12", date(2026, 3, 12)),
        ("Mar. 12", date(2026, 3, 12)),
        ("mar 12th", date(2026, 3, 12)),
        ("on 1 Sept", date(2026, 9, 1)),
        ("12 March 2025", date(2025, 3, 12)),
        ("March 12, 2025", date(2025, 3, 12)),
        ("12 Dec 2025", date(2025, 12, 12)),
        ("2026-03-12", date(2026, 3, 12)),
        ("on 2026-03-12", date(2026, 3, 12)),
        ("2026/3/2", date(2026, 3, 2)),
        ("25 November", date(2026, 11, 25)),
        ("29 Feb 2024", date(2024, 2, 29)),
        ("the 3rd", date(2026, 11, 3)),
        ("on the 28th", date(2026, 10, 28)),
        ("the 31st", date(2026, 10, 31)),
    ],
)
def test_parse_day(text: str, expected: date) -> None:
    assert parse_day(text, TODAY) == expected


def test_last_weekend_during_a_weekend_is_the_one_before() -> None:
    sunday = date(2026, 11, 29)
    assert parse_day("last weekend", sunday) == date(2026, 11, 21)
    assert parse_day("over the weekend", sunday) == date(2026, 11, 28)


def test_month_ago_clamps_to_month_end() -> None:
    assert parse_day("a month ago", date(2026, 3, 31)) == date(2026, 2, 28)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "12 Dec",
            "12 Dec is in the future — I can only log what already happened. "
            "If you meant last year, write 12 Dec 2025.",
        ),
        ("12 Dec 2027", "12 Dec 2027 is in the future — I can only log what already happened."),
        ("2026-11-26", "2026-11-26 is in the future — I can only log what already happened."),
        ("tomorrow", "Tomorrow is in the future — I can only log what already happened."),
        ("next Friday", "Next Friday is in the future — I can only log what already happened."),
        ("this Friday", "This Friday is in the future — I can only log what already happened."),
        ("next week", "Next week is in the future — I can only log what already happened."),
        ("31 Feb", "There's no 31 February."),
        ("2026-02-30", "There's no 30 February."),
        ("29 Feb", "There's no 29 February in 2026."),
        ("32 March", "There's no 32 March."),
        ("2026-13-01", "There's no month 13 — write the month as a word, like 12 March."),
        ("March", "Which day in March? Try: 12 March."),
        ("in May", "Which day in May? Try: 12 May."),
        ("", "Which day? Try: yesterday, 3 days ago, 12 March or 2026-03-12."),
        ("   ", "Which day? Try: yesterday, 3 days ago, 12 March or 2026-03-12."),
        (
            "12/03",
            "I can't tell which day 12/03 is — write the month as a word, like 12 March, "
            "or use 2026-03-12.",
        ),
        (
            "12/03/2026",
            "I can't tell which day 12/03/2026 is — write the month as a word, like 12 March, "
            "or use 2026-03-12.",
        ),
        (
            "banana",
            "I couldn't read “banana” as a date. Try: yesterday, 3 days ago, 12 March or "
            "2026-03-12.",
        ),
        (
            "yesterday with extra words",
            "I couldn't read “yesterday with extra words” as a date. Try: yesterday, "
            "3 days ago, 12 March or 2026-03-12.",
        ),
    ],
)
def test_parse_day_errors(text: str, message: str) -> None:
    with pytest.raises(DateError) as info:
        parse_day(text, TODAY)
    assert str(info.value) == message


@pytest.mark.parametrize(
    "text",
    [
        "x" * 10_000,
        "9" * 5000,
        "🌸" * 100,
        "محمد",
        "Robert'); DROP TABLE people;--",
        "9999 years ago",
    ],
)
def test_parse_day_rejects_junk_with_a_date_error(text: str) -> None:
    with pytest.raises(DateError):
        parse_day(text, TODAY)


def test_parse_day_falls_back_for_other_absolute_forms() -> None:
    assert parse_day("3rd of Nov 2025", TODAY) == date(2025, 11, 3)


@pytest.mark.parametrize(
    ("text", "day", "rest"),
    [
        ("had coffee with Alice yesterday", date(2026, 11, 24), "had coffee with Alice"),
        ("yesterday: coffee with Bob", date(2026, 11, 24), ": coffee with Bob"),
        (
            "Dinner with Alice, Bob & Carol at Bob's on Friday",
            date(2026, 11, 20),
            "Dinner with Alice, Bob & Carol at Bob's",
        ),
        ("drinks with May 3 days ago", date(2026, 11, 22), "drinks with May"),
        ("walk with Eve 12 March", date(2026, 3, 12), "walk with Eve"),
        ("lunch w/ Frank 2026-11-01", date(2026, 11, 1), "lunch w/ Frank"),
        ("video call with Dan 3 days ago, fun", date(2026, 11, 22), "video call with Dan, fun"),
        ("coffee with Alice", None, "coffee with Alice"),
        ("coffee with   Alice\n", None, "coffee with Alice"),
        ("coffee, the 2nd time this month", None, "coffee, the 2nd time this month"),
        ("sat with Bob at the match", None, "sat with Bob at the match"),
        ("coffee with May", None, "coffee with May"),
        ("", None, ""),
    ],
)
def test_find_day(text: str, day: date | None, rest: str) -> None:
    assert find_day(text, TODAY) == (day, rest)


def test_find_day_refuses_future_and_impossible_days() -> None:
    with pytest.raises(DateError, match="in the future"):
        find_day("dinner with Bob tomorrow", TODAY)
    with pytest.raises(DateError, match="There's no 31 February"):
        find_day("lunch with Bob on 31 Feb", TODAY)


def test_mentions_day() -> None:
    assert mentions_day("Alice yesterday")
    assert mentions_day("Bob tomorrow")
    assert not mentions_day("coffee with Alice")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("in March", date(2027, 3, 1)),
        ("March", date(2027, 3, 1)),
        ("in december", date(2026, 12, 1)),
        ("in November", date(2027, 11, 1)),
        ("next week", date(2026, 12, 2)),
        ("in 2 weeks", date(2026, 12, 9)),
        ("in two weeks", date(2026, 12, 9)),
        ("in 3 days", date(2026, 11, 28)),
        ("in a month", date(2026, 12, 25)),
        ("2 weeks from now", date(2026, 12, 9)),
        ("next month", date(2026, 12, 1)),
        ("next year", date(2027, 1, 1)),
        ("tomorrow", date(2026, 11, 26)),
        ("today", date(2026, 11, 25)),
        ("on Friday", date(2026, 11, 27)),
        ("Friday", date(2026, 11, 27)),
        ("next Friday", date(2026, 11, 27)),
        ("Wednesday", date(2026, 12, 2)),
        ("this weekend", date(2026, 11, 28)),
        ("12 March", date(2027, 3, 12)),
        ("March 12", date(2027, 3, 12)),
        ("25 November", date(2026, 11, 25)),
        ("dec 1", date(2026, 12, 1)),
        ("2027-01-05", date(2027, 1, 5)),
        ("29 Feb", date(2028, 2, 29)),
    ],
)
def test_parse_future_day(text: str, expected: date) -> None:
    assert parse_future_day(text, TODAY) == expected


def test_in_this_month_on_its_first_day_is_today() -> None:
    assert parse_future_day("in March", date(2027, 3, 1)) == date(2027, 3, 1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-01-05", "2026-01-05 has already passed — give me a day ahead."),
        ("12 March 2020", "12 Mar 2020 has already passed — give me a day ahead."),
        ("31 Feb", "There's no 31 February."),
        ("", "From when? Try: in March, next week, in 2 weeks, on Friday or 12 March."),
        ("in 0 days", "That's now — give me a day ahead, like in 2 weeks."),
        (
            "12/03",
            "I can't tell which day 12/03 is — write the month as a word, like 12 March, "
            "or use 2026-03-12.",
        ),
        (
            "whenever",
            "I couldn't read “whenever” as a date. Try: in March, next week, in 2 weeks, "
            "on Friday or 12 March.",
        ),
    ],
)
def test_parse_future_day_errors(text: str, message: str) -> None:
    with pytest.raises(DateError) as info:
        parse_future_day(text, TODAY)
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12 March", (3, 12, None)),
        ("March 12", (3, 12, None)),
        ("12th of March", (3, 12, None)),
        ("the 1st of May", (5, 1, None)),
        ("Mar 12", (3, 12, None)),
        ("12 March 1990", (3, 12, 1990)),
        ("March 12th, 1990", (3, 12, 1990)),
        ("1990-03-12", (3, 12, 1990)),
        ("--03-12", (3, 12, None)),
        ("29 Feb", (2, 29, None)),
        ("29 February 2000", (2, 29, 2000)),
        (" 1 jan ", (1, 1, None)),
    ],
)
def test_parse_month_day(text: str, expected: tuple[int, int, int | None]) -> None:
    assert parse_month_day(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("12/03", "I can't tell which is the day and which the month — write it like 12 March."),
        (
            "12/03/1990",
            "I can't tell which is the day and which the month — write it like 12 March.",
        ),
        ("31 Feb", "There's no 31 February."),
        ("29 Feb 1990", "There's no 29 February in 1990."),
        ("1990-02-30", "There's no 30 February."),
        ("--13-01", "There's no month 13 — write the month as a word, like 12 March."),
        ("March", "Which day in March? Try: 12 March."),
        ("", "I couldn't read “” as a date. Try: 12 March, March 12 or 1990-03-12."),
        (
            "next tuesday",
            "I couldn't read “next tuesday” as a date. Try: 12 March, March 12 or 1990-03-12.",
        ),
    ],
)
def test_parse_month_day_errors(text: str, message: str) -> None:
    with pytest.raises(DateError) as info:
        parse_month_day(text)
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 11, 22), "Sun 22 Nov"),
        (date(2026, 1, 1), "Thu 1 Jan"),
        (date(2025, 11, 22), "Sat 22 Nov 2025"),
        (date(2027, 3, 5), "Fri 5 Mar 2027"),
    ],
)
def test_format_day(day: date, expected: str) -> None:
    assert format_day(day, TODAY) == expected


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        (0, "today"),
        (1, "yesterday"),
        (2, "2 days ago"),
        (6, "6 days ago"),
        (7, "a week ago"),
        (10, "a week ago"),
        (13, "nearly 2 weeks ago"),
        (14, "2 weeks ago"),
        (18, "nearly 3 weeks ago"),
        (26, "nearly a month ago"),
        (30, "a month ago"),
        (34, "a month ago"),
        (55, "nearly 2 months ago"),
        (60, "2 months ago"),
        (100, "3 months ago"),
        (320, "10 months ago"),
        (364, "nearly a year ago"),
        (365, "a year ago"),
        (400, "over a year ago"),
        (800, "over 2 years ago"),
        (-1, "tomorrow"),
        (-5, "in 5 days"),
    ],
)
def test_format_ago(days: int, expected: str) -> None:
    assert format_ago(TODAY - timedelta(days=days), TODAY) == expected
