"""The values of one owner's data in and out: an import batch, what it changed, and the
rule for who is already there (shared by the engine's preview and the store's write)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol, TypeVar

from bot.core.names import name_key
from bot.formats import ExportedGroup, ExportedInteraction, ExportedPerson


class Duplicates(StrEnum):
    """What to do with incoming people who are already there."""

    MERGE = "merge"
    SKIP = "skip"


@dataclass(frozen=True, slots=True)
class ImportBatch:
    """What one import brings: people (refs unique), interactions naming them by ref.

    `settings` ("timezone", "digest_time") are applied only when the account has nobody
    yet: a restore. Callers validate them first.
    """

    people: tuple[ExportedPerson, ...]
    # May be lazy (a restore reading its file as it goes): iterated once, in order.
    interactions: Iterable[ExportedInteraction] = ()
    settings: Mapping[str, str | None] | None = None
    groups: tuple[ExportedGroup, ...] = ()  # with their members, by ref
    weekly_review: bool | None = None  # restored with the settings; None: leave it


@dataclass(slots=True)
class ImportOutcome:
    """What an import changed, for the reply. Names are as stored."""

    added: list[str] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    birthdays: int = 0
    notes: int = 0
    follow_ups: int = 0
    favors: int = 0
    dates: int = 0
    phones: int = 0
    emails: int = 0
    interactions: int = 0
    settings: dict[str, str | None] | None = None

    @property
    def changed(self) -> bool:
        return bool(self.added or self.merged or self.interactions or self.settings)


class AlreadyAnswered(Exception):
    """The question this import answers was answered meanwhile; nothing was written."""


class Named(Protocol):
    """Someone already there, as far as matching goes (a `Person` is one)."""

    @property
    def id(self) -> int: ...

    @property
    def name(self) -> str: ...

    @property
    def aliases(self) -> tuple[str, ...]: ...


N = TypeVar("N", bound=Named)


def known_people(existing: Sequence[N], incoming: Iterable[ExportedPerson]) -> dict[str, N]:
    """Incoming refs that name someone already there, with who: by name key, else by alias."""
    by_name: dict[str, N] = {}
    by_alias: dict[str, N] = {}
    for person in existing:
        by_name.setdefault(name_key(person.name), person)
        for alias in person.aliases:
            by_alias.setdefault(name_key(alias), person)
    found: dict[str, N] = {}
    for p in incoming:
        key = name_key(p.name)
        match = by_name.get(key) or by_alias.get(key)
        if match is not None:
            found[p.ref] = match
    return found
