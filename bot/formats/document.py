"""The kith export: one user's data as a versioned, lossless JSON document.

The document is independent of database ids: people get refs ("p1", "p2"…) that are
stable within one file, and interactions name their people by ref. Dates are ISO 8601
(`2026-11-25`), timestamps ISO 8601 in UTC (`2026-11-25T09:00:00Z`).

`document_to_json` and `document_from_json` are exact inverses: every document the first
accepts, the second gives back equal. Both validate with the same rules, so an export
that could not be imported again fails at export time, where the bug is, rather than on
the day someone needs their backup.

JSON shape (version 2), keys always in this order:

    {"format": "kith-export", "version": 1, "exported_at": "…Z",
     "settings": {"timezone": "Europe/Lisbon", "digest_time": "09:00" | null,
                  "date_order"?: "dmy" | "mdy" | "ymd"},
     "circles": [{"name": "inner", "cadence_days": 14}, …],
     "people": [{"ref", "name", "circle", "cadence_days", "paused", "aliases", "tags",
                 "added_on", "snoozed_until", "imported",
                 "notes": [{"text", "created_at"}],
                 "follow_ups": [{"text", "from_day", "done", "created_at"}],
                 "favors": [{"kind", "text", "done", "created_at"}],
                 "dates": [{"label", "date"}],
                 "phones": ["+351 912 345 678", …], "emails": ["a@b.pt", …],
                 "name_parts": {"family", "given", "additional", "prefix", "suffix"} | null
                }, …],
     "interactions": [{"day", "kind", "note", "people": ["p1", …], "created_at",
                       "place"?, "initiator"?}, …]}

A date is ISO 8601 as RFC 6350 writes it: `"1990-04-12"`, or `"--04-12"` when the year is
unknown. Version 1 (no phones, e-mails or name parts; dates as `{"label", "month", "day",
"year"}`) is still read.

`place` (where the meeting happened) and `initiator` ("me" or "them": who reached out
first) appear only when known; an export without them (an older kith) reads the same.
Likewise the settings' `date_order` (how the user writes numeric dates), once set.
So do two top-level keys, present only when there is something to say:
`"groups": [{"name", "cadence_days", "members": ["p1", …]}, …]` and
`"weekly_review": false` (the weekly look back turned off; absent means on).
"""

from __future__ import annotations

import calendar
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from json.encoder import encode_basestring
from typing import Any, TypeVar

from bot.formats.contacts import ImportFormatError

FORMAT_MARKER = "kith-export"
DOCUMENT_VERSION = 2
FAVOR_KINDS = ("gave", "got", "offered")


@dataclass(frozen=True)
class ExportedNote:
    text: str
    created_at: str


@dataclass(frozen=True)
class ExportedFollowUp:
    text: str
    from_day: str | None
    done: bool
    created_at: str


@dataclass(frozen=True)
class ExportedFavor:
    kind: str
    text: str
    done: bool
    created_at: str


@dataclass(frozen=True)
class ExportedDate:
    label: str
    month: int
    day: int
    year: int | None


@dataclass(frozen=True)
class ExportedPerson:
    ref: str
    name: str
    circle: str
    cadence_days: int | None
    paused: bool
    aliases: tuple[str, ...]
    tags: tuple[str, ...]
    added_on: str
    snoozed_until: str | None
    imported: bool
    notes: tuple[ExportedNote, ...]
    follow_ups: tuple[ExportedFollowUp, ...]
    favors: tuple[ExportedFavor, ...]
    dates: tuple[ExportedDate, ...]
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    # (family, given, additional, prefix, suffix) from an imported card, for vCard's N.
    name_parts: tuple[str, str, str, str, str] | None = None


NAME_PART_KEYS = ("family", "given", "additional", "prefix", "suffix")


def date_text(d: ExportedDate) -> str:
    """ "1990-04-12", or "--04-12" without a year (ISO 8601 / RFC 6350)."""
    if d.year is None:
        return f"--{d.month:02d}-{d.day:02d}"
    return f"{d.year:04d}-{d.month:02d}-{d.day:02d}"


@dataclass(frozen=True)
class ExportedInteraction:
    day: str
    kind: str
    note: str
    people: tuple[str, ...]
    created_at: str
    place: str | None = None
    initiator: str | None = None


@dataclass(frozen=True)
class ExportedGroup:
    """People who meet together (`/group`), naming them by ref."""

    name: str
    cadence_days: int | None
    members: tuple[str, ...]


@dataclass(frozen=True)
class ExportDocument:
    """`settings` holds "timezone" (str) and "digest_time" (str or None), and
    "date_order" (str) when the user has set one."""

    version: int
    exported_at: str
    settings: dict[str, str | None]
    circles: tuple[tuple[str, int], ...]
    people: tuple[ExportedPerson, ...]
    interactions: tuple[ExportedInteraction, ...]
    groups: tuple[ExportedGroup, ...] = ()
    weekly_review: bool = True


# -- helpers for whoever builds a document from the store -----------------------------------


def iso_day(day: date) -> str:
    return day.isoformat()


def iso_timestamp(moment: datetime) -> str:
    """UTC with a Z and whole seconds; a naive datetime is taken to be UTC already."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.replace(tzinfo=None, microsecond=0).isoformat() + "Z"


def parse_day(text: str) -> date:
    return date.fromisoformat(text)


def parse_timestamp(text: str) -> datetime:
    """An exported timestamp as an aware UTC datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


# -- writing -------------------------------------------------------------------------------

Json = dict[str, Any]


def document_to_json(doc: ExportDocument) -> str:
    """The document as pretty JSON (indent 2, UTF-8 text as is), ending in a newline.

    Raises ImportFormatError if the document would not import again (a person with no
    name, an interaction naming an unknown ref…): that is a bug in whatever built it.
    """
    obj = _to_json_object(doc)
    _document_from_object(obj)
    return json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


# Where the people and the interactions go in the head's text: json.dumps writes NUL as
# \u0000, and no other string in a document can hold one (`_check_text` refuses NUL).
_PEOPLE_HERE = "\x00people\x00"
_INTERACTIONS_HERE = "\x00interactions\x00"
_PEOPLE_TEXT = json.dumps(_PEOPLE_HERE)
_INTERACTIONS_TEXT = json.dumps(_INTERACTIONS_HERE)


@dataclass(frozen=True)
class ExportPart:
    """One piece of an export as a store streams it (`Store.export_parts`), in document
    order: first the head (`head`: settings, circles, weekly review; no people, no
    interactions, no groups), then pages of people (each with `last_contact`, the
    day of their latest meeting or None, one per person), then pages of interactions,
    and last the groups (`groups` not None), once every ref is known."""

    head: ExportDocument | None = None
    people: tuple[ExportedPerson, ...] = ()
    last_contact: tuple[str | None, ...] = ()
    interactions: tuple[ExportedInteraction, ...] = ()
    groups: tuple[ExportedGroup, ...] | None = None


class DocumentWriter:
    """`document_to_json` written piece by piece, the same text, validated the same way.

    Feed it the parts of an export in order (`head`, `people` pages, `interactions`
    pages, `end` with the groups); each call returns the text that follows. Only one
    page's JSON objects exist at a time, so memory is a page's, not the file's, and no
    single `json.dumps` call runs for long (a writer in a thread lets the event loop in
    between). It keeps the refs it has seen (a few bytes a person), to check that every
    interaction and group names people in the export.
    """

    def __init__(self) -> None:
        self._head: ExportDocument | None = None
        self._refs: set[str] = set()
        self._people = 0
        self._interactions = 0
        self._in = ""  # the list being written: "", "people", "interactions", "done"
        self._after_people = ""
        self._days: dict[str, bool] = {}  # a day's text: whether it is a date

    def head(self, head: ExportDocument) -> str:
        self._head = replace(head, people=(), interactions=(), groups=())
        before, self._after_people, _ = self._split(self._head)
        self._in = "people"
        return before

    def people(self, people: Sequence[ExportedPerson]) -> str:
        if self._in != "people":
            raise ValueError("people come after the head and before any interaction")
        out: list[str] = []
        for person in people:
            self._people += 1
            obj = _person_object(person)
            _person(obj, f"person {self._people}")  # always written as the current version
            if person.ref in self._refs:
                raise ImportFormatError(f'Two people in the export share the ref "{person.ref}".')
            self._refs.add(person.ref)
            out.append(self._item(obj, self._people))
        return "".join(out)

    def interactions(self, interactions: Sequence[ExportedInteraction]) -> str:
        out: list[str] = []
        if self._in == "people":
            out.append(self._close(self._people) + self._after_people)
            self._in = "interactions"
        if self._in != "interactions":
            raise ValueError("interactions come after the people and before the end")
        for i in interactions:
            self._interactions += 1
            n = self._interactions
            if not self._fine(i):  # then the full reader, for its exact message
                _interaction(_interaction_object(i), f"interaction {n}")
                raise ImportFormatError(f"Interaction {n} would not read back the same.")
            if unknown := [ref for ref in i.people if ref not in self._refs]:
                raise ImportFormatError(
                    f'Interaction {n} mentions person "{unknown[0]}", who is not in the export.'
                )
            out.append(self._meeting(i, n))
        return "".join(out)

    def end(self, groups: Sequence[ExportedGroup] = ()) -> str:
        """The rest of the text, after the groups are checked against the refs seen."""
        head = self.interactions(()) if self._in == "people" else ""
        if self._head is None or self._in != "interactions":
            raise ValueError("the end comes once, after the head")
        self._in = "done"
        for n, group in enumerate(groups, 1):
            _group(_group_object(group), f"group {n}")
            if unknown := [ref for ref in group.members if ref not in self._refs]:
                raise ImportFormatError(
                    f'The group "{group.name[:40]}" mentions person "{unknown[0][:20]}", '
                    "who is not in the export."
                )
        _, _, after = self._split(replace(self._head, groups=tuple(groups)))
        return head + self._close(self._interactions) + after + "\n"

    @property
    def counts(self) -> tuple[int, int]:
        """(people, interactions) written so far."""
        return self._people, self._interactions

    @staticmethod
    def _split(head: ExportDocument) -> tuple[str, str, str]:
        """The head's text before the people list, between it and the interactions
        list, and after that; validated as `document_to_json` validates it."""
        obj = _to_json_object(head)
        groups = obj.pop("groups", None)
        _document_from_object(obj)  # without the groups: their refs are checked by `end`
        obj["people"] = _PEOPLE_HERE
        obj["interactions"] = _INTERACTIONS_HERE
        if groups is not None:  # back in its place, after the interactions
            weekly = obj.pop("weekly_review", None)
            obj["groups"] = groups
            if weekly is not None:
                obj["weekly_review"] = weekly
        text = json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False)
        before, rest = text.split(_PEOPLE_TEXT)
        between, after = rest.split(_INTERACTIONS_TEXT)
        return before, between, after

    def _fine(self, i: ExportedInteraction) -> bool:
        """Whether `_interaction` accepts this meeting's object, asked directly (a
        million meetings through the reader is ~20 s); False sends it to the reader."""
        texts = [i.day, i.kind, i.note, i.created_at, *i.people]
        if i.place is not None:
            texts.append(i.place)
        if not all(type(t) is str for t in texts) or _NOT_TEXT.search("".join(texts)):
            return False
        if not i.kind.strip() or not all(ref.strip() for ref in i.people):
            return False
        if len(set(i.people)) != len(i.people) or i.initiator not in (None, "me", "them"):
            return False
        day = self._days.get(i.day)
        if day is None:
            if len(self._days) > 100_000:  # bounded: memory stays flat
                self._days.clear()
            day = self._days[i.day] = _is_day(i.day)
        return day and _is_timestamp(i.created_at)

    @staticmethod
    def _meeting(i: ExportedInteraction, n: int) -> str:
        """`_item(_interaction_object(i), n)`, the same text, written by hand: the
        indenting `json.dumps` is pure Python (~25 µs a meeting, a million of them);
        each string is still escaped by json's own C encoder."""
        q = encode_basestring
        people = (
            "[\n        " + ",\n        ".join(map(q, i.people)) + "\n      ]" if i.people else "[]"
        )
        text = (
            f'{{\n      "day": {q(i.day)},\n      "kind": {q(i.kind)},\n      '
            f'"note": {q(i.note)},\n      "people": {people},\n      '
            f'"created_at": {q(i.created_at)}'
        )
        if i.place is not None:
            text += f',\n      "place": {q(i.place)}'
        if i.initiator is not None:
            text += f',\n      "initiator": {q(i.initiator)}'
        return ("[\n    " if n == 1 else ",\n    ") + text + "\n    }"

    @staticmethod
    def _item(obj: Json, n: int) -> str:
        text = json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False)
        return ("[\n    " if n == 1 else ",\n    ") + text.replace("\n", "\n    ")

    @staticmethod
    def _close(count: int) -> str:
        return "\n  ]" if count else "[]"


def document_json_chunks(doc: ExportDocument) -> Iterator[str]:
    """`document_to_json(doc)` in pieces, the same text, validated the same way
    (a `DocumentWriter` fed the whole document: one JSON object tree at a time)."""
    writer = DocumentWriter()
    yield writer.head(doc)
    yield writer.people(doc.people)
    for n in range(0, len(doc.interactions), 1000):
        yield writer.interactions(doc.interactions[n : n + 1000])
    yield writer.end(doc.groups)


def _group_object(g: ExportedGroup) -> Json:
    return {"name": g.name, "cadence_days": g.cadence_days, "members": list(g.members)}


def _interaction_object(i: ExportedInteraction) -> Json:
    return {
        "day": i.day,
        "kind": i.kind,
        "note": i.note,
        "people": list(i.people),
        "created_at": i.created_at,
        **({"place": i.place} if i.place is not None else {}),
        **({"initiator": i.initiator} if i.initiator is not None else {}),
    }


def _to_json_object(doc: ExportDocument) -> Json:
    return {
        "format": FORMAT_MARKER,
        # Always the current shape: a document read from an older version is written anew.
        "version": DOCUMENT_VERSION,
        "exported_at": doc.exported_at,
        "settings": {
            "timezone": doc.settings.get("timezone"),
            "digest_time": doc.settings.get("digest_time"),
            **{k: v for k, v in doc.settings.items() if k not in ("timezone", "digest_time")},
        },
        "circles": [{"name": name, "cadence_days": days} for name, days in doc.circles],
        "people": [_person_object(p) for p in doc.people],
        "interactions": [_interaction_object(i) for i in doc.interactions],
        **({"groups": [_group_object(g) for g in doc.groups]} if doc.groups else {}),
        **({} if doc.weekly_review else {"weekly_review": False}),
    }


def _person_object(p: ExportedPerson) -> Json:
    return {
        "ref": p.ref,
        "name": p.name,
        "circle": p.circle,
        "cadence_days": p.cadence_days,
        "paused": p.paused,
        "aliases": list(p.aliases),
        "tags": list(p.tags),
        "added_on": p.added_on,
        "snoozed_until": p.snoozed_until,
        "imported": p.imported,
        "notes": [{"text": n.text, "created_at": n.created_at} for n in p.notes],
        "follow_ups": [
            {"text": f.text, "from_day": f.from_day, "done": f.done, "created_at": f.created_at}
            for f in p.follow_ups
        ],
        "favors": [
            {"kind": f.kind, "text": f.text, "done": f.done, "created_at": f.created_at}
            for f in p.favors
        ],
        "dates": [{"label": d.label, "date": date_text(d)} for d in p.dates],
        "phones": list(p.phones),
        "emails": list(p.emails),
        "name_parts": None
        if p.name_parts is None
        else dict(zip(NAME_PART_KEYS, p.name_parts, strict=True)),
    }


# -- reading -------------------------------------------------------------------------------


def is_kith_document(data: bytes) -> bool:
    """Whether these bytes are a kith export (of any version), without validating it."""
    start = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not start.startswith(b"{"):
        return False
    try:
        obj = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return False
    return isinstance(obj, dict) and obj.get("format") == FORMAT_MARKER


def document_from_json(text: str | bytes) -> ExportDocument:
    """Read and strictly validate an export; ImportFormatError says what is wrong, where."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise ImportFormatError(
                "This file is not valid UTF-8 text, so it is not a kith export."
            ) from error
    try:
        obj = json.loads(text, object_pairs_hook=_no_duplicate_keys, parse_constant=_no_constant)
    except json.JSONDecodeError as error:
        raise ImportFormatError(
            f"This file is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})."
        ) from error
    except (ValueError, RecursionError) as error:
        raise ImportFormatError(f"This file is not valid JSON ({error}).") from error
    return _document_from_object(obj)


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> Json:
    obj: Json = {}
    for key, value in pairs:
        if key in obj:
            raise ValueError(f'the key "{key}" appears twice in one object')
        obj[key] = value
    return obj


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})")
_TOP_KEYS = ("format", "version", "exported_at", "settings", "circles", "people", "interactions")
_PERSON_KEYS = (
    "ref",
    "name",
    "circle",
    "cadence_days",
    "paused",
    "aliases",
    "tags",
    "added_on",
    "snoozed_until",
    "imported",
    "notes",
    "follow_ups",
    "favors",
    "dates",
)
_PERSON_KEYS_V2 = (*_PERSON_KEYS, "phones", "emails", "name_parts")
_ISO_DATE = re.compile(r"(\d{4}|-)-(\d{2})-(\d{2})")

T = TypeVar("T")


class _Reader:
    """Typed access to one JSON object, with errors that say where ("person 3, note 2")."""

    def __init__(
        self, obj: object, where: str, keys: tuple[str, ...], optional: tuple[str, ...] = ()
    ) -> None:
        """`optional` keys may be absent (fields newer kiths add, older exports lack)."""
        if not isinstance(obj, dict):
            raise ImportFormatError(f"{_cap(where)} should be a JSON object.")
        unknown = [k for k in obj if k not in keys and k not in optional]
        if unknown:
            raise ImportFormatError(f'{_cap(where)} has an unknown field "{unknown[0]}".')
        missing = [k for k in keys if k not in obj]
        if missing:
            raise ImportFormatError(f'{_cap(where)} has no "{missing[0]}".')
        self.obj: Json = obj
        self.where = where

    def fail(self, message: str) -> ImportFormatError:
        return ImportFormatError(f"{_cap(self.where)}: {message}.")

    def text(self, key: str, *, required: bool = False) -> str:
        value = self.obj[key]
        if not isinstance(value, str):
            raise self.fail(f'"{key}" should be text')
        _check_text(value, self, key)
        if required and not value.strip():
            raise self.fail(f'"{key}" is empty')
        return value

    def optional_text(self, key: str) -> str | None:
        return None if self.obj.get(key) is None else self.text(key)

    def boolean(self, key: str) -> bool:
        value = self.obj[key]
        if not isinstance(value, bool):
            raise self.fail(f'"{key}" should be true or false')
        return value

    def integer(self, key: str, low: int, high: int) -> int:
        value = self.obj[key]
        # bool is an int in Python; true is not a number of days.
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise self.fail(f'"{key}" should be a whole number from {low} to {high}')
        return value

    def optional_integer(self, key: str, low: int, high: int) -> int | None:
        return None if self.obj[key] is None else self.integer(key, low, high)

    def day(self, key: str) -> str:
        value = self.text(key)
        if not _is_day(value):
            raise self.fail(f'"{key}" should be a date like 2026-11-25, not "{value[:40]}"')
        return value

    def optional_day(self, key: str) -> str | None:
        return None if self.obj[key] is None else self.day(key)

    def timestamp(self, key: str) -> str:
        value = self.text(key)
        if not _is_timestamp(value):
            raise self.fail(
                f'"{key}" should be a time like 2026-11-25T09:00:00Z, not "{value[:40]}"'
            )
        return value

    def items(self, key: str, read: Callable[[object, str], T], noun: str) -> tuple[T, ...]:
        value = self.obj[key]
        if not isinstance(value, list):
            raise self.fail(f'"{key}" should be a list')
        prefix = f"{self.where}, " if self.where != "the export" else ""
        return tuple(read(item, f"{prefix}{noun} {n}") for n, item in enumerate(value, 1))

    def texts(self, key: str) -> tuple[str, ...]:
        value = self.obj[key]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(f'"{key}" should be a list of text')
        for item in value:
            _check_text(item, self, key)
            if not item.strip():
                raise self.fail(f'"{key}" has an empty entry')
        return tuple(value)


def _cap(text: str) -> str:
    return text[0].upper() + text[1:]


# A lone surrogate cannot be written as UTF-8; NUL breaks SQLite text and terminals.
_NOT_TEXT = re.compile("[\x00\ud800-\udfff]")


def _check_text(value: str, reader: _Reader, key: str) -> None:
    if _NOT_TEXT.search(value):
        raise reader.fail(f'"{key}" has characters that are not valid text')


def _is_day(value: str) -> bool:
    if not _DAY.fullmatch(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_timestamp(value: str) -> bool:
    if not _TIMESTAMP.fullmatch(value):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _document_from_object(obj: object) -> ExportDocument:
    if not isinstance(obj, dict) or obj.get("format") != FORMAT_MARKER:
        raise ImportFormatError(f'This JSON is not a kith export (no "format": "{FORMAT_MARKER}").')
    version = obj.get("version")
    if isinstance(version, int) and not isinstance(version, bool) and version > DOCUMENT_VERSION:
        raise ImportFormatError(
            f"This export is format version {version}, from a newer kith; "
            f"I can read up to version {DOCUMENT_VERSION}. Update kith and try again."
        )
    top = _Reader(obj, "the export", _TOP_KEYS, ("groups", "weekly_review"))
    version = top.integer("version", 1, DOCUMENT_VERSION)
    settings = _Reader(
        obj["settings"], "the settings", ("timezone", "digest_time"), ("date_order",)
    )
    circles = top.items("circles", _circle, "circle")
    names = [name for name, _ in circles]
    if len(set(names)) != len(names):
        raise ImportFormatError("The export lists the same circle twice.")
    people = top.items("people", _person_v1 if version == 1 else _person, "person")
    refs = [p.ref for p in people]
    if len(set(refs)) != len(refs):
        duplicate = next(r for r in refs if refs.count(r) > 1)
        raise ImportFormatError(f'Two people in the export share the ref "{duplicate}".')
    interactions = top.items("interactions", _interaction, "interaction")
    known = set(refs)
    for n, interaction in enumerate(interactions, 1):
        for ref in interaction.people:
            if ref not in known:
                raise ImportFormatError(
                    f'Interaction {n} mentions person "{ref}", who is not in the export.'
                )
    groups = top.items("groups", _group, "group") if "groups" in obj else ()
    for group in groups:
        unknown = [ref for ref in group.members if ref not in known]
        if unknown:
            raise ImportFormatError(
                f'The group "{group.name[:40]}" mentions person "{unknown[0][:20]}", '
                "who is not in the export."
            )
    weekly_review = top.boolean("weekly_review") if "weekly_review" in obj else True
    return ExportDocument(
        groups=groups,
        weekly_review=weekly_review,
        version=top.integer("version", 1, DOCUMENT_VERSION),
        exported_at=top.timestamp("exported_at"),
        settings={
            "timezone": settings.text("timezone", required=True),
            "digest_time": settings.optional_text("digest_time"),
            **(
                {"date_order": settings.text("date_order", required=True)}
                if "date_order" in settings.obj
                else {}
            ),
        },
        circles=circles,
        people=people,
        interactions=interactions,
    )


def _circle(obj: object, where: str) -> tuple[str, int]:
    r = _Reader(obj, where, ("name", "cadence_days"))
    return (r.text("name", required=True), r.integer("cadence_days", 1, 100_000))


def _person_v1(obj: object, where: str) -> ExportedPerson:
    return _person(obj, where, version=1)


def _person(obj: object, where: str, version: int = DOCUMENT_VERSION) -> ExportedPerson:
    r = _Reader(obj, where, _PERSON_KEYS if version == 1 else _PERSON_KEYS_V2)
    if not isinstance(r.obj["name"], str) or not r.obj["name"].strip():
        raise ImportFormatError(f"{_cap(where)} has no name.")
    v2 = version >= 2
    return ExportedPerson(
        ref=r.text("ref", required=True),
        name=r.text("name", required=True),
        circle=r.text("circle", required=True),
        cadence_days=r.optional_integer("cadence_days", 1, 100_000),
        paused=r.boolean("paused"),
        aliases=r.texts("aliases"),
        tags=r.texts("tags"),
        added_on=r.day("added_on"),
        snoozed_until=r.optional_day("snoozed_until"),
        imported=r.boolean("imported"),
        notes=r.items("notes", _note, "note"),
        follow_ups=r.items("follow_ups", _follow_up, "follow-up"),
        favors=r.items("favors", _favor, "favor"),
        dates=r.items("dates", _date if v2 else _date_v1, "date"),
        phones=r.texts("phones") if v2 else (),
        emails=r.texts("emails") if v2 else (),
        name_parts=_name_parts(r) if v2 else None,
    )


def _name_parts(r: _Reader) -> tuple[str, str, str, str, str] | None:
    if r.obj["name_parts"] is None:
        return None
    parts = _Reader(r.obj["name_parts"], f"{r.where}, name_parts", NAME_PART_KEYS)
    family, given, additional, prefix, suffix = (parts.text(k) for k in NAME_PART_KEYS)
    return (family, given, additional, prefix, suffix)


def _note(obj: object, where: str) -> ExportedNote:
    r = _Reader(obj, where, ("text", "created_at"))
    return ExportedNote(text=r.text("text"), created_at=r.timestamp("created_at"))


def _follow_up(obj: object, where: str) -> ExportedFollowUp:
    r = _Reader(obj, where, ("text", "from_day", "done", "created_at"))
    return ExportedFollowUp(
        text=r.text("text"),
        from_day=r.optional_day("from_day"),
        done=r.boolean("done"),
        created_at=r.timestamp("created_at"),
    )


def _favor(obj: object, where: str) -> ExportedFavor:
    r = _Reader(obj, where, ("kind", "text", "done", "created_at"))
    kind = r.text("kind")
    if kind not in FAVOR_KINDS:
        raise r.fail(f'"kind" should be gave, got or offered, not "{kind[:20]}"')
    return ExportedFavor(
        kind=kind, text=r.text("text"), done=r.boolean("done"), created_at=r.timestamp("created_at")
    )


def _date(obj: object, where: str) -> ExportedDate:
    r = _Reader(obj, where, ("label", "date"))
    text = r.text("date")
    match = _ISO_DATE.fullmatch(text)
    year = None if match is None or match[1] == "-" else int(match[1])
    month, day = (int(match[2]), int(match[3])) if match else (0, 0)
    # 29 February is a fine yearly date without a year; with one it must exist.
    if (
        match is None
        or year == 0
        or not 1 <= month <= 12
        or not 1 <= day <= calendar.monthrange(year or 2000, month)[1]
    ):
        raise r.fail(f'"date" should be a date like 1990-04-12 or --04-12, not "{text[:40]}"')
    return ExportedDate(label=r.text("label", required=True), month=month, day=day, year=year)


def _date_v1(obj: object, where: str) -> ExportedDate:
    r = _Reader(obj, where, ("label", "month", "day", "year"))
    month = r.integer("month", 1, 12)
    year = r.optional_integer("year", 1, 9999)
    # 29 February is a fine yearly date without a year; with one it must exist.
    day = r.integer("day", 1, calendar.monthrange(year or 2000, month)[1])
    return ExportedDate(label=r.text("label", required=True), month=month, day=day, year=year)


def _interaction(obj: object, where: str) -> ExportedInteraction:
    r = _Reader(obj, where, ("day", "kind", "note", "people", "created_at"), ("place", "initiator"))
    people = r.texts("people")
    if len(set(people)) != len(people):
        raise r.fail('"people" lists the same person twice')
    initiator = r.optional_text("initiator")
    if initiator not in (None, "me", "them"):
        raise r.fail(f'"initiator" should be "me" or "them", not "{initiator[:20]}"')
    return ExportedInteraction(
        day=r.day("day"),
        kind=r.text("kind", required=True),
        note=r.text("note"),
        people=people,
        created_at=r.timestamp("created_at"),
        place=r.optional_text("place"),
        initiator=initiator,
    )


def _group(obj: object, where: str) -> ExportedGroup:
    r = _Reader(obj, where, ("name", "cadence_days", "members"))
    members = r.texts("members")
    if len(set(members)) != len(members):
        raise r.fail('"members" lists the same person twice')
    return ExportedGroup(
        name=r.text("name", required=True),
        cadence_days=r.optional_integer("cadence_days", 1, 36500),
        members=members,
    )


# -- reading a big export in pieces ----------------------------------------------------------


class UnknownLayout(Exception):
    """The file is not laid out as kith writes an export (it may still be one: read it
    whole with `document_from_json`)."""


_LIST_OPEN = '  "interactions": ['
_ITEM_OPEN = "    {"
_ITEM_CLOSE = ("    }", "    },")
_LIST_CLOSE = ("  ]", "  ],")


class StreamedDocument:
    """A kith export read from its lines in the layout kith writes (`document_to_json`:
    two spaces a level), one interaction at a time, so a file of any size is read in the
    memory of one meeting plus the people.

    `interactions()` yields the meetings, each validated as `document_from_json` would
    (and checked to name people in the export); once it is exhausted, `document` is the
    rest (settings, people, groups; no interactions), validated too, and `count` the
    meetings read. A file laid out otherwise raises `UnknownLayout` before any meeting
    is yielded, or at the point where the layout breaks.
    """

    def __init__(self, lines: Iterable[bytes]) -> None:
        self._lines = iter(lines)
        self._line = 0
        self._head: Json | None = None
        self._document: ExportDocument | None = None
        self.count = 0

    @property
    def document(self) -> ExportDocument:
        if self._document is None:
            raise RuntimeError("the document is known once its interactions are read")
        return self._document

    def interactions(self) -> Iterator[ExportedInteraction]:
        head_lines: list[str] = []
        for text in self._texts():
            if text == _LIST_OPEN or text.startswith(_LIST_OPEN + "]"):
                break
            head_lines.append(text)
        else:
            raise UnknownLayout("no interactions list at the top level")
        self._head = _head_object(head_lines)
        if not isinstance(self._head, dict) or "people" not in self._head:
            raise UnknownLayout("the people do not come before the interactions")
        refs = {p.get("ref") for p in self._head["people"] if isinstance(p, dict)}
        closing = text[len(_LIST_OPEN) :]
        if closing in ("]", "],"):
            self._finish(closing.endswith(","))
            return
        item: list[str] = []
        start = 0
        for text in self._texts():
            if not item:
                if text in _LIST_CLOSE:
                    self._finish(text.endswith(","))
                    return
                if text != _ITEM_OPEN:
                    raise UnknownLayout(f"line {self._line} does not start a meeting")
                start = self._line
            item.append(text)
            if text in _ITEM_CLOSE:
                yield self._interaction(item, start, refs)
                item = []
        raise ImportFormatError("This export ends in the middle of its meetings: it was cut off.")

    def _texts(self) -> Iterator[str]:
        for raw in self._lines:
            self._line += 1
            if self._line == 1:
                raw = raw.removeprefix(b"\xef\xbb\xbf")
            try:
                yield raw.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError as error:
                raise ImportFormatError(
                    f"Line {self._line} of this file is not valid UTF-8 text."
                ) from error

    def _interaction(self, item: list[str], start: int, refs: set[Any]) -> ExportedInteraction:
        self.count += 1
        n = self.count
        item[-1] = item[-1].rstrip(",")
        obj = _loads("\n".join(item), start)
        interaction = _interaction(obj, f"interaction {n}")
        if unknown := [ref for ref in interaction.people if ref not in refs]:
            raise ImportFormatError(
                f'Interaction {n} mentions person "{unknown[0][:20]}", who is not in the export.'
            )
        return interaction

    def _finish(self, more: bool) -> None:
        """The top-level keys after the interactions (groups, weekly review), then the
        whole document but its meetings, validated."""
        first = self._line + 1
        tail = [t for t in self._texts()]
        while tail and not tail[-1].strip():
            tail.pop()
        if not more and tail != ["}"]:
            raise UnknownLayout("the export goes on after its meetings")
        rest = _loads("{\n" + "\n".join(tail), first - 1) if more else {}
        assert self._head is not None
        if not isinstance(rest, dict) or set(rest) & set(self._head) or "interactions" in rest:
            raise ImportFormatError("This file is not valid JSON (a key appears twice).")
        self._document = _document_from_object({**self._head, "interactions": [], **rest})


def _head_object(lines: list[str]) -> Any:
    """The head (everything before the interactions) as an object of its own."""
    text = "\n".join(lines).rstrip()
    if not text.endswith(","):
        raise UnknownLayout("the interactions are not after another key")
    return _loads(text[:-1] + "\n}", 1)


def _loads(text: str, first_line: int) -> Any:
    """JSON read as strictly as `document_from_json`, errors naming the file's line
    (`text` starts on line `first_line`)."""
    try:
        return json.loads(text, object_pairs_hook=_no_duplicate_keys, parse_constant=_no_constant)
    except json.JSONDecodeError as error:
        raise ImportFormatError(
            f"This file is not valid JSON (line {first_line + error.lineno - 1}, "
            f"column {error.colno}: "
            f"{error.msg})."
        ) from error
    except (ValueError, RecursionError) as error:
        raise ImportFormatError(f"This file is not valid JSON ({error}).") from error
