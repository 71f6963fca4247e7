"""The store as the engine and the nudges see it: intent-named reads and writes, no SQL.

Any database can stand behind these protocols (today SQLite in `bot/store/sqlite/`; a
PostgreSQL store goes beside it). Rules every implementation keeps, and the contract
suite in tests/store/contract/ checks:

- every method is scoped by owner: no call reaches another owner's data;
- a write happens inside `change(owner, label, now)`, which commits all of it or none,
  and records how to take it back, so `Store.undo` reverts the newest change whole;
- values cross as Python values (`date`, `datetime`, frozen dataclasses), never as the
  text a database happens to store them in.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from bot.core.circles import Circles
from bot.core.due import Bands
from bot.core.model import FavorKind, ImportantDate, Interaction, Person, PersonCard, UserSettings
from bot.core.names import NameEntry, NameProbe
from bot.formats import ExportDocument, ExportPart
from bot.ports.accounts import Duplicates, ImportBatch, ImportOutcome
from bot.ports.digests import DigestLedger
from bot.ports.identities import Identities
from bot.ports.insight import InsightReads
from bot.ports.links import Links
from bot.ports.updates import UpdateKey


class StoreError(Exception):
    """The store could not be opened or used; the message is for the user."""


@dataclass(frozen=True, slots=True)
class NewPerson:
    """Someone to add: what `Change.add_people` needs to know about them."""

    name: str
    circle: str
    added_on: date
    cadence_days: int | None = None
    paused: bool = False
    imported: bool = False
    snoozed_until: date | None = None
    aliases: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DatesAhead:
    """An owner's yearly dates that may fall in the next days (a superset: by month),
    the local day of their last digest sent before today, and which of the dates were
    set after that digest went out (so it could not have announced them)."""

    dates: tuple[ImportantDate, ...] = ()
    last_digest_day: date | None = None
    set_since: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class UndoResult:
    """What `/undo` took back: the label the change was made with."""

    label: str


@dataclass(frozen=True, slots=True)
class Roster:
    """An owner's people as of `version`, which changes whenever any of them changes.

    The engine keys what it derives from the people (the name index) on `version`, so a
    write by another process is seen as soon as the store sees it. `names` is the version
    at which anyone's name or aliases last changed, when the store knows it (a log moves
    `version` but not `names`); the name index is keyed on it, else on `version`.
    """

    version: int
    people: tuple[Person, ...]
    names: int | None = None

    @property
    def names_version(self) -> int:
        """What the name index is keyed on: changes whenever names or aliases may have."""
        return self.version if self.names is None else self.names


class Change(Protocol):
    """One owner's change in progress; every write is undone together by `/undo`."""

    @property
    def owner(self) -> int: ...

    async def add_people(self, people: Sequence[NewPerson]) -> list[int]:
        """Add people (with their aliases and tags); their new ids, in order."""
        ...

    async def log_meeting(
        self,
        day: date,
        kind: str,
        note: str,
        person_ids: Sequence[int],
        reactivate: Sequence[int] = (),
        *,
        place: str | None = None,
        initiator: str | None = None,
    ) -> int:
        """Record a meeting; it moves each person's last contact. `reactivate`: imported
        people this meeting starts tracking; `place` where it was, `initiator` who
        reached out ("me", "them", None: unsaid). The meeting's id."""
        ...

    async def snooze(self, person_id: int, until: date) -> None:
        """No nudges about them before `until`."""
        ...

    async def move(
        self, person_id: int, circle: str, *, track: bool = False, drop_cadence: bool = False
    ) -> None:
        """Put them in `circle`. `track`: an imported person starts being nudged;
        `drop_cadence`: their own cadence goes, the circle's applies."""
        ...

    async def set_cadence(self, person_id: int, days: int | None) -> None:
        """Their own cadence in days; None pauses them (no nudges)."""
        ...

    async def rename(self, person_id: int, name: str) -> None: ...

    async def add_alias(self, person_id: int, alias: str) -> None: ...

    async def tag(self, person_id: int, add: Sequence[str], remove: Sequence[str]) -> None:
        """Add and remove tags (already lower-cased, without '#')."""
        ...

    async def add_note(self, person_id: int, text: str) -> None: ...

    async def add_follow_up(self, person_id: int, text: str, from_day: date | None) -> None: ...

    async def add_favor(self, person_id: int, kind: FavorKind, text: str) -> None: ...

    async def close_follow_ups(self, ids: Sequence[int]) -> None: ...

    async def close_favors(self, ids: Sequence[int]) -> None: ...

    async def set_date(
        self, person_id: int, label: str, month: int, day: int, year: int | None
    ) -> None:
        """Their date called `label` (e.g. birthday), replacing one of the same label."""
        ...

    async def add_phone(self, person_id: int, phone: str) -> None:
        """Keep a phone number for them (the caller checked it is not there yet)."""
        ...

    async def remove_phone(self, person_id: int, phone: str) -> None:
        """Remove their number that is `phone` in any spelling (bot.core.reach.phone_key)."""
        ...

    async def add_email(self, person_id: int, email: str) -> None:
        """Keep an e-mail address for them (the caller checked it is not there yet)."""
        ...

    async def remove_email(self, person_id: int, email: str) -> None:
        """Remove their address that is `email` in any case."""
        ...

    async def forget(self, person_id: int) -> None:
        """Delete them with their whole history (phones and e-mails too); `/undo` brings
        all of it back."""
        ...

    async def correct_meeting(
        self,
        meeting_id: int,
        day: date,
        kind: str,
        note: str,
        person_ids: Sequence[int],
    ) -> None:
        """Rewrite a logged meeting (an edited log message): its day, kind, note, people."""

    async def save_group(self, name: str, member_ids: Sequence[int], group_id: int | None) -> int:
        """Create the group `name` (group_id None) or give group `group_id` these members."""
        ...

    async def set_group_cadence(self, group_id: int, days: int | None) -> None: ...

    async def set_weekly_review(self, on: bool) -> None:
        """The owner's weekly look back on or off."""
        ...


class Store(Protocol):
    """Every owner's data, each owner reachable only through their own id."""

    @property
    def ledger(self) -> DigestLedger:
        """The digest schedule and history (see bot/ports/digests.py)."""
        ...

    @property
    def identities(self) -> Identities:
        """Which transport user is which owner (see bot/ports/identities.py)."""
        ...

    @property
    def insight(self) -> InsightReads:
        """Reads for /circles, /review, /group and places, and the review ledger."""
        ...

    @property
    def links(self) -> Links:
        """Link codes and joining identities (see bot/ports/links.py)."""
        ...

    def change(self, owner: int, label: str, now: datetime) -> AbstractAsyncContextManager[Change]:
        """A transaction for one owner, committed when the block ends, undone as one."""
        ...

    async def log_now(
        self,
        owner: int,
        label: str,
        now: datetime,
        day: date,
        kind: str,
        note: str,
        person_ids: Sequence[int],
        reactivate: Sequence[int] = (),
        *,
        place: str | None = None,
        initiator: str | None = None,
    ) -> int:
        """`change` + `Change.log_meeting` in one go: the everyday log, kept fast."""
        ...

    # -- owners ------------------------------------------------------------------------

    async def settings(self, owner: int) -> UserSettings | None: ...

    async def ensure_user(self, owner: int, defaults: UserSettings, now: datetime) -> bool:
        """Create the owner if missing (their first digest scheduled); True if created."""
        ...

    async def update_settings(
        self, owner: int, label: str, now: datetime, **values: str | None
    ) -> None:
        """Change `timezone` / `digest_time` / `date_order` as an undoable change; the
        digest schedule follows in the same transaction."""
        ...

    async def set_active(self, owner: int, active: bool) -> None:
        """Inactive owners (unreachable) get no digests until they come back."""
        ...

    async def reactivate(self, owner: int) -> None:
        """The owner wrote to us, so they are reachable again (no-op when they were)."""
        ...

    # -- updates handled exactly once (bot/ports/updates.py) ---------------------------

    async def handled_among(
        self, transport: str, update_ids: Sequence[int], now: datetime
    ) -> set[int]:
        """Which of these updates were already handled (their change committed), not
        counting expired records."""
        ...

    async def mark_handled(self, key: UpdateKey, owner: int) -> None:
        """Record an update that changed nothing, after it was handled. Journaled writes
        (`change`, `log_now`, `undo`, `delete_user`) record the update being handled
        inside their own transaction instead."""
        ...

    async def delete_user(self, owner: int) -> None:
        """The owner and everything of theirs, gone for good."""
        ...

    # -- people ------------------------------------------------------------------------

    async def people(self, owner: int) -> Sequence[Person]: ...

    async def roster(self, owner: int) -> Roster: ...

    async def roster_if_cached(self, owner: int) -> Roster | None:
        """`roster` when it is in memory and current; None, reading no people, if not."""
        ...

    async def name_entries(self, owner: int, probe: NameProbe) -> list[NameEntry]:
        """The owner's people `probe` asks for by their stored keys (see `NameProbe`),
        in the roster's order (by id): what a probe name index is built from."""
        ...

    async def person(self, owner: int, person_id: int) -> Person | None:
        """One of the owner's people: from the roster in memory, else one row read."""
        ...

    async def card(self, owner: int, person_id: int, history: int = 5) -> PersonCard | None: ...

    async def cards(
        self, owner: int, people: Sequence[Person], history: int = 5
    ) -> list[PersonCard]: ...

    async def cards_many(
        self, wanted: Sequence[tuple[int, Sequence[Person]]], history: int = 5
    ) -> dict[int, list[PersonCard]]:
        """`cards` for several owners at once: owner -> their cards."""
        ...

    async def due_candidates_many(
        self,
        requests: Sequence[tuple[int, date]],
        cadences: Sequence[tuple[str, int]],
        limit: int,
        bands: Bands | None = None,
    ) -> dict[int, list[Person]]:
        """For each (owner, local day): a superset of whom `nudges.digest.choose` would
        pick with this `limit`, read without loading everyone; with `bands`, only the
        rows `bands.keep` keeps are built into people (the rest cannot be chosen)."""
        ...

    async def interaction_count(self, owner: int) -> int: ...

    async def dates_ahead_many(
        self, requests: Sequence[tuple[int, date]], days: int
    ) -> dict[int, DatesAhead]:
        """For each (owner, local day): what the digest's "🎂 Coming up" needs to
        announce each date once (see `DatesAhead`)."""
        ...

    async def people_by_id_many(
        self, wanted: Sequence[tuple[int, Sequence[int]]]
    ) -> dict[int, list[Person]]:
        """For each (owner, person ids): those of their people, in no set order, read
        without loading everyone (the digest's dates name a few people of many owners)."""
        ...

    # -- which message logged which meeting ---------------------------------------------

    async def remember_log_message(
        self, owner: int, ref: str, interaction_id: int, now: datetime
    ) -> None:
        """The transport's message `ref` logged this meeting (an edit can correct it)."""
        ...

    async def logged_by_message(self, owner: int, ref: str) -> tuple[Interaction, str] | None:
        """The meeting message `ref` logged, and when (UTC text); None if none (any more)."""
        ...

    # -- undo, questions, data in and out ----------------------------------------------

    async def undo(self, owner: int) -> UndoResult | None:
        """Revert the owner's newest change; None when there is nothing to undo."""
        ...

    async def last_undo(self, owner: int) -> tuple[int, str] | None:
        """The owner's newest undoable change: (id, when it was made as UTC text)."""
        ...

    async def put_pending(
        self, owner: int, payload: Mapping[str, Any], now: datetime, *, rows: Sequence[str] = ()
    ) -> int:
        """Store a question's JSON payload; its id goes into the buttons. `rows` (a
        contacts file's people, one compact text each) are kept beside it, in the same
        transaction, and go with it: answered, dropped, expired or the account deleted."""
        ...

    async def pending_rows(self, owner: int, pending_id: int) -> list[str]:
        """The rows stored with the owner's question, in order ([] when none)."""
        ...

    async def get_pending(self, owner: int, pending_id: int) -> dict[str, Any] | None: ...

    async def latest_pending(
        self, owner: int, since: datetime
    ) -> tuple[int, dict[str, Any]] | None:
        """The owner's newest question asked at or after `since` (id, payload), for a
        typed answer."""
        ...

    async def drop_pending(self, owner: int, pending_id: int) -> None: ...

    async def export(
        self,
        owner: int,
        circles: Circles,
        now: datetime,
        defaults: UserSettings,
        *,
        meetings: bool = True,
    ) -> ExportDocument:
        """Everything of the owner as of one snapshot; `meetings=False` leaves the
        interactions out, unread (an address-book export)."""
        ...

    def export_parts(
        self,
        owner: int,
        circles: Circles,
        now: datetime,
        defaults: UserSettings,
        *,
        meetings: bool = True,
    ) -> AsyncIterator[ExportPart]:
        """`export` as a stream of parts in document order (`ExportPart`), read page by
        page inside one snapshot: memory is a page's, whatever the account's size.
        `meetings=False` reads no meeting (an address book, a spreadsheet: each person's
        last contact is the day the store keeps on them)."""
        ...

    async def apply_import(
        self,
        owner: int,
        label: str,
        now: datetime,
        batch: ImportBatch,
        duplicates: Duplicates,
        *,
        answering: int | None = None,
    ) -> ImportOutcome:
        """Write `batch` as one undoable change, all or nothing. `answering`: the
        question this import answers, consumed in the same transaction (a second press
        raises AlreadyAnswered and writes nothing)."""
        ...
