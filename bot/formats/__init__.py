"""File formats for getting data in and out: contacts import, the kith export.

Pure: bytes or text in, values out (and the reverse). No database, no files, no network;
the engine and CLI decide where bytes come from and where they go.

- `parse_contacts(filename, data)` reads vCard 2.1/3.0/4.0 and CSV contact exports
  into a `ContactsFile`, or raises `ImportFormatError` with a sentence for the user
  (`too_big(size)` is that error for a file over `MAX_IMPORT_BYTES`).
- `ExportDocument` is one user's data, lossless and versioned; `document_to_json` /
  `document_from_json` write and read it; `people_to_vcard` / `people_to_csv` write the
  people for address books and spreadsheets.
"""

from bot.formats.contacts import (
    MAX_IMPORT_BYTES,
    ContactsFile,
    ImportedContact,
    ImportFormatError,
    too_big,
)
from bot.formats.csvfiles import csv_rows, people_to_csv
from bot.formats.document import (
    DOCUMENT_VERSION,
    DocumentWriter,
    ExportDocument,
    ExportedDate,
    ExportedFavor,
    ExportedFollowUp,
    ExportedGroup,
    ExportedInteraction,
    ExportedNote,
    ExportedPerson,
    ExportPart,
    StreamedDocument,
    UnknownLayout,
    document_from_json,
    document_json_chunks,
    document_to_json,
    is_kith_document,
    iso_day,
    iso_timestamp,
    parse_day,
    parse_timestamp,
)
from bot.formats.reading import parse_contacts
from bot.formats.vcard import people_to_vcard, vcards_of

__all__ = [
    "DOCUMENT_VERSION",
    "MAX_IMPORT_BYTES",
    "ContactsFile",
    "DocumentWriter",
    "ExportDocument",
    "ExportPart",
    "ExportedDate",
    "ExportedFavor",
    "ExportedFollowUp",
    "ExportedGroup",
    "ExportedInteraction",
    "ExportedNote",
    "ExportedPerson",
    "ImportFormatError",
    "ImportedContact",
    "StreamedDocument",
    "UnknownLayout",
    "csv_rows",
    "document_from_json",
    "document_json_chunks",
    "document_to_json",
    "is_kith_document",
    "iso_day",
    "iso_timestamp",
    "parse_contacts",
    "parse_day",
    "parse_timestamp",
    "people_to_csv",
    "people_to_vcard",
    "too_big",
    "vcards_of",
]
