"""Many people at once: one user's slow reply never delays another's, and each chat's
messages are handled in the order they were sent."""

from __future__ import annotations

import asyncio

from telegram import Update

from bot.telegram.app import parts_of_app
from bot.telegram.concurrency import ChatOrderedProcessor
from tests.support import FakeBotApi
from tests.telegram.conftest import WAIT, Kith, Launcher, TelegramUser
from tests.telegram.test_transfer import FIXTURES


async def test_ann_s_slow_download_holds_up_only_ann_and_her_messages_stay_in_order(
    kith: Kith, api: FakeBotApi
) -> None:
    ann, bob = kith.user(7, "Ann"), kith.user(8, "Bob")
    await ann.says("/start")
    await bob.says("/start")
    ann_before, bob_before = len(api.sent_to(ann.id)), len(api.sent_to(bob.id))
    # Telegram is slow to hand over the file Ann sends (getFile hangs until released).
    slow = api.hold("getFile")
    try:
        # All four arrive together (one getUpdates batch), Ann's and Bob's interleaved.
        api.user_sends_document(ann.id, "google.csv", (FIXTURES / "google.csv").read_bytes())
        api.user_sends(bob.id, "/add Zoe")
        api.user_sends(ann.id, "/help")
        api.user_sends(bob.id, "/show Zoe")

        # Bob is answered while Ann's file is still on its way, in his own order.
        sent = await api.wait_for_messages(bob.id, bob_before + 2, timeout=WAIT)
        added, shown = (m.plain_text or "" for m in sent[bob_before:])
        assert "Added Zoe" in added
        assert shown.startswith("Zoe")
        assert slow.waiting == 1
        # Ann's /help waits for her file: nothing has been answered to her yet.
        assert len(api.sent_to(ann.id)) == ann_before
    finally:
        slow.release()
    sent = await api.wait_for_messages(ann.id, ann_before + 2, timeout=WAIT)
    summary, help_text = (m.plain_text or "" for m in sent[ann_before:])
    assert summary.startswith("5 rows in this Google Contacts CSV file")
    assert "/add" in help_text


def _has_document(updates: list[dict[str, object]]) -> bool:
    return any("document" in u.get("message", {}) for u in updates)  # type: ignore[operator]


async def test_what_others_send_after_ann_s_slow_file_is_answered_before_it_is_through(
    kith: Kith, api: FakeBotApi
) -> None:
    ann, bob, carl = kith.user(7, "Ann"), kith.user(8, "Bob"), kith.user(9, "Carl")
    for user in (ann, bob, carl):
        await user.says("/start")
    ann_before = len(api.sent_to(ann.id))
    slow = api.hold("getFile")  # Telegram is slow to hand over Ann's file
    try:
        api.user_sends_document(ann.id, "google.csv", (FIXTURES / "google.csv").read_bytes())
        await api.wait_for(lambda: slow.waiting or None, WAIT, what="Ann's file on its way")
        # Bob and Carl write while Ann's file is on its way: fetched later, answered now.
        assert "/add" in await bob.says("/help")
        assert "/add" in await carl.says("/help")
        # Ann writes again; Bob after her (so her message has been fetched by now).
        api.user_sends(ann.id, "/help")
        assert "Added Zoe" in await bob.says("/add Zoe")
        assert len(api.sent_to(ann.id)) == ann_before  # her /help waits for her file
        assert slow.waiting == 1
        # Nothing from Ann's file on is confirmed: a crash now would redeliver it.
        assert _has_document(api.pending_updates())
    finally:
        slow.release()
    sent = await api.wait_for_messages(ann.id, ann_before + 2, timeout=WAIT)
    summary, help_text = (m.plain_text or "" for m in sent[ann_before:])
    assert summary.startswith("5 rows in this Google Contacts CSV file")
    assert "/add" in help_text
    await api.wait_for(lambda: api.pending_updates() == [] or None, WAIT, what="all confirmed")


async def test_a_stuck_update_lets_one_window_of_later_updates_past_it_and_no_more(
    kith: Kith, api: FakeBotApi
) -> None:
    window = parts_of_app(kith.app)[0].window = 10  # Telegram's 100, made small to be quick
    ann = kith.user(7, "Ann")
    others = [kith.user(100 + i, f"U{i}") for i in range(window + 5)]
    slow = api.hold("getFile")
    try:
        api.user_sends_document(ann.id, "google.csv", (FIXTURES / "google.csv").read_bytes())
        await api.wait_for(lambda: slow.waiting or None, WAIT, what="Ann's file on its way")
        for user in others:
            api.user_sends(user.id, "/help")

        def answered() -> int:
            return sum(1 for u in others if api.sent_to(u.id))

        # A poll gives at most `window` updates from the unconfirmed offset (Ann's).
        await api.wait_for(lambda: answered() >= window - 1 or None, WAIT, what="a window")
        assert answered() == window - 1
        assert len(api.pending_updates()) == 1 + len(others)  # none confirmed past Ann's
    finally:
        slow.release()
    await api.wait_for(lambda: answered() == len(others) or None, WAIT, what="all answered")
    await api.wait_for_messages(ann.id, 1, timeout=WAIT)
    assert all(len(api.sent_to(u.id)) == 1 for u in others)  # none twice


async def test_a_stop_abandons_a_stuck_update_which_is_handled_once_after_the_restart(
    launch: Launcher, api: FakeBotApi
) -> None:
    slow = api.hold("getFile")
    async with launch() as kith:
        parts_of_app(kith.app)[0].grace = 0  # don't wait for Ann's file when stopping
        ann, bob = kith.user(7, "Ann"), kith.user(8, "Bob")
        api.user_sends_document(ann.id, "google.csv", (FIXTURES / "google.csv").read_bytes())
        await api.wait_for(lambda: slow.waiting or None, WAIT, what="Ann's file on its way")
        assert "Added Zoe" in await bob.says("/add Zoe")
    # Stopped (SIGTERM) with Ann's update in flight: it was left to Telegram, unconfirmed.
    assert _has_document(api.pending_updates())
    assert api.sent_to(ann.id) == []
    slow.release()

    async with launch() as kith:
        sent = await api.wait_for_messages(ann.id, 1, timeout=WAIT)
        assert sent[0].plain_text and sent[0].plain_text.startswith("5 rows")
        await api.wait_for(lambda: api.pending_updates() == [] or None, WAIT, what="confirmed")
        assert "/add" in await TelegramUser(api, 7).says("/help")  # Ann carries on
        assert len(api.sent_to(ann.id)) == 2  # her file answered once
        assert len(api.sent_to(bob.id)) == 1  # Bob's /add not applied or answered again
        assert await kith.rows("SELECT name FROM people") == [("Zoe",)]


def _update(update_id: int, chat: int) -> Update:
    return Update.de_json(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": 0,
                "chat": {"id": chat, "type": "private"},
                "from": {"id": chat, "is_bot": False, "first_name": "U"},
                "text": f"m{update_id}",
            },
        },
        None,
    )


async def test_a_batch_runs_chats_side_by_side_and_each_chat_in_order() -> None:
    processor = ChatOrderedProcessor(chats=4)
    first = asyncio.Event()  # chat 1's first message is slow; everything else is quick
    handled: list[tuple[int, int]] = []

    async def handle(update: Update) -> None:
        assert update.effective_chat is not None
        if update.update_id == 1:
            await first.wait()
        handled.append((update.effective_chat.id, update.update_id))

    # Chat 1 sends three messages, chats 2 and 3 one each, interleaved.
    batch = [_update(i, chat) for i, chat in enumerate([1, 2, 1, 3, 1], start=1)]
    running = asyncio.gather(*(processor.process_update(u, handle(u)) for u in batch))
    for _ in range(10):
        await asyncio.sleep(0)
    # Chats 2 and 3 are served while chat 1 is stuck on its first message, and chat 1's
    # later (quick) messages wait for it ...
    assert sorted(handled) == [(2, 2), (3, 4)]
    # ... then go in the order they came.
    first.set()
    await asyncio.wait_for(running, WAIT)
    assert [u for c, u in handled if c == 1] == [1, 3, 5]
    assert processor.chats_waiting == 0
