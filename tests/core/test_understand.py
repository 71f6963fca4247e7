"""Reading what a message is before reading it as a log (beyond the corpus)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.core.names import NameIndex
from bot.core.phrases import parse_log
from bot.core.understand import Intent, read
from tests.core.corpus import roster

TODAY = date(2026, 12, 1)
INDEX = NameIndex.build(roster())


@pytest.mark.parametrize(
    ("text", "intent", "person"),
    [
        ("I owe Sara a call", Intent.PLAN, "Sara"),
        ("remember to text Priya", Intent.PLAN, "Priya"),
        ("Ben's coming over on Saturday", Intent.PLAN, "Ben"),
        ("Tom's party is on Saturday", Intent.PLAN, "Tom"),
        ("off for drinks with Omar later tonight", Intent.PLAN, "Omar"),
        ("I miss Grace", Intent.NEGATION, "Grace"),
        ("Leo called but I missed it", Intent.NEGATION, "Leo"),
        ("missed a call from Dad", Intent.NEGATION, "Dad"),
        ("I saw Fatima's post on instagram", Intent.STATEMENT, "Fatima"),
        ("Li Wei liked my photo", Intent.STATEMENT, "Li Wei"),
        ("Was going to see Fatima but she was ill", Intent.CANCELLED, "Fatima"),
        ("Did yoga with Hannah, she's pregnant!", Intent.LOG, ""),
        ("met MJ for the first time in a year", Intent.LOG, ""),
    ],
)
def test_what_a_message_is(text: str, intent: Intent, person: str) -> None:
    reading = read(text, TODAY, INDEX)
    assert (reading.intent, reading.person) == (intent, person)


def test_a_name_that_starts_a_clause_after_a_comma_is_the_note() -> None:
    phrase = parse_log("coffee with Sara, Omar is sick", TODAY, INDEX)
    assert phrase.names == ("Sara",)
    assert phrase.note == "Omar is sick"
    assert parse_log("lunch with Sara, Omar, Lena", TODAY, INDEX).names == ("Sara", "Omar", "Lena")


def test_the_day_before_last() -> None:
    assert parse_log("the Sunday before last: hike with Rosa", TODAY, INDEX).day == date(
        2026, 11, 22
    )


def test_a_capitalised_thing_someone_owns_is_not_a_person() -> None:
    assert parse_log("Fatima helped with my CV", TODAY, INDEX).names == ("Fatima",)
    assert parse_log("helped Li Wei with his CV", TODAY, INDEX).names == ("Li Wei",)


def test_a_numeric_date_is_ahead_or_past_in_the_users_own_order() -> None:
    # On 1 Dec, 11/12 is 11 December (ahead: a plan) day first, 12 November month first.
    assert read("coffee with Sara 11/12", TODAY, INDEX, "dmy").intent is Intent.PLAN
    assert read("coffee with Sara 11/12", TODAY, INDEX, "mdy").intent is Intent.LOG
    assert parse_log("coffee with Sara 11/12", TODAY, INDEX, "mdy").day == date(2026, 11, 12)
