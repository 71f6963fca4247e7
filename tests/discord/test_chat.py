"""kith in a Discord DM, as a user lives it: the real discord.Client against the fake."""

from __future__ import annotations

from bot.discord.client import DM_ONLY, NOT_ALLOWED
from tests.discord.conftest import ANN, BOB, DiscordUser, Kith, Launcher


async def test_a_dm_log_and_its_reply(kith: Kith, ann: DiscordUser) -> None:
    assert (await ann.says("/start")).startswith("Hi! I'm kith")
    assert "Added Alice" in await ann.says("/add Alice")
    reply = await ann.says("coffee with Alice yesterday")
    assert reply.startswith("Logged coffee with Alice on Tue 24 Nov")
    # The DM content arrived without the privileged message-content intent.
    intents = kith.fake.identifies[0]["intents"]
    assert not intents & (1 << 15) and intents & (1 << 12)


async def test_a_slash_command_is_the_same_conversation(kith: Kith, ann: DiscordUser) -> None:
    # Every engine command was registered at start, usable in DMs and by user installs.
    synced = {c["name"]: c for c in kith.fake.commands}
    assert set(synced) == set(kith.services.engine.commands)
    assert synced["show"]["contexts"] == [0, 1, 2]
    assert synced["show"]["integration_types"] == [0, 1]
    assert [o["name"] for o in synced["show"]["options"]] == ["person", "text"]
    assert synced["show"]["options"][0]["autocomplete"] is True

    assert "Added Alice Smith" in await ann.slash("add", text="Alice Smith")
    await ann.says("coffee with Alice yesterday")
    card = await ann.slash("show", person="Alice Smith")
    assert card.startswith("Alice Smith — friends") and "coffee" in card
    assert "loves jazz" in await ann.slash("note", person="Alice Smith", text="loves jazz")
    assert not ann.last[0].ephemeral  # her own DM: an ordinary message


async def test_person_arguments_autocomplete_from_her_own_people(
    kith: Kith, ann: DiscordUser
) -> None:
    for name in ("Alice Smith", "Alan Wong", "Bob", "Malika"):
        await ann.says(f"/add {name}")
    bob = kith.user(BOB, "Bob")
    await bob.says("/add Alfred")

    assert await kith.fake.autocomplete(ann.id, "show", "person", "al") == [
        "Alan Wong",
        "Alice Smith",
        "Malika",  # contains "al": offered after the names that start with it
    ]
    assert await kith.fake.autocomplete(ann.id, "note", "person", "") == [
        "Alan Wong",
        "Alice Smith",
        "Bob",
        "Malika",
    ]
    assert await kith.fake.autocomplete(bob.id, "show", "person", "al") == ["Alfred"]


async def test_a_button_press_edits_its_message_in_place(kith: Kith, ann: DiscordUser) -> None:
    assert "Carla" in await ann.says("dinner with Carla")
    question = ann.last[0]
    assert any(label.startswith("Add Carla") for label, _ in question.buttons)
    assert all(len(custom_id) <= 100 for _, custom_id in question.buttons)

    shown = await ann.taps("Add Carla")
    assert "Logged dinner with Carla" in shown
    # Answered: the question's buttons are gone; what is left is the change's Undo.
    assert kith.fake.message(question.channel_id, question.id).rows == [["↩ Undo"]]
    assert "Carla" in await ann.says("/people")


async def test_a_server_message_is_answered_once_and_nothing_is_stored(
    kith: Kith, ann: DiscordUser
) -> None:
    channel = 555_000_000_000_000_001
    for text in ("@kith add Zed", "@kith hello?"):
        await kith.fake.guild_message(ann.id, channel, text)
    await kith.fake.wait_for(lambda: len(kith.fake.channels[channel]) >= 3, what="an answer")
    bot_said = [m.shown for m in kith.fake.channels[channel] if m.author_id != ann.id]
    assert bot_said == [DM_ONLY]  # once per channel, however often she writes there

    interaction = await kith.fake.slash(ann.id, "people", guild_channel=channel)
    await kith.fake.answered(interaction)
    [answer] = [m for m in kith.fake.channels[channel] if m.interaction_id == interaction.id]
    assert (answer.shown, answer.ephemeral) == (DM_ONLY, True)
    assert await kith.rows("SELECT id FROM users") == []  # no trace of her anywhere
    assert await kith.owner(ann.id) is None
    assert await kith.rows("SELECT count(*) FROM people") == [(0,)]


async def test_only_allowed_users_get_in(launch: Launcher) -> None:
    async with launch(allowed_users=frozenset({ANN})) as kith:
        eve = kith.user(BOB, "Eve")
        assert await eve.says("/start") == NOT_ALLOWED
        assert await eve.slash("people") == NOT_ALLOWED and eve.last[0].ephemeral
        assert (await kith.user(ANN).says("/start")).startswith("Hi!")
        assert await kith.owner(BOB) is None  # Eve left no trace
        assert [r[0] for r in await kith.rows("SELECT id FROM users")] == [await kith.owner(ANN)]


async def test_a_slow_answer_is_deferred_within_three_seconds(launch: Launcher) -> None:
    async with launch(fast=0.0) as kith:  # defer at once, as if the engine were slow
        ann = kith.user(ANN)
        assert "Added Alice" in await ann.slash("add", text="Alice")
        [interaction] = kith.fake.interactions.values()
        assert [r["type"] for r in interaction.responses] == [5]  # "thinking…", then the edit
        assert "Carla" in await ann.says("dinner with Carla")
        assert "Logged dinner with Carla" in await ann.taps("Add Carla")
        pressed = list(kith.fake.interactions.values())[-1]
        assert [r["type"] for r in pressed.responses] == [6]


async def test_a_long_answer_is_cut_to_discord_sizes(kith: Kith, ann: DiscordUser) -> None:
    await ann.says("/add Alice")
    for n in range(3):  # three long notes: her card runs past one Discord message
        await ann.says(f"/note Alice {n} " + " ".join(["jazz"] * 380))
    card = await ann.says("/show Alice", replies=2)
    assert [len(m.content) <= 2000 for m in ann.last] == [True, True]
    assert len(card) > 2000 and card.startswith("Alice — friends")


async def test_names_are_bold_and_a_friend_called_star_bea_is_not_markdown(
    kith: Kith, ann: DiscordUser
) -> None:
    await ann.says("/add Bea_x")
    await ann.says("/note Bea_x loves *jazz* and <@123>")
    reply = await ann.says("/show Bea_x")
    message = ann.last[0]
    assert reply.startswith("Bea_x — ") and "loves *jazz* and <@123>" in reply  # as typed
    assert message.bold[:1] == ["Bea_x"]
    assert "\\*jazz\\*" in message.content and "<@123>" not in message.content


async def test_a_logged_change_has_an_undo_button_that_takes_it_back(
    kith: Kith, ann: DiscordUser
) -> None:
    await ann.says("/add Alice")
    await ann.says("coffee with Alice yesterday")
    assert ann.labels == ["↩ Undo"]
    undone = await ann.taps("↩ Undo")
    assert "coffee" not in await ann.says("/show Alice"), undone


async def test_editing_a_log_corrects_it_and_a_link_preview_is_not_an_edit(
    kith: Kith, ann: DiscordUser
) -> None:
    await ann.says("/add Alice")
    await ann.says("/add Bob")
    await ann.says("coffee with Alice yesterday")
    mine = [m for m in kith.fake.channels[kith.fake.dm_channel(ann.id)] if m.author_id == ann.id]
    before = len(kith.fake.messages_to(ann.id))
    await kith.fake.dm_unfurl(ann.id, mine[-1])
    await kith.fake.dm_edit(ann.id, mine[-1], "coffee with Bob yesterday")
    [answer] = await kith.fake.replies(ann.id, 1, after=before)
    assert "Bob" in answer.shown and "Alice" in answer.shown  # says what changed
    assert len(kith.fake.messages_to(ann.id)) == before + 1  # the unfurl got no answer
    assert "coffee" in await ann.says("/show Bob")
    assert "coffee" not in await ann.says("/show Alice")
