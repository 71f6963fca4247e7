"""Contacts import end to end: the real `kith run` process, a `.vcf` sent as a document.

Ann sends her phone's vCard export. The bot downloads it through the fake Bot API's file
URL, answers with the summary and its buttons; she taps import, and the people are in
/people. Then /export comes back as two documents, and /undo takes the import away.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.formats import document_from_json
from tests.e2e.conftest import KithRun
from tests.e2e.test_kith_run import ANN, WAIT, says, started, taps
from tests.support import FakeBotApi

FIXTURES = Path(__file__).parents[1] / "formats" / "fixtures"


def test_a_vcard_sent_to_the_running_bot_is_imported_at_a_tap(
    tmp_path: Path, api: FakeBotApi, kith_run: KithRun
) -> None:
    proc = kith_run.start()
    started(api, 0)

    before = len(api.sent_to(ANN))
    api.user_sends_document(ANN, "Contacts.vcf", (FIXTURES / "android_v21.vcf").read_bytes())
    [summary] = api.wait_for_messages_sync(ANN, before + 1, timeout=WAIT)[before:]

    assert (summary.plain_text or "").startswith(
        "5 cards in this vCard 2.1 file: 3 people; 1 had no name and was skipped;"
    )
    assert [label for label, _ in summary.buttons] == [
        "Import 3 into wider",
        "Import 3 into friends",
        "Import 3 into close",
        "Import 3 into inner",
        "Cancel",
    ]
    assert api.calls_of("getFile")  # the bot fetched the file itself

    outcome = taps(api, ANN, "Import 3 into wider")

    assert outcome.startswith("Contacts.vcf: 5 cards: 3 people imported into wider,")
    assert "Saved 2 birthdays," in outcome
    people = says(api, ANN, "/people")
    assert "wider (3)" in people
    for name in ("Jürgen Müller", "Δημήτρης Παπαδόπουλος", "Anna Smith"):
        assert name in people
    assert "Jogi" in says(api, ANN, "/show Jürgen")

    assert says(api, ANN, "/export", replies=3).startswith("Here's everything you've told me")
    json_file, vcf_file = (m.document for m in api.sent_to(ANN)[-2:])
    assert json_file is not None and vcf_file is not None
    assert json_file.filename.startswith("kith-export-") and json_file.filename.endswith(".json")
    assert vcf_file.filename.startswith("kith-contacts-") and vcf_file.filename.endswith(".vcf")
    assert len(document_from_json(json_file.content).people) == 3

    assert says(api, ANN, "/undo") == "Undone: imported Contacts.vcf."
    assert "Nobody here yet" in says(api, ANN, "/people")

    assert kith_run.terminate(proc) == 0
    with sqlite3.connect(tmp_path / "kith.db") as db:
        assert db.execute("SELECT count(*) FROM people").fetchone() == (0,)
    assert "Traceback" not in kith_run.everything_printed()
