"""Who may talk to kith: private chats only, and only allowed users when a list is set."""

from __future__ import annotations

from bot.telegram.handlers import NOT_ALLOWED, PRIVATE_ONLY
from tests.support import FakeBotApi
from tests.telegram.conftest import Kith, Launcher, TelegramUser

GROUP = -1001234


async def test_a_group_is_refused_once_and_nothing_is_stored(
    kith: Kith, api: FakeBotApi, ann: TelegramUser
) -> None:
    assert await ann.says("/start", chat_id=GROUP, chat_type="supergroup") == PRIVATE_ONLY
    # Later messages in that group get no answer (no chatter in someone's group)...
    api.user_sends(ann.id, "coffee with Alice yesterday", chat_type="supergroup", chat_id=GROUP)
    api.user_sends(ann.id, "/add Bob", chat_type="supergroup", chat_id=GROUP)
    # ...which shows once a private message sent after them is answered: updates are
    # handled in order, so the group ones are done by then.
    assert "Added Carla" in await ann.says("/add Carla")
    assert api.texts_to(GROUP) == [PRIVATE_ONLY]

    assert await kith.rows("SELECT name FROM people") == [("Carla",)]
    assert await kith.count("interactions") == 0
    assert await kith.count("users") == 1  # Ann, from her private chat only


async def test_a_group_alone_leaves_the_database_empty(kith: Kith, ann: TelegramUser) -> None:
    await ann.says("/add Bob", chat_id=-42, chat_type="group")
    assert await kith.count("users") == 0
    assert await kith.count("people") == 0
    assert await kith.count("pending") == 0


async def test_a_button_in_a_group_is_refused_with_a_toast(
    kith: Kith, api: FakeBotApi, ann: TelegramUser
) -> None:
    await ann.says("hello", chat_id=GROUP, chat_type="supergroup")
    [refusal] = api.sent_to(GROUP)
    update = api.user_taps(ann.id, refusal.message_id, "q:1:a", chat_id=GROUP, check=False)
    query_id = update["callback_query"]["id"]
    answer = await api.wait_for(lambda: api.callback_answer(query_id))
    assert answer["text"] == PRIVATE_ONLY
    assert await kith.count("users") == 0


async def test_allowed_users_keeps_strangers_out(launch: Launcher, api: FakeBotApi) -> None:
    async with launch(allowed_users=frozenset({42})) as kith:
        stranger, owner = kith.user(7, "Eve"), kith.user(42, "Olga")
        assert await stranger.says("/add Mallory") == NOT_ALLOWED
        assert await stranger.says("coffee with Mallory") == NOT_ALLOWED
        assert await kith.count("users") == 0

        assert "Added Alice" in await owner.says("/add Alice")
        assert await kith.rows("SELECT owner_id, name FROM people") == [(42, "Alice")]


async def test_each_telegram_user_has_their_own_people(kith: Kith) -> None:
    ann, bob = kith.user(7, "Ann"), kith.user(8, "Bob")
    await ann.says("/add Alice Smith")
    assert "Alice Smith" not in await bob.says("/people")
    assert "don't know" in await bob.says("/show Alice")
