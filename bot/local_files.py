"""Files on this machine that the user names: shared by `kith chat` and `kith import`."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from bot.formats import MAX_IMPORT_BYTES, too_big


def read_import_file(
    argument: str, *, limit: int | None = MAX_IMPORT_BYTES
) -> tuple[str, bytes] | str:
    """(file name, bytes) of the file at `argument`, or a sentence saying why not.

    Only regular files: a device (/dev/zero never ends), a FIFO (opening it waits for a
    writer) or a folder is refused before reading a byte. A file over `limit` (the chat
    import limit unless said; None: `kith import`'s local restore, no limit) is refused on
    its size alone, and reading stops at the limit should it grow meanwhile.
    """
    try:
        path = Path(argument).expanduser()
    except RuntimeError:  # "~someone/…" for a user this machine doesn't have
        return f"There's no file at {argument}: I don't know whose home folder that is."
    try:
        if path.is_dir():
            return f"{path} is a folder. Give me a file in it (.vcf, .csv or .json)."
        if not stat.S_ISREG(path.stat().st_mode):
            return f"{path} is not an ordinary file. Give me a .vcf, .csv or .json file."
        # O_NONBLOCK: should a FIFO be swapped in after the check, opening it won't hang.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        with os.fdopen(fd, "rb") as file:
            info = os.fstat(file.fileno())
            if not stat.S_ISREG(info.st_mode):
                return f"{path} is not an ordinary file. Give me a .vcf, .csv or .json file."
            if limit is not None and info.st_size > limit:
                return str(too_big(info.st_size))
            data = file.read() if limit is None else file.read(limit + 1)
        if limit is not None and len(data) > limit:
            return str(too_big(len(data)))
        return path.name, data
    except (FileNotFoundError, ValueError):  # ValueError: a NUL byte in the path
        return f"There's no file at {path}."
    except OSError as error:
        return f"I can't read {path}: {error.strerror or error}."
