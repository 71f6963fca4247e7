"""`kith chat`: the engine in a terminal. Buttons print numbered; a number presses one."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from typing import TextIO

from bot.engine import Engine, Reply
from bot.engine.replies import Button

PROMPT = "you> "


def render(reply: Reply, numbered_from: int = 1) -> str:
    """A reply as terminal text, its buttons numbered `1) Add Carla`."""
    lines = [reply.text]
    for i, button in enumerate(reply.flat_buttons, start=numbered_from):
        lines.append(f"  {i}) {button.label}")
    return "\n".join(lines)


class ConsoleChat:
    """Reads lines, answers through the engine, remembers the last buttons shown."""

    def __init__(self, engine: Engine, owner: int, out: TextIO) -> None:
        self.engine = engine
        self.owner = owner
        self.out = out
        self.buttons: list[Button] = []

    def show(self, replies: list[Reply]) -> None:
        buttons: list[Button] = []
        for reply in replies:
            self.out.write(render(reply, len(buttons) + 1) + "\n")
            buttons.extend(reply.flat_buttons)
        self.out.flush()
        self.buttons = buttons

    async def say(self, line: str) -> None:
        text = line.strip()
        if text.isdigit() and self.buttons:
            choice = int(text)
            if 1 <= choice <= len(self.buttons):
                pressed = self.buttons[choice - 1]
                self.out.write(f"[{pressed.label}]\n")
                self.show(await self.engine.press(self.owner, pressed.data))
                return
            self.show([Reply(f"Pick a number from 1 to {len(self.buttons)}.")])
            return
        if not text:
            return
        self.show(await self.engine.handle(self.owner, text))


async def run_chat(
    engine: Engine,
    owner: int,
    *,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    on_idle: Callable[[ConsoleChat], None] | None = None,
) -> int:
    """Chat until end of input; a prompt only when talking to a terminal."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    chat = ConsoleChat(engine, owner, stdout)
    interactive = stdin.isatty() and stdout.isatty()
    if interactive:
        stdout.write("kith — type /help for commands, Ctrl-D to quit.\n")
    loop = asyncio.get_running_loop()
    while True:
        if interactive:
            stdout.write(PROMPT)
            stdout.flush()
        line = await loop.run_in_executor(None, stdin.readline)
        if not line:
            break
        await chat.say(line)
    if interactive:
        stdout.write("\nBye!\n")
    return 0
