"""Talk to the engine in tests the way a user would: says, presses, reads."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bot.compose import Services, services
from bot.config import load_config
from bot.core.clock import FixedClock
from bot.engine import Engine, Reply
from bot.engine.replies import Button

# Wed 25 Nov 2026, mid-morning in UTC.
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


@dataclass
class Chat:
    """One user's side of a conversation with the engine."""

    engine: Engine
    owner: int = 1
    replies: list[Reply] = field(default_factory=list)

    async def says(self, text: str) -> str:
        self.replies = await self.engine.handle(self.owner, text)
        return self.text

    async def sends_file(self, file_name: str, data: bytes) -> str:
        """Send a file, as a transport hands one over (a Telegram document, /import PATH)."""
        self.replies = await self.engine.import_file(self.owner, file_name, data)
        return self.text

    async def presses(self, label: str) -> str:
        """Press the first button of the last replies whose label contains `label`."""
        button = self.button(label)
        self.replies = await self.engine.press(self.owner, button.data)
        return self.text

    def button(self, label: str) -> Button:
        for b in self.buttons:
            if label.casefold() in b.label.casefold():
                return b
        raise AssertionError(f"no button {label!r} in {[b.label for b in self.buttons]}")

    @property
    def text(self) -> str:
        return "\n".join(r.text for r in self.replies)

    @property
    def buttons(self) -> list[Button]:
        return [b for r in self.replies for b in r.flat_buttons]

    @property
    def labels(self) -> list[str]:
        return [b.label for b in self.buttons]


@asynccontextmanager
async def kith(
    db_path: Path, clock: FixedClock | None = None, **env: str
) -> AsyncIterator[Services]:
    """An engine over a real SQLite file, with a clock the test controls."""
    config = load_config(None, db=str(db_path), env=env)
    async with services(config, clock or FixedClock(NOW)) as s:
        yield s
