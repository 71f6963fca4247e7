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
from pathlib import Path
from typing import IO, Final

PRIVATE: Final = 0o600


def write_private(path: str | Path, data: bytes, *, replace: bool = False) -> None:
    """Write `data` to a new file at `path` (FileExistsError if taken, unless `replace`)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC | (os.O_TRUNC if replace else os.O_EXCL)
    fd = os.open(path, flags, PRIVATE)
    with os.fdopen(fd, "wb") as out:
        os.fchmod(out.fileno(), PRIVATE)  # also tightens a replaced file
        out.write(data)


def open_private(path: str | Path, *, replace: bool = False) -> IO[bytes]:
    """A new file at `path` opened for writing, mode 0600 (FileExistsError if taken,
    unless `replace`): for a file written in pieces."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC | (os.O_TRUNC if replace else os.O_EXCL)
    out = os.fdopen(os.open(path, flags, PRIVATE), "wb")
    os.fchmod(out.fileno(), PRIVATE)
    return out


def write_private_from(path: str | Path, source: IO[bytes], *, replace: bool = False) -> int:
    """`write_private` from a readable file, copied in pieces (a big export never in
    memory at once); the bytes written."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC | (os.O_TRUNC if replace else os.O_EXCL)
    fd = os.open(path, flags, PRIVATE)
    with os.fdopen(fd, "wb") as out:
        os.fchmod(out.fileno(), PRIVATE)
        shutil.copyfileobj(source, out, 1 << 20)
        return out.tell()


def private_spool() -> IO[bytes]:
    """A temporary file for this process alone, to write a big export into: mode 0600,
    its name removed at once (nothing to clean up, whatever happens), gone when closed."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - the caller owns and closes it
    os.fchmod(spool.fileno(), PRIVATE)
    return spool


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
