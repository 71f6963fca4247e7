"""`/export` of a SQLite account in a worker process: reading and writing both there.

A thread writing the pages (bench figure 13) left the event loop stalls of 250 ms on a
loaded machine: not work on the loop, but the interpreter lock handed back late by a
busy thread. In a process of its own the export holds no lock the loop waits for. The
child opens its own read-only connection to the database file (as `Database.reader`:
WAL readers see one snapshot while the bot goes on writing), reads the owner's account
with the same page queries in the same order (bot/store/export_pages.py), writes it with
the same writer (`ExportFilesWriter`) into the two 0600 files (replaced: a retry after a worker
died starts them again), and sends back only the counts.
"""

from __future__ import annotations

import gc
import multiprocessing
import sqlite3
from collections.abc import Iterator
from contextlib import ExitStack, closing
from datetime import datetime
from pathlib import Path

from bot.core.circles import Circles
from bot.core.model import UserSettings
from bot.formats import ExportCounts, ExportFilesWriter, ExportPart
from bot.private import open_private
from bot.store import export_pages as pages
from bot.store.sqlite.accounts import interactions_page, people_page


def export_to_files(
    db_path: str,
    owner: int,
    circles: Circles,
    now: datetime,
    defaults: UserSettings,
    json_path: str,
    vcard_path: str,
) -> ExportCounts:
    """The owner's export written into new 0600 files at the two paths (run in a worker
    process, or a thread where none can be started); the counts."""
    if multiprocessing.parent_process() is not None:
        # A worker of its own: nothing here forms cycles worth a collector pass over a
        # million meetings. (In a thread, `cmd_export` has paused it already.)
        gc.disable()
    conn = sqlite3.connect(db_path, isolation_level=None)
    with closing(conn), ExitStack() as files:
        conn.row_factory = sqlite3.Row
        # The reader's settings: never a write, wait out a writer's moment; the file is
        # already in WAL mode (a database setting, kept in the file).
        conn.executescript("PRAGMA query_only=ON; PRAGMA busy_timeout=5000;")
        conn.execute("BEGIN")  # one snapshot, from the first read on
        writer = ExportFilesWriter(
            files.enter_context(open_private(Path(json_path), replace=True)),
            files.enter_context(open_private(Path(vcard_path), replace=True)),
        )
        for part in parts(conn, owner, circles, now, defaults):
            writer.write(part)
        conn.execute("COMMIT")
        return writer.counts()


def parts(
    conn: sqlite3.Connection, owner: int, circles: Circles, now: datetime, defaults: UserSettings
) -> Iterator[ExportPart]:
    """`accounts.export_parts` in one thread: the same parts, in the same order."""
    refs: dict[int, str] = {}
    yield pages.head_part(_rows(conn, pages.USERS, owner), circles, now, defaults)
    last, full = 0, True
    while full:
        part, last, full = people_page(conn, owner, last, refs)
        if part.people:
            yield part
    last, full = 0, True
    while full:
        part, last, full = interactions_page(conn, owner, last, refs)
        if part.interactions:
            yield part
    groups, members = _rows(conn, pages.GROUPS, owner), _rows(conn, pages.MEMBERS, owner)
    yield pages.groups_part(groups, members, refs)


def _rows(conn: sqlite3.Connection, sql: str, *params: object) -> list[sqlite3.Row]:
    return conn.execute(sql, params).fetchall()
