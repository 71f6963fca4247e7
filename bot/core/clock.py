"""Time as a dependency, and the one text format kith stores instants in.

Everything that needs "now" takes a `Clock`, so tests can pin and move time instead of
sleeping or monkeypatching `datetime`. Instants are always aware datetimes in UTC.

Instants are stored as `YYYY-MM-DDTHH:MM:SSZ`: fixed width, UTC, whole seconds. Because
every stored instant has exactly this shape, SQL can compare them as plain strings
(`next_digest_at <= ?` with `format_utc(now)`) and the order is the time order.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Protocol

__all__ = ["Clock", "FixedClock", "OffsetClock", "SystemClock", "format_utc", "parse_utc"]

_UTC_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
# strptime alone would accept "2026-3-1T9:0:0Z"; the regex keeps the format the one format.
_UTC_SHAPE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


class Clock(Protocol):
    """Something that knows the current instant."""

    def now(self) -> datetime:
        """The current instant, an aware datetime in UTC."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class OffsetClock:
    """Another clock, shifted: the real time, as if it were `offset` later (tests only)."""

    def __init__(self, base: Clock, offset: timedelta) -> None:
        self.base = base
        self.offset = offset

    def now(self) -> datetime:
        return self.base.now() + self.offset


class FixedClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, now: datetime) -> None:
        self._now = _as_utc(now)

    def now(self) -> datetime:
        return self._now

    def set(self, now: datetime) -> None:
        self._now = _as_utc(now)

    def advance(self, delta: timedelta) -> None:
        self._now += delta

    def __repr__(self) -> str:
        return f"FixedClock({format_utc(self._now)})"


def format_utc(dt: datetime) -> str:
    """`2026-03-29T01:00:00Z`. Sub-second parts are dropped (truncated, not rounded)."""
    return _as_utc(dt).strftime(_UTC_FORMAT)


def parse_utc(text: str) -> datetime:
    """The inverse of `format_utc`; anything else is a ValueError."""
    if not _UTC_SHAPE.fullmatch(text):
        raise ValueError(f"not a UTC instant like 2026-03-29T01:00:00Z: {text!r}")
    return datetime.strptime(text, _UTC_FORMAT).replace(tzinfo=UTC)


def _as_utc(dt: datetime) -> datetime:
    # A naive datetime is a bug (local time? UTC?): refuse it rather than guess.
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"expected a timezone-aware datetime, got naive {dt!r}")
    return dt.astimezone(UTC)
