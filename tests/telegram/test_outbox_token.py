"""A token revoked while replies are queued: one warning, no traceback, nothing blocked."""

from __future__ import annotations

import logging

import pytest
from telegram.error import InvalidToken

from bot.telegram.outbox import Outbox


async def test_a_reply_refused_for_a_revoked_token_is_one_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    blocked: list[int] = []
    sent: list[str] = []

    async def on_blocked(owner: int) -> None:
        blocked.append(owner)

    async def refused() -> object:
        raise InvalidToken("Unauthorized")

    async def later() -> object:
        sent.append("later")
        return None

    outbox = Outbox(on_blocked, first_delay=0)
    with caplog.at_level(logging.WARNING, logger="bot.telegram.outbox"):
        outbox.post(1, 10, [refused, later])
        await outbox.idle()
    assert [r.levelname for r in caplog.records] == ["WARNING"]
    assert "rejected the bot token" in caplog.records[0].getMessage()
    assert not any(r.exc_info for r in caplog.records)
    assert blocked == [] and sent == []  # the user did not block kith; the rest stops
