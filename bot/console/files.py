"""Files in the terminal: `/import PATH` reads one for the engine; attachments are saved.

The engine never opens paths (on Telegram a path would be the server's files), so the
console reads the file the user names and hands its bytes to `Engine.import_file`, the
same call Telegram makes with a downloaded document. Files that come with a reply (the
`/export` documents) are written into a folder, the current one unless told otherwise,
never over an existing file.
"""

from __future__ import annotations

import asyncio
import os
import re
import stat
from collections.abc import Sequence
from pathlib import Path

from bot.engine import Engine, Reply
from bot.engine.replies import Attachment
from bot.formats import MAX_IMPORT_BYTES, too_big
from bot.private import write_private

IMPORT_USAGE = (
    "Usage: /import PATH — e.g. /import ~/Downloads/contacts.vcf (a vCard or CSV file "
    "of contacts, or a kith export .json)"
)
_IMPORT = re.compile(r"/import(?:@\w+)?(?:\s+(?P<path>.*))?", re.IGNORECASE | re.DOTALL)
_QUOTES = ('"', "'")


def import_argument(text: str) -> str | None:
    """The PATH of an `/import PATH` line ("" without one); None for any other line."""
    match = _IMPORT.fullmatch(text.strip())
    if match is None:
        return None
    path = (match["path"] or "").strip()
    if len(path) >= 2 and path[0] == path[-1] and path[0] in _QUOTES:
        path = path[1:-1]
    return path


async def import_from_path(engine: Engine, owner: int, argument: str) -> list[Reply]:
    """Read the file at `argument` and import it, or say why it can't be read."""
    if not argument:
        return [Reply(IMPORT_USAGE)]
    read = await asyncio.to_thread(read_import_file, argument)
    if isinstance(read, str):
        return [Reply(read)]
    name, data = read
    return await engine.import_file(owner, name, data)


def read_import_file(argument: str) -> tuple[str, bytes] | str:
    """(file name, bytes) of the file at `argument`, or a sentence saying why not.

    Only regular files: a device (/dev/zero never ends), a FIFO (opening it waits for a
    writer) or a folder is refused before reading a byte. A file over the import limit
    is refused on its size alone, and reading stops at the limit should it grow meanwhile.
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
            if info.st_size > MAX_IMPORT_BYTES:
                return str(too_big(info.st_size))
            data = file.read(MAX_IMPORT_BYTES + 1)
        if len(data) > MAX_IMPORT_BYTES:
            return str(too_big(len(data)))
        return path.name, data
    except (FileNotFoundError, ValueError):  # ValueError: a NUL byte in the path
        return f"There's no file at {path}."
    except OSError as error:
        return f"I can't read {path}: {error.strerror or error}."


def save_files(files: Sequence[Attachment], folder: Path | None = None) -> list[str]:
    """Write each file into `folder` (default: the current one); a line saying where."""
    where = (folder or Path.cwd()).resolve()
    lines: list[str] = []
    for attachment in files:
        try:
            path = _write_new(where, attachment)
        except OSError as error:
            lines.append(
                f"Couldn't save {attachment.file_name} in {where}: {error.strerror or error}."
            )
            continue
        lines.append(f"Saved {path.name} ({_size(len(attachment.data))}) in {where}.")
    return lines


def _write_new(folder: Path, attachment: Attachment) -> Path:
    """Write to a name not yet taken: `x.json`, else `x-2.json`, `x-3.json`…"""
    name = Path(attachment.file_name).name or "kith-file"
    stem, suffix = Path(name).stem, Path(name).suffix
    for n in range(1, 1000):
        path = folder / (name if n == 1 else f"{stem}-{n}{suffix}")
        try:
            write_private(path, attachment.data)
        except FileExistsError:
            continue
        return path
    raise FileExistsError(f"too many files called {name}")


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n / (1024 * 1024):.1f} MB"
