"""`kith run` as a real process under faults: kill -9 with a backlog, a revoked token."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.telegram.run import REJECTED
from tests.e2e.conftest import START, KithRun
from tests.e2e.test_kith_run import ANN, BOB, WAIT, says, started
from tests.support import FakeBotApi

BACKLOG = 60
FIXTURES = Path(__file__).parents[1] / "formats" / "fixtures"


def _notes(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [r[0] for r in conn.execute("SELECT text FROM notes ORDER BY id")]


def test_kill_9_with_a_backlog_loses_nothing_and_doubles_nothing(
    tmp_path: Path, api: FakeBotApi, kith_run: KithRun
) -> None:
    first = kith_run.start()
    started(api, 0)
    assert "Added Alice" in says(api, ANN, "/add Alice")
    for i in range(BACKLOG):
        api.user_sends(ANN, f"note Alice fact {i}")
    api.wait_for_messages_sync(ANN, 1 + 3, timeout=WAIT)  # a few answered, then OOM
    first.kill()
    first.wait(WAIT)
    answered_before = len(api.sent_to(ANN)) - 1
    assert answered_before < BACKLOG  # the kill really came with a backlog

    second = kith_run.start()
    api.wait_for_sync(
        lambda: api.pending_updates() == [] or None, timeout=START, what="backlog confirmed"
    )
    notes = _notes(tmp_path / "kith.db")
    assert sorted(notes) == sorted(f"fact {i}" for i in range(BACKLOG))  # each exactly once
    assert kith_run.terminate(second) == 0
    assert "Traceback" not in kith_run.everything_printed()


def test_kill_9_while_anns_file_is_in_flight_handles_it_once_and_bobs_messages_not_again(
    tmp_path: Path, api: FakeBotApi, kith_run: KithRun
) -> None:
    first = kith_run.start()
    started(api, 0)
    slow = api.hold("getFile")  # Telegram is slow to hand over Ann's file
    try:
        api.user_sends_document(ANN, "google.csv", (FIXTURES / "google.csv").read_bytes())
        api.wait_for_sync(lambda: slow.waiting or None, timeout=WAIT, what="Ann's file")
        # Bob writes meanwhile: answered while Ann's update is still in flight.
        assert "Added Zoe" in says(api, BOB, "/add Zoe")
        assert "Zoe" in says(api, BOB, "note Zoe loves jazz")
        first.kill()
        first.wait(WAIT)
    finally:
        slow.release()
    assert api.sent_to(ANN) == []
    # Nothing from Ann's file on was confirmed: Telegram delivers all three again.
    assert len(api.pending_updates()) == 3

    second = kith_run.start()
    api.wait_for_sync(
        lambda: api.pending_updates() == [] or None, timeout=START, what="all confirmed"
    )
    [summary] = api.wait_for_messages_sync(ANN, 1, timeout=WAIT)
    assert (summary.plain_text or "").startswith("5 rows in this Google Contacts CSV file")
    assert kith_run.terminate(second) == 0  # its replies are out once it has stopped
    assert len(api.sent_to(ANN)) == 1  # Ann's file answered once
    assert len(api.sent_to(BOB)) == 2  # Bob's two messages not applied or answered again
    assert _notes(tmp_path / "kith.db") == ["loves jazz"]
    assert "Traceback" not in kith_run.everything_printed()


def test_a_token_revoked_while_running_exits_2_with_one_line(
    api: FakeBotApi, kith_run: KithRun
) -> None:
    proc = kith_run.start()
    started(api, 0)
    assert says(api, ANN, "/start").startswith("Hi!")
    api.token = "999:REVOKED"  # @BotFather /revoke: polling now answers 401
    api.user_sends(ANN, "/help")
    assert proc.wait(WAIT) == 2
    _, err = kith_run.output(0)
    assert err.rstrip("\n").splitlines()[-1] == REJECTED
    assert "Traceback" not in err


def test_a_second_kith_run_on_the_same_database_refuses_in_one_line(
    api: FakeBotApi, kith_run: KithRun
) -> None:
    first = kith_run.start()
    started(api, 0)
    code, out, err = kith_run.run_to_exit()
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "already serving" in err
    assert says(api, ANN, "/start").startswith("Hi!")  # the first one carries on
    assert kith_run.terminate(first) == 0
