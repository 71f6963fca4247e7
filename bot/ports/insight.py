"""What /circles, /review, /group and places read from the store, and the review ledger.

Reads are owner-scoped like every store read. The review ledger keeps the digest
ledger's promise for the weekly look back: a review is recorded *before* it is sent, one
per owner and ISO week (a second is refused), and retried while its Sunday lasts.
Writes (a group, the review setting) are intents on `ports.Change`, so `/undo` takes
them back like any other change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from bot.core.patterns import Meeting
from bot.ports.digests import EVERYONE, ButtonRows, Scope


@dataclass(frozen=True, slots=True)
class Group:
    """People who meet together, with a rhythm of their own (None: their members')."""

    id: int
    name: str
    cadence_days: int | None
    member_ids: tuple[int, ...]
    created_on: date


@dataclass(frozen=True, slots=True)
class OpenItem:
    """An open favor or follow-up: `table` is "favors" or "follow_ups"."""

    table: str
    id: int
    person_id: int
    text: str
    created_on: date


@dataclass(frozen=True, slots=True)
class ReviewUser:
    """An active owner with the weekly review on: what deciding its time needs."""

    owner: int
    timezone: str
    digest_time: str | None


@dataclass(frozen=True, slots=True)
class StoredReview:
    """A recorded review, as first composed (a retry sends the very same message)."""

    id: int
    owner: int
    week: str
    local_day: date
    timezone: str
    text: str
    buttons: ButtonRows
    attempts: int
    sending: bool = False  # its request was started and never got an outcome


class InsightReads(Protocol):
    """The store's reads for the picture, the review, places and groups."""

    async def meetings(self, owner: int, since: date) -> list[Meeting]:
        """Every (person, meeting) of the owner from `since` on, newest first."""
        ...

    async def person_meetings(self, owner: int, person_id: int, limit: int = 50) -> list[Meeting]:
        """One person's latest meetings, newest first."""
        ...

    async def open_items(self, owner: int) -> list[OpenItem]:
        """Open favors and follow-ups, oldest first."""
        ...

    async def dates(self, owner: int) -> list[tuple[int, str, int, int]]:
        """(person id, label, month, day) of every yearly date."""
        ...

    async def groups(self, owner: int) -> list[Group]: ...

    async def owners_with_groups(self, owners: Sequence[int]) -> set[int]:
        """Which of these owners have any group (most have none)."""
        ...

    async def latest_meeting_people(
        self, owner: int, at_least: int = 0
    ) -> tuple[tuple[int, ...], bool]:
        """The people of the owner's newest meeting, and whether an earlier meeting (of
        the latest 200) had exactly them too. With fewer than `at_least` people in the
        newest meeting, the earlier ones are not read (False): the log's group hint
        needs three, and most logs name one or two."""
        ...

    async def review_on(self, owner: int) -> bool: ...

    # -- the review ledger -------------------------------------------------------------

    async def review_users(
        self, scope: Scope = EVERYONE, now: datetime | None = None
    ) -> list[ReviewUser]:
        """Active owners in `scope` with the weekly review on; with `now`, only those
        whose next review instant (`set_review_times`) has come or is not known."""
        ...

    async def set_review_times(self, times: Sequence[tuple[int, datetime]]) -> None:
        """When each of these owners' review may next be due: not read before then."""
        ...

    async def reviewed_weeks(self, owners: Sequence[int], weeks: Sequence[str]) -> set[int]:
        """Which of these owners already have a review for their given week."""
        ...

    async def record_review(
        self, owner: int, week: str, day: date, text: str, buttons: ButtonRows, now: datetime
    ) -> int | None:
        """Write the week's review down before sending; None when the week has one."""
        ...

    async def pending_reviews(self, scope: Scope = EVERYONE) -> list[StoredReview]: ...

    async def mark_review_sending(self, review_id: int, now: datetime) -> bool:
        """Record, before the request, that this review is being sent; False if it is no
        longer pending (or already being sent) and must not be sent now."""
        ...

    async def mark_review_unknown(self, review_id: int, now: datetime, error: str) -> None:
        """The request may have reached the user (timed out after it was written, or cut
        off by a crash): never send it again, and keep it countable as such."""
        ...

    async def mark_review(self, review_id: int, status: str, now: datetime, error: str) -> None:
        """`sent`, a failed attempt (`pending`, no longer sending), or a final status."""
        ...
