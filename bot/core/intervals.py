"""Cadences and snoozes in words: "every 3 weeks", "monthly", "never", "10 days".

Intervals are whole days. A month counts as 30 days and a year as 365, so the circle
defaults (14/30/90/180) read back as "every 2 weeks", "every month", "every 3 months"
and "every 6 months". `None` is the cadence of a paused person ("never").
"""

from __future__ import annotations

import re
from typing import Final

from bot.core.dates import NUMBER_WORDS

DAYS_PER_WEEK: Final = 7
DAYS_PER_MONTH: Final = 30
DAYS_PER_YEAR: Final = 365
MAX_DAYS: Final = 10 * DAYS_PER_YEAR

_UNITS: Final = {
    "d": 1,
    "day": 1,
    "w": DAYS_PER_WEEK,
    "wk": DAYS_PER_WEEK,
    "week": DAYS_PER_WEEK,
    "fortnight": 14,
    "m": DAYS_PER_MONTH,
    "mo": DAYS_PER_MONTH,
    "mth": DAYS_PER_MONTH,
    "month": DAYS_PER_MONTH,
    "y": DAYS_PER_YEAR,
    "yr": DAYS_PER_YEAR,
    "year": DAYS_PER_YEAR,
}
_NAMED: Final = {
    "daily": 1,
    "weekly": DAYS_PER_WEEK,
    "fortnightly": 14,
    "biweekly": 14,
    "monthly": DAYS_PER_MONTH,
    "bimonthly": 2 * DAYS_PER_MONTH,
    "quarterly": 3 * DAYS_PER_MONTH,
    "half-yearly": 6 * DAYS_PER_MONTH,
    "half yearly": 6 * DAYS_PER_MONTH,
    "biannually": 6 * DAYS_PER_MONTH,
    "semiannually": 6 * DAYS_PER_MONTH,
    "yearly": DAYS_PER_YEAR,
    "annually": DAYS_PER_YEAR,
    "other week": 14,
    "other month": 2 * DAYS_PER_MONTH,
    "other day": 2,
}
_COUNTS: Final = {**NUMBER_WORDS, "once": 1, "twice": 2, "thrice": 3}
_NEVER: Final = frozenset({"never", "pause", "paused", "off", "none", "stop", "no"})
_FILLER = re.compile(r"^(?:(?:once|about|around|roughly|approximately|approx|every|each|for)\s+)+")
_UNIT_WORD = r"(?P<unit>days?|d|weeks?|wks?|w|fortnights?|months?|mos?|mths?|m|years?|yrs?|y)"
_COUNT = (
    r"(?P<count>\d{1,6}(?:\.\d{1,3})?|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven"
)
_COUNT += r"|twelve|(?:a\s+)?couple(?:\s+of)?|(?:a\s+)?few)"
_AMOUNT = re.compile(rf"^{_COUNT}?\s*{_UNIT_WORD}\.?$")
_TIMES = re.compile(
    r"^(?P<times>\d{1,6}|once|twice|thrice|two|three|four|five|six)(?:\s+times)?"
    r"\s+(?:a|an|per|every|each)\s+(?P<unit>day|week|fortnight|month|year)$"
)
_CADENCE_EXAMPLE = "every 3 weeks, monthly or never"
_DURATION_EXAMPLE = "2 weeks, 10 days or a month"


class IntervalError(ValueError):
    """An interval the user wrote that can't be used; `str(e)` is a sentence to show them."""


def _normalise(text: str) -> str:
    cleaned = " ".join(text.lower().replace("’", "'").split()).strip(" .!")
    return _FILLER.sub("", cleaned)


def _count(word: str | None) -> float:
    if word is None:
        return 1
    words = word.split()
    if "couple" in words:
        return 2
    last = words[-1]
    return float(last) if last[0].isdecimal() else _COUNTS[last]


def _unit_days(unit: str) -> int:
    unit = unit.rstrip(".")
    if unit not in _UNITS and unit.endswith("s"):
        unit = unit[:-1]
    return _UNITS[unit]


def _days_of(cleaned: str) -> int | None:
    """Days in an amount such as "3 weeks", "a month", "twice a month"; None if not one."""
    if cleaned in _NAMED:
        return _NAMED[cleaned]
    if cleaned.isdecimal():
        # Bound the digits: int() of a huge string is slow and then refused anyway.
        return int(cleaned) if len(cleaned) <= 6 else MAX_DAYS + 1
    m = _AMOUNT.match(cleaned)
    if m:
        return round(_count(m.group("count")) * _unit_days(m.group("unit")))
    m = _TIMES.match(cleaned)
    if m:
        return round(_UNITS[m.group("unit")] / _count(m.group("times")))
    return None


def _checked(days: int | None, text: str, example: str) -> int:
    if not text.strip():
        raise IntervalError(f"How long? Try: {example}.")
    if days is None:
        shown = text.strip()[:40] or "that"
        raise IntervalError(f"I didn't get “{shown}” as a length of time. Try: {example}.")
    if days < 1:
        raise IntervalError("That's less than a day — try at least 1 day.")
    if days > MAX_DAYS:
        raise IntervalError("That's more than 10 years — try something shorter.")
    return days


def _signed(cleaned: str) -> bool:
    return cleaned.startswith("-") and len(cleaned) > 1


def parse_interval(text: str) -> int | None:
    """A cadence in days, or None for "never"/"pause"/"off" (stop tracking)."""
    cleaned = _normalise(text)
    if cleaned in _NEVER:
        return None
    if _signed(cleaned):
        raise IntervalError("An interval can't be negative — try something like 3 weeks.")
    return _checked(_days_of(cleaned), text, _CADENCE_EXAMPLE)


def parse_duration(text: str) -> int:
    """A snooze length in days (at least 1): "2 weeks", "10 days", "a month"."""
    cleaned = _normalise(text)
    if cleaned in _NEVER or cleaned in ("ever", "forever"):
        raise IntervalError(
            "A snooze needs an end — try 2 weeks. To stop nudges for good, use /every NAME never."
        )
    if _signed(cleaned):
        raise IntervalError("A snooze can't be negative — try something like 2 weeks.")
    return _checked(_days_of(cleaned), text, _DURATION_EXAMPLE)


def _every(count: int, unit: str) -> str:
    return f"every {unit}" if count == 1 else f"every {count} {unit}s"


def format_interval(days: int | None) -> str:
    """A cadence as words that `parse_interval` reads back to the same number of days."""
    if days is None:
        return "paused"
    if days < 1:
        raise ValueError(f"an interval is at least one day, got {days}")
    if days % DAYS_PER_YEAR == 0:
        return _every(days // DAYS_PER_YEAR, "year")
    if days % DAYS_PER_MONTH == 0:
        return _every(days // DAYS_PER_MONTH, "month")
    if days % DAYS_PER_WEEK == 0:
        return _every(days // DAYS_PER_WEEK, "week")
    return _every(days, "day")
