"""An export's two files written part by part: the JSON document and the vCard file.

The one writer every export path uses (a thread beside the event loop, or a worker
process reading the database itself), so the bytes are the same whichever wrote them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO

from bot.formats.document import DocumentWriter, ExportPart
from bot.formats.vcard import vcards_of


@dataclass(frozen=True)
class ExportCounts:
    """What an export held, for the reply (small: it crosses from a worker process)."""

    people: int = 0
    meetings: int = 0
    notes: int = 0
    follow_ups: int = 0
    favors: int = 0
    dates: int = 0


class ExportFilesWriter:
    """Writes the parts of an export (`ExportPart`, in document order) into `json_out`
    and `vcard_out`; the vCard from the people pages alone. `counts()` once done."""

    def __init__(self, json_out: IO[bytes], vcard_out: IO[bytes]) -> None:
        self.json_out = json_out
        self.vcard_out = vcard_out
        self.writer = DocumentWriter()
        self.people = self.meetings = self.notes = self.follow_ups = self.favors = 0
        self.dates = 0

    def write(self, part: ExportPart) -> None:
        if part.head is not None:
            text = self.writer.head(part.head)
        elif part.groups is not None:
            text = self.writer.end(part.groups)
        elif part.people:
            text = self.writer.people(part.people)
            self.vcard_out.write(vcards_of(part.people).encode("utf-8"))
            for p in part.people:
                self.people += 1
                self.notes += len(p.notes)
                self.follow_ups += len(p.follow_ups)
                self.favors += len(p.favors)
                self.dates += len(p.dates)
        else:
            text = self.writer.interactions(part.interactions)
            self.meetings += len(part.interactions)
        self.json_out.write(text.encode("utf-8"))

    def counts(self) -> ExportCounts:
        return ExportCounts(
            people=self.people,
            meetings=self.meetings,
            notes=self.notes,
            follow_ups=self.follow_ups,
            favors=self.favors,
            dates=self.dates,
        )
