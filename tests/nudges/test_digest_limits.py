"""The digest fits the message of the transport it goes to: text, rows, button data."""

from __future__ import annotations

from datetime import date

from bot.core.circles import Circles
from bot.core.model import Person, PersonCard
from bot.engine.replies import Limits
from bot.nudges.digest import compose
from bot.telegram.limits import TELEGRAM_LIMITS

TODAY = date(2026, 11, 26)
# A message like Discord's: 2,000 characters, 5 rows of up to 5 buttons, 100-byte ids.
SMALL = Limits(max_text=2000, max_buttons_per_row=5, max_rows=5, max_data_bytes=100)


def cards(n: int) -> list[PersonCard]:
    return [
        PersonCard(
            Person(i, f"Friend{i}", "inner", date(2026, 1, 1), last_contact=date(2026, 1, 1))
        )
        for i in range(1, n + 1)
    ]


def test_on_telegram_each_person_gets_two_rows() -> None:
    digest = compose(cards(3), Circles(), TODAY, limits=TELEGRAM_LIMITS)
    assert digest is not None
    assert [len(row) for row in digest.reply.buttons] == [1, 2, 1, 2, 1, 2]


def test_where_rows_are_few_each_person_gets_one_row_of_three() -> None:
    digest = compose(cards(3), Circles(), TODAY, limits=SMALL)
    assert digest is not None
    assert [len(row) for row in digest.reply.buttons] == [3, 3, 3]
    assert digest.reply.buttons[0][0].label == "Reached out to Friend1"


def test_whoever_does_not_fit_in_the_rows_waits_for_another_day() -> None:
    digest = compose(cards(7), Circles(), TODAY, limits=SMALL)
    assert digest is not None
    assert digest.person_ids == (1, 2, 3, 4, 5)
    assert len(digest.reply.buttons) == 5


def test_the_text_stays_within_the_transport_s_message() -> None:
    digest = compose(cards(60), Circles(), TODAY, limits=Limits(max_text=300))
    assert digest is not None
    assert len(digest.reply.text) <= 300
    assert 0 < len(digest.person_ids) < 60
