"""The intents that are plain journaled row writes, the same in every SQL store.

Each store's journal (`bot/store/sqlite/journal.py`, `bot/store/postgres/journal.py`)
knows its dialect, tables and inverses; the intents here only say which rows a snooze
or a note is, so a new intent is written once for both stores. Intents whose SQL differs
(tags, dates, forgetting a person) stay in each store's `changes.py`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from bot.core.model import FavorKind
from bot.core.names import name_key
from bot.core.reach import email_key, phone_key
from bot.ports.store import NewPerson


class RowWrites:
    """What the intents need from a journal; each store's journal provides it."""

    owner: int
    # ISO text in SQLite, an aware datetime in PostgreSQL: each journal stores its own.
    now: Any

    async def insert(self, table: str, row: Mapping[str, Any]) -> int:
        raise NotImplementedError

    async def insert_many(self, table: str, rows: Sequence[Mapping[str, Any]]) -> list[int]:
        raise NotImplementedError

    async def update(self, table: str, row_id: int, values: Mapping[str, Any]) -> bool:
        raise NotImplementedError

    async def delete(self, table: str, where: str, params: Sequence[Any] = ()) -> int:
        raise NotImplementedError


class RowIntents(RowWrites):
    """`ports.Change` intents as row writes; mixed in after the store's journal."""

    async def add_people(self, people: Sequence[NewPerson]) -> list[int]:
        ids = await self.insert_many(
            "people",
            [
                {
                    "name": p.name,
                    "name_key": name_key(p.name),
                    "circle": p.circle,
                    "cadence_days": p.cadence_days,
                    "paused": int(p.paused),
                    "added_on": p.added_on.isoformat(),
                    "snoozed_until": p.snoozed_until.isoformat() if p.snoozed_until else None,
                    "imported": int(p.imported),
                }
                for p in people
            ],
        )
        pairs = list(zip(ids, people, strict=True))
        await self.insert_many(
            "aliases",
            [
                {"person_id": pid, "alias": a, "alias_key": name_key(a)}
                for pid, p in pairs
                for a in p.aliases
            ],
        )
        await self.insert_many(
            "tags", [{"person_id": pid, "tag": t} for pid, p in pairs for t in p.tags]
        )
        return ids

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
        # The triggers move each person's last contact from interaction_people.
        row: dict[str, object] = {"day": day.isoformat(), "kind": kind, "note": note}
        if place is not None or initiator is not None:
            row |= {"place": place, "initiator": initiator}
        iid = await self.insert("interactions", {**row, "created_at": self.now})
        await self.insert_many(
            "interaction_people",
            [
                {"interaction_id": iid, "person_id": pid, "day": day.isoformat()}
                for pid in dict.fromkeys(person_ids)
            ],
        )
        for pid in reactivate:
            await self.update("people", pid, {"imported": 0})
        return iid

    async def snooze(self, person_id: int, until: date) -> None:
        await self.update("people", person_id, {"snoozed_until": until.isoformat()})

    async def move(
        self, person_id: int, circle: str, *, track: bool = False, drop_cadence: bool = False
    ) -> None:
        values: dict[str, object] = {"circle": circle}
        if track:
            values["imported"] = 0
        if drop_cadence:
            values["cadence_days"] = None
        await self.update("people", person_id, values)

    async def set_cadence(self, person_id: int, days: int | None) -> None:
        await self.update("people", person_id, {"cadence_days": days, "paused": int(days is None)})

    async def rename(self, person_id: int, name: str) -> None:
        await self.update("people", person_id, {"name": name, "name_key": name_key(name)})

    async def add_alias(self, person_id: int, alias: str) -> None:
        await self.insert(
            "aliases", {"person_id": person_id, "alias": alias, "alias_key": name_key(alias)}
        )

    async def add_note(self, person_id: int, text: str) -> None:
        await self.insert("notes", {"person_id": person_id, "text": text, "created_at": self.now})

    async def add_follow_up(self, person_id: int, text: str, from_day: date | None) -> None:
        await self.insert(
            "follow_ups",
            {
                "person_id": person_id,
                "text": text,
                "from_day": from_day.isoformat() if from_day else None,
                "done": 0,
                "created_at": self.now,
            },
        )

    async def add_favor(self, person_id: int, kind: FavorKind, text: str) -> None:
        await self.insert(
            "favors",
            {
                "person_id": person_id,
                "kind": kind.value,
                "text": text,
                "done": 0,
                "created_at": self.now,
            },
        )

    async def close_follow_ups(self, ids: Sequence[int]) -> None:
        for item in ids:
            await self.update("follow_ups", item, {"done": 1})

    async def close_favors(self, ids: Sequence[int]) -> None:
        for item in ids:
            await self.update("favors", item, {"done": 1})

    async def add_phone(self, person_id: int, phone: str) -> None:
        await self.insert(
            "phones", {"person_id": person_id, "phone": phone, "phone_key": phone_key(phone)}
        )

    async def remove_phone(self, person_id: int, phone: str) -> None:
        await self.delete(
            "phones", "person_id = ? AND phone_key = ?", [person_id, phone_key(phone)]
        )

    async def add_email(self, person_id: int, email: str) -> None:
        await self.insert(
            "emails", {"person_id": person_id, "email": email, "email_key": email_key(email)}
        )

    async def remove_email(self, person_id: int, email: str) -> None:
        await self.delete(
            "emails", "person_id = ? AND email_key = ?", [person_id, email_key(email)]
        )

    async def correct_meeting(
        self,
        meeting_id: int,
        day: date,
        kind: str,
        note: str,
        person_ids: Sequence[int],
    ) -> None:
        """Rewrite a logged meeting in place (the triggers move everyone's last contact)."""
        await self.update(
            "interactions", meeting_id, {"day": day.isoformat(), "kind": kind, "note": note}
        )
        await self.delete("interaction_people", "interaction_id = ?", (meeting_id,))
        await self.insert_many(
            "interaction_people",
            [
                {"interaction_id": meeting_id, "person_id": pid, "day": day.isoformat()}
                for pid in dict.fromkeys(person_ids)
            ],
        )

    async def save_group(self, name: str, member_ids: Sequence[int], group_id: int | None) -> int:
        if group_id is None:
            group_id = await self.insert(
                "friend_groups", {"name": name, "name_key": name_key(name), "created_at": self.now}
            )
        else:
            await self.delete("friend_group_members", "group_id = ?", (group_id,))
        await self.insert_many(
            "friend_group_members",
            [{"group_id": group_id, "person_id": pid} for pid in dict.fromkeys(member_ids)],
        )
        return group_id

    async def set_group_cadence(self, group_id: int, days: int | None) -> None:
        await self.update("friend_groups", group_id, {"cadence_days": days})

    async def set_weekly_review(self, on: bool) -> None:
        await self.update("users", self.owner, {"review_weekly": int(on)})
