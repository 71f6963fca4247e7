"""The digest in `kith chat`: the same sweep, printed in the terminal while it is open.

Only the terminal's own user is swept, when their digest goes to the terminal, so a `kith chat` on a
database shared with `kith run` never takes a Telegram user's digest. The digest prints
like any reply, its buttons numbered, so typing a number presses one.
"""

from __future__ import annotations

from bot.console.chat import ConsoleChat
from bot.core.clock import Clock
from bot.engine import Engine, Reply
from bot.nudges.sweep import Sweeper, Undeliverable
from bot.ports.digests import Scope
from bot.ports.identities import CONSOLE


class ConsoleSender:
    """Delivers a digest by printing it in the chat."""

    def __init__(self, chat: ConsoleChat) -> None:
        self.chat = chat

    async def send(self, owner: int, reply: Reply) -> None:
        if owner != self.chat.owner:
            raise Undeliverable("not the terminal's user")
        # A blank line first: the digest may arrive while a prompt is waiting; and the
        # prompt again after it, so the terminal still shows where to type.
        self.chat.write("\n")
        self.chat.show([reply])
        if self.chat.prompt and self.chat.waiting:
            self.chat.write(self.chat.prompt)
            self.chat.out.flush()


class TerminalNudges:
    """`run_chat`'s sweep hook: one sweep per call, printing into that chat."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self.engine = engine
        self.clock = clock
        self._sweeper: Sweeper | None = None

    async def __call__(self, chat: ConsoleChat) -> None:
        if self._sweeper is None:
            scope = Scope(transport=CONSOLE, owner=chat.owner)
            self._sweeper = Sweeper(
                self.engine, self.clock, ConsoleSender(chat), scope=scope, weekly_review=True
            )
        await self._sweeper.sweep()
