"""Files only their owner may read: everything kith writes holds what a user told it.

Each is created with mode 0600 and set to it explicitly (`fchmod`), so a permissive
umask (0022, or 0000 in some containers) cannot widen it. SQLite gives a database's
-wal and -shm files the database file's own mode, so creating the database 0600 covers
those too (`Database.open`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Final

PRIVATE: Final = 0o600


def open_private(path: str | Path, *, replace: bool = False) -> IO[bytes]:
    """A new file at `path` opened for writing, mode 0600 (FileExistsError if taken,
    unless `replace`): for a file written in pieces."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC | (os.O_TRUNC if replace else os.O_EXCL)
    out = os.fdopen(os.open(path, flags, PRIVATE), "wb")
    os.fchmod(out.fileno(), PRIVATE)
    return out


def write_private_from(path: str | Path, source: IO[bytes], *, replace: bool = False) -> int:
    """A new 0600 file at `path` copied from a readable file in pieces (a big export never
    in memory at once); the bytes written."""
    with open_private(path, replace=replace) as out:
        shutil.copyfileobj(source, out, 1 << 20)
        return out.tell()


@contextmanager
def private_folder() -> Iterator[Path]:
    """A new temporary folder only this user may enter (0700), for files another
    process writes (a worker's export); removed with what is left in it at the end.
    A file opened inside stays readable after, as an unnamed temporary file does."""
    folder = tempfile.mkdtemp(prefix="kith-")  # created 0700 whatever the umask
    try:
        yield Path(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def create_private(path: str | Path) -> bool:
    """Create an empty file at `path` with mode 0600 if there is none; True if created."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, PRIVATE)
    except FileExistsError:
        return False
    try:
        os.fchmod(fd, PRIVATE)
    finally:
        os.close(fd)
    return True
