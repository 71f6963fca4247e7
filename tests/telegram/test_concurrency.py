"""Many people at once: one user's slow reply never delays another's, and each chat's
messages are handled in the order they were sent."""

from __future__ import annotations

import asyncio

from telegram import Update

from bot.telegram.concurrency import ChatOrderedProcessor, handle_in_turn
from tests.support import FakeBotApi
from tests.telegram.conftest import WAIT, Kith
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
    gates = {chat: asyncio.Event() for chat in (1, 2, 3)}
    handled: list[tuple[int, int]] = []

    async def handle(update: Update) -> None:
        assert update.effective_chat is not None
        chat = update.effective_chat.id
        await gates[chat].wait()
        handled.append((chat, update.update_id))

    # Chat 1 sends three messages, chats 2 and 3 one each, interleaved.
    batch = [_update(i, chat) for i, chat in enumerate([1, 2, 1, 3, 1], start=1)]
    running = asyncio.ensure_future(handle_in_turn(processor, batch, handle))
    await asyncio.sleep(0)
    # Chat 3 is served while chat 1 is stuck on its first message ...
    gates[3].set()
    gates[2].set()
    for _ in range(5):
        await asyncio.sleep(0)
    assert handled == [(3, 4), (2, 2)] or handled == [(2, 2), (3, 4)]
    # ... and chat 1's messages then go in the order they came.
    gates[1].set()
    await asyncio.wait_for(running, WAIT)
    assert [u for c, u in handled if c == 1] == [1, 3, 5]
    assert processor.chats_waiting == 0
