"""The kith export document: exact JSON, strict validation, lossless round trips."""

from __future__ import annotations

import dataclasses
import io
import json
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.formats import (
    DOCUMENT_VERSION,
    ExportDocument,
    ExportedDate,
    ExportedFavor,
    ExportedFollowUp,
    ExportedInteraction,
    ExportedNote,
    ExportedPerson,
    ImportFormatError,
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

FIXTURES = Path(__file__).parent / "fixtures"

ALICE = ExportedPerson(
    ref="p1",
    name="Alice Smith",
    circle="inner",
    cadence_days=None,
    paused=False,
    aliases=("Ali",),
    tags=("climbing", "neighbor"),
    added_on="2026-01-02",
    snoozed_until=None,
    imported=False,
    notes=(
        ExportedNote(
            text="Moving to Lisbon in March — “finally”", created_at="2026-11-20T10:00:00Z"
        ),
    ),
    follow_ups=(
        ExportedFollowUp(
            text="ask how the move went",
            from_day="2026-03-01",
            done=False,
            created_at="2026-11-20T10:01:00Z",
        ),
    ),
    favors=(
        ExportedFavor(
            kind="offered", text="help her pack", done=False, created_at="2026-11-20T10:02:00Z"
        ),
    ),
    dates=(ExportedDate(label="birthday", month=3, day=12, year=None),),
    phones=("+351 912 345 678",),
    emails=("alice@example.com", "a.smith@work.example"),
    name_parts=("Smith", "Alice", "", "Dr.", ""),
)
BOB = ExportedPerson(
    ref="p2",
    name="Bob",
    circle="close",
    cadence_days=21,
    paused=True,
    aliases=(),
    tags=(),
    added_on="2026-01-03",
    snoozed_until="2026-12-01",
    imported=True,
    notes=(),
    follow_ups=(),
    favors=(
        ExportedFavor(
            kind="got", text="lent me his drill", done=True, created_at="2026-02-01T08:00:00Z"
        ),
    ),
    dates=(ExportedDate(label="birthday", month=7, day=4, year=1990),),
)
DOC = ExportDocument(
    version=DOCUMENT_VERSION,
    exported_at="2026-11-25T09:00:00Z",
    settings={"timezone": "Europe/Lisbon", "digest_time": "09:00"},
    circles=(("inner", 14), ("close", 30), ("friends", 90), ("wider", 180)),
    people=(ALICE, BOB),
    interactions=(
        ExportedInteraction(
            day="2026-11-22",
            kind="coffee",
            note="she's moving to Lisbon",
            people=("p1", "p2"),
            created_at="2026-11-22T18:30:00Z",
        ),
    ),
)


def test_json_is_exactly_the_golden_file() -> None:
    golden = (FIXTURES / "kith_export_v2.json").read_text(encoding="utf-8")
    assert document_to_json(DOC) == golden
    assert "".join(document_json_chunks(DOC)) == golden
    assert golden.startswith('{\n  "format": "kith-export",\n  "version": 2,\n')
    assert golden.endswith("}\n")
    assert "“finally”" in golden  # not \u201c escapes
    # Dates are ISO 8601: a year-less birthday as RFC 6350's --MM-DD.
    assert '"date": "--03-12"' in golden
    assert '"date": "1990-07-04"' in golden
    assert '"month"' not in golden


def test_golden_file_reads_back() -> None:
    assert document_from_json((FIXTURES / "kith_export_v2.json").read_bytes()) == DOC


def test_a_version_1_export_still_reads() -> None:
    """Dates as month/day/year fields, no phones, e-mails or name parts."""
    old = document_from_json((FIXTURES / "kith_export_v1.json").read_bytes())
    alice = dataclasses.replace(ALICE, phones=(), emails=(), name_parts=None)
    assert old == dataclasses.replace(DOC, version=1, people=(alice, BOB))
    # Written again, it is the current version.
    assert json.loads(document_to_json(old))["version"] == DOCUMENT_VERSION


def test_bom_and_bytes_are_accepted() -> None:
    assert document_from_json(b"\xef\xbb\xbf" + document_to_json(DOC).encode()) == DOC


def test_is_kith_document() -> None:
    assert is_kith_document(document_to_json(DOC).encode())
    assert is_kith_document(b"\xef\xbb\xbf  " + document_to_json(DOC).encode())
    assert is_kith_document(b'{"format": "kith-export", "version": 99}')
    assert not is_kith_document(b'{"format": "something-else"}')
    assert not is_kith_document(b'["kith-export"]')
    assert not is_kith_document(b'{"format": "kith-export"')  # truncated
    assert not is_kith_document(b"name,email\n")
    assert not is_kith_document(b"\x89PNG\r\n\x1a\n")


def test_time_helpers() -> None:
    moment = datetime(2026, 11, 25, 10, 0, 0, 123456, tzinfo=timezone(timedelta(hours=1)))
    assert iso_timestamp(moment) == "2026-11-25T09:00:00Z"
    assert iso_timestamp(datetime(2026, 11, 25, 9, 0)) == "2026-11-25T09:00:00Z"
    assert parse_timestamp("2026-11-25T09:00:00Z") == datetime(2026, 11, 25, 9, tzinfo=UTC)
    assert parse_timestamp("2026-11-25T10:00:00+01:00") == datetime(2026, 11, 25, 9, tzinfo=UTC)
    assert iso_day(date(2026, 3, 1)) == "2026-03-01"
    assert parse_day("2026-03-01") == date(2026, 3, 1)


# -- validation ----------------------------------------------------------------------------


def doc_object() -> dict[str, Any]:
    obj: dict[str, Any] = json.loads(document_to_json(DOC))
    return obj


def error_of(obj: object) -> str:
    with pytest.raises(ImportFormatError) as error:
        document_from_json(json.dumps(obj))
    return str(error.value)


def test_not_a_kith_export() -> None:
    assert error_of({"people": []}) == (
        'This JSON is not a kith export (no "format": "kith-export").'
    )
    assert error_of([1, 2]) == 'This JSON is not a kith export (no "format": "kith-export").'


def test_newer_version() -> None:
    obj = doc_object()
    obj["version"] = DOCUMENT_VERSION + 1
    obj["something_new"] = True  # a newer version may add fields: the version speaks first
    assert error_of(obj) == (
        "This export is format version 3, from a newer kith; I can read up to version 2. "
        "Update kith and try again."
    )


def test_invalid_json_and_encoding() -> None:
    with pytest.raises(ImportFormatError) as error:
        document_from_json('{"format": "kith-export",\n "version": 1,,}')
    assert str(error.value) == (
        "This file is not valid JSON (line 2, column 15: Expecting property name enclosed in "
        "double quotes)."
    )
    with pytest.raises(ImportFormatError) as error:
        document_from_json(b'{"format": "kith-export", "exported_at": "\xff"}')
    assert str(error.value) == "This file is not valid UTF-8 text, so it is not a kith export."
    with pytest.raises(ImportFormatError) as error:
        document_from_json('{"format": "kith-export", "version": NaN}')
    assert str(error.value) == "This file is not valid JSON (NaN is not a number JSON allows)."
    with pytest.raises(ImportFormatError) as error:
        document_from_json('{"format": "kith-export", "format": "kith-export"}')
    assert str(error.value) == (
        'This file is not valid JSON (the key "format" appears twice in one object).'
    )


def set_path(obj: dict[str, Any], path: tuple[str | int, ...], value: object) -> dict[str, Any]:
    target: Any = obj
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return obj


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("people", 1, "name"), "  ", "Person 2 has no name."),
        (
            ("people", 0, "added_on"),
            "yesterday",
            'Person 1: "added_on" should be a date like 2026-11-25, not "yesterday".',
        ),
        (
            ("people", 0, "added_on"),
            "20260102",
            'Person 1: "added_on" should be a date like 2026-11-25, not "20260102".',
        ),
        (
            ("people", 0, "added_on"),
            "2026-02-30",
            'Person 1: "added_on" should be a date like 2026-11-25, not "2026-02-30".',
        ),
        (
            ("people", 0, "cadence_days"),
            0,
            'Person 1: "cadence_days" should be a whole number from 1 to 100000.',
        ),
        (
            ("people", 0, "cadence_days"),
            14.0,
            'Person 1: "cadence_days" should be a whole number from 1 to 100000.',
        ),
        (
            ("people", 0, "cadence_days"),
            True,
            'Person 1: "cadence_days" should be a whole number from 1 to 100000.',
        ),
        (("people", 0, "paused"), "no", 'Person 1: "paused" should be true or false.'),
        (("people", 0, "aliases"), "Ali", 'Person 1: "aliases" should be a list of text.'),
        (("people", 0, "aliases"), ["Ali", ""], 'Person 1: "aliases" has an empty entry.'),
        (("people", 0, "tags"), [1], 'Person 1: "tags" should be a list of text.'),
        (("people", 0, "notes"), {}, 'Person 1: "notes" should be a list.'),
        (
            ("people", 0, "notes", 0, "created_at"),
            "2026-11-20 10:00",
            'Person 1, note 1: "created_at" should be a time like 2026-11-25T09:00:00Z, '
            'not "2026-11-20 10:00".',
        ),
        (
            ("people", 0, "notes", 0, "created_at"),
            "2026-11-20T10:00:00",
            'Person 1, note 1: "created_at" should be a time like 2026-11-25T09:00:00Z, '
            'not "2026-11-20T10:00:00".',
        ),
        (
            ("people", 0, "notes", 0, "text"),
            "a\x00b",
            'Person 1, note 1: "text" has characters that are not valid text.',
        ),
        (
            ("people", 0, "follow_ups", 0, "from_day"),
            5,
            'Person 1, follow-up 1: "from_day" should be text.',
        ),
        (
            ("people", 0, "favors", 0, "kind"),
            "lent",
            'Person 1, favor 1: "kind" should be gave, got or offered, not "lent".',
        ),
        (
            ("people", 0, "dates", 0, "date"),
            "--13-01",
            'Person 1, date 1: "date" should be a date like 1990-04-12 or --04-12, not "--13-01".',
        ),
        (
            ("people", 1, "dates", 0, "date"),
            "1990-07-32",
            'Person 2, date 1: "date" should be a date like 1990-04-12 or --04-12, '
            'not "1990-07-32".',
        ),
        (
            ("people", 1, "dates", 0, "date"),
            "4 July 1990",
            'Person 2, date 1: "date" should be a date like 1990-04-12 or --04-12, '
            'not "4 July 1990".',
        ),
        (("people", 0, "phones"), "+351", 'Person 1: "phones" should be a list of text.'),
        (
            ("people", 0, "name_parts"),
            {"family": "Smith"},
            'Person 1, name_parts has no "given".',
        ),
        (("people", 0, "dates", 0, "label"), "", 'Person 1, date 1: "label" is empty.'),
        (("people", 1, "ref"), "p1", 'Two people in the export share the ref "p1".'),
        (
            ("interactions", 0, "people"),
            ["p1", "p9"],
            'Interaction 1 mentions person "p9", who is not in the export.',
        ),
        (
            ("interactions", 0, "people"),
            ["p1", "p1"],
            'Interaction 1: "people" lists the same person twice.',
        ),
        (("interactions", 0, "kind"), " ", 'Interaction 1: "kind" is empty.'),
        (("circles", 1, "name"), "inner", "The export lists the same circle twice."),
        (
            ("circles", 0, "cadence_days"),
            -3,
            'Circle 1: "cadence_days" should be a whole number from 1 to 100000.',
        ),
        (("settings", "timezone"), None, 'The settings: "timezone" should be text.'),
        (("settings", "digest_time"), 9, 'The settings: "digest_time" should be text.'),
        (("version",), 0, 'The export: "version" should be a whole number from 1 to 2.'),
        (
            ("exported_at",),
            "now",
            'The export: "exported_at" should be a time like 2026-11-25T09:00:00Z, not "now".',
        ),
        (("people",), None, 'The export: "people" should be a list.'),
        (("people", 0), "Alice", "Person 1 should be a JSON object."),
    ],
)
def test_validation_messages(path: tuple[str | int, ...], value: object, message: str) -> None:
    assert error_of(set_path(doc_object(), path, value)) == message


def test_29_february_needs_a_leap_year_only_when_the_year_is_known() -> None:
    obj = set_path(doc_object(), ("people", 0, "dates", 0, "date"), "--02-29")
    assert document_from_json(json.dumps(obj)).people[0].dates[0] == ExportedDate(
        label="birthday", month=2, day=29, year=None
    )
    obj = set_path(obj, ("people", 0, "dates", 0, "date"), "2023-02-29")
    assert error_of(obj) == (
        'Person 1, date 1: "date" should be a date like 1990-04-12 or --04-12, not "2023-02-29".'
    )


def test_unknown_and_missing_fields() -> None:
    obj = doc_object()
    obj["people"][0]["nmae"] = obj["people"][0].pop("name")
    assert error_of(obj) == 'Person 1 has an unknown field "nmae".'
    obj = doc_object()
    del obj["people"][0]["tags"]
    assert error_of(obj) == 'Person 1 has no "tags".'
    obj = doc_object()
    del obj["interactions"]
    assert error_of(obj) == 'The export has no "interactions".'


def test_lone_surrogate_from_an_escape_is_refused() -> None:
    text = document_to_json(DOC).replace("Alice Smith", "Alice \\ud800")
    with pytest.raises(ImportFormatError) as error:
        document_from_json(text)
    assert str(error.value) == 'Person 1: "name" has characters that are not valid text.'


def test_writing_an_invalid_document_fails_at_export_time() -> None:
    broken = ExportDocument(
        version=1,
        exported_at="2026-11-25T09:00:00Z",
        settings={"timezone": "UTC", "digest_time": None},
        circles=(),
        people=(),
        interactions=(
            ExportedInteraction(
                day="2026-11-22",
                kind="call",
                note="",
                people=("p7",),
                created_at="2026-11-22T18:30:00Z",
            ),
        ),
    )
    with pytest.raises(ImportFormatError, match='mentions person "p7"'):
        document_to_json(broken)
    with pytest.raises(ImportFormatError, match='mentions person "p7"'):
        "".join(document_json_chunks(broken))


# -- round trips, for any document ------------------------------------------------------------

ODD_TEXT = st.sampled_from(
    [
        "",
        "Zoë",
        "שלום עולם",
        "مرحبا بالعالم",
        "\u202eRTL override",
        "👩‍👩‍👧 🎉",
        "say \"hi\" 'there'",
        "line one\nline two\r\nthree",
        "back\\slash \\n not a newline",
        "tab\there",
        "</script>",
        '{"format": "kith-export"}',
    ]
)
TEXT = st.one_of(
    ODD_TEXT,
    st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=25),
)
NONBLANK = TEXT.filter(lambda s: s.strip() != "")
DAYS = st.dates().map(date.isoformat)
TIMESTAMPS = st.one_of(
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)).map(iso_timestamp),
    st.sampled_from(
        ["2026-11-25T09:00:00.5Z", "2026-11-25T10:00:00+01:00", "2026-11-25T09:00:00.123456-03:30"]
    ),
)


@st.composite
def yearly_dates(draw: st.DrawFn) -> ExportedDate:
    day = draw(st.dates())
    year = draw(st.one_of(st.none(), st.just(day.year)))
    return ExportedDate(label=draw(NONBLANK), month=day.month, day=day.day, year=year)


def people(ref: str) -> st.SearchStrategy[ExportedPerson]:
    return st.builds(
        ExportedPerson,
        ref=st.just(ref),
        name=NONBLANK,
        circle=NONBLANK,
        cadence_days=st.one_of(st.none(), st.integers(1, 100_000)),
        paused=st.booleans(),
        aliases=st.lists(NONBLANK, max_size=3).map(tuple),
        tags=st.lists(NONBLANK, max_size=3).map(tuple),
        added_on=DAYS,
        snoozed_until=st.one_of(st.none(), DAYS),
        imported=st.booleans(),
        notes=st.lists(st.builds(ExportedNote, text=TEXT, created_at=TIMESTAMPS), max_size=3).map(
            tuple
        ),
        follow_ups=st.lists(
            st.builds(
                ExportedFollowUp,
                text=TEXT,
                from_day=st.one_of(st.none(), DAYS),
                done=st.booleans(),
                created_at=TIMESTAMPS,
            ),
            max_size=2,
        ).map(tuple),
        favors=st.lists(
            st.builds(
                ExportedFavor,
                kind=st.sampled_from(["gave", "got", "offered"]),
                text=TEXT,
                done=st.booleans(),
                created_at=TIMESTAMPS,
            ),
            max_size=2,
        ).map(tuple),
        dates=st.lists(yearly_dates(), max_size=2).map(tuple),
        phones=st.lists(NONBLANK, max_size=2).map(tuple),
        emails=st.lists(NONBLANK, max_size=2).map(tuple),
        name_parts=st.one_of(st.none(), st.tuples(TEXT, TEXT, TEXT, TEXT, TEXT)),
    )


@st.composite
def documents(draw: st.DrawFn) -> ExportDocument:
    refs = draw(st.lists(NONBLANK, max_size=4, unique=True))
    persons = tuple(draw(people(ref)) for ref in refs)
    interactions = draw(
        st.lists(
            st.builds(
                ExportedInteraction,
                day=DAYS,
                kind=NONBLANK,
                note=TEXT,
                people=st.lists(st.sampled_from(refs), unique=True).map(tuple)
                if refs
                else st.just(()),
                created_at=TIMESTAMPS,
            ),
            max_size=4,
        )
    )
    circles = draw(
        st.lists(st.tuples(NONBLANK, st.integers(1, 100_000)), max_size=4, unique_by=lambda c: c[0])
    )
    return ExportDocument(
        version=DOCUMENT_VERSION,
        exported_at=draw(TIMESTAMPS),
        settings={"timezone": draw(NONBLANK), "digest_time": draw(st.one_of(st.none(), TEXT))},
        circles=tuple(circles),
        people=persons,
        interactions=tuple(interactions),
    )


@settings(max_examples=200, deadline=None)
@given(documents())
def test_json_round_trip(doc: ExportDocument) -> None:
    text = document_to_json(doc)
    assert document_from_json(text) == doc
    assert document_from_json(text.encode("utf-8")) == doc
    assert is_kith_document(text.encode("utf-8"))
    # Stable: writing what was read gives the same text.
    assert document_to_json(document_from_json(text)) == text
    # The export written in pieces (/export, kith export) is the very same text.
    assert "".join(document_json_chunks(doc)) == text
    # And read a meeting at a time (`kith import` of a big one), the very same document.
    assert streamed(text.encode("utf-8")) == doc


def streamed(data: bytes) -> ExportDocument:
    read = StreamedDocument(io.BytesIO(data))
    meetings = tuple(read.interactions())
    assert read.count == len(meetings)
    return dataclasses.replace(read.document, interactions=meetings)


def test_kiths_own_exports_read_a_meeting_at_a_time() -> None:
    for name in ("kith_export_v1.json", "kith_export_v2.json"):
        data = (FIXTURES / name).read_bytes()
        assert streamed(data) == document_from_json(data)
    text = document_to_json(DOC)
    assert streamed(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode()) == DOC
    empty = dataclasses.replace(DOC, people=(), interactions=(), groups=())
    assert streamed(document_to_json(empty).encode()) == empty


def test_a_file_laid_out_otherwise_is_read_whole_instead() -> None:
    obj = json.loads(document_to_json(DOC))
    for text in (json.dumps(obj), json.dumps(obj, indent=4), json.dumps(obj, indent=1)):
        with pytest.raises(UnknownLayout):
            streamed(text.encode())
        assert document_from_json(text) == DOC


def test_a_streamed_export_is_checked_as_strictly() -> None:
    text = document_to_json(DOC)
    with pytest.raises(ImportFormatError, match="cut off"):
        streamed(text[: text.index('"interactions"') + 200].encode())
    broken = text.replace('"day": "2026-11-22"', '"day": "2026-13-22"', 1)
    assert broken != text
    with pytest.raises(ImportFormatError, match='Interaction 1: "day" should be a date'):
        streamed(broken.encode())
    bad = text.replace('"p2"\n      ]', '"p9"\n      ]', 1)
    assert bad != text
    with pytest.raises(ImportFormatError, match='mentions person "p9"'):
        streamed(bad.encode())
    line = text[: text.index('"kind"')].count("\n") + 1
    with pytest.raises(ImportFormatError, match=f"line {line}, column"):
        streamed(text.replace('"kind":', '"kind" ', 1).encode())
