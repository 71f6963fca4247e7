"""Files in the terminal: `/import PATH` reads one for the engine; attachments are saved.

The engine never opens paths (on Telegram a path would be the server's files), so the
console reads the file the user names and hands its bytes to `Engine.import_file`, the
same call Telegram makes with a downloaded document. Files that come with a reply (the
`/export` documents) are written into a folder, the current one unless told otherwise,
never over an existing file.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from pathlib import Path

from bot.engine import Engine, Reply
from bot.engine.replies import Attachment
from bot.local_files import read_import_file
from bot.private import write_private_from

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
        lines.append(f"Saved {path.name} ({_size(attachment.size)}) in {where}.")
    return lines


def _write_new(folder: Path, attachment: Attachment) -> Path:
    """Write to a name not yet taken: `x.json`, else `x-2.json`, `x-3.json`…"""
    name = Path(attachment.file_name).name or "kith-file"
    stem, suffix = Path(name).stem, Path(name).suffix
    for n in range(1, 1000):
        path = folder / (name if n == 1 else f"{stem}-{n}{suffix}")
        try:
            with attachment.open() as source:  # in pieces: an export may be big
                write_private_from(path, source)
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
