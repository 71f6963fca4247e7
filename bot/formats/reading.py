"""The front door of contacts import: which reader a file needs, and why not when none.

`parse_contacts(filename, data)` takes the raw bytes a user sent and returns a
`ContactsFile`: the people found plus what was left out (cards without a name, duplicates
merged), so the reply can say so. Anything we cannot read raises `ImportFormatError`,
whose text is a sentence meant for the user, never a stack trace.

The format is decided by content, with the file name only as a hint: a vCard has an
unmistakable `BEGIN:VCARD`, so a vCard named `.csv` is still read as a vCard; CSV has no
signature, so text that is not a vCard is read as CSV unless the name promised a vCard.

Above the readers (bot/formats/vcard.py, csvfiles.py) and contacts.py, which they share,
so nothing here is imported back.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import PurePath

from bot.formats.charsets import decode
from bot.formats.contacts import (
    MAX_IMPORT_BYTES,
    SPREADSHEET_EXTENSIONS,
    VCARD_EXTENSIONS,
    ContactsFile,
    ImportFormatError,
    display_name,
    search_lines,
    sniff_binary,
    too_big,
)
from bot.formats.csvfiles import parse_csv
from bot.formats.document import is_kith_document
from bot.formats.vcard import parse_vcards

_VCARD_START = re.compile(r"^[ \t]*BEGIN[ \t]*:[ \t]*VCARD[ \t\r]*$", re.IGNORECASE | re.MULTILINE)
_VCARD_END = re.compile(r"^[ \t]*END[ \t]*:[ \t]*VCARD[ \t\r]*$", re.IGNORECASE | re.MULTILINE)
_VCARD_VERSION = re.compile(r"^VERSION:[ \t]*[234]\.[01][ \t\r]*$", re.IGNORECASE | re.MULTILINE)
_VCARD_NAME = re.compile(r"^(?:item\d+\.)?(?:FN|N)[;:]", re.IGNORECASE | re.MULTILINE)


def parse_contacts(filename: str, data: bytes, max_people: int | None = None) -> ContactsFile:
    """Read a contacts file: vCard 2.1/3.0/4.0, Google/Outlook CSV or a plain CSV of names.

    Raises ImportFormatError (with a sentence for the user) when the file is too big,
    empty, binary, not what its name says, malformed, or has nobody in it; its subclass
    TooManyContacts when it names more than `max_people` different people (never
    importable: the rest of the file is only counted).
    """
    label = display_name(filename)
    ext = PurePath(filename).suffix.lower()
    if len(data) > MAX_IMPORT_BYTES:
        raise too_big(len(data))
    binary = sniff_binary(data, ext)
    if binary is not None:
        raise ImportFormatError(_binary_message(ext, binary))
    decoded = decode(data)
    text = decoded.text
    if not text or text.isspace():
        raise ImportFormatError(f"{label} is empty.")

    # Each scan a chunk at a time: one regex over 5 MB holds the event loop ~150 ms.
    if search_lines(_VCARD_START, text):
        result = parse_vcards(text, label, max_people)
    elif search_lines(_VCARD_END, text) or (
        search_lines(_VCARD_VERSION, text) and search_lines(_VCARD_NAME, text)
    ):
        # A card whose first line is missing, not a CSV: say what is really wrong.
        raise ImportFormatError(
            f"{label} has no BEGIN:VCARD line, so I can't tell where its cards start "
            "(was the start of the file cut off?). Export it again and send me the new file."
        )
    else:
        looks_like = _describe_text(text, data)
        if looks_like is None and ext == ".json":
            looks_like = "a CSV or text file"
        if looks_like is not None or ext in VCARD_EXTENSIONS:
            raise ImportFormatError(_mismatch_message(label, ext, looks_like or "a CSV file"))
        result = parse_csv(text, label, max_people)
    if not result.contacts:
        raise ImportFormatError(_nobody_message(label, result))
    if decoded.note:  # the whole file's guess says more than one value's
        result = dataclasses.replace(result, encoding_note=decoded.note)
    return result


def _binary_message(ext: str, looks_like: str) -> str:
    if ext in VCARD_EXTENSIONS:
        return f"That file is called {ext} but it is not a vCard (it looks like {looks_like})."
    if ext == ".csv":
        return f"That file is called .csv but it is not a CSV file (it looks like {looks_like})."
    if "spreadsheet" in looks_like or "workbook" in looks_like or ext in SPREADSHEET_EXTENSIONS:
        return (
            f"That looks like {looks_like}. Save it as CSV (File → Save As → CSV UTF-8) "
            "and send me that."
        )
    return (
        f"That file looks like {looks_like}, not a contacts file. "
        "I can import vCard (.vcf) and CSV files."
    )


def _mismatch_message(label: str, ext: str, looks_like: str) -> str:
    if looks_like == "a kith export":
        return f"{label} is a kith export, not a contacts file."
    if ext in VCARD_EXTENSIONS:
        return f"That file is called {ext} but it is not a vCard (it looks like {looks_like})."
    if ext == ".json" and "JSON" not in looks_like and "kith" not in looks_like:
        return f"That file is called .json but it is not JSON (it looks like {looks_like})."
    return (
        f"{label} looks like {looks_like}, not a contacts file. "
        "I can import vCard (.vcf) and CSV files."
    )


def _nobody_message(label: str, result: ContactsFile) -> str:
    message = f"I found no contacts in {'that file' if label == 'That file' else label}."
    if result.nameless:
        noun = "card" if result.format.startswith("vcard") else "row"
        every = "The only" if result.nameless == 1 else f"All {result.nameless}"
        message += f" {every} {noun}{'' if result.nameless == 1 else 's'} had no name."
    return message


def _describe_text(text: str, data: bytes) -> str | None:
    """What a text file that is not a vCard looks like, when it clearly is not a CSV."""
    start = text[:4096].lstrip()[:200].lower()
    if start.startswith(("{", "[")):
        return "a kith export" if is_kith_document(data) else "a JSON file"
    if start.startswith("begin:vcalendar"):
        return "a calendar (.ics) file"
    if start.startswith(("<!doctype html", "<html")):
        return "a web page"
    if start.startswith("<?xml"):
        return "an XML file"
    if start.startswith(("dn:", "version: 1\n", "version: 1\r")):
        return "an LDIF address book (export it as vCard instead)"
    return None
