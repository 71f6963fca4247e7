"""`ports.Change` over PostgreSQL: each intent as the journaled row writes it takes.

The intents write the same row values as the SQLite store's (bot/store/sqlite/changes.py:
days as ISO text, flags as 0/1), which `json_populate_record` casts into this schema's
`date` and `boolean` columns; only the statements that are not plain row writes differ.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.store.postgres.journal import Journal
from bot.store.row_intents import RowIntents


class PgChange(Journal, RowIntents):
    """One owner's change in progress (`ports.Change`), journaled for `/undo`."""

    async def tag(self, person_id: int, add: Sequence[str], remove: Sequence[str]) -> None:
        await self.insert_many("tags", [{"person_id": person_id, "tag": t} for t in add])
        if remove:
            await self.delete(
                "tags", "person_id = ? AND tag = ANY(?::text[])", [person_id, list(remove)]
            )

    async def set_date(
        self, person_id: int, label: str, month: int, day: int, year: int | None
    ) -> None:
        # Stamped on every set: a changed date is news to the next digest, like a new one.
        values = {"month": month, "day": day, "year": year, "created_at": self.now}
        same = await self.conn.fetchval(
            "SELECT id FROM dates WHERE owner_id = $1 AND person_id = $2 AND label = $3 "
            "ORDER BY month, day LIMIT 1",
            self.owner,
            person_id,
            label,
        )
        if same is not None:
            await self.update("dates", int(same), values)
        else:
            await self.insert("dates", {"person_id": person_id, "label": label, **values})

    async def forget(self, person_id: int) -> None:
        """Delete a person with their whole history, children first, so undo restores all.

        Interactions shared with others stay (only this person's link goes); those
        with nobody else left are deleted.
        """
        pid = (person_id,)
        solo_ids = await self.conn.fetch(
            "SELECT id FROM interactions i WHERE owner_id = $1 AND id IN "
            "(SELECT interaction_id FROM interaction_people WHERE person_id = $2) "
            "AND NOT EXISTS (SELECT 1 FROM interaction_people o "
            "WHERE o.interaction_id = i.id AND o.person_id != $2)",
            self.owner,
            person_id,
        )
        for table in (
            "aliases",
            "tags",
            "notes",
            "follow_ups",
            "favors",
            "dates",
            "phones",
            "emails",
            "vcard_names",
            "friend_group_members",  # journaled, so /undo puts them back in their groups
        ):
            await self.delete(table, "person_id = ?", pid)
        await self.delete("interaction_people", "person_id = ?", pid)
        if solo_ids:
            ids = [int(r[0]) for r in solo_ids]
            await self.delete("interactions", "id = ANY(?::bigint[])", [ids])
        await self.delete("people", "id = ?", pid)
        # Sent digests keep their text as a ledger; one that named this person is
        # blanked (not journaled: /undo brings the person back, not old digest wording).
        # A pending one is expired rather than sent without them.
        await self.conn.execute(
            "UPDATE digests SET text = '', buttons = '[]', "
            "status = CASE WHEN status = 'pending' THEN 'expired' ELSE status END "
            "WHERE owner_id = $1 AND $2 = ANY(person_ids)",
            self.owner,
            person_id,
        )
        # Open questions about their follow-ups and favors quote them: they go with them
        # (journaled, so /undo brings the questions back too).
        await self.delete(
            "pending",
            "payload->>'a' IN ('loop', 'close') AND (payload->>'p' = ?::text OR EXISTS "
            "(SELECT 1 FROM jsonb_array_elements(CASE jsonb_typeof(payload->'items') "
            "WHEN 'array' THEN payload->'items' ELSE '[]' END) v WHERE v->>2 = ?::text))",
            (str(person_id), str(person_id)),
        )
