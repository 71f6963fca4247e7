"""Days in plain words: reading "yesterday" or "12 March" and writing "Sun 22 Nov".

Logs are read on every message, so the common forms are hand-written regexes tried
in a fixed order. `dateparser` is only a lazy fallback for a whole text that is
already known to be a date (`parse_day`, `parse_future_day`), never for free text.
"""

from __future__ import annotations

import calendar
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
_FALLBACK_MAX_CHARS = 40
_LEAP_YEAR = 2000  # checks 29 Feb when no year is given

_MONTH = (
    r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?"
)
_NUMBER = r"(?P<n>\d{1,4}|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
_NUMBER += r"|(?:a\s+)?couple(?:\s+of)?|(?:a\s+)?few)"
_UNIT = r"(?P<unit>day|week|fortnight|month|year)s?"
_PART_OF_DAY = r"(?:\s+(?:morning|afternoon|evening|night|lunchtime|lunch))?"
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
    unit = unit.lower()
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
    "tonight": 0,
    "this": 0,
    "earlier": 0,
    "just": 0,
    "yesterday": -1,
    "yday": -1,
    "last": -1,
    "the": -2,
    "tomorrow": 1,
}


def _keyword(m: re.Match[str], today: date) -> _Found:
    first = m.group(0).split()[0].lower()
    return _Found(_shift_days(today, _KEYWORD_OFFSETS[first]), _label(m))


def _last_period(m: re.Match[str], today: date) -> _Found:
    which, period = m.group("which").lower(), m.group("period").lower()
    label = _label(m)
    if which == "next":
        return _Found(_shift_days(today, 7 if period.startswith("week") else 31), label)
    if period == "week":
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
    year = int(year_text) if year_text else today.year
    found = make_day(year, month, day)
    return _Found(found, _day_label(day, month, year if year_text else None), bool(year_text))


def _nth(m: re.Match[str], today: date) -> _Found:
    """'on the 12th': the latest 12th on or before today."""
    day = int(m.group("d"))
    if not 1 <= day <= 31:
        raise DateError(f"No month has a day {day}.")
    probe = today.replace(day=1)
    for _ in range(3):
        if day <= calendar.monthrange(probe.year, probe.month)[1]:
            candidate = probe.replace(day=day)
            if candidate <= today:
                return _Found(candidate, _label(m))
        probe = add_months(probe, -1)
    raise DateError(f"No month has a day {day}.")  # pragma: no cover


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
_PAST_RULES: tuple[_Rule, ...] = (
    _ISO_RULE,
    _Rule(_rx(r"(?<![\d/.-])\d{1,2}[/.]\d{1,2}[/.]\d{2,4}(?![\d/.-])"), _numeric_dmy),
    _Rule(_rx(rf"\b{_NUMBER}\s+{_UNIT}\s+(?:ago|back|earlier)\b"), _ago_rule),
    _Rule(
        _rx(
            r"\b(?:the\s+day\s+before\s+yesterday|(?:yesterday|yday)"
            + _PART_OF_DAY
            + r"|last\s+night|today|tonight|tomorrow|earlier\s+today|just\s+now"
            r"|this\s+(?:morning|afternoon|evening|lunchtime))\b"
        ),
        _keyword,
    ),
    _Rule(
        _rx(r"\b(?P<which>last|this\s+past|past|next)\s+(?P<period>weekend|week|month|year)\b"),
        _last_period,
    ),
    _Rule(_rx(r"\b(?:over|at|on)\s+the\s+weekend\b"), _the_weekend),
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
        _rx(_ON + r"\bthe\s+(?P<d>\d{1,2})(?:st|nd|rd|th)\b(?!\s+(?:time|round|go|try|one|place))"),
        _nth,
    ),
)


def _future_message(found: _Found, today: date) -> str:
    message = f"{found.label} is in the future — I can only log what already happened."
    if not found.year_given:
        message += f" If you meant last year, write {found.label} {today.year - 1}."
    return message


def _search(text: str, today: date) -> tuple[_Found, re.Match[str]] | None:
    for rule in _PAST_RULES:
        m = rule.pattern.search(text)
        if m:
            return rule.resolve(m, today), m
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
    hit = _search(text, today)
    if hit is None:
        return None, " ".join(text.split())
    found, m = hit
    if found.day > today:
        raise DateError(_future_message(found, today))
    return found.day, _tidy(text, m.start(), m.end())


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
