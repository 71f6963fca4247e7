"""The plain-`sqlite3` baselines' own SQL: what the store's reads cost without kith.

Written out here rather than imported from the store, so a baseline never reaches into
the store's private code and stays the same query when the store's changes.
"""

from __future__ import annotations

SEP = "\x1f"

# One owner's people with their aliases and tags: what `/who` reads when nothing is cached.
PEOPLE_SQL = f"""
SELECT p.id, p.name, p.circle, p.cadence_days, p.paused, p.added_on, p.snoozed_until,
       p.last_nudged_on, p.imported, p.last_contact, p.last_kind,
       (SELECT group_concat(alias, '{SEP}') FROM aliases a WHERE a.person_id = p.id) AS aliases,
       (SELECT group_concat(tag, '{SEP}') FROM tags t WHERE t.person_id = p.id) AS tags
  FROM people p
 WHERE p.owner_id = ?
"""
