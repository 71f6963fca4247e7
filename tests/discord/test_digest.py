"""The digest over Discord: the sweep with a Discord sender, a clock the test sets, and
the real client against the fake. A restart between sending and pressing is real too."""

from __future__ import annotations

import pytest

from bot.core.clock import FixedClock, parse_utc
from bot.discord.render import DISCORD_LIMITS
from bot.discord.run import sender_for
from bot.discord.sender import DiscordSender
from bot.engine import Reply
from bot.nudges.sweep import Rejected, Sweeper, TryLater, Undeliverable
from bot.ports.digests import Scope
from bot.ports.identities import DISCORD
from tests.discord.conftest import ANN, DiscordUser, Kith, Launcher
from tests.support.fake_discord import FakeMessage


async def sweep_at(kith: Kith, clock: FixedClock, when: str) -> list[FakeMessage]:
    """Set the clock, run one sweep (as the loop would each minute); what Ann got."""
    clock.set(parse_utc(when))
    before = len(kith.fake.messages_to(ANN))
    sweeper = Sweeper(
        kith.services.engine,
        clock,
        sender_for(kith.client),
        scope=Scope(transport=DISCORD),
        limits=DISCORD_LIMITS,
    )
    await sweeper.sweep()
    return kith.fake.messages_to(ANN)[before:]


async def with_alice(ann: DiscordUser) -> None:
    await ann.says("/add Alice inner")
    await ann.says("coffee with Alice 2026-10-01")


async def test_the_digest_arrives_at_its_minute_with_working_buttons(
    kith: Kith, ann: DiscordUser, clock: FixedClock
) -> None:
    await with_alice(ann)
    assert await sweep_at(kith, clock, "2026-11-26T08:59:00Z") == []

    [digest] = await sweep_at(kith, clock, "2026-11-26T09:00:00Z")
    assert digest.shown.startswith("It's been a while — maybe say hi to:")
    assert digest.rows == [
        ["Reached out to Alice"],
        ["Snooze Alice a week", "Less often for Alice"],
    ]

    shown = await ann.taps("Reached out")
    assert "✓ Reached out to Alice · /undo" in shown
    # Edited in place: Alice's buttons gone, an Undo for what the press changed.
    assert kith.fake.message(digest.channel_id, digest.id).rows == [["↩ Undo"]]
    assert "Alice" not in await ann.says("/who")
    assert await sweep_at(kith, clock, "2026-11-26T09:01:00Z") == []  # one a day


async def test_a_button_pressed_after_a_restart_still_works(
    launch: Launcher, clock: FixedClock
) -> None:
    async with launch() as kith:
        ann = kith.user(ANN)
        await with_alice(ann)
        [digest] = await sweep_at(kith, clock, "2026-11-26T09:00:00Z")
    assert kith.fake.connected == 0  # the bot is gone; the digest stays in her DM

    async with launch() as again:
        ann = again.user(ANN)
        assert ann.button("Snooze") is digest
        assert "💤 Snoozed Alice until Thu 3 Dec" in await ann.taps("Snooze")
        assert "Alice" in await ann.says("/undo")  # the press was an ordinary change


async def test_a_server_error_is_retried_within_the_day_and_never_doubled(
    kith: Kith, ann: DiscordUser, clock: FixedClock
) -> None:
    await with_alice(ann)
    kith.fake.fail_next("/messages", 503, message="Service Unavailable")
    assert await sweep_at(kith, clock, "2026-11-26T09:00:00Z") == []
    assert len(await sweep_at(kith, clock, "2026-11-26T09:01:00Z")) == 1
    assert await sweep_at(kith, clock, "2026-11-26T09:02:00Z") == []
    assert await sweep_at(kith, clock, "2026-11-26T15:00:00Z") == []


async def test_a_user_who_blocked_the_bot_stops_getting_digests(
    kith: Kith, ann: DiscordUser, clock: FixedClock
) -> None:
    await with_alice(ann)
    kith.fake.blocked.add(ANN)
    assert await sweep_at(kith, clock, "2026-11-26T09:00:00Z") == []
    owner = await kith.owner(ANN)
    assert await kith.rows("SELECT active FROM users WHERE id = ?", owner) == [(0,)]
    tries = len(kith.fake.calls)
    await sweep_at(kith, clock, "2026-11-27T09:00:00Z")
    await sweep_at(kith, clock, "2026-11-28T09:00:00Z")
    assert len(kith.fake.calls) == tries  # not retried: Discord bans IPs that keep trying

    kith.fake.blocked.discard(ANN)  # she unblocks and says /start: digests again
    assert (await ann.says("/start")).startswith("Hi")
    assert await kith.rows("SELECT active FROM users WHERE id = ?", owner) == [(1,)]


@pytest.mark.parametrize(
    ("status", "code", "raised"),
    [
        (403, 50007, Undeliverable),  # cannot send messages to this user
        (403, 50278, Undeliverable),  # no mutual guilds
        (400, 50035, Rejected),
        (503, 0, TryLater),
    ],
)
async def test_discord_errors_map_onto_what_the_sweep_does(
    kith: Kith, status: int, code: int, raised: type[Exception]
) -> None:
    await kith.user(ANN).says("/start")
    kith.fake.fail_next("/messages", status, code=code)
    with pytest.raises(raised):
        await sender_for(kith.client).send(await owner(kith, ANN), Reply("hello"))


async def test_the_dm_channel_is_opened_once_per_user(kith: Kith) -> None:
    await kith.user(ANN).says("/start")
    sender, before = sender_for(kith.client), len(kith.fake.messages_to(ANN))
    for text in ("one", "two", "three"):
        await sender.send(await owner(kith, ANN), Reply(text))
    assert [m.shown for m in kith.fake.messages_to(ANN)[before:]] == ["one", "two", "three"]
    assert sum(c.path == "/users/@me/channels" for c in kith.fake.calls) == 1


async def test_a_user_no_longer_allowed_gets_no_digest(launch: Launcher) -> None:
    async with launch() as kith:
        await kith.user(ANN).says("/start")
        made_private = DiscordSender(kith.client, kith.services.store.identities, frozenset({1}))
        before = len(kith.fake.messages_to(ANN))
        with pytest.raises(Undeliverable):
            await made_private.send(await owner(kith, ANN), Reply("hello"))
        assert len(kith.fake.messages_to(ANN)) == before


async def test_an_owner_without_a_discord_identity_is_undeliverable(kith: Kith) -> None:
    with pytest.raises(Undeliverable):
        await sender_for(kith.client).send(424242, Reply("hello"))


async def owner(kith: Kith, user_id: int) -> int:
    found = await kith.owner(user_id)
    assert found is not None
    return found
