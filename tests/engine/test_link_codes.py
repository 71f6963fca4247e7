"""Guessing someone's /link code: a few wrong tries, then kith asks to wait."""

from __future__ import annotations

from datetime import timedelta

from bot.core.clock import FixedClock
from tests.conversation import Chat


async def test_five_wrong_codes_then_wait_ten_minutes(user: Chat, clock: FixedClock) -> None:
    for code in ("AAAAAA", "BBBBBB", "CCCCCC", "DDDDDD", "EEEEEE"):
        assert (await user.says(f"/link {code}")).startswith("That code doesn't match")
    assert "wait ten minutes" in await user.says("/link FFFFFF")
    clock.advance(timedelta(minutes=10, seconds=1))
    assert (await user.says("/link GGGGGG")).startswith("That code doesn't match")


async def test_asking_for_a_code_is_never_blocked(user: Chat) -> None:
    for _ in range(6):
        await user.says("/link HHHHHH")
    assert (await user.says("/link")).startswith("Your link code: ")
