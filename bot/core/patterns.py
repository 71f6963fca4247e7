"""Patterns in a person's meetings: their usual places, and who tends to reach out."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bot.core.meeting_words import place_key

STREAK_SHOWN = 3  # the card mentions a run of this many
STREAK_REVIEW = 4  # the review mentions a run of this many: one-sided enough to say


@dataclass(frozen=True, slots=True)
class Meeting:
    """One person's part in one interaction: when, what, where, who went first."""

    person_id: int
    day: date
    kind: str
    place: str | None = None
    initiator: str | None = None
    interaction_id: int = 0


@dataclass(frozen=True, slots=True)
class Streak:
    """The latest meetings where the same side reached out first, newest first."""

    who: str  # "me" or "them"
    count: int


def reach_out_streak(meetings: Sequence[Meeting]) -> Streak | None:
    """Who reached out in the latest meetings whose direction is known, and how many in a row.

    Meetings of unknown direction are passed over rather than breaking the run: most logs
    don't say, and "Alice reached out the last 4 times" is about the ones that did.
    """
    who: str | None = None
    count = 0
    for meeting in meetings:
        if meeting.initiator is None:
            continue
        if who is None:
            who = meeting.initiator
        elif meeting.initiator != who:
            break
        count += 1
    return Streak(who, count) if who is not None else None


def usual_places(meetings: Sequence[Meeting], limit: int = 3) -> list[tuple[str, int]]:
    """The places met most often (as first written, with how many times), most first."""
    counts: Counter[str] = Counter()
    shown: dict[str, str] = {}
    order: dict[str, int] = {}
    for i, meeting in enumerate(meetings):
        if not meeting.place:
            continue
        key = place_key(meeting.place)
        counts[key] += 1
        shown.setdefault(key, meeting.place)
        order.setdefault(key, i)
    ranked = sorted(counts, key=lambda k: (-counts[k], order[k]))
    return [(shown[k], counts[k]) for k in ranked[:limit]]


def group_last_met(member_ids: Sequence[int], meetings: Sequence[Meeting]) -> date | None:
    """The latest day most of a group met together: two thirds of it, and at least two.

    One member missing doesn't make games night something else.
    """
    members = set(member_ids)
    need = max(2, -(-2 * len(members) // 3))
    present: dict[int, set[int]] = {}
    days: dict[int, date] = {}
    for m in meetings:
        if m.person_id in members:
            present.setdefault(m.interaction_id, set()).add(m.person_id)
            days[m.interaction_id] = m.day
    met = [days[i] for i, who in present.items() if len(who) >= need]
    return max(met) if met else None
