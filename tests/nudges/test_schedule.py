"""When digests are due: wall-clock times, DST gaps and folds, downtime, edge zones.

Every expected instant below is worked out by hand from the zone's rules (noted next
to each case), not computed with the code under test.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.core.clock import FixedClock, SystemClock, format_utc, parse_utc
from bot.core.schedule import (
    CLOCK_HELP,
    SweepPlan,
    digest_time_today,
    first_digest_at,
    format_clock,
    is_still_same_day,
    local_day,
    next_digest_at,
    parse_clock,
    plan_sweep,
)


def utc(text: str) -> datetime:
    return parse_utc(text)


# --- parse_clock / format_clock ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("09:00", time(9, 0)),
        ("9:00", time(9, 0)),
        ("9", time(9, 0)),
        ("9am", time(9, 0)),
        ("9 am", time(9, 0)),
        ("9 AM", time(9, 0)),
        ("9a.m.", time(9, 0)),
        ("7:30pm", time(19, 30)),
        ("7:30 PM", time(19, 30)),
        ("7:30 p.m.", time(19, 30)),
        ("21h", time(21, 0)),
        ("21h30", time(21, 30)),
        ("21:30", time(21, 30)),
        ("9.30", time(9, 30)),
        ("0930", time(9, 30)),
        ("  9:00  ", time(9, 0)),
        ("00:00", time(0, 0)),
        ("0:00", time(0, 0)),
        ("23:59", time(23, 59)),
        ("12am", time(0, 0)),
        ("12:30am", time(0, 30)),
        ("12pm", time(12, 0)),
        ("1pm", time(13, 0)),
        ("noon", time(12, 0)),
        ("Midnight", time(0, 0)),
    ],
)
def test_parse_clock(text: str, expected: time) -> None:
    assert parse_clock(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "  ", "24:00", "25", "9:60", "9:5", "13pm", "0am", "9 o'clock", "abc", "-1", "9:00:00"],
)
def test_parse_clock_rejects_with_a_friendly_message(text: str) -> None:
    with pytest.raises(ValueError, match=r"^I need a time like 09:00 or 7:30pm\.$"):
        parse_clock(text)
    assert CLOCK_HELP == "I need a time like 09:00 or 7:30pm."


@pytest.mark.parametrize(
    ("t", "text"), [(time(9, 0), "09:00"), (time(0, 5), "00:05"), (time(23, 59), "23:59")]
)
def test_format_clock(t: time, text: str) -> None:
    assert format_clock(t) == text
    assert parse_clock(text) == t


# --- next_digest_at: the table ----------------------------------------------------

NEXT_CASES = [
    # zone, after (UTC), digest time, expected (UTC), why
    ("UTC", "2026-01-05T08:00:00Z", "09:00", "2026-01-05T09:00:00Z", "later today"),
    ("UTC", "2026-01-05T09:00:00Z", "09:00", "2026-01-06T09:00:00Z", "strictly after"),
    ("UTC", "2026-12-31T23:59:59Z", "00:00", "2027-01-01T00:00:00Z", "midnight, new year"),
    ("Europe/Lisbon", "2026-01-05T10:00:00Z", "09:00", "2026-01-06T09:00:00Z", "WET = UTC"),
    ("Europe/Lisbon", "2026-07-05T10:00:00Z", "09:00", "2026-07-06T08:00:00Z", "WEST +1"),
    # Berlin springs forward Sun 29 Mar 2026 at 01:00Z: 02:00 CET -> 03:00 CEST.
    ("Europe/Berlin", "2026-03-28T12:00:00Z", "09:00", "2026-03-29T07:00:00Z", "CEST +2"),
    ("Europe/Berlin", "2026-03-28T12:00:00Z", "02:30", "2026-03-29T01:00:00Z", "in gap"),
    ("Europe/Berlin", "2026-03-28T12:00:00Z", "02:00", "2026-03-29T01:00:00Z", "gap start"),
    ("Europe/Berlin", "2026-03-28T12:00:00Z", "03:00", "2026-03-29T01:00:00Z", "gap end"),
    ("Europe/Berlin", "2026-03-28T00:00:00Z", "02:30", "2026-03-28T01:30:00Z", "day before"),
    ("Europe/Berlin", "2026-03-29T01:00:00Z", "02:30", "2026-03-30T00:30:00Z", "day after"),
    # Berlin falls back Sun 25 Oct 2026 at 01:00Z: 03:00 CEST -> 02:00 CET.
    ("Europe/Berlin", "2026-10-24T12:00:00Z", "02:30", "2026-10-25T00:30:00Z", "fold: 1st"),
    ("Europe/Berlin", "2026-10-25T00:30:00Z", "02:30", "2026-10-26T01:30:00Z", "not 2nd"),
    ("Europe/Berlin", "2026-10-24T12:00:00Z", "09:00", "2026-10-25T08:00:00Z", "CET +1"),
    # New York springs forward Sun 8 Mar 2026 at 07:00Z (02:00 EST -> 03:00 EDT)
    # and falls back Sun 1 Nov 2026 at 06:00Z (02:00 EDT -> 01:00 EST).
    ("America/New_York", "2026-03-07T15:00:00Z", "09:00", "2026-03-08T13:00:00Z", "EDT"),
    ("America/New_York", "2026-03-06T15:00:00Z", "09:00", "2026-03-07T14:00:00Z", "EST"),
    ("America/New_York", "2026-03-07T15:00:00Z", "02:30", "2026-03-08T07:00:00Z", "gap"),
    ("America/New_York", "2026-10-31T12:00:00Z", "01:30", "2026-11-01T05:30:00Z", "fold"),
    ("America/New_York", "2026-11-01T05:30:00Z", "01:30", "2026-11-02T06:30:00Z", "not 2nd"),
    ("America/New_York", "2026-10-31T15:00:00Z", "09:00", "2026-11-01T14:00:00Z", "EST"),
    # Lord Howe shifts by 30 minutes: +10:30 <-> +11:00, at 02:00 local.
    # Sun 4 Oct 2026 02:00 -> 02:30, so 02:15 does not exist: 02:30 +11 = 15:30Z (3 Oct).
    ("Australia/Lord_Howe", "2026-10-03T00:00:00Z", "02:15", "2026-10-03T15:30:00Z", "gap"),
    # Sun 5 Apr 2026 02:00 +11 -> 01:30 +10:30, so 01:45 happens twice: first at +11.
    ("Australia/Lord_Howe", "2026-04-04T00:00:00Z", "01:45", "2026-04-04T14:45:00Z", "fold"),
    ("Australia/Lord_Howe", "2026-04-04T14:45:00Z", "01:45", "2026-04-05T15:15:00Z", "+10:30"),
    # Auckland: NZDT +13 in January; springs forward Sun 27 Sep 2026 02:00 -> 03:00.
    ("Pacific/Auckland", "2026-01-04T00:00:00Z", "09:00", "2026-01-04T20:00:00Z", "+13"),
    ("Pacific/Auckland", "2026-09-26T00:00:00Z", "02:30", "2026-09-26T14:00:00Z", "gap"),
    # The edges of the map: UTC+14 and UTC-12, midnight digests.
    ("Pacific/Kiritimati", "2026-01-04T00:00:00Z", "00:00", "2026-01-04T10:00:00Z", "+14"),
    ("Pacific/Kiritimati", "2026-01-04T10:00:00Z", "00:00", "2026-01-05T10:00:00Z", "+14"),
    ("Etc/GMT+12", "2026-01-04T13:00:00Z", "00:00", "2026-01-05T12:00:00Z", "-12"),
    ("Etc/GMT+12", "2026-01-04T11:59:59Z", "00:00", "2026-01-04T12:00:00Z", "-12"),
    # Santiago springs forward at midnight (Sun 6 Sep 2026, 00:00 -04 -> 01:00 -03):
    # a midnight digest fires at 01:00 that day, still the same local day.
    ("America/Santiago", "2026-09-05T12:00:00Z", "00:00", "2026-09-06T04:00:00Z", "gap"),
    # Samoa skipped Fri 30 Dec 2011 entirely (-10 -> +14): no digest that date.
    ("Pacific/Apia", "2011-12-29T00:00:00Z", "09:00", "2011-12-29T19:00:00Z", "Thu -10"),
    ("Pacific/Apia", "2011-12-29T19:00:00Z", "09:00", "2011-12-30T19:00:00Z", "Sat +14"),
]


@pytest.mark.parametrize(("tz", "after", "at", "expected", "why"), NEXT_CASES)
def test_next_digest_at(tz: str, after: str, at: str, expected: str, why: str) -> None:
    got = next_digest_at(utc(after), tz, parse_clock(at))
    assert format_utc(got) == expected, why
    assert got.tzinfo is UTC


def test_next_digest_at_accepts_any_aware_datetime() -> None:
    lisbon_summer = datetime(2026, 7, 5, 11, 0, tzinfo=ZoneInfo("Europe/Lisbon"))  # 10:00Z
    got = next_digest_at(lisbon_summer, "Europe/Lisbon", time(9, 0))
    assert got == utc("2026-07-06T08:00:00Z")
    assert got.tzinfo is UTC


@pytest.mark.parametrize(
    "tz",
    [
        "Europe/Berlin",
        "America/New_York",
        "Australia/Lord_Howe",
        "Pacific/Auckland",
        "America/Santiago",
        "Asia/Kathmandu",
        "Pacific/Kiritimati",
        "Etc/GMT+12",
    ],
)
@pytest.mark.parametrize("at", ["00:00", "01:30", "02:30", "09:00", "23:59"])
def test_a_year_of_digests_one_per_local_day(tz: str, at: str) -> None:
    # Chaining next_digest_at over a whole year gives exactly one digest per local day,
    # at the wall-clock time asked for, except on the DST gap days (then just after).
    zone, clock = ZoneInfo(tz), parse_clock(at)
    t = utc("2026-01-01T12:00:00Z")
    days: list[date] = []
    for _ in range(365):
        nxt = next_digest_at(t, tz, clock)
        assert nxt > t
        local = nxt.astimezone(zone)
        if local.time() != clock:  # only in a gap: the first instant after it
            assert local.time() > clock
            before = (nxt - timedelta(seconds=1)).astimezone(zone)
            assert before.utcoffset() != local.utcoffset()
        days.append(local.date())
        t = nxt
    assert days == [days[0] + timedelta(days=i) for i in range(365)]


# --- local_day / digest_time_today / is_still_same_day ----------------------------


@pytest.mark.parametrize(
    ("now", "tz", "expected"),
    [
        ("2026-01-04T23:30:00Z", "UTC", date(2026, 1, 4)),
        ("2026-01-04T23:30:00Z", "Europe/Lisbon", date(2026, 1, 4)),
        ("2026-01-04T23:30:00Z", "Europe/Berlin", date(2026, 1, 5)),
        ("2026-01-05T03:30:00Z", "America/New_York", date(2026, 1, 4)),
        ("2026-01-04T10:00:00Z", "Pacific/Kiritimati", date(2026, 1, 5)),
        ("2026-01-04T11:59:59Z", "Etc/GMT+12", date(2026, 1, 3)),
    ],
)
def test_local_day(now: str, tz: str, expected: date) -> None:
    assert local_day(utc(now), tz) == expected


@pytest.mark.parametrize(
    ("now", "tz", "at", "expected"),
    [
        ("2026-06-10T05:00:00Z", "Europe/Berlin", "09:00", "2026-06-10T07:00:00Z"),  # ahead
        ("2026-06-10T20:00:00Z", "Europe/Berlin", "09:00", "2026-06-10T07:00:00Z"),  # past
        ("2026-03-29T12:00:00Z", "Europe/Berlin", "02:30", "2026-03-29T01:00:00Z"),  # gap
        ("2026-10-25T12:00:00Z", "Europe/Berlin", "02:30", "2026-10-25T00:30:00Z"),  # fold
        ("2026-01-04T10:00:00Z", "Pacific/Kiritimati", "00:00", "2026-01-04T10:00:00Z"),
    ],
)
def test_digest_time_today(now: str, tz: str, at: str, expected: str) -> None:
    assert format_utc(digest_time_today(utc(now), tz, parse_clock(at))) == expected


@pytest.mark.parametrize(
    ("scheduled", "now", "tz", "expected"),
    [
        # 09:00 Berlin (07:00Z); back after 3 hours of downtime: 12:00 local, same day.
        ("2026-06-10T07:00:00Z", "2026-06-10T10:00:00Z", "Europe/Berlin", True),
        ("2026-06-10T07:00:00Z", "2026-06-10T21:59:59Z", "Europe/Berlin", True),  # 23:59:59
        # 22:30Z is still 10 June in UTC, but already 00:30 on 11 June in Berlin.
        ("2026-06-10T07:00:00Z", "2026-06-10T22:30:00Z", "Europe/Berlin", False),
        ("2026-06-10T07:00:00Z", "2026-06-10T22:30:00Z", "UTC", True),
        # 23:00 Berlin (21:00Z), down 3 hours: back at 02:00 the next local day.
        ("2026-06-10T21:00:00Z", "2026-06-11T00:00:00Z", "Europe/Berlin", False),
        # Fall-back day is 25 hours long: 00:30 CEST .. 23:59 CET is one local day.
        ("2026-10-24T22:30:00Z", "2026-10-25T22:59:00Z", "Europe/Berlin", True),
    ],
)
def test_is_still_same_day(scheduled: str, now: str, tz: str, expected: bool) -> None:
    assert is_still_same_day(utc(scheduled), utc(now), tz) is expected


# --- first_digest_at --------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "at", "last_sent", "expected"),
    [
        ("2026-06-10T06:55:00Z", "09:00", None, "2026-06-10T07:00:00Z"),  # still ahead
        ("2026-06-10T07:05:00Z", "09:00", None, "2026-06-11T07:00:00Z"),  # passed
        ("2026-06-10T07:00:00Z", "09:00", None, "2026-06-11T07:00:00Z"),  # exactly now
        # /digest set to five minutes from now fires today.
        ("2026-06-10T12:00:00Z", "14:05", None, "2026-06-10T12:05:00Z"),
        # ... unless today's digest already went out.
        ("2026-06-10T12:00:00Z", "14:05", date(2026, 6, 10), "2026-06-11T12:05:00Z"),
        ("2026-06-10T06:55:00Z", "09:00", date(2026, 6, 9), "2026-06-10T07:00:00Z"),
        # A digest sent "tomorrow" in a zone the user left behind still counts.
        ("2026-06-10T06:55:00Z", "09:00", date(2026, 6, 11), "2026-06-12T07:00:00Z"),
        ("2026-06-10T21:00:00Z", "00:00", None, "2026-06-10T22:00:00Z"),  # midnight
    ],
)
def test_first_digest_at(now: str, at: str, last_sent: date | None, expected: str) -> None:
    got = first_digest_at(utc(now), "Europe/Berlin", parse_clock(at), last_sent_day=last_sent)
    assert format_utc(got) == expected


# --- plan_sweep: what one sweep does with one row ---------------------------------

BERLIN = "Europe/Berlin"


def plan(scheduled: str, now: str, at: str = "09:00", last_sent: date | None = None) -> SweepPlan:
    return plan_sweep(utc(scheduled), utc(now), BERLIN, parse_clock(at), last_sent_day=last_sent)


def test_sweep_not_due_leaves_the_row_alone() -> None:
    assert plan("2026-06-10T07:00:00Z", "2026-06-10T06:59:59Z") == SweepPlan(
        send=False, digest_day=None, next_at=utc("2026-06-10T07:00:00Z")
    )


def test_sweep_on_time_sends_and_moves_to_tomorrow() -> None:
    assert plan("2026-06-10T07:00:00Z", "2026-06-10T07:00:30Z") == SweepPlan(
        send=True, digest_day=date(2026, 6, 10), next_at=utc("2026-06-11T07:00:00Z")
    )


def test_sweep_after_three_hours_of_downtime_same_local_day_still_sends() -> None:
    assert plan("2026-06-10T07:00:00Z", "2026-06-10T10:00:00Z") == SweepPlan(
        send=True, digest_day=date(2026, 6, 10), next_at=utc("2026-06-11T07:00:00Z")
    )


def test_sweep_after_three_hours_of_downtime_next_local_day_skips() -> None:
    # 23:00 digest (21:00Z); the bot was down 20:30Z..00:00Z, back at 02:00 local on
    # the 11th: yesterday's digest is dropped and tonight's is the next one.
    assert plan("2026-06-10T21:00:00Z", "2026-06-11T00:00:00Z", at="23:00") == SweepPlan(
        send=False, digest_day=None, next_at=utc("2026-06-11T21:00:00Z")
    )


def test_sweep_after_a_day_of_downtime_sends_todays_missed_digest() -> None:
    # 09:00 digest; down from before 09:00 on the 10th until 10:00 on the 11th: the
    # 10th's is skipped, but the 11th's was missed today, so it goes out now.
    assert plan("2026-06-10T07:00:00Z", "2026-06-11T08:00:00Z") == SweepPlan(
        send=True, digest_day=date(2026, 6, 11), next_at=utc("2026-06-12T07:00:00Z")
    )


def test_sweep_never_sends_twice_on_one_local_day() -> None:
    assert plan(
        "2026-06-10T07:00:00Z", "2026-06-10T10:00:00Z", last_sent=date(2026, 6, 10)
    ) == SweepPlan(send=False, digest_day=None, next_at=utc("2026-06-11T07:00:00Z"))


def test_sweep_on_the_fall_back_night_sends_once() -> None:
    # 02:30 happens twice on 25 Oct 2026 in Berlin: 00:30Z (CEST) and 01:30Z (CET).
    first = plan("2026-10-25T00:30:00Z", "2026-10-25T00:30:00Z", at="02:30")
    assert first == SweepPlan(
        send=True, digest_day=date(2026, 10, 25), next_at=utc("2026-10-26T01:30:00Z")
    )
    # Even a stray sweep at the second 02:30 with a stale row sends nothing more.
    again = plan(
        "2026-10-25T00:30:00Z", "2026-10-25T01:30:00Z", at="02:30", last_sent=date(2026, 10, 25)
    )
    assert again.send is False


def test_sweep_simulated_minute_by_minute_across_restarts() -> None:
    # The job's loop, run every minute for three days in New York across the
    # fall-back night, with the bot down from 08:00 to 11:30 local on day two.
    tz, at = "America/New_York", time(9, 0)
    clock = FixedClock(utc("2026-10-31T04:00:00Z"))  # 00:00 EDT, 31 Oct
    row = first_digest_at(clock.now(), tz, at)
    last_sent: date | None = None
    sent: list[datetime] = []
    down_from, down_to = utc("2026-11-01T13:00:00Z"), utc("2026-11-01T16:30:00Z")
    while clock.now() < utc("2026-11-03T04:00:00Z"):
        now = clock.now()
        if not down_from <= now < down_to and row <= now:
            p = plan_sweep(row, now, tz, at, last_sent_day=last_sent)
            if p.send:
                sent.append(now)
                last_sent = p.digest_day
            row = p.next_at
        clock.advance(timedelta(minutes=1))
    assert [format_utc(t) for t in sent] == [
        "2026-10-31T13:00:00Z",  # 09:00 EDT
        "2026-11-01T16:30:00Z",  # back at 11:30 EST: same day, sent late
        "2026-11-02T14:00:00Z",  # 09:00 EST
    ]


# --- errors -----------------------------------------------------------------------


def test_unknown_zone_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="unknown time zone"):
        next_digest_at(utc("2026-01-01T00:00:00Z"), "Mars/Olympus_Mons", time(9))
    with pytest.raises(ValueError, match="unknown time zone"):
        local_day(utc("2026-01-01T00:00:00Z"), "")


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        next_digest_at(datetime(2026, 1, 1), "UTC", time(9))
    with pytest.raises(ValueError, match="timezone-aware"):
        is_still_same_day(datetime(2026, 1, 1), utc("2026-01-01T00:00:00Z"), "UTC")


# --- bot.core.clock -----------------------------------------------------------------


def test_format_and_parse_utc() -> None:
    dt = datetime(2026, 3, 29, 1, 0, 0, tzinfo=UTC)
    assert format_utc(dt) == "2026-03-29T01:00:00Z"
    assert parse_utc("2026-03-29T01:00:00Z") == dt
    assert parse_utc("2026-03-29T01:00:00Z").tzinfo is UTC
    # Other offsets are converted; sub-seconds dropped.
    cest = timezone(timedelta(hours=2))
    assert format_utc(datetime(2026, 3, 29, 3, 0, 0, 999_999, tzinfo=cest)) == (
        "2026-03-29T01:00:00Z"
    )


def test_stored_instants_sort_as_text() -> None:
    instants = [utc("2026-01-01T00:00:00Z") + timedelta(hours=7 * i) for i in range(500)]
    texts = [format_utc(t) for t in instants]
    assert sorted(texts) == texts


@pytest.mark.parametrize(
    "text",
    [
        "2026-03-29 01:00:00Z",
        "2026-03-29T01:00:00",
        "2026-03-29T01:00:00+00:00",
        "2026-03-29T01:00Z",
        "2026-3-29T01:00:00Z",
        "2026-13-01T00:00:00Z",
        "",
    ],
)
def test_parse_utc_rejects_other_shapes(text: str) -> None:
    with pytest.raises(ValueError):
        parse_utc(text)


def test_format_utc_refuses_naive() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        format_utc(datetime(2026, 1, 1))


def test_fixed_clock() -> None:
    clock = FixedClock(datetime(2026, 1, 1, 10, 0, tzinfo=ZoneInfo("Europe/Berlin")))
    assert clock.now() == utc("2026-01-01T09:00:00Z")
    assert clock.now().tzinfo is UTC
    clock.advance(timedelta(minutes=90))
    assert format_utc(clock.now()) == "2026-01-01T10:30:00Z"
    clock.set(utc("2027-01-01T00:00:00Z"))
    assert format_utc(clock.now()) == "2027-01-01T00:00:00Z"
    with pytest.raises(ValueError):
        clock.set(datetime(2026, 1, 1))


def test_system_clock_is_aware_utc() -> None:
    now = SystemClock().now()
    assert now.tzinfo is UTC
    assert abs(now - datetime.now(UTC)) < timedelta(seconds=5)
