"""Schema migrations, keyed by `PRAGMA user_version`.

Each migration is a list of statements run one by one inside a single
`BEGIN IMMEDIATE … COMMIT` together with the version bump, so a failure leaves the
file exactly at the previous version (`executescript` would commit half a script).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import aiosqlite

from bot.ports.store import StoreError
from bot.store.name_keys import KEYED, rekeyed

# Every table carries owner_id so that every query can be scoped by owner with an
# index, including child tables, without joins.
V1: tuple[str, ...] = (
    """CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        timezone TEXT NOT NULL,
        digest_time TEXT,
        active INTEGER NOT NULL DEFAULT 1,
        created_at TEXT NOT NULL
    )""",
    """CREATE TABLE people (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        owner_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        name_key TEXT NOT NULL,
        circle TEXT NOT NULL,
        cadence_days INTEGER,
        paused INTEGER NOT NULL DEFAULT 0,
        added_on TEXT NOT NULL,
        snoozed_until TEXT,
        last_nudged_on TEXT,
        imported INTEGER NOT NULL DEFAULT 0,
        last_contact TEXT,
        last_kind TEXT
    )""",
    "CREATE INDEX people_owner ON people(owner_id, name_key)",
    """CREATE TABLE aliases (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        owner_id INTEGER NOT NULL,
        person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
        alias TEXT NOT NULL,
        alias_key TEXT NOT NULL
    )""",
    "CREATE INDEX aliases_person ON aliases(person_id)",
    "CREATE INDEX aliases_owner ON aliases(owner_id, alias_key)",
    """CREATE TABLE tags (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        owner_id INTEGER NOT NULL,
        person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
        tag TEXT NOT NULL
    )""",
    "CREATE INDEX tags_person ON tags(person_id)",
    """CREATE TABLE interactions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        owner_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        day TEXT NOT NULL,
        kind TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL
    )""",
    "CREATE INDEX interactions_owner ON interactions(owner_id, day)",
    """CREATE TABLE interaction_people (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        owner_id INTEGER NOT NULL,
        interaction_id INTEGER NOT NULL REFERENCES interactions(id) ON DELETE CASCADE,
        person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
        day TEXT NOT NULL
    )""",
    "CREATE INDEX ip_person_day ON interaction_people(person_id, day)",
    "CREATE INDEX ip_interaction ON interaction_people(interaction_id)",
    """CREATE TABLE notes (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        owner_id INTEGER NOT NULL,
        person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
        text TEXT NOT NULL,
        created_at TEXT NOT NULL
    )""",
    "CREATE INDEX notes_person ON notes(person_id)",
    """CREATE TABLE follow_ups (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        owner_id INTEGER NOT NULL,
        person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
        text TEXT NOT NULL,
        from_day TEXT,
        done INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL
    )""",
    "CREATE INDEX follow_ups_person ON follow_ups(person_id)",
    """CREATE TABLE favors (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        owner_id INTEGER NOT NULL,
        person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        text TEXT NOT NULL,
        done INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL
    )""",
    "CREATE INDEX favors_person ON favors(person_id)",
    """CREATE TABLE dates (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        owner_id INTEGER NOT NULL,
        person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
        label TEXT NOT NULL,
        month INTEGER NOT NULL,
        day INTEGER NOT NULL,
        year INTEGER
    )""",
    "CREATE INDEX dates_person ON dates(person_id)",
    # The undo journal: per change, the inverse operations as JSON (see store/journal.py).
    """CREATE TABLE undo_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        owner_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        label TEXT NOT NULL,
        ops TEXT NOT NULL,
        created_at TEXT NOT NULL
    )""",
    "CREATE INDEX undo_owner ON undo_log(owner_id, id)",
    # Questions waiting for a button press; buttons carry only the row id.
    """CREATE TABLE pending (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        owner_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        payload TEXT NOT NULL,
        created_at TEXT NOT NULL
    )""",
    "CREATE INDEX pending_owner ON pending(owner_id)",
    # last_contact/last_kind are derived from interaction_people; triggers keep them
    # true through logs, undo and deletions without extra round trips.
    """CREATE TRIGGER ip_after_insert AFTER INSERT ON interaction_people BEGIN
        UPDATE people
           SET last_contact = NEW.day,
               last_kind = (SELECT kind FROM interactions WHERE id = NEW.interaction_id)
         WHERE id = NEW.person_id AND (last_contact IS NULL OR last_contact <= NEW.day);
    END""",
    """CREATE TRIGGER ip_after_delete AFTER DELETE ON interaction_people BEGIN
        UPDATE people
           SET (last_contact, last_kind) = (
               SELECT ip.day, i.kind
                 FROM interaction_people ip JOIN interactions i ON i.id = ip.interaction_id
                WHERE ip.person_id = OLD.person_id
                ORDER BY ip.day DESC, ip.interaction_id DESC LIMIT 1)
         WHERE id = OLD.person_id;
    END""",
)

# The daily digest (DESIGN.md "The nudge"). The database is the only schedule: each
# user's next digest instant is a column, and a sweep every minute picks the rows whose
# instant has come, so restarts, downtime and DST are a matter of the query, not of
# persisted scheduler jobs. `next_digest_at` holds `format_utc` text, which compares as
# time. Existing users start NULL: the sweep schedules rows it finds unscheduled (a time
# zone is needed for that, which SQL does not have), see bot/nudges/sweep.py.
V2: tuple[str, ...] = (
    "ALTER TABLE users ADD COLUMN next_digest_at TEXT",
    # Only the rows a sweep can pick: active users with a digest on.
    "CREATE INDEX users_next_digest ON users(next_digest_at) "
    "WHERE active = 1 AND next_digest_at IS NOT NULL",
    # One row per user and local day, written *before* the digest is sent: the UNIQUE
    # key is what makes "at most one digest per local day" hold across restarts.
    # status: pending (recorded, not yet delivered) -> sent | undeliverable (the user
    # blocked the bot) | rejected (Telegram refused this message) | expired (the local
    # day ended before it could be delivered).
    """CREATE TABLE digests (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        owner_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        local_day TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending'
            CHECK (status IN ('pending', 'sent', 'undeliverable', 'rejected', 'expired')),
        attempts INTEGER NOT NULL DEFAULT 0,
        text TEXT NOT NULL,
        buttons TEXT NOT NULL DEFAULT '[]',
        person_ids TEXT NOT NULL DEFAULT '[]',
        last_error TEXT,
        created_at TEXT NOT NULL,
        sent_at TEXT,
        UNIQUE (owner_id, local_day)
    )""",
    "CREATE INDEX digests_pending ON digests(status) WHERE status = 'pending'",
)

# Choosing a digest reads only the people it could pick (Store.due_candidates_many): per
# circle, the longest unseen first, straight from an index, instead of every person.
V3: tuple[str, ...] = (
    "CREATE INDEX people_due ON people(owner_id, circle, coalesce(last_contact, added_on), "
    "name_key) WHERE paused = 0 AND imported = 0 AND coalesce(cadence_days, 0) = 0",
    "CREATE INDEX people_due_own ON people(owner_id) "
    "WHERE paused = 0 AND imported = 0 AND cadence_days > 0",
)

# Owner identities: which transport user is which owner (bot/ports/identities.py), so
# Telegram, Discord and the terminal can never take each other's users. Existing owners
# keep their data: a Telegram user's owner id was their Telegram id, the terminal's 0.
# `digest = 1` marks the one identity an owner's digest goes out through.
V_IDENTITIES: tuple[str, ...] = (
    """CREATE TABLE identities (
        transport TEXT NOT NULL,
        external_id TEXT NOT NULL,
        owner_id INTEGER NOT NULL,
        digest INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        PRIMARY KEY (transport, external_id)
    )""",
    "CREATE INDEX identities_owner ON identities(owner_id)",
    "INSERT INTO identities (transport, external_id, owner_id, digest, created_at) "
    "SELECT 'telegram', CAST(id AS TEXT), id, 1, created_at FROM users WHERE id > 0",
    "INSERT INTO identities (transport, external_id, owner_id, digest, created_at) "
    "SELECT 'console', 'local', id, 1, created_at FROM users WHERE id = 0",
)

# Each owner's version: every write of theirs moves it on in the same transaction, so a
# process caching their people sees another process's writes (bot/store/sqlite/store.py).
V_OWNER_VERSION: tuple[str, ...] = (
    "ALTER TABLE users ADD COLUMN version INTEGER NOT NULL DEFAULT 0",
)

# Phones and e-mails per person (from contacts files, or `/phone` and `/email`), and the
# structured vCard name an imported card had, so an export writes back the same N. Keys
# are computed in Python (bot/core/reach.py) so re-imports merge without duplicates.
V_PHONES: tuple[str, ...] = (
    """CREATE TABLE phones (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        owner_id INTEGER NOT NULL,
        person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
        phone TEXT NOT NULL,
        phone_key TEXT NOT NULL
    )""",
    "CREATE INDEX phones_person ON phones(person_id)",
    "CREATE INDEX phones_owner ON phones(owner_id)",
    """CREATE TABLE emails (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        owner_id INTEGER NOT NULL,
        person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
        email TEXT NOT NULL,
        email_key TEXT NOT NULL
    )""",
    "CREATE INDEX emails_person ON emails(person_id)",
    "CREATE INDEX emails_owner ON emails(owner_id)",
    # `name` is the display name these parts were for: after a /rename they no longer
    # apply, and the export splits the new name instead.
    """CREATE TABLE vcard_names (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        owner_id INTEGER NOT NULL,
        person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        family TEXT NOT NULL,
        given TEXT NOT NULL,
        additional TEXT NOT NULL,
        prefix TEXT NOT NULL,
        suffix TEXT NOT NULL
    )""",
    "CREATE INDEX vcard_names_person ON vcard_names(person_id)",
    "CREATE INDEX vcard_names_owner ON vcard_names(owner_id)",
)

# Updates handled exactly once (bot/ports/updates.py): the ids of updates already handled,
# per transport, recorded in the same transaction as the change each one made. Exact ids
# with an expiry, not a high-water mark: Telegram may restart its ids after a quiet week.
# No foreign key to users: /deleteme deletes the user in the transaction that records it,
# and that record (an update id, no user data) must outlive the user until it expires.
V_HANDLED_UPDATES: tuple[str, ...] = (
    """CREATE TABLE handled_updates (
        transport TEXT NOT NULL,
        update_id INTEGER NOT NULL,
        owner INTEGER NOT NULL,
        expires_at TEXT NOT NULL,
        PRIMARY KEY (transport, update_id)
    )""",
    "CREATE INDEX handled_updates_expiry ON handled_updates(expires_at)",
)

# A digest is marked *sending* just before its request (bot/nudges/sweep.py): a row still
# pending with `sending_at` set had its request cut off by a crash. Its outcome is unknown,
# as is a send that timed out after the request went out; such a digest is not sent again
# (at most once when unknown) and is kept as sent with `outcome_unknown = 1`, to be counted.
V_DIGEST_SENDING: tuple[str, ...] = (
    "ALTER TABLE digests ADD COLUMN sending_at TEXT",
    "ALTER TABLE digests ADD COLUMN outcome_unknown INTEGER NOT NULL DEFAULT 0",
)

# Where a meeting happened ("at the bakery") and who reached out first ("she called me":
# 'them'; "I called Bob": 'me'; NULL when unsaid), both read from the log's words.
V_PLACES: tuple[str, ...] = (
    "ALTER TABLE interactions ADD COLUMN place TEXT",
    "ALTER TABLE interactions ADD COLUMN initiator TEXT CHECK (initiator IN ('me', 'them'))",
)

# Groups that meet together (`/group board-games Alice Bob Carol`), each with an
# optional rhythm of its own (NULL: the widest cadence among its members).
V_GROUPS: tuple[str, ...] = (
    """CREATE TABLE friend_groups (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        owner_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        name_key TEXT NOT NULL,
        cadence_days INTEGER,
        created_at TEXT NOT NULL
    )""",
    "CREATE UNIQUE INDEX groups_owner_key ON friend_groups(owner_id, name_key)",
    """CREATE TABLE friend_group_members (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        owner_id INTEGER NOT NULL,
        group_id INTEGER NOT NULL REFERENCES friend_groups(id) ON DELETE CASCADE,
        person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE
    )""",
    "CREATE INDEX group_members_group ON friend_group_members(group_id)",
    "CREATE INDEX group_members_person ON friend_group_members(person_id)",
)

# The weekly look back (`/review`): on for new users, off for those who were here before
# it existed (they never asked for a new message). The ledger works as `digests` does:
# a row per user and week, written before sending, UNIQUE so a week has one review.
V_REVIEWS: tuple[str, ...] = (
    "ALTER TABLE users ADD COLUMN review_weekly INTEGER NOT NULL DEFAULT 1",
    "UPDATE users SET review_weekly = 0",
    """CREATE TABLE reviews (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        owner_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        week TEXT NOT NULL,
        local_day TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending'
            CHECK (status IN ('pending', 'sent', 'undeliverable', 'rejected', 'expired')),
        attempts INTEGER NOT NULL DEFAULT 0,
        text TEXT NOT NULL,
        buttons TEXT NOT NULL DEFAULT '[]',
        last_error TEXT,
        created_at TEXT NOT NULL,
        sent_at TEXT,
        UNIQUE (owner_id, week)
    )""",
    "CREATE INDEX reviews_pending ON reviews(status) WHERE status = 'pending'",
)
# How the user writes numeric dates (issue 9): dmy, mdy or ymd; NULL means "not said":
# the time zone's country decides where that is clear, else kith asks once.
V_DATE_ORDER: tuple[str, ...] = ("ALTER TABLE users ADD COLUMN date_order TEXT",)

# One-time codes for `/link` (bot/ports/links.py): shown to one owner, entered by
# another within ten minutes to join their identities.
V_LINKS: tuple[str, ...] = (
    """CREATE TABLE link_codes (
        code TEXT PRIMARY KEY,
        owner_id INTEGER NOT NULL,
        expires_at TEXT NOT NULL
    )""",
    "CREATE INDEX link_codes_owner ON link_codes(owner_id)",
)

# The digest's "🎂 Coming up" reads each owner's dates of this month and the next.
# `created_at` (NULL for older rows) tells whether a date was already there when the
# last digest went out, so a date added later is still announced ahead once.
V_DATES_AHEAD: tuple[str, ...] = (
    "CREATE INDEX dates_owner_month ON dates(owner_id, month, day)",
    "ALTER TABLE dates ADD COLUMN created_at TEXT",
)

# Which chat message logged which meeting, so that editing the message (Telegram's
# edited_message) can correct the log. Goes with its interaction.
V_LOG_MESSAGES: tuple[str, ...] = (
    """CREATE TABLE log_messages (
        owner_id INTEGER NOT NULL,
        ref TEXT NOT NULL,
        interaction_id INTEGER NOT NULL REFERENCES interactions(id) ON DELETE CASCADE,
        created_at TEXT NOT NULL,
        PRIMARY KEY (owner_id, ref)
    )""",
    "CREATE INDEX log_messages_interaction ON log_messages(interaction_id)",
)

# The weekly review keeps the digest's rule for unknown outcomes (V_DIGEST_SENDING): marked
# sending just before its request; one cut off by a crash, or timed out after it was
# written, is not resent but kept as sent with `outcome_unknown = 1`, to be counted.
V_REVIEW_SENDING: tuple[str, ...] = (
    "ALTER TABLE reviews ADD COLUMN sending_at TEXT",
    "ALTER TABLE reviews ADD COLUMN outcome_unknown INTEGER NOT NULL DEFAULT 0",
)

# A contacts file waiting for its answer: one compact JSON row per contact beside the
# question, not one giant payload. The rows go with their question (answered, cancelled,
# expired, or the account deleted) through the cascade.
V_PENDING_CONTACTS: tuple[str, ...] = (
    """CREATE TABLE pending_contacts (
        pending_id INTEGER NOT NULL REFERENCES pending(id) ON DELETE CASCADE,
        owner_id INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        row TEXT NOT NULL,
        PRIMARY KEY (pending_id, seq)
    )""",
)

# When each user's weekly review may next be due (bot/nudges/review.py): a Sunday sweep
# reads only the users whose instant has come (or is unknown: NULL), instead of every
# user with the review on, every minute of the day. UTC `format_utc` text, a lower
# bound: any change to what it was computed from (time zone, digest time, the review
# setting) clears it, so the sweep works it out again.
V_NEXT_REVIEW: tuple[str, ...] = (
    "ALTER TABLE users ADD COLUMN next_review_at TEXT",
    "CREATE INDEX users_next_review ON users(next_review_at) "
    "WHERE active = 1 AND review_weekly = 1",
    """CREATE TRIGGER users_review_reschedule AFTER UPDATE OF timezone, digest_time,
        review_weekly ON users
        WHEN OLD.timezone IS NOT NEW.timezone OR OLD.digest_time IS NOT NEW.digest_time
          OR OLD.review_weekly IS NOT NEW.review_weekly
    BEGIN
        UPDATE users SET next_review_at = NULL WHERE id = NEW.id;
    END""",
)
# The accent-folded lookup key (bot/store/name_keys.py), so a message's names can be read
# by key without reading everyone (`Store.name_entries`). Python computes the keys
# (`BACKFILLS`), and re-keys every name and alias on the way: the stored keys must be
# exactly what this kith computes, or a lookup by key would miss someone.
V_FOLD_KEYS: tuple[str, ...] = (
    "ALTER TABLE people ADD COLUMN fold_key TEXT",
    "ALTER TABLE aliases ADD COLUMN fold_key TEXT",
    "CREATE INDEX people_fold ON people(owner_id, fold_key) WHERE fold_key IS NOT NULL",
    "CREATE INDEX aliases_fold ON aliases(owner_id, fold_key) WHERE fold_key IS NOT NULL",
)


async def _rekey_names(conn: aiosqlite.Connection) -> None:
    for table, (text, key) in KEYED.items():
        rows = await conn.execute_fetchall(f"SELECT id, {text}, {key}, fold_key FROM {table}")
        changed = rekeyed((int(r[0]), str(r[1]), str(r[2]), r[3]) for r in rows)
        await conn.executemany(f"UPDATE {table} SET {key} = ?, fold_key = ? WHERE id = ?", changed)


# Python run after a migration's statements, in its transaction: keys SQL cannot compute.
BACKFILLS: dict[tuple[str, ...], Callable[[aiosqlite.Connection], Awaitable[None]]] = {
    V_FOLD_KEYS: _rekey_names,
}

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    V1,
    V2,
    V3,
    V_IDENTITIES,
    V_OWNER_VERSION,
    V_PHONES,
    V_HANDLED_UPDATES,
    V_DIGEST_SENDING,
    V_PLACES,
    V_GROUPS,
    V_REVIEWS,
    V_DATE_ORDER,
    V_LINKS,
    V_DATES_AHEAD,
    V_LOG_MESSAGES,
    V_REVIEW_SENDING,
    V_PENDING_CONTACTS,
    V_NEXT_REVIEW,
    V_FOLD_KEYS,
)
LATEST = len(MIGRATIONS)

# A person's own rows (each table has owner_id and person_id), as the schema above makes
# them. Export, import, forgetting someone and deleting an account all walk this list, so
# a table added here cannot be left behind by one of them.
PERSON_TABLES: tuple[str, ...] = (
    "aliases",
    "tags",
    "notes",
    "follow_ups",
    "favors",
    "dates",
    "phones",
    "emails",
    "vcard_names",
)


class MigrationError(StoreError, RuntimeError):
    """The database file is newer than this program or could not be upgraded."""


async def migrate(conn: aiosqlite.Connection) -> int:
    """Bring the schema up to LATEST; return the version the file was at before."""
    async with conn.execute("PRAGMA user_version") as cur:
        row = await cur.fetchone()
    start = int(row[0]) if row else 0
    if start > LATEST:
        raise MigrationError(
            f"this database is at schema version {start}, newer than this kith "
            f"understands ({LATEST}); upgrade kith"
        )
    for version in range(start + 1, LATEST + 1):
        await conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in MIGRATIONS[version - 1]:
                await conn.execute(statement)
            backfill = BACKFILLS.get(MIGRATIONS[version - 1])
            if backfill is not None:
                await backfill(conn)
            await conn.execute(f"PRAGMA user_version = {version}")
            await conn.execute("COMMIT")
        except BaseException:
            await conn.execute("ROLLBACK")
            raise
    return start
