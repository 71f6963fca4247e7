"""The whole corpus (tests/core/corpus) said to the engine: no non-log is ever answered
"Logged …", every log is logged (or asks about a new or shared name), and the non-logs
each get an answer of their own rather than "I didn't catch that"."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.compose import Services
from bot.core.clock import FixedClock
from tests.conversation import Chat
from tests.core.corpus import log_cases, other_cases, roster

NOT_CAUGHT = "I didn't catch that"


async def _roster(user: Chat) -> None:
    for entry in roster():
        assert "Added" in await user.says(f"/add {entry.name}")
        for alias in entry.aliases:
            await user.says(f"/alias {entry.name} {alias}")
    await user.says("/dateorder dmy")


async def _close_questions(app: Services) -> None:
    while waiting := await app.store.latest_pending(1, datetime(2000, 1, 1, tzinfo=UTC)):
        await app.store.drop_pending(1, waiting[0])


async def test_the_corpus_through_the_engine(user: Chat, app: Services, clock: FixedClock) -> None:
    await _roster(user)
    wrong: list[str] = []
    logged = 0
    for other in other_cases():
        clock.set(datetime.combine(other.today, datetime.min.time(), UTC).replace(hour=10))
        await _close_questions(app)
        reply = await user.says(other.text)
        if "Logged" in reply or NOT_CAUGHT in reply:
            wrong.append(f"{other.text!r} -> {reply!r}")
    for case in log_cases():
        clock.set(datetime.combine(case.today, datetime.min.time(), UTC).replace(hour=10))
        await _close_questions(app)
        reply = await user.says(case.text)
        logged += reply.startswith("Logged")
        asks = any(w in reply for w in ("Which ", "I don't know "))
        if not (reply.startswith("Logged") or (asks and any(p[0] in "+?" for p in case.people))):
            wrong.append(f"{case.text!r} -> {reply!r}")
    assert not wrong, "\n".join(wrong)
    assert logged >= 400  # the loop really ran the corpus
