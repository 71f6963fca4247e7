"""The daily digest end to end: the real `kith run` process on the real clock, talking
HTTP to the fake Bot API on 127.0.0.1.

Ann sets her digest to the coming minute and has a friend she has not seen for 200
days. The digest arrives from the running process with its three buttons; "Reached out"
takes Alice off /who; a restart the same day sends no second digest.

The sweep runs every second here (`KITH_SWEEP_SECONDS`, a test-only knob), and the
process's clock is shifted (`KITH_CLOCK_OFFSET`, test-only too) to start a few seconds
before a whole minute, so the digest minute comes in seconds, not up to a minute.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.e2e.conftest import KithRun
from tests.e2e.test_kith_run import ANN, says, started, taps
from tests.support import FakeBotApi, SentMessage, WaitTimeout

DIGEST = "It's been a while — maybe say hi to:"
LEAD = 15.0  # seconds between the process starting and its digest minute
MARGIN = 45.0  # seconds after the digest minute: a guard for a slow, loaded machine
SWEEPS = 4.0  # seconds: a few sweeps at one per second


def shift_to_just_before_a_minute() -> timedelta:
    """A clock offset that puts now `LEAD` seconds before a whole minute."""
    now = datetime.now(UTC)
    minute = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return minute - timedelta(seconds=LEAD) - now


def coming_minute(offset: timedelta) -> datetime:
    """The process's next whole minute at least a few seconds away."""
    now = datetime.now(UTC) + offset
    target = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return target if target - now >= timedelta(seconds=4) else target + timedelta(minutes=1)


def digests_to(api: FakeBotApi) -> list[SentMessage]:
    return [m for m in api.sent_to(ANN) if (m.plain_text or "").startswith(DIGEST)]


def test_the_digest_comes_at_its_minute_once_and_one_tap_acts(
    api: FakeBotApi, kith_run: KithRun, tmp_path: Path
) -> None:
    kith_run.env["KITH_SWEEP_SECONDS"] = "1"
    offset = shift_to_just_before_a_minute()
    kith_run.env["KITH_CLOCK_OFFSET"] = str(offset.total_seconds())
    first = kith_run.start()
    started(api, 0)

    assert "Added Alice" in says(api, ANN, "/add Alice")
    assert says(api, ANN, "coffee with Alice 200 days ago").startswith("Logged coffee")
    at = coming_minute(offset)
    assert f"{at:%H:%M}" in says(api, ANN, f"/digest {at:%H:%M}")  # Ann is on UTC

    # Wait until well past the minute, however long the start took on a loaded machine.
    until = (at - (datetime.now(UTC) + offset)).total_seconds() + MARGIN
    [digest] = api.wait_for_sync(lambda: digests_to(api), timeout=until, what="the digest")
    arrived = datetime.now(UTC) + offset
    assert at <= arrived < at + timedelta(seconds=30)
    assert "• Alice (friends) — 6 months since coffee" in (digest.plain_text or "")
    labels = [label for label, _ in digest.buttons]
    assert len(labels) == 3
    for word in ("Reached out", "Snooze", "Less often"):
        assert any(word in label for label in labels), labels

    assert "Alice" in says(api, ANN, "/who")
    assert "✓ Reached out to Alice · /undo" in taps(api, ANN, "Reached out")
    assert "Alice" not in says(api, ANN, "/who")

    assert kith_run.terminate(first) == 0
    second = kith_run.start()
    started(api, len(api.calls_of("getUpdates")))
    with pytest.raises(WaitTimeout):  # several sweeps of the new process: nothing more
        api.wait_for_sync(lambda: len(digests_to(api)) > 1, timeout=SWEEPS, what="2nd digest")
    assert "next digest: " in says(api, ANN, "/settings")
    assert kith_run.terminate(second) == 0

    with sqlite3.connect(tmp_path / "kith.db") as db:
        rows = db.execute("SELECT owner_id, status, attempts FROM digests").fetchall()
    assert rows == [(ANN, "sent", 1)]
    assert "Traceback" not in kith_run.everything_printed()
