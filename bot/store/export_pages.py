"""One owner's export read page by page: the same queries and assembly for every SQL store.

A store opens one read snapshot and runs, in this order (`?` placeholders; PostgreSQL
numbers them with `numbered`):
- `USERS` once: the head (`head_part`);
- `PEOPLE_PAGE` with the last id seen, then each of `CHILD_PAGES` for that page's id
  range, until a page comes back short (`people_part`);
- `INTERACTIONS_PAGE` and `LINKS_PAGE` the same way (`interactions_part`), unless the
  export is for an address book;
- `GROUPS` and `MEMBERS` once (`groups_part`), when every ref is known.
Rows come out in id order, as the whole-account export always read them, so the pages
concatenated are that export (`collect`) and a document imported into an empty account
exports again identical. Memory is one page's rows and parts, plus one short ref ("p12")
a person.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from bot.core.circles import Circles
from bot.core.model import UserSettings
from bot.formats import (
    DOCUMENT_VERSION,
    ExportDocument,
    ExportedDate,
    ExportedFavor,
    ExportedFollowUp,
    ExportedGroup,
    ExportedInteraction,
    ExportedNote,
    ExportedPerson,
    ExportPart,
    iso_timestamp,
    parse_timestamp,
)

# Small enough that one page's rows, objects and JSON are a few MB and a few ms of CPU;
# big enough that a million meetings are 200 round trips.
PEOPLE_PER_PAGE = 500
INTERACTIONS_PER_PAGE = 5000

USERS = "SELECT timezone, digest_time, date_order, review_weekly FROM users WHERE id = ?"
PEOPLE_PAGE = (
    "SELECT id, name, circle, cadence_days, paused, added_on, snoozed_until, imported, "
    "last_contact FROM people WHERE owner_id = ? AND id > ? ORDER BY id LIMIT ?"
)
_CHILD_COLUMNS = {
    "aliases": "alias",
    "tags": "tag",
    "notes": "text, created_at",
    "follow_ups": "text, from_day, done, created_at",
    "favors": "kind, text, done, created_at",
    "dates": "label, month, day, year",
    "phones": "phone",
    "emails": "email",
    "vcard_names": "name, family, given, additional, prefix, suffix",
}
# Each person's child rows for one page of people: (owner, first id, last id).
CHILD_PAGES = {
    table: f"SELECT person_id, {columns} FROM {table} "
    "WHERE owner_id = ? AND person_id BETWEEN ? AND ? ORDER BY id"
    for table, columns in _CHILD_COLUMNS.items()
}
# `+owner_id`: walk the primary key in order (the owner index is by day, which would
# sort the whole account for every page).
INTERACTIONS_PAGE = (
    "SELECT id, day, kind, note, created_at, place, initiator FROM interactions "
    "WHERE +owner_id = ? AND id > ? ORDER BY id LIMIT ?"
)
# Only links to the owner's own people: a person id is never another owner's.
LINKS_PAGE = (
    "SELECT ip.interaction_id, ip.person_id FROM interaction_people ip "
    "JOIN people p ON p.id = ip.person_id AND p.owner_id = ip.owner_id "
    "WHERE ip.owner_id = ? AND ip.interaction_id BETWEEN ? AND ? ORDER BY ip.id"
)
GROUPS = "SELECT id, name, cadence_days FROM friend_groups WHERE owner_id = ? ORDER BY id"
MEMBERS = (
    "SELECT m.group_id, m.person_id FROM friend_group_members m "
    "JOIN people p ON p.id = m.person_id AND p.owner_id = m.owner_id "
    "WHERE m.owner_id = ? ORDER BY m.id"
)


def numbered(sql: str) -> str:
    """`?` placeholders as PostgreSQL's `$1, $2…`."""
    parts = sql.split("?")
    count = itertools.count(1)
    return parts[0] + "".join(f"${next(count)}{part}" for part in parts[1:])


def head_part(
    users: Sequence[Any], circles: Circles, now: datetime, defaults: UserSettings
) -> ExportPart:
    """The document's head from the `USERS` rows; `defaults` stand in for missing settings."""
    user = users[0] if users else None
    settings: dict[str, str | None] = {
        "timezone": user["timezone"] if user else defaults.timezone,
        "digest_time": user["digest_time"] if user else defaults.digest_time,
    }
    if user and user["date_order"]:  # said only once set: an unset order is asked later
        settings["date_order"] = user["date_order"]
    head = ExportDocument(
        version=DOCUMENT_VERSION,
        exported_at=iso_timestamp(now),
        settings=settings,
        circles=tuple((c.name, c.cadence_days) for c in circles.order),
        people=(),
        interactions=(),
        weekly_review=bool(user["review_weekly"]) if user else True,
    )
    return ExportPart(head=head)


def people_part(
    people: Sequence[Any], children: Mapping[str, Sequence[Any]], refs: dict[int, str]
) -> ExportPart:
    """One page of people (rows of `PEOPLE_PAGE`, their `CHILD_PAGES` rows); each gets
    the next ref, recorded in `refs` for the meetings and groups that name them."""
    by_person = {table: _group(rows, "person_id") for table, rows in children.items()}
    out: list[ExportedPerson] = []
    for row in people:
        ref = refs[row["id"]] = f"p{len(refs) + 1}"
        out.append(
            _exported_person(row, ref, {t: g.get(row["id"], []) for t, g in by_person.items()})
        )
    return ExportPart(people=tuple(out), last_contact=tuple(row["last_contact"] for row in people))


def interactions_part(
    interactions: Sequence[Any], links: Sequence[Any], refs: Mapping[int, str]
) -> ExportPart:
    """One page of meetings (rows of `INTERACTIONS_PAGE`, their `LINKS_PAGE` rows)."""
    people = _group(links, "interaction_id")
    return ExportPart(
        interactions=tuple(
            ExportedInteraction(
                day=row["day"],
                kind=row["kind"],
                note=row["note"],
                people=tuple(refs[link["person_id"]] for link in people.get(row["id"], [])),
                created_at=_stamp(row["created_at"]),
                place=row["place"],
                initiator=row["initiator"],
            )
            for row in interactions
        )
    )


def groups_part(
    groups: Sequence[Any], members: Sequence[Any], refs: Mapping[int, str]
) -> ExportPart:
    """The last part: the groups (rows of `GROUPS` and `MEMBERS`)."""
    by_group = _group(members, "group_id")
    return ExportPart(
        groups=tuple(
            ExportedGroup(
                row["name"],
                row["cadence_days"],
                tuple(refs[m["person_id"]] for m in by_group.get(row["id"], [])),
            )
            for row in groups
        )
    )


async def collect(parts: AsyncIterator[ExportPart]) -> ExportDocument:
    """The whole document from its parts (the non-streamed `Store.export`)."""
    head: ExportDocument | None = None
    people: list[ExportedPerson] = []
    interactions: list[ExportedInteraction] = []
    groups: tuple[ExportedGroup, ...] = ()
    async for part in parts:
        head = part.head or head
        people.extend(part.people)
        interactions.extend(part.interactions)
        groups = part.groups if part.groups is not None else groups
    if head is None:
        raise RuntimeError("an export stream without its head")
    return ExportDocument(
        version=head.version,
        exported_at=head.exported_at,
        settings=head.settings,
        circles=head.circles,
        people=tuple(people),
        interactions=tuple(interactions),
        groups=groups,
        weekly_review=head.weekly_review,
    )


def _group(rows: Iterable[Any], key: str) -> dict[int, list[Any]]:
    out: dict[int, list[Any]] = {}
    for row in rows:
        out.setdefault(row[key], []).append(row)
    return out


# How the stores keep an instant (`format_utc`): already the export's form.
_UTC = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


def _stamp(text: str) -> str:
    """A stored instant in the export's form: as it is when stored that way (the
    document's writer still checks it is a real time), else converted."""
    if _UTC.fullmatch(text):
        return text
    return iso_timestamp(parse_timestamp(text))


def _exported_person(row: Any, ref: str, children: Mapping[str, list[Any]]) -> ExportedPerson:
    return ExportedPerson(
        ref=ref,
        name=row["name"],
        circle=row["circle"],
        cadence_days=row["cadence_days"],
        paused=bool(row["paused"]),
        aliases=tuple(r["alias"] for r in children["aliases"]),
        tags=tuple(r["tag"] for r in children["tags"]),
        added_on=row["added_on"],
        snoozed_until=row["snoozed_until"],
        imported=bool(row["imported"]),
        notes=tuple(ExportedNote(r["text"], _stamp(r["created_at"])) for r in children["notes"]),
        follow_ups=tuple(
            ExportedFollowUp(r["text"], r["from_day"], bool(r["done"]), _stamp(r["created_at"]))
            for r in children["follow_ups"]
        ),
        favors=tuple(
            ExportedFavor(r["kind"], r["text"], bool(r["done"]), _stamp(r["created_at"]))
            for r in children["favors"]
        ),
        dates=tuple(
            ExportedDate(r["label"], r["month"], r["day"], r["year"]) for r in children["dates"]
        ),
        phones=tuple(r["phone"] for r in children["phones"]),
        emails=tuple(r["email"] for r in children["emails"]),
        name_parts=next(
            (
                (r["family"], r["given"], r["additional"], r["prefix"], r["suffix"])
                for r in children["vcard_names"]
                # Parts kept for an earlier name (before a /rename) no longer apply.
                if r["name"] == row["name"]
            ),
            None,
        ),
    )
