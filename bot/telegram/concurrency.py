"""Many chats at once, each chat's updates in order.

python-telegram-bot handles one update at a time by default, each waiting for its
replies to be sent: with a 50 ms round trip to Telegram a burst from 200 people is
served at ~18 updates/s, and one long `/people` delays everyone behind it. Fully
concurrent updates (`concurrent_updates=True`) would fix that but could run a user's
"/add Mia" and "/show Mia" side by side, or answer them out of order.

`ChatOrderedProcessor` runs up to `max_concurrent_updates` chats at once and one update
per chat at a time, in the order they arrived. An update waits for its chat's turn
*before* taking one of the concurrency slots, so a chat with a backlog never holds slots
that other chats could use. kith only talks in private chats, where the chat is the
user and so the owner: the engine never sees two updates of one owner at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, Final

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# Enough chats in flight to keep Telegram's 30 msg/s busy at a few hundred ms per reply,
# few enough that a burst cannot queue thousands of database calls at once.
MAX_CHATS: Final = 64
# Updates admitted at once (waiting for their chat's turn or running): a bound on memory
# in a flood, far above what a 100-update getUpdates batch needs.
ADMITTED: Final = 4096


def chat_key(update: object) -> int | None:
    """Whose turn an update waits for: its chat (or user); None if it has neither."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return None


class _Turns:
    """A FIFO lock per chat, dropped when nobody holds or waits for it."""

    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()  # asyncio.Lock wakes waiters in arrival order
        self.users = 0


class ChatOrderedProcessor(BaseUpdateProcessor):
    """Up to `chats` chats at once; one chat's updates one by one, in arrival order.

    PTB's own semaphore (`max_concurrent_updates`, final in the base class) is taken
    before `do_process_update` runs, so it only bounds how many updates are admitted
    (`ADMITTED`); the chat's turn and then one of the `chats` slots are taken inside.
    """

    def __init__(self, chats: int = MAX_CHATS, admitted: int = ADMITTED) -> None:
        super().__init__(max(admitted, chats))
        self.chats = chats
        self._slots = asyncio.Semaphore(chats)
        self._turns: dict[int, _Turns] = {}

    @property
    def chats_waiting(self) -> int:
        """Chats with an update running or queued (for tests and logs)."""
        return len(self._turns)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = chat_key(update)
        if key is None:
            async with self._slots:
                await coroutine
            return
        turns = self._turns.get(key)
        if turns is None:
            turns = self._turns[key] = _Turns()
        turns.users += 1
        try:
            # The chat's turn first, a slot second: see the module docstring.
            async with turns.lock, self._slots:
                await coroutine
        finally:
            turns.users -= 1
            if turns.users == 0:
                del self._turns[key]

    async def initialize(self) -> None:
        """Nothing to set up: the locks are made as chats arrive."""

    async def shutdown(self) -> None:
        """Nothing to release: the application waits for running updates itself."""
