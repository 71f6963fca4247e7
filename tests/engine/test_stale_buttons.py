"""Forged or stale button data: a friendly "that button has expired", never a traceback."""

from __future__ import annotations

import logging

import pytest

from bot.compose import Services
from tests.conversation import Chat

FORGED = [
    "q:²:y",
    "q:99999999999999999999:y",
    "q:-1:y",
    "q::",
    "n:r:1:²",
    "n:r:²",
    "n:s:99999999999999999999",
    "n:r:1:2.99999999999999999999",
    "zz:1",
    "",
]


@pytest.mark.parametrize("data", FORGED)
async def test_forged_button_data_is_refused_kindly(
    app: Services, user: Chat, data: str, caplog: pytest.LogCaptureFixture
) -> None:
    await user.says("/add Alice")
    replies = await app.engine.press(user.owner, data)
    text = " ".join(r.text for r in replies)
    assert "expired" in text
    assert "Sorry" not in text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


async def test_a_digest_button_for_a_person_forgotten_since_changes_nothing(
    app: Services, user: Chat
) -> None:
    await user.says("/add Alice")
    [(pid,)] = await app.db.fetchall("SELECT id FROM people")
    await user.says("/forget Alice")
    await user.presses("Yes")
    replies = await app.engine.press(user.owner, f"n:r:{pid}")
    assert "no longer in your circles" in replies[0].text
    assert await app.db.fetchall("SELECT id FROM interactions") == []


async def test_a_stale_press_after_deleteme_recreates_nothing(app: Services, user: Chat) -> None:
    await user.says("/add Alice")
    await user.says("/forget Alice")
    stale = user.button("Yes").data  # a question left on screen
    await user.says("/deleteme")
    await user.presses("Yes, delete everything")
    assert await app.db.fetchall("SELECT id FROM users") == []

    for data in (stale, "n:r:1", "q:1:y"):
        replies = await app.engine.press(user.owner, data)
        assert "expired" in replies[0].text
    assert await app.db.fetchall("SELECT id FROM users") == []
    assert await app.db.fetchall("SELECT id FROM people") == []
