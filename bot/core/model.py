"""Domain values: the people a user keeps in touch with and what happened between them.

Plain frozen dataclasses with no I/O. The store maps rows onto these; the engine and
the nudge job compute with them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


class FavorKind(StrEnum):
    """Which way a favor went: given by the user, received, or offered (a promise)."""

    GAVE = "gave"
    GOT = "got"
    OFFERED = "offered"


@dataclass(frozen=True, slots=True)
class Circle:
    """A layer of closeness with its default cadence in days."""

    name: str
    cadence_days: int


@dataclass(frozen=True, slots=True)
class Person:
    """Someone the user keeps in touch with.

    `cadence_days` is the person's own cadence (None = their circle's default);
    `paused` means `/every NAME never`: not tracked, never due.
    `last_contact` is the day of the latest logged interaction, kept on the row so
    `/who` never has to scan the whole history.
    """

    id: int
    name: str
    circle: str
    added_on: date
    cadence_days: int | None = None
    paused: bool = False
    aliases: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    last_contact: date | None = None
    last_kind: str | None = None
    snoozed_until: date | None = None
    last_nudged_on: date | None = None
    imported: bool = False


@dataclass(frozen=True, slots=True)
class Interaction:
    """One contact: a day, a kind, the people present and an optional note.

    `place` is where it happened when the log said so; `initiator` who reached out
    first: "me", "them", or None when unsaid.
    """

    id: int
    day: date
    kind: str
    note: str
    person_ids: tuple[int, ...] = ()
    place: str | None = None
    initiator: str | None = None


@dataclass(frozen=True, slots=True)
class Note:
    id: int
    person_id: int
    text: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class FollowUp:
    """Something to bring up next time, shown from `from_day` on until done."""

    id: int
    person_id: int
    text: str
    from_day: date | None = None
    done: bool = False


@dataclass(frozen=True, slots=True)
class Favor:
    id: int
    person_id: int
    kind: FavorKind
    text: str
    done: bool = False


@dataclass(frozen=True, slots=True)
class ImportantDate:
    """A yearly date such as a birthday; `year` is None when unknown."""

    id: int
    person_id: int
    label: str
    month: int
    day: int
    year: int | None = None


@dataclass(frozen=True, slots=True)
class UserSettings:
    """Per-user settings. `digest_time` None means the digest is off."""

    timezone: str = "UTC"
    digest_time: str | None = "09:00"
    date_order: str | None = None  # "dmy", "mdy", "ymd"; None: from the time zone, or ask


@dataclass(frozen=True, slots=True)
class PersonCard:
    """Everything `/show` and the digest tell about one person."""

    person: Person
    notes: tuple[Note, ...] = ()
    follow_ups: tuple[FollowUp, ...] = ()
    favors: tuple[Favor, ...] = ()
    dates: tuple[ImportantDate, ...] = ()
    history: tuple[Interaction, ...] = field(default=())
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
