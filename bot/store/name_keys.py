"""The stored lookup keys of names, the same in every SQL store.

A person's `name_key` and an alias's `alias_key` are `core.names.name_key` of the text;
`fold_key` is its accent-folded form (`core.names.stored_fold_key`), NULL when that is
the key itself (every ASCII name), so only accented names carry it. All are computed
here in Python, never by SQL (`lower()` and NOCASE fold only ASCII). The journals pass
every row they write or restore through `with_name_keys`, so the keys follow the name on
each path that sets one (add, rename, alias, import, restore, merge, /undo) — including
undo entries recorded before `fold_key` existed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bot.core.names import name_key, stored_fold_key

# table -> (the text column, its key column): the rows whose keys are derived here.
KEYED: dict[str, tuple[str, str]] = {
    "people": ("name", "name_key"),
    "aliases": ("alias", "alias_key"),
}


def with_name_keys(table: str, row: Mapping[str, Any]) -> Mapping[str, Any]:
    """`row` with its keys computed from its text, when it sets a keyed table's text."""
    keyed = KEYED.get(table)
    if keyed is None or keyed[0] not in row or not isinstance(row[keyed[0]], str):
        return row
    text, key = keyed
    return {**row, key: name_key(row[text]), "fold_key": stored_fold_key(row[text])}


def rekeyed(
    rows: Iterable[tuple[int, str, str, str | None]],
) -> list[tuple[str, str | None, int]]:
    """(key, fold_key, id) for the (id, text, stored key, stored fold_key) rows whose
    stored keys differ from what this kith computes: what a re-keying migration writes."""
    out: list[tuple[str, str | None, int]] = []
    for row_id, text, key, folded in rows:
        want = (name_key(text), stored_fold_key(text))
        if want != (key, folded):
            out.append((*want, row_id))
    return out
