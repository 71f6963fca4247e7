"""Days in plain words: reading "yesterday" or "12 March" and writing "Sun 22 Nov".

Logs are read on every message, so the common forms are hand-written regexes tried
in a fixed order. `dateparser` is only a lazy fallback for a whole text that is
already known to be a date (`parse_day`, `parse_future_day`), never for free text.
"""

from __future__ import annotations

import calendar
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

WEEKDAY_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_WEEKDAY_FULL = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY_SHORT = {
    "mon": 0,
    "tue": 1,
    "tues": 1,
    "wed": 2,
    "weds": 2,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "fri": 4,
    "sat": 5,
    "sun": 6,
}
# Counts written as words; intervals.py reads the same table.
NUMBER_WORDS: dict[str, int] = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "couple": 2,
    "few": 3,
}
_UNIT_DAYS = {"day": 1, "week": 7, "fortnight": 14}
# How people shorten units when texting ("3 wks ago", "2 yrs").
_UNIT_ABBR = {"wk": "week", "mo": "month", "mth": "month", "yr": "year", "d": "day"}
# A day-month without a year that is this far ahead was last year's: "30 December"
# written on 4 January. Closer than this, it is a plan.
YEAR_WRAP_DAYS = 31
DATE_ORDERS = ("dmy", "mdy", "ymd")
_FALLBACK_MAX_CHARS = 40
_LEAP_YEAR = 2000  # checks 29 Feb when no year is given

_MONTH = (
    r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?"
)
_NUMBER = r"(?P<n>\d{1,4}|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
_NUMBER += r"|(?:a\s+)?couple(?:\s+of)?|(?:a\s+)?few)"
_UNIT = r"(?P<unit>day|week|wk|fortnight|month|mth|year|yr)s?"
_PART_OF_DAY = (
    r"(?:\s+(?:morning|afternoon|evening|eve|night|nite|lunchtime|lunch|am|pm)(?![\w']))?"
)
_YEAR = r"(?:,?\s+(?P<year>\d{4}))?(?!\d)"
_FLAGS = re.IGNORECASE


class DateError(ValueError):
    """A date the user wrote that can't be used; `str(e)` is a sentence to show them."""


@dataclass(frozen=True, slots=True)
class _Found:
    """A day read from text, with how to name it if it turns out to be in the future."""

    day: date
    label: str
    year_given: bool = True


_Resolver = Callable[["re.Match[str]", date], _Found]


@dataclass(frozen=True, slots=True)
class _Rule:
    pattern: re.Pattern[str]
    resolve: _Resolver


# ---------------------------------------------------------------- small helpers


def _month_number(word: str) -> int:
    return MONTH_ABBR.index(word[:3].title()) + 1


def _number(text: str) -> int:
    """3, "three", "a", "a couple of", "a few" as a count."""
    if text.isdigit():
        return int(text)
    words = text.lower().split()
    if "couple" in words:
        return 2
    return NUMBER_WORDS[words[-1]]


def _label(m: re.Match[str]) -> str:
    text = " ".join(m.group(0).split())
    return text[:1].upper() + text[1:]


def _day_label(day: int, month: int, year: int | None = None) -> str:
    base = f"{day} {MONTH_ABBR[month - 1]}"
    return f"{base} {year}" if year is not None else base


def make_day(year: int, month: int, day: int) -> date:
    """A date, or a DateError that names the impossible day ("There's no 31 February.")."""
    if not 1 <= year <= 9999:
        raise DateError(f"The year {year} doesn't look right.")
    if not 1 <= month <= 12:
        raise DateError(f"There's no month {month} — write the month as a word, like 12 March.")
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        if month == 2 and day == 29:
            raise DateError(f"There's no 29 February in {year}.")
        raise DateError(f"There's no {day} {MONTH_NAMES[month - 1]}.")
    return date(year, month, day)


def add_months(day: date, months: int) -> date:
    """Calendar months later (negative: earlier), clamped to the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    if not 1 <= year <= 9999:
        raise DateError("That's further away than I can count.")
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def _shift_days(today: date, days: int) -> date:
    try:
        return today + timedelta(days=days)
    except OverflowError:
        raise DateError("That's further away than I can count.") from None


def _ago(today: date, count: int, unit: str) -> date:
    unit = _UNIT_ABBR.get(unit.lower(), unit.lower())
    if unit == "month":
        return add_months(today, -count)
    if unit == "year":
        return add_months(today, -12 * count)
    return _shift_days(today, -count * _UNIT_DAYS[unit])


def _weekday_of(m: re.Match[str]) -> int:
    word = m.group("wd").lower()
    if word in _WEEKDAY_SHORT:
        return _WEEKDAY_SHORT[word]
    return _WEEKDAY_FULL.index(word)


def _tidy(text: str, start: int, end: int) -> str:
    """Text with [start, end) cut out and the seams cleaned up."""
    joined = f"{text[:start].rstrip()} {text[end:].lstrip()}"
    joined = re.sub(r"\s+([,.;:!?])", r"\1", joined)
    return " ".join(joined.split())


# ---------------------------------------------------------------- past-day rules


def _iso(m: re.Match[str], today: date) -> _Found:
    y, mo, d = int(m.group("y")), int(m.group("m")), int(m.group("d"))
    return _Found(make_day(y, mo, d), f"{y:04d}-{mo:02d}-{d:02d}")


def _numeric_dmy(m: re.Match[str], today: date) -> _Found:
    raise DateError(
        f"I can't tell which day {m.group(0).strip()} is — write the month as a word, "
        f"like 12 March, or use {today.year}-03-12."
    )


def _ago_rule(m: re.Match[str], today: date) -> _Found:
    return _Found(_ago(today, _number(m.group("n")), m.group("unit")), _label(m))


_KEYWORD_OFFSETS = {
    "today": 0,
    "2day": 0,
    "tdy": 0,
    "tday": 0,
    "tonight": 0,
    "tonite": 0,
    "yest": -1,
    "ytd": -1,
    "this": 0,
    "earlier": 0,
    "just": 0,
    "yesterday": -1,
    "yday": -1,
    "last": -1,
    "the": -2,
    "tomorrow": 1,
    "tmrw": 1,
    "tmr": 1,
    "tmw": 1,
    "tomoz": 1,
    "2moro": 1,
    "2morrow": 1,
}


def _keyword(m: re.Match[str], today: date) -> _Found:
    first = m.group(0).split()[0].lower()
    return _Found(_shift_days(today, _KEYWORD_OFFSETS[first]), _label(m))


def _last_period(m: re.Match[str], today: date) -> _Found:
    which, period = m.group("which").lower(), m.group("period").lower()
    label = _label(m)
    if which == "next":
        return _Found(_shift_days(today, 7 if period.startswith("week") else 31), label)
    if period in ("week", "wk"):
        return _Found(today - timedelta(days=7), label)
    if period == "month":
        return _Found(add_months(today, -1), label)
    if period == "year":
        return _Found(add_months(today, -12), label)
    return _Found(_last_weekend(today), label)


def _last_weekend(today: date) -> date:
    """The Saturday of the latest weekend that is over (during a weekend: the one before)."""
    back = (today.weekday() - 5) % 7
    return today - timedelta(days=back + 7 if today.weekday() >= 5 else back)


def _the_weekend(m: re.Match[str], today: date) -> _Found:
    return _Found(today - timedelta(days=(today.weekday() - 5) % 7), _label(m))


def _weekday(m: re.Match[str], today: date) -> _Found:
    target = _weekday_of(m)
    qualifier = (m.group("q") or "").lower().split()
    back = (today.weekday() - target) % 7
    label = _label(m)
    if qualifier[:1] == ["next"]:
        return _Found(today + timedelta(days=(target - today.weekday()) % 7 or 7), label)
    if qualifier[:1] == ["this"] and qualifier[1:2] != ["past"]:
        # "this Friday" is the Friday of this week, which may still be ahead.
        return _Found(today + timedelta(days=target - today.weekday()), label)
    if qualifier and qualifier[-1] in ("last", "past"):
        back = back or 7
    return _Found(today - timedelta(days=back), label)


def _explicit(m: re.Match[str], today: date) -> _Found:
    month = _month_number(m.group("mon"))
    day = int(m.group("d"))
    year_text = m.group("year")
    if year_text:
        found = make_day(int(year_text), month, day)
        return _Found(found, _day_label(day, month, int(year_text)), True)
    return _Found(_yearless(day, month, today), _day_label(day, month), False)


def _yearless(day: int, month: int, today: date) -> date:
    """This year's day-month, or last year's when this year's is well ahead."""
    found = make_day(today.year, month, day)
    if (found - today).days > YEAR_WRAP_DAYS:
        return make_day(today.year - 1, month, day)
    return found


def _numeric(m: re.Match[str], today: date, order: str) -> _Found:
    """14/11, 11/14, 14.11., 3/11/2026 in the user's date order.

    A pair that only reads one way (14 can't be a month) is read that way whatever
    the order; one that reads both ways needs the order (AmbiguousDate without it).
    """
    a, b = int(m.group("a")), int(m.group("b"))
    year_text = m.group("y")
    year = None
    if year_text:
        year = int(year_text) + (2000 if len(year_text) == 2 else 0)
    text = m.group(0).strip()
    readings: list[tuple[int, int]] = []
    for day, month in ((a, b), (b, a)):
        if 1 <= month <= 12 and 1 <= day <= 31 and (day, month) not in readings:
            readings.append((day, month))
    if not readings:
        raise DateError(f"I can't read {text} as a day and a month.")
    if len(readings) == 2 and a != b:
        if not order:
            days = tuple(_numeric_day(d, mo, year, today) for d, mo in readings)
            raise AmbiguousDate(text, (days[0], days[1]), today)
        readings = readings[:1] if order == "dmy" else readings[1:]
    day, month = readings[0]
    return _Found(_numeric_day(day, month, year, today), text, year is not None)


def _numeric_day(day: int, month: int, year: int | None, today: date) -> date:
    if year is not None:
        return make_day(year, month, day)
    return _yearless(day, month, today)


class AmbiguousDate(DateError):
    """A numeric date that reads as two days: `options` is (day-month, month-day)."""

    def __init__(self, text: str, options: tuple[date, date], today: date) -> None:
        super().__init__(
            f"I can't tell which day {text} is — write the month as a word, like 12 March, "
            f"or use {today.year}-03-12."
        )
        self.text = text
        self.options = options


_ORDINAL_SUFFIX = {1: "st", 2: "nd", 3: "rd", 21: "st", 22: "nd", 23: "rd", 31: "st"}


def _ordinal_ok(day: int, suffix: str) -> bool:
    return not suffix or suffix.lower() == _ORDINAL_SUFFIX.get(day, "th")


def _nth(m: re.Match[str], today: date) -> _Found:
    """'on the 12th': the latest 12th on or before today."""
    day = int(m.group("d"))
    if not 1 <= day <= 31 or not _ordinal_ok(day, m.group("sfx") or ""):
        raise _Unread(m.group(0))
    probe = today.replace(day=1)
    for _ in range(3):
        if day <= calendar.monthrange(probe.year, probe.month)[1]:
            candidate = probe.replace(day=day)
            if candidate <= today:
                return _Found(candidate, _label(m))
        probe = add_months(probe, -1)
    raise DateError(f"No month has a day {day}.")  # pragma: no cover


def _other_day(m: re.Match[str], today: date) -> _Found:
    """ "the other day", "the other evening": a couple of days back."""
    return _Found(_shift_days(today, -2), _label(m))


def _earlier_in_week(m: re.Match[str], today: date) -> _Found:
    """Between this Monday and yesterday; two days back unless that leaves the week."""
    monday = today - timedelta(days=today.weekday())
    return _Found(max(monday, today - timedelta(days=2)) if today != monday else today, _label(m))


_HOLIDAYS = {"christmas eve": (12, 24), "christmas day": (12, 25), "xmas day": (12, 25)}
_HOLIDAYS |= {"boxing day": (12, 26), "nye": (12, 31), "new year's eve": (12, 31)}
_HOLIDAYS |= {"new years eve": (12, 31), "new year's day": (1, 1), "new years day": (1, 1)}


def _holiday(m: re.Match[str], today: date) -> _Found:
    """The latest Christmas Day, Boxing Day, New Year's Eve… on or before today."""
    month, day = _HOLIDAYS[" ".join(m.group("h").lower().replace("’", "'").split())]
    found = date(today.year, month, day)
    return _Found(found if found <= today else date(today.year - 1, month, day), _label(m))


def _in_n(m: re.Match[str], today: date) -> _Found:
    """ "in 3 days": ahead, so a plan; read only to say so."""
    count = _number(m.group("n"))
    unit = _UNIT_ABBR.get(m.group("unit").lower(), m.group("unit").lower())
    if unit == "month":
        return _Found(add_months(today, count), _label(m))
    if unit == "year":
        return _Found(add_months(today, 12 * count), _label(m))
    return _Found(_shift_days(today, max(count, 1) * _UNIT_DAYS[unit]), _label(m))


def _this_weekend(m: re.Match[str], today: date) -> _Found:
    if today.weekday() >= 5:
        return _Found(today, _label(m))
    return _Found(today + timedelta(days=5 - today.weekday()), _label(m))


def _before_last(m: re.Match[str], today: date) -> _Found:
    """ "the Sunday before last", "the week before last": a week before the last one."""
    word = m.group("wd").lower()
    if word == "week":
        return _Found(today - timedelta(days=14), _label(m))
    if word == "weekend":
        return _Found(_last_weekend(today) - timedelta(days=7), _label(m))
    back = (today.weekday() - _WEEKDAY_FULL.index(word)) % 7 or 7
    return _Found(today - timedelta(days=back + 7), _label(m))


def _weekday_date(m: re.Match[str], today: date) -> _Found:
    """ "Sat 28th", "Friday the 27th", "Sat 28 Nov": the date decides, the weekday is colour."""
    if m.group("mon"):
        return _explicit(m, today)
    return _nth(m, today)


class _Unread(Exception):
    """A date-like word that could not be read: the caller says what it assumed."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = " ".join(text.split())


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, _FLAGS)


_ON = r"(?:\bon\s+)?"
_ISO_RULE = _Rule(
    _rx(_ON + r"(?<![\d-])(?P<y>\d{4})[-/](?P<m>\d{1,2})[-/](?P<d>\d{1,2})(?![\d-])"), _iso
)
_DAY_MONTH_RULE = _Rule(
    _rx(_ON + r"(?:the\s+)?\b(?P<d>\d{1,2})(?:st|nd|rd|th)?(?:\s+of)?\s+" + _MONTH + _YEAR),
    _explicit,
)
_MONTH_DAY_RULE = _Rule(
    _rx(
        _ON + r"\b" + _MONTH + r"\s+(?:the\s+)?(?P<d>\d{1,2})(?:st|nd|rd|th)?\b"
        r"(?!\s*(?:day|week|month|year|hour|min|am|pm|:))" + _YEAR
    ),
    _explicit,
)
_WD_FULL = r"monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_WD_SHORT = r"mon|tues?|weds?|thu(?:rs?)?|fri|sat|sun"
# 14/11, 11/14, 14.11., 3/11/2026; not a time ("at 7.30") nor part of a longer number.
_NUMERIC_RULE = _Rule(
    _rx(
        r"(?<![\d/.:,-])(?<!\bat\s)(?P<a>\d{1,2})(?P<sep>[/.])(?P<b>\d{1,2})"
        r"(?:(?P=sep)(?P<y>\d{4}|\d{2}))?(?P<dot>\.)?(?![\d/:]|\.\d)"
    ),
    lambda m, today: _numeric(m, today, "dmy"),
)
_PAST_RULES: tuple[_Rule, ...] = (
    _ISO_RULE,
    _NUMERIC_RULE,
    _Rule(_rx(rf"\b{_NUMBER}\s+{_UNIT}\s+(?:ago|back|earlier|before)\b"), _ago_rule),
    # "in 3 days" is ahead; "the first time in a year" is a duration.
    _Rule(_rx(rf"(?<!time\s)\bin\s+{_NUMBER}\s+{_UNIT}\b(?!\s+(?:ago|back))"), _in_n),
    _Rule(_rx(r"\b(?:earlier|sometime)\s+(?:in\s+the|this)\s+week\b"), _earlier_in_week),
    _Rule(_rx(r"\bthe\s+other\s+(?:day|evening|night|morning|afternoon)\b"), _other_day),
    _Rule(
        _rx(
            r"\b(?P<h>christmas\s+(?:eve|day)|xmas\s+day|boxing\s+day|nye"
            r"|new\s+year['’]?s\s+(?:eve|day))\b"
        ),
        _holiday,
    ),
    _Rule(
        _rx(
            r"\b(?:the\s+day\s+before\s+yesterday|(?:yesterday|yday|yest|ytd)"
            + _PART_OF_DAY
            + r"|last\s+(?:night|nite)|(?:today|2day|tdy|tday)(?!')|tonight|tonite"
            r"|(?:tomorrow|tmrw|tmr|tmw|tomoz|2moro|2morrow)"
            + _PART_OF_DAY
            + r"|earlier\s+today|just\s+now|this\s+(?:morning|afternoon|evening|lunchtime))\b"
        ),
        _keyword,
    ),
    _Rule(
        _rx(
            r"\b(?P<which>last|this\s+past|past|next)\s+"
            r"(?P<period>weekend|week|wk|month|year)\b"
        ),
        _last_period,
    ),
    _Rule(_rx(rf"\bthe\s+(?P<wd>{_WD_FULL}|week|weekend)\s+before\s+last\b"), _before_last),
    _Rule(_rx(r"\b(?:over|at|on)\s+the\s+weekend\b"), _the_weekend),
    _Rule(_rx(r"\bthis\s+weekend\b"), _this_weekend),
    _Rule(
        _rx(
            rf"(?:\bon\s+)?\b(?:{_WD_FULL}|{_WD_SHORT})\.?,?\s+(?:the\s+)?(?P<d>\d{{1,2}})"
            r"(?P<sfx>st|nd|rd|th)?\b(?:(?:\s+of)?\s+" + _MONTH + r")?(?P<year>)"
        ),
        _weekday_date,
    ),
    _Rule(
        _rx(
            r"\b(?:(?P<q>on\s+last|on|last|this\s+past|past|this|next)\s+)?"
            r"(?P<wd>monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b" + _PART_OF_DAY
        ),
        _weekday,
    ),
    # Short weekday names are ordinary words ("sat", "sun"): only after a qualifier.
    _Rule(
        _rx(
            r"\b(?P<q>on\s+last|on|last|this|next)\s+"
            r"(?P<wd>mon|tues?|weds?|thu(?:rs?)?|fri|sat|sun)\b\.?" + _PART_OF_DAY
        ),
        _weekday,
    ),
    _DAY_MONTH_RULE,
    _MONTH_DAY_RULE,
    _Rule(
        _rx(
            _ON + r"\bthe\s+(?P<d>\d{1,2})(?P<sfx>st|nd|rd|th)\b"
            r"(?!\s+(?:time|round|go|try|one|place))"
        ),
        _nth,
    ),
    # A short weekday is an ordinary word ("sat", "sun") except at the very start or end.
    _Rule(
        _rx(
            rf"(?:^|(?<=\s))(?P<wd>{_WD_SHORT})\.?" + _PART_OF_DAY + r"\s*(?=[:.,!]?\s*$)"
            rf"|^(?P<wd2>{_WD_SHORT})\.?(?=\s*[:,\-–—])"
        ),
        lambda m, today: _weekday_short(m, today),
    ),
    # "earlier", on its own, is earlier today.
    _Rule(_rx(r"\bearlier\b"), lambda m, today: _Found(today, _label(m))),
)


def _weekday_short(m: re.Match[str], today: date) -> _Found:
    word = (m.group("wd") or m.group("wd2")).lower()
    back = (today.weekday() - _WEEKDAY_SHORT[word]) % 7
    return _Found(today - timedelta(days=back), _label(m))


# "on Frday", "on Thrusday": a weekday misspelt. Read as nothing, and said so.
_WEEKDAY_TYPO = _rx(r"\bon\s+(?P<w>[a-z]{5,10})\b")
# "Friday, no actually Thursday": the second day replaces the first.
_CORRECTION = _rx(
    r"(?:,|\s[-–—]|\s)\s*(?:no\s*,?\s*(?:actually|wait|sorry)|no|actually|sorry|oops"
    r"|i\s+mean(?:t)?|or\s+rather|correction)\s*[,:!]?\s+"
)


def _future_message(found: _Found, today: date) -> str:
    message = f"{found.label} is in the future — I can only log what already happened."
    if not found.year_given:
        message += f" If you meant last year, write {found.label} {today.year - 1}."
    return message


def _search(text: str, today: date, order: str = "dmy") -> tuple[_Found, re.Match[str]] | None:
    for rule in _PAST_RULES:
        m = rule.pattern.search(text)
        if m:
            if rule is _NUMERIC_RULE:
                if m.group("sep") == "." and not (m.group("y") or m.group("dot")):
                    # "25.11" is a date only when it reads as one in the user's order.
                    first, second = int(m.group("a")), int(m.group("b"))
                    month = second if order != "mdy" else first
                    if not 1 <= month <= 12 or not 1 <= (first + second - month) <= 31:
                        continue
                return _numeric(m, today, order), m
            return rule.resolve(m, today), m
    return None


@dataclass(frozen=True, slots=True)
class DayRead:
    """What `read_day` found: the day (None: none written), the text without it, and
    `assumed`, a date-like word it could not read (the day is then None)."""

    day: date | None
    rest: str
    assumed: str = ""
    label: str = ""  # the day as written, for "Tomorrow is in the future"
    year_given: bool = True

    def future(self, today: date) -> bool:
        return self.day is not None and self.day > today

    def future_error(self, today: date) -> DateError:
        assert self.day is not None
        found = _Found(self.day, self.label or format_day(self.day, today), self.year_given)
        return DateError(_future_message(found, today))


# Remembered: a message's head is read for its day when classified and again when parsed.
@functools.lru_cache(maxsize=256)
def read_day(text: str, today: date, order: str = "dmy") -> DayRead:
    """Find one day in free text, past or future, in the user's date `order`.

    A correction ("Friday, no actually Thursday") takes the later day. A date-like
    word that can't be read ("the 3st", "on Frday") is cut out and reported in
    `assumed`. An ambiguous numeric date without an order raises AmbiguousDate.
    """
    corrected = _corrected(text, today, order)
    if corrected is not None:
        return corrected
    try:
        hit = _search(text, today, order)
    except _Unread as unread:
        return _unread(text, unread.text)
    if hit is None:
        typo = _weekday_typo(text)
        if typo is not None:
            return _unread(text, typo.group(0), typo.start(), typo.end())
        return DayRead(None, " ".join(text.split()))
    found, m = hit
    return DayRead(found.day, _tidy(text, m.start(), m.end()), "", found.label, found.year_given)


def _unread(text: str, word: str, start: int = -1, end: int = -1) -> DayRead:
    if start < 0:
        start = text.lower().find(word.lower())
        end = start + len(word)
    if start >= 0:
        text = _tidy(text, start, end)
    return DayRead(None, " ".join(text.split()), word)


def _weekday_typo(text: str) -> re.Match[str] | None:
    from rapidfuzz.distance import OSA

    for m in _WEEKDAY_TYPO.finditer(text):
        word = m.group("w").lower()
        if word in _WEEKDAY_FULL or word in _WEEKDAY_SHORT:
            continue
        if any(OSA.distance(word, wd) <= 2 for wd in _WEEKDAY_FULL) and word.endswith(
            ("day", "dy", "dya", "ay")
        ):
            return m
    return None


def _corrected(text: str, today: date, order: str) -> DayRead | None:
    for marker in _CORRECTION.finditer(text):
        before, after = text[: marker.start()], text[marker.end() :]
        relative = re.match(r"(?:the\s+)?day\s+before\b", after, _FLAGS)
        try:
            second = None if relative else _search(after, today, order)
            first = _search(before, today, order)
        except _Unread:
            continue
        if first is None:
            continue
        if relative:
            day = first[0].day - timedelta(days=1)
            cut_end = marker.end() + relative.end()
        elif second is not None and second[1].start() == 0:
            day, cut_end = second[0].day, marker.end() + second[1].end()
        else:
            continue
        rest = text[: first[1].start()] + " " + text[first[1].end() : marker.start()]
        return DayRead(day, " ".join(_tidy(rest + " " + text[cut_end:], 0, 0).split()))
    return None


def mentions_day(text: str) -> bool:
    """Whether text contains a day expression at all (valid or not), without judging it."""
    return any(rule.pattern.search(text) for rule in _PAST_RULES)


def find_day(text: str, today: date) -> tuple[date | None, str]:
    """Find one past day in free text: (the day or None, the text without it).

    The first rule that matches wins: ISO, "N days ago", today/yesterday/last night,
    last week/month/year, weekdays, "12 March"/"March 12", "the 12th". Weekdays mean
    the latest such day on or before today; "last Friday" is strictly before today.
    """
    try:
        hit = _search(text, today, "")
    except _Unread as unread:
        raise DateError(f"I couldn't read “{unread.text}” as a day.") from None
    if hit is None:
        return None, " ".join(text.split())
    found, m = hit
    if found.day > today:
        raise DateError(_future_message(found, today))
    return found.day, _tidy(text, m.start(), m.end())


# ---------------------------------------------------------------- date order by zone

# Zones whose country writes month first (the US; the Philippines) or year first (China,
# Japan, Korea, Taiwan, Hungary, Lithuania). Elsewhere a zone in Europe, Africa, Latin
# America or Oceania writes day first; the rest (UTC, Canada, much of Asia) is unclear.
_MDY_ZONES = frozenset(
    [
        "America/New_York",
        "America/Chicago",
        "America/Denver",
        "America/Los_Angeles",
        "America/Phoenix",
        "America/Anchorage",
        "America/Detroit",
        "America/Boise",
        "America/Juneau",
        "America/Sitka",
        "America/Nome",
        "America/Adak",
        "America/Yakutat",
        "America/Metlakatla",
        "America/Menominee",
        "Pacific/Honolulu",
        "Asia/Manila",
        "America/Puerto_Rico",
        "Pacific/Guam",
    ]
)
_YMD_ZONES = frozenset(
    [
        "Asia/Shanghai",
        "Asia/Chongqing",
        "Asia/Harbin",
        "Asia/Urumqi",
        "Asia/Tokyo",
        "Asia/Seoul",
        "Asia/Taipei",
        "Asia/Pyongyang",
        "Europe/Budapest",
        "Europe/Vilnius",
    ]
)
_MDY_PREFIXES = ("US/", "America/Indiana/", "America/Kentucky/", "America/North_Dakota/")
_UNCLEAR_AMERICA = frozenset(
    [
        "America/Toronto",
        "America/Vancouver",
        "America/Edmonton",
        "America/Winnipeg",
        "America/Halifax",
        "America/St_Johns",
        "America/Regina",
        "America/Montreal",
        "America/Panama",
    ]
)


def default_date_order(timezone: str) -> str:
    """How numeric dates are written where `timezone` is, or "" when that is unclear."""
    if timezone in _MDY_ZONES or timezone.startswith(_MDY_PREFIXES):
        return "mdy"
    if timezone in _YMD_ZONES:
        return "ymd"
    if timezone in _UNCLEAR_AMERICA:
        return ""
    if timezone.startswith(("Europe/", "Africa/", "America/", "Australia/", "Atlantic/")):
        return "dmy"
    if timezone.startswith(("Pacific/Auckland", "Asia/Kolkata", "Asia/Calcutta", "Asia/Dubai")):
        return "dmy"
    return ""


# ---------------------------------------------------------------- whole-text parsing

_LEFTOVER_OK = frozenset({"on", "the", "at", "around", "of", "in", "ish", ""})
_BARE_MONTH = _rx(r"^\s*(?:in\s+)?" + _MONTH + r"\s*$")
_NUMERIC_PAIR = _rx(r"^\s*\d{1,2}\s*[/.]\s*\d{1,2}\s*$")


def _only_filler(rest: str) -> bool:
    words = re.sub(r"[^\w\s]", " ", rest.lower()).split()
    return all(w in _LEFTOVER_OK for w in words)


def _unreadable(text: str, example: str) -> DateError:
    shown = text.strip()
    if len(shown) > 40:
        shown = shown[:37] + "…"
    return DateError(f"I couldn't read “{shown}” as a date. Try: {example}.")


def _check_shape(text: str, today: date) -> None:
    """Refuse inputs that are dates but can't be placed: a bare month, 12/03."""
    bare = _BARE_MONTH.match(text)
    if bare:
        month = MONTH_NAMES[_month_number(bare.group("mon")) - 1]
        raise DateError(f"Which day in {month}? Try: 12 {month}.")
    if _NUMERIC_PAIR.match(text):
        raise DateError(
            f"I can't tell which day {text.strip()} is — write the month as a word, "
            f"like 12 March, or use {today.year}-03-12."
        )


def _dateparser_day(text: str, today: date, prefer: str) -> date | None:
    """Last resort for whole texts our rules don't know ("3rd of Nov", "Nov 3rd '25")."""
    if not text.strip() or len(text) > _FALLBACK_MAX_CHARS or not re.search(r"\w", text):
        return None
    import dateparser  # slow to import and to warm up: only for rare inputs

    settings = {
        "PREFER_DATES_FROM": prefer,
        "RELATIVE_BASE": datetime(today.year, today.month, today.day),
        "DATE_ORDER": "DMY",
        "REQUIRE_PARTS": ["day", "month"],
    }
    # English only: detecting the language loads every locale and stalls for seconds.
    parsed = dateparser.parse(text, languages=["en"], settings=settings)
    return parsed.date() if parsed is not None else None


_PAST_EXAMPLE = "yesterday, 3 days ago, 12 March or 2026-03-12"


def parse_day(text: str, today: date) -> date:
    """A past day from a text that is only a date ("yesterday", "12 March 2025")."""
    if not text.strip():
        raise DateError(f"Which day? Try: {_PAST_EXAMPLE}.")
    _check_shape(text, today)
    day, rest = find_day(text, today)
    if day is not None and _only_filler(rest):
        return day
    if day is None:
        fallback = _dateparser_day(text, today, "past")
        if fallback is not None:
            if fallback > today:
                label = format_day(fallback, today)
                raise DateError(f"{label} is in the future — I can only log what already happened.")
            return fallback
    raise _unreadable(text, _PAST_EXAMPLE)


# ---------------------------------------------------------------- future days

_FUTURE_EXAMPLE = "in March, next week, in 2 weeks, on Friday or 12 March"
_IN_MONTH = _rx(r"^\s*(?:(?:in|from|after|on)\s+)?" + _MONTH + r"\s*$")
_IN_N = _rx(rf"^\s*(?:in\s+)?{_NUMBER}\s+{_UNIT}(?:\s+from\s+now)?\s*$")
_FUTURE_WORDS: dict[str, Callable[[date], date]] = {
    "today": lambda t: t,
    "tonight": lambda t: t,
    "tomorrow": lambda t: t + timedelta(days=1),
    "day after tomorrow": lambda t: t + timedelta(days=2),
    "the day after tomorrow": lambda t: t + timedelta(days=2),
    "next week": lambda t: t + timedelta(days=7),
    "in a week": lambda t: t + timedelta(days=7),
    "in a fortnight": lambda t: t + timedelta(days=14),
    "next month": lambda t: add_months(t.replace(day=1), 1),
    "next year": lambda t: date(t.year + 1, 1, 1),
    "this weekend": lambda t: t + timedelta(days=(5 - t.weekday()) % 7 if t.weekday() < 5 else 0),
    "at the weekend": lambda t: t + timedelta(days=(5 - t.weekday()) % 7 if t.weekday() < 5 else 0),
    "next weekend": lambda t: t + timedelta(days=(5 - t.weekday()) % 7 or 7),
}
_FUTURE_WEEKDAY = _rx(
    r"^\s*(?:(?:on|next|this|coming|this\s+coming)\s+)?"
    r"(?P<wd>monday|tuesday|wednesday|thursday|friday|saturday|sunday"
    r"|mon|tues?|weds?|thu(?:rs?)?|fri|sat|sun)\.?\s*$"
)


def _next_yearly(month: int, day: int, today: date) -> date:
    """The next month/day on or after today (29 Feb waits for a leap year's)."""
    for year in range(today.year, today.year + 9):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    raise DateError(f"There's no {day} {MONTH_NAMES[month - 1]}.")  # pragma: no cover


def _future_in_month(m: re.Match[str], today: date) -> date:
    return _next_yearly(_month_number(m.group("mon")), 1, today)


def _future_in_n(m: re.Match[str], today: date) -> date:
    count = _number(m.group("n"))
    if count <= 0:
        raise DateError("That's now — give me a day ahead, like in 2 weeks.")
    unit = m.group("unit").lower()
    if unit == "month":
        return add_months(today, count)
    if unit == "year":
        return add_months(today, 12 * count)
    return _shift_days(today, count * _UNIT_DAYS[unit])


def _future_absolute(text: str, today: date) -> date | None:
    """An explicit day: ISO, "12 March", "March 12" (the next such day when no year)."""
    for rule in (_ISO_RULE, _DAY_MONTH_RULE, _MONTH_DAY_RULE):
        m = rule.pattern.search(text)
        if not m or not _only_filler(_tidy(text, m.start(), m.end())):
            continue
        if "year" in m.groupdict() and not m.group("year"):
            month, day = _month_number(m.group("mon")), int(m.group("d"))
            make_day(_LEAP_YEAR, month, day)  # names an impossible day like 31 Feb
            return _next_yearly(month, day, today)
        found = rule.resolve(m, today)
        if found.day < today:
            raise DateError(f"{found.label} has already passed — give me a day ahead.")
        return found.day
    return None


def parse_future_day(text: str, today: date) -> date:
    """A day from today on, for "bring it up from then" follow-ups."""
    cleaned = " ".join(text.lower().split()).strip(" .!")
    if not cleaned:
        raise DateError(f"From when? Try: {_FUTURE_EXAMPLE}.")
    if cleaned in _FUTURE_WORDS:
        return _FUTURE_WORDS[cleaned](today)
    for pattern, handler in ((_IN_MONTH, _future_in_month), (_IN_N, _future_in_n)):
        m = pattern.match(cleaned)
        if m:
            return handler(m, today)
    m = _FUTURE_WEEKDAY.match(cleaned)
    if m:
        return today + timedelta(days=(_weekday_of(m) - today.weekday()) % 7 or 7)
    if _NUMERIC_PAIR.match(cleaned):
        _check_shape(cleaned, today)
    absolute = _future_absolute(cleaned, today)
    if absolute is not None:
        return absolute
    fallback = _dateparser_day(cleaned, today, "future")
    if fallback is not None and fallback >= today:
        return fallback
    raise _unreadable(text, _FUTURE_EXAMPLE)


# ---------------------------------------------------------------- yearly dates

_ISO_FULL = _rx(r"^\s*(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})\s*$")
_ISO_NO_YEAR = _rx(r"^\s*--(?P<m>\d{1,2})-(?P<d>\d{1,2})\s*$")
_DAY_MONTH = _rx(
    r"^\s*(?:on\s+)?(?:the\s+)?(?P<d>\d{1,2})(?:st|nd|rd|th)?(?:\s+of)?\s+"
    + _MONTH
    + _YEAR
    + r"\s*$"
)
_MONTH_DAY = _rx(
    r"^\s*(?:on\s+)?" + _MONTH + r"\s+(?:the\s+)?(?P<d>\d{1,2})(?:st|nd|rd|th)?" + _YEAR + r"\s*$"
)


def _validate_month_day(month: int, day: int, year: int | None) -> tuple[int, int, int | None]:
    make_day(year if year is not None else _LEAP_YEAR, month, day)
    return month, day, year


def parse_month_day(text: str) -> tuple[int, int, int | None]:
    """A yearly date such as a birthday: (month, day, year or None).

    Reads "12 March", "March 12", "12th of March 1990", "1990-03-12" and "--03-12"
    (vCard's yearless form). Numeric forms like 12/03 are refused: they read
    differently on each side of the Atlantic.
    """
    for pattern in (_ISO_FULL, _ISO_NO_YEAR):
        m = pattern.match(text)
        if m:
            year = int(m.group("y")) if "y" in m.groupdict() else None
            return _validate_month_day(int(m.group("m")), int(m.group("d")), year)
    for pattern in (_DAY_MONTH, _MONTH_DAY):
        m = pattern.match(text)
        if m:
            year_text = m.group("year")
            month = _month_number(m.group("mon"))
            return _validate_month_day(
                month, int(m.group("d")), int(year_text) if year_text else None
            )
    if re.match(r"^\s*\d{1,2}\s*[/.]\s*\d{1,2}(?:\s*[/.]\s*\d{2,4})?\s*$", text):
        raise DateError(
            "I can't tell which is the day and which the month — write it like 12 March."
        )
    bare = _BARE_MONTH.match(text)
    if bare:
        month_name = MONTH_NAMES[_month_number(bare.group("mon")) - 1]
        raise DateError(f"Which day in {month_name}? Try: 12 {month_name}.")
    raise _unreadable(text, "12 March, March 12 or 1990-03-12")


# ---------------------------------------------------------------- writing days


def format_day(day: date, today: date) -> str:
    """ "Sun 22 Nov", with the year only when it isn't this year's."""
    text = f"{WEEKDAY_ABBR[day.weekday()]} {day.day} {MONTH_ABBR[day.month - 1]}"
    return text if day.year == today.year else f"{text} {day.year}"


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}" + ("" if count == 1 else "s")


def format_span(days: int) -> str:
    """A length of time as a friend would say it, never rounded down past the truth.

    13 days is "nearly 2 weeks" (not "a week"), 34 days "a month" (not "4 weeks"),
    400 days "over a year". Months count 30 days and years 365, as cadences do.
    """
    if days < 1:
        return "less than a day"
    if days < 7:
        return "a day" if days == 1 else f"{days} days"
    if days < 28:
        weeks, rest = divmod(days, 7)
        if rest >= 4:
            return "nearly a month" if weeks == 3 else f"nearly {weeks + 1} weeks"
        return "a week" if weeks == 1 else f"{weeks} weeks"
    if days < 335:
        months, rest = divmod(days, 30)
        if rest >= 23:  # three quarters of the way to the next month
            return "nearly a month" if months == 0 else f"nearly {months + 1} months"
        return "a month" if months <= 1 else f"{months} months"
    years, rest = divmod(days, 365)
    if years == 0 or rest >= 274:
        return "nearly a year" if years == 0 else f"nearly {years + 1} years"
    exact = rest < 31
    if years == 1:
        return "a year" if exact else "over a year"
    return f"{years} years" if exact else f"over {years} years"


def format_ago(day: date, today: date) -> str:
    """How long ago, the way a friend would say it: "nearly 2 weeks ago", "a month ago"."""
    days = (today - day).days
    if days < 0:
        return "tomorrow" if days == -1 else f"in {-days} days"
    if days == 0:
        return "today"
    if days == 1:
        return "yesterday"
    return f"{format_span(days)} ago"


def next_yearly(month: int, day: int, today: date) -> date:
    """The next time a yearly date comes round, today included.

    29 February is kept on the 28th in common years, as most people celebrate it.
    """
    for year in (today.year, today.year + 1):
        try:
            when = date(year, month, day)
        except ValueError:
            when = date(year, 2, 28)
        if when >= today:
            return when
    raise AssertionError("unreachable: next year's date is always ahead")


def describe_yearly(label: str, month: int, day: int, today: date) -> str:
    """'Birthday today! 🎂', 'Birthday tomorrow (Thu 26 Nov)', 'Birthday in 3 days (Sat 28 Nov)'."""
    when = next_yearly(month, day, today)
    days = (when - today).days
    title = label[:1].upper() + label[1:]
    if days == 0:
        return f"{title} today! 🎂" if label == "birthday" else f"{title} today!"
    ahead = "tomorrow" if days == 1 else f"in {days} days"
    return f"{title} {ahead} ({format_day(when, today)})"
