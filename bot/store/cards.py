"""Person cards from rows: the same assembly for every SQL store."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from bot.core.model import (
    Favor,
    FavorKind,
    FollowUp,
    ImportantDate,
    Interaction,
    Note,
    Person,
    PersonCard,
)


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def cards_from_rows(
    people: list[Person],
    notes: list[Any],
    follow_ups: list[Any],
    favors: list[Any],
    dates: list[Any],
    recent: list[Any],
    phones: list[Any],
    emails: list[Any],
    *,
    people_of: Callable[[Any], tuple[int, ...]],
) -> list[PersonCard]:
    """Each person's card from one read of each child table (rows keyed like the
    columns, days and instants as ISO text); `people_of` reads a meeting's people, which
    each store returns in its own shape."""

    def by_person(rows: list[Any]) -> dict[int, list[Any]]:
        out: dict[int, list[Any]] = {}
        for r in rows:
            out.setdefault(r["person_id"], []).append(r)
        return out

    n, f, fv, d, h, ph, em = map(
        by_person, (notes, follow_ups, favors, dates, recent, phones, emails)
    )
    return [
        PersonCard(
            person=p,
            notes=tuple(
                Note(r["id"], p.id, r["text"], datetime.fromisoformat(r["created_at"]))
                for r in n.get(p.id, ())
            ),
            follow_ups=tuple(
                FollowUp(r["id"], p.id, r["text"], _day(r["from_day"]), bool(r["done"]))
                for r in f.get(p.id, ())
            ),
            favors=tuple(
                Favor(r["id"], p.id, FavorKind(r["kind"]), r["text"], bool(r["done"]))
                for r in fv.get(p.id, ())
            ),
            dates=tuple(
                ImportantDate(r["id"], p.id, r["label"], r["month"], r["day"], r["year"])
                for r in d.get(p.id, ())
            ),
            history=tuple(
                Interaction(
                    r["id"],
                    date.fromisoformat(r["day"]),
                    r["kind"],
                    r["note"],
                    people_of(r),
                    r["place"],
                    r["initiator"],
                )
                for r in h.get(p.id, ())
            ),
            phones=tuple(r["phone"] for r in ph.get(p.id, ())),
            emails=tuple(r["email"] for r in em.get(p.id, ())),
        )
        for p in people
    ]
