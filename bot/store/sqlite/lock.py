"""One serving process per database: `kith run` and `kith chat` hold a lock for life.

Two bots on one file would each trust their own cache and each retry the other's digests
(people added twice, digests doubled). The lock is an `fcntl` lock on a sidecar file
(`kith.db.lock`): the kernel releases it when the process ends, even on kill -9, so a
crash never leaves a stale lock behind. `kith import`, `kith export` and `kith backup`
take no lock: their writes are ordinary transactions that a running bot notices
(`Store.sync`).
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
            f"another kith (run or chat) is already serving {db_path}; stop it first "
            "(kith import, export and backup work beside it)"
        ) from None
    try:
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
