"""When each user's digest is due: pure functions of injected instants, no I/O.

The nudge job sweeps the users every minute and picks the rows whose stored
`next_digest_at` (UTC) is `<= now`. This module computes those instants from the
user's local digest time and IANA time zone, following "The nudge" in DESIGN.md:

* one digest per *local* day, at the user's wall-clock `HH:MM`;
* a digest missed while the bot was down still goes out when it comes back, but only
  on the same local day (a digest about yesterday's due list, arriving at 3am, helps
  nobody);
* daylight-saving changes: a time that does not exist that day (inside the spring
  gap, e.g. 02:30 in Europe/Berlin on the last Sunday of March) fires at the first
  instant after the gap (03:00 local); a time that happens twice (the autumn fold)
  fires at its first occurrence only.

All datetimes going in must be timezone-aware (naive ones raise ValueError, since
guessing their zone is how digests end up an hour off); all coming out are aware UTC.
An unknown time zone name raises ValueError.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.clock import format_utc, parse_utc

__all__ = [
    "SweepPlan",
    "digest_time_today",
    "first_digest_at",
    "format_clock",
    "format_utc",
    "is_still_same_day",
    "local_day",
    "next_digest_at",
    "parse_clock",
    "parse_utc",
    "plan_sweep",
]

CLOCK_HELP = "I need a time like 09:00 or 7:30pm."

# "9", "09:00", "9:00", "9.30", "0930", "21h", "21h30", "9am", "9 am", "7:30pm", "7:30 p.m."
# Dots are removed before matching, so "9.30" arrives here as "930" (hour 9, minute 30).
_CLOCK = re.compile(r"(?P<h>\d{1,2})(?:[:h]?(?P<m>\d{2}))?\s*(?P<suffix>am|pm|h)?")


def parse_clock(text: str) -> time:
    """Read a wall-clock time the way people type it; ValueError(CLOCK_HELP) otherwise."""
    s = " ".join(text.strip().lower().replace(".", "").split())
    s = re.sub(r"\b([ap]) ?m\b", r"\1m", s)  # "7:30 p m" / "7:30 pm" -> "7:30pm"
    if s == "noon":
        return time(12, 0)
    if s == "midnight":
        return time(0, 0)
    m = _CLOCK.fullmatch(s)
    if m is None:
        raise ValueError(CLOCK_HELP)
    hour, minute, suffix = int(m["h"]), int(m["m"] or 0), m["suffix"]
    if minute > 59:
        raise ValueError(CLOCK_HELP)
    if suffix in ("am", "pm"):
        if not 1 <= hour <= 12:  # "13pm" / "0am" are typos, not times
            raise ValueError(CLOCK_HELP)
        hour = hour % 12 + (12 if suffix == "pm" else 0)
    elif hour > 23:
        raise ValueError(CLOCK_HELP)
    return time(hour, minute)


def format_clock(t: time) -> str:
    """`09:00`: the canonical way kith writes and stores a digest time."""
    return f"{t.hour:02d}:{t.minute:02d}"


def local_day(now_utc: datetime, tz: str) -> date:
    """The calendar day it is in `tz` at the instant `now_utc`."""
    return _utc(now_utc).astimezone(_zone(tz)).date()


def day_is_over(now_utc: datetime, tz: str, day: date) -> bool:
    """Whether the local `day` in `tz` has ended at `now_utc`: a message recorded for it
    (a digest, a weekly review) is not sent any more. A zone this machine cannot read
    keeps the day open."""
    try:
        return local_day(now_utc, tz) > day
    except ValueError:
        return False


def next_digest_at(after_utc: datetime, tz: str, at: time) -> datetime:
    """The first digest instant strictly after `after_utc`.

    One candidate per local date: the instant the wall clock reads `at` on that date
    (gap -> the end of the gap, fold -> the first pass). The second pass through a
    repeated hour never counts, so a digest sent at 01:30 on a fall-back night is not
    followed by another one an hour later.
    """
    after = _utc(after_utc)
    return _first_from(local_day(after, tz), after, _zone(tz), at)


def digest_time_today(now_utc: datetime, tz: str, at: time) -> datetime:
    """Today's (local) digest instant in UTC, whether it is already past or still ahead."""
    zone = _zone(tz)
    return _occurrence(_utc(now_utc).astimezone(zone).date(), at, zone)


def is_still_same_day(scheduled_utc: datetime, now_utc: datetime, tz: str) -> bool:
    """May a sweep running at `now_utc` still send the digest scheduled at `scheduled_utc`?

    Only on the same local day: after downtime, a digest that is a day late is skipped.
    """
    return local_day(scheduled_utc, tz) == local_day(now_utc, tz)


def first_digest_at(
    now_utc: datetime, tz: str, at: time, *, last_sent_day: date | None = None
) -> datetime:
    """Where to schedule a new user or one who just changed their settings.

    Today's occurrence if it is still ahead (so `/digest` set to five minutes from now
    fires today), else tomorrow's. Pass `last_sent_day` (the local day of the last
    digest sent) to keep the one-per-local-day promise when today's digest already
    went out: then the first candidate is the day after it.
    """
    now = _utc(now_utc)
    zone = _zone(tz)
    day = now.astimezone(zone).date()
    if last_sent_day is not None and last_sent_day >= day:
        day = last_sent_day + timedelta(days=1)
    return _first_from(day, now, zone, at)


@dataclass(frozen=True, slots=True)
class SweepPlan:
    """What a sweep should do with one user's row.

    `send`: send a digest now. `digest_day`: the local day that digest counts for
    (store it as the user's last digest day), None when not sending. `next_at`: the
    value `next_digest_at` should hold afterwards (unchanged when the row is not due).
    """

    send: bool
    digest_day: date | None
    next_at: datetime


def plan_sweep(
    scheduled_utc: datetime,
    now_utc: datetime,
    tz: str,
    at: time,
    *,
    last_sent_day: date | None = None,
) -> SweepPlan:
    """Decide, for a row with `next_digest_at = scheduled_utc`, what a sweep at `now_utc` does.

    * not due yet -> nothing;
    * due, same local day (on time or after downtime) -> send;
    * due but from an earlier local day (the bot was down across midnight) -> that
      digest is skipped; if today's digest time has also passed it was missed today,
      so it goes out now, else the row moves to today's time;
    * a digest already sent today (`last_sent_day`) -> never a second one.
    """
    scheduled, now = _utc(scheduled_utc), _utc(now_utc)
    if scheduled > now:
        return SweepPlan(send=False, digest_day=None, next_at=scheduled)
    today = local_day(now, tz)
    if last_sent_day is None or last_sent_day < today:
        missed_today = digest_time_today(now, tz, at) <= now
        if local_day(scheduled, tz) == today or missed_today:
            nxt = first_digest_at(now, tz, at, last_sent_day=today)
            return SweepPlan(send=True, digest_day=today, next_at=nxt)
    nxt = first_digest_at(now, tz, at, last_sent_day=last_sent_day)
    return SweepPlan(send=False, digest_day=None, next_at=nxt)


# --- internals -------------------------------------------------------------------


@lru_cache(maxsize=256)
def _zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as e:  # ValueError: "", "../x", ...
        raise ValueError(f"unknown time zone: {tz!r}") from e


def _utc(dt: datetime) -> datetime:
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"expected a timezone-aware datetime, got naive {dt!r}")
    return dt.astimezone(UTC)


def _occurrence(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant the wall clock in `zone` reads `at` on `day` (gap/fold rules)."""
    naive = datetime.combine(day, at.replace(tzinfo=None, fold=0))
    # PEP 495: fold=0 is the earlier of two readings in a fold, and in a gap it applies
    # the offset from *before* the transition (a UTC instant past the gap).
    early = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if early.astimezone(zone).replace(tzinfo=None) == naive:
        return early  # the wall clock really reads `at` then (the first time, in a fold)
    # In the gap. fold=1 applies the offset from *after* the transition, which lands
    # before the gap; the transition lies between the two, at whole seconds. Bisect it.
    late_offset = early.astimezone(zone).utcoffset()
    lo = int(naive.replace(tzinfo=zone, fold=1).timestamp())  # offset: before
    hi = int(early.timestamp())  # offset: after
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if datetime.fromtimestamp(mid, zone).utcoffset() == late_offset:
            hi = mid
        else:
            lo = mid
    return datetime.fromtimestamp(hi, UTC)


def _first_from(day: date, after: datetime, zone: ZoneInfo, at: time) -> datetime:
    """The first occurrence on `day` or a later local date that is strictly after `after`."""
    for i in range(4):
        d = day + timedelta(days=i)
        candidate = _occurrence(d, at, zone)
        # A date the zone skipped entirely (Pacific/Apia, 30 Dec 2011) has no digest:
        # its "first instant after the gap" belongs to the next date, which has its own.
        if candidate.astimezone(zone).date() != d:
            continue
        if candidate > after:
            return candidate
    raise AssertionError("unreachable: every few days have a digest time")  # pragma: no cover
