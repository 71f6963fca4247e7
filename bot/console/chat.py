"""`kith chat`: the engine in a terminal. Buttons print numbered; a number presses one."""

from __future__ import annotations

import asyncio
import io
import logging
import sys
import unicodedata
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TextIO

from bot.console.files import import_argument, import_from_path, save_files
from bot.engine import Engine, Reply
from bot.engine.replies import Button
from bot.nudges.loop import SweepLoop

PROMPT = "you> "

log = logging.getLogger(__name__)

Sweep = Callable[["ConsoleChat"], Awaitable[None]]
"""Something to run now and then while the chat is open (the digest sweep)."""


def render(reply: Reply, numbered_from: int = 1) -> str:
    """A reply as terminal text, its buttons numbered `1) Add Carla`."""
    lines = [reply.text]
    for i, button in enumerate(reply.flat_buttons, start=numbered_from):
        lines.append(f"  {i}) {button.label}")
    return "\n".join(lines)


def terminal_safe(text: str) -> str:
    """`text` without control characters (line breaks and tabs kept).

    What a user stored (a name from a restored file, a note) could hold ESC sequences
    that retitle the window or clear the screen, or C1 controls some terminals obey:
    nothing reaches the terminal raw.
    """
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")


class ConsoleChat:
    """Reads lines, answers through the engine, remembers the last buttons shown."""

    def __init__(self, engine: Engine, owner: int, out: TextIO) -> None:
        self.engine = engine
        self.owner = owner
        self.out = out
        self.buttons: list[Button] = []
        self.folder: Path | None = None  # where files from replies go; None: the current one
        self.prompt = ""  # set when talking to a terminal: reprinted after a digest
        self.waiting = False  # the prompt is on screen, waiting for a line

    def write(self, text: str) -> None:
        """Every line kith prints goes through here, made terminal-safe."""
        self.out.write(terminal_safe(text))

    def show(self, replies: list[Reply]) -> None:
        buttons: list[Button] = []
        for reply in replies:
            self.write(render(reply, len(buttons) + 1) + "\n")
            for line in save_files(reply.files, self.folder):
                self.write(line + "\n")
            buttons.extend(reply.flat_buttons)
        self.out.flush()
        self.buttons = buttons

    async def say(self, line: str) -> None:
        text = line.strip()
        if text.isdigit() and self.buttons:
            choice = int(text)
            if 1 <= choice <= len(self.buttons):
                pressed = self.buttons[choice - 1]
                self.write(f"[{pressed.label}]\n")
                self.show(await self.engine.press(self.owner, pressed.data))
                return
            # The choices stay: say so, and show them again so the next number works.
            choices = self.buttons
            self.write(f"Pick a number from 1 to {len(choices)}:\n")
            for i, button in enumerate(choices, start=1):
                self.write(f"  {i}) {button.label}\n")
            self.out.flush()
            return
        if not text:
            return
        path = import_argument(text)
        if path is not None:  # the terminal reads the file; the engine never opens paths
            self.show(await import_from_path(self.engine, self.owner, path))
            return
        self.show(await self.engine.handle(self.owner, text))


async def run_chat(
    engine: Engine,
    owner: int,
    *,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    sweep: Sweep | None = None,
    sweep_every: float = 60.0,
) -> int:
    """Chat until end of input; a prompt only when talking to a terminal.

    `sweep` (the digest) runs once before the first prompt, so a digest that is due
    shows at once, then every `sweep_every` seconds while the chat is open.
    """
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    for stream in (stdin, stdout):
        # A byte that is not valid in the locale's encoding (a strict one, say) becomes
        # U+FFFD instead of ending the chat with a UnicodeDecodeError.
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="replace")
    chat = ConsoleChat(engine, owner, stdout)
    interactive = stdin.isatty() and stdout.isatty()
    chat.prompt = PROMPT if interactive else ""
    if interactive:
        stdout.write("kith — type /help for commands, Ctrl-D to quit.\n")
    sweeping: SweepLoop | None = None
    if sweep is not None:
        sweeping = SweepLoop(lambda: sweep(chat), sweep_every, first=sweep_every)
        await sweeping.tick()  # a digest that is due shows before the first prompt
        sweeping.start()
    read = _prompted_input if interactive else stdin.readline
    try:
        while True:
            # The digest sweep shares the loop, so the blocking read runs in a thread.
            chat.waiting = True
            try:
                line = await asyncio.to_thread(read)
            finally:
                chat.waiting = False
            if not line:
                break
            await chat.say(line)
    finally:
        if sweeping is not None:
            await sweeping.stop()
    if interactive:
        stdout.write("\nBye!\n")
    return 0


def _prompted_input() -> str:
    """One line from the terminal with line editing and history; '' at end of input."""
    import readline  # noqa: F401 - importing it gives input() editing and history

    try:
        return input(PROMPT) + "\n"
    except EOFError:
        return ""
