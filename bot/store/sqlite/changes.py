"""`ports.Change` over SQLite: each intent as the journaled row writes it takes.

The journal (`journal.Change`) knows tables and inverses; this class knows what a
snooze or a tag is in those tables. Only this package sees table and column names.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.store.row_intents import RowIntents
from bot.store.sqlite.journal import Change as Journal
from bot.store.sqlite.migrations import PERSON_TABLES


class SqliteChange(Journal, RowIntents):
    """One owner's change in progress (`ports.Change`), journaled for `/undo`."""

    async def tag(self, person_id: int, add: Sequence[str], remove: Sequence[str]) -> None:
        await self.insert_many("tags", [{"person_id": person_id, "tag": t} for t in add])
        if remove:
            await self.delete(
                "tags",
                f"person_id = ? AND tag IN ({','.join('?' * len(remove))})",
                [person_id, *remove],
            )

    async def set_date(
        self, person_id: int, label: str, month: int, day: int, year: int | None
    ) -> None:
        # Stamped on every set: a changed date is news to the next digest, like a new one.
        values = {"month": month, "day": day, "year": year, "created_at": self.now}
        same = list(
            await self.conn.execute_fetchall(
                "SELECT id FROM dates WHERE owner_id = ? AND person_id = ? AND label = ? "
                "ORDER BY month, day LIMIT 1",
                (self.owner, person_id, label),
            )
        )
        if same:
            await self.update("dates", int(same[0][0]), values)
        else:
            await self.insert("dates", {"person_id": person_id, "label": label, **values})

    async def forget(self, person_id: int) -> None:
        """Delete a person with their whole history, children first, so undo restores all.

        Interactions shared with others stay (only this person's link goes); those
        with nobody else left are deleted.
        """
        pid = (person_id,)
        solo = (
            "id IN (SELECT interaction_id FROM interaction_people WHERE person_id = ?) "
            "AND NOT EXISTS (SELECT 1 FROM interaction_people o "
            "WHERE o.interaction_id = interactions.id AND o.person_id != ?)"
        )
        solo_ids = list(
            await self.conn.execute_fetchall(
                f"SELECT id FROM interactions WHERE owner_id = ? AND {solo}",
                (self.owner, person_id, person_id),
            )
        )
        # Group memberships are journaled too, so /undo puts them back in their groups.
        for table in (*PERSON_TABLES, "friend_group_members"):
            await self.delete(table, "person_id = ?", pid)
        await self.delete("interaction_people", "person_id = ?", pid)
        if solo_ids:
            ids = [int(r[0]) for r in solo_ids]
            await self.delete("interactions", f"id IN ({','.join('?' * len(ids))})", ids)
        await self.delete("people", "id = ?", pid)
        # Sent digests keep their text as a ledger; one that named this person is
        # blanked (not journaled: /undo brings the person back, not old digest wording).
        # A pending one is expired rather than sent without them.
        await self.conn.execute(
            "UPDATE digests SET text = '', buttons = '[]', "
            "status = CASE WHEN status = 'pending' THEN 'expired' ELSE status END "
            "WHERE owner_id = ? AND EXISTS "
            "(SELECT 1 FROM json_each(digests.person_ids) WHERE value = ?)",
            (self.owner, person_id),
        )
        # Open questions about their follow-ups and favors quote them: they go with them
        # (journaled, so /undo brings the questions back too).
        await self.delete(
            "pending",
            "json_extract(payload, '$.a') IN ('loop', 'close') "
            "AND (json_extract(payload, '$.p') = ? OR EXISTS (SELECT 1 FROM "
            "json_each(payload, '$.items') WHERE json_extract(value, '$[2]') = ?))",
            (person_id, person_id),
        )
