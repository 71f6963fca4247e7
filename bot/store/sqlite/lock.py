"""One Telegram bot per database: `kith run` holds a lock for its whole life.

Two `kith run` on one file would both sweep the same users' digests and fight over the
token's updates. The lock is an `fcntl` lock on a sidecar file (`kith.db.lock`): the
kernel releases it when the process ends, even on kill -9, so a crash never leaves a
stale lock behind. Everything else may run beside it safely: `kith chat` sweeps only the
terminal's owner, and every process sees the others' writes (each owner's cache is keyed
by their version in the database); `kith import`, `export` and `backup` are ordinary
transactions.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager

from bot.store.sqlite.db import StoreError


class DatabaseBusy(StoreError):
    """Another kith process is serving this database."""


def lock_path(db_path: str) -> str:
    return os.path.abspath(os.path.expanduser(db_path)) + ".lock"


@contextmanager
def serving(db_path: str) -> Iterator[None]:
    """Hold the database's serving lock, or raise DatabaseBusy at once (never wait)."""
    if db_path == ":memory:":
        yield
        return
    try:
        fd = os.open(lock_path(db_path), os.O_RDWR | os.O_CREAT, 0o600)
    except FileNotFoundError:  # no such folder: opening the database says so clearly
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise DatabaseBusy(
            f"another kith run is already serving {db_path}; stop it first "
            "(kith chat, import, export and backup work beside it)"
        ) from None
    try:
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
