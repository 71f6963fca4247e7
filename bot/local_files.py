"""Files on this machine that the user names: shared by `kith chat` and `kith import`."""

from __future__ import annotations

from pathlib import Path

from bot.formats import MAX_IMPORT_BYTES, too_big


def read_import_file(argument: str) -> tuple[str, bytes] | str:
    """(file name, bytes) of the file at `argument`, or a sentence saying why not.

    A file over the import limit is not read at all: its size is enough to refuse it.
    """
    try:
        path = Path(argument).expanduser()
    except RuntimeError:  # "~someone/…" for a user this machine doesn't have
        return f"There's no file at {argument}: I don't know whose home folder that is."
    try:
        if path.is_dir():
            return f"{path} is a folder. Give me a file in it (.vcf, .csv or .json)."
        size = path.stat().st_size
        if size > MAX_IMPORT_BYTES:
            return str(too_big(size))
        return path.name, path.read_bytes()
    except (FileNotFoundError, ValueError):  # ValueError: a NUL byte in the path
        return f"There's no file at {path}."
    except OSError as error:
        return f"I can't read {path}: {error.strerror or error}."
