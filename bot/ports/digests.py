"""The digest ledger: when each owner's next digest is due, and what became of each one.

The store keeps the whole schedule (each owner's next digest instant) and the whole
history (one digest per owner and local day). A digest is recorded *before* its message
is sent, together with moving the schedule on and marking its people nudged; a second
digest for the same local day is refused: that is the "at most one digest per owner per
local day" promise, across restarts (bot/nudges/sweep.py has the whole story).

Recorded digests keep their text and buttons as first composed, so a retry delivers the
very message that was recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final, Protocol

PENDING: Final = "pending"
SENT: Final = "sent"
UNDELIVERABLE: Final = "undeliverable"
REJECTED: Final = "rejected"
EXPIRED: Final = "expired"

ButtonRows = tuple[tuple[tuple[str, str], ...], ...]
"""Buttons as rows of (label, callback data): what the ledger keeps of a Reply's buttons."""


@dataclass(frozen=True, slots=True)
class Scope:
    """Whose digests a sweep may touch: those that go out through `transport` (the
    owner's `digest_via`), and/or one `owner`. The default is everyone."""

    transport: str | None = None
    owner: int | None = None


EVERYONE: Final = Scope()


@dataclass(frozen=True, slots=True)
class DueUser:
    """An owner whose next digest instant has come, with what planning their sweep needs."""

    owner: int
    timezone: str
    digest_time: str
    next_digest_at: datetime
    last_day: date | None


@dataclass(frozen=True, slots=True)
class Unscheduled:
    """An active owner with a digest time but no next digest instant (e.g. from before
    the schedule existed, or after settings that could not be scheduled)."""

    owner: int
    timezone: str
    digest_time: str
    last_day: date | None


@dataclass(frozen=True, slots=True)
class NewDigest:
    """What to record for one due owner: the message, and the people it nudges."""

    local_day: date
    text: str
    buttons: ButtonRows
    person_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Planned:
    """One due owner's outcome of a sweep: move the schedule on, maybe with a digest.

    `expected` is the next digest instant the plan was made from: recording only happens
    if the owner still has it, so a `/digest` or `/timezone` change that landed meanwhile
    wins (the next sweep plans again from the new settings).
    """

    owner: int
    expected: datetime
    next_at: datetime | None
    digest: NewDigest | None = None


@dataclass(frozen=True, slots=True)
class StoredDigest:
    """A recorded digest, as the ledger holds it."""

    id: int
    owner: int
    timezone: str
    local_day: date
    status: str
    attempts: int
    text: str
    buttons: ButtonRows
    person_ids: tuple[int, ...]
    sending: bool = False  # its request was started and never got an outcome


class DigestLedger(Protocol):
    """Reads and writes of the schedule and the digest history, for the sweep."""

    async def next_digest_at(self, owner: int) -> datetime | None: ...

    async def last_day(self, owner: int) -> date | None:
        """The local day of the owner's newest digest, whatever became of it."""
        ...

    async def unscheduled(self, limit: int, scope: Scope = EVERYONE) -> list[Unscheduled]: ...

    async def set_schedules(self, schedules: Sequence[tuple[int, datetime]]) -> None:
        """Fill in the next digest instant of owners that are still unscheduled."""
        ...

    async def due(self, now: datetime, limit: int, scope: Scope = EVERYONE) -> list[DueUser]:
        """Active owners whose digest instant has come, the longest-waiting first."""
        ...

    async def record(self, plans: Sequence[Planned], now: datetime) -> list[int]:
        """Apply a sweep's plans in one transaction; the ids of the digests to send now.

        For each plan whose owner still has `expected`: move the schedule on, and if there
        is a digest and its local day has none yet, record it (pending) and mark its
        people nudged on that day. All of it commits before anything is sent.
        """
        ...

    async def get_many(self, ids: Sequence[int]) -> list[StoredDigest]:
        """Several digests, in the order of `ids`."""
        ...

    async def claim_pending(self, limit: int, scope: Scope = EVERYONE) -> list[StoredDigest]:
        """Recorded digests of active owners not yet delivered, oldest first, for this
        sweep to retry."""
        ...

    async def mark_sending(self, digest_id: int, now: datetime) -> bool:
        """Record, before the request, that this digest is being sent; False if it is no
        longer pending (or already being sent) and must not be sent now."""
        ...

    async def mark_sent(self, digest_id: int, now: datetime) -> None: ...

    async def mark_unknown(self, digest_id: int, now: datetime, error: str) -> None:
        """The request may have reached the user (timed out after it was written, or cut
        off by a crash): never send it again, and keep it countable as such."""
        ...

    async def mark_attempt(self, digest_id: int, error: str) -> None:
        """A send that failed for now: it stays pending for the next sweep."""
        ...

    async def mark_final(self, digest: StoredDigest, status: str, error: str = "") -> None:
        """A pending digest that will never be sent (undeliverable, rejected, expired);
        its people's nudged mark is taken back."""
        ...
