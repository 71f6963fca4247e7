"""kith in a Discord DM, as a user lives it: the real discord.Client against the fake."""

from __future__ import annotations

from tests.discord.conftest import DiscordUser, Kith


async def test_a_dm_log_and_its_reply(kith: Kith, ann: DiscordUser) -> None:
    assert (await ann.says("/start")).startswith("Hi! I'm kith")
    assert "Added Alice" in await ann.says("/add Alice")
    reply = await ann.says("coffee with Alice yesterday")
    assert reply.startswith("Logged coffee with Alice on Tue 24 Nov")
    # The DM content arrived without the privileged message-content intent.
    intents = kith.fake.identifies[0]["intents"]
    assert not intents & (1 << 15) and intents & (1 << 12)
