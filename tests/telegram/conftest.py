"""The production Telegram application, polling an in-process fake Bot API.

`kith` is the running bot (real `build_application`, real long polling through the
fake's `FakeRequest`, a temp SQLite file, a FixedClock). `ann` is a Telegram user
talking to it: `await ann.says("/start")` returns the text of the bot's answer.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.compose import Services, services
from bot.config import Config, load_config
from bot.core.clock import FixedClock
from bot.telegram.app import KithApp, build_application, parts_of_app
from bot.telegram.outbox import Outbox
from bot.telegram.run import connect, polling
from tests.conversation import NOW
from tests.support import TOKEN, FakeBotApi, SentMessage, build_fake_request

WAIT = 3.0  # seconds: generous for a slow CI box, instant when things work


@dataclass
class Kith:
    """The running bot, its fake Telegram, and its database."""

    api: FakeBotApi
    app: KithApp
    services: Services

    def user(self, user_id: int, first_name: str = "Ann") -> TelegramUser:
        self.api.add_user(user_id, first_name)
        return TelegramUser(self.api, user_id)

    async def rows(self, sql: str, *params: object) -> list[tuple[Any, ...]]:
        """Query the bot's own database (the same connection the bot uses)."""
        return [tuple(r) for r in await self.services.db.fetchall(sql, params)]

    @property
    def outbox(self) -> Outbox:
        """The bot's queued replies (`await kith.outbox.idle()` waits them out)."""
        return parts_of_app(self.app)[1]

    async def count(self, table: str) -> int:
        [(n,)] = await self.rows(f"SELECT count(*) FROM {table}")
        return int(n)


@dataclass
class TelegramUser:
    """Someone on Telegram: sends, taps, and reads what the bot answered."""

    api: FakeBotApi
    id: int
    last: list[SentMessage] = field(default_factory=list)

    async def says(
        self, text: str, *, replies: int = 1, chat_id: int | None = None, chat_type: str = ""
    ) -> str:
        """Send `text`; wait for `replies` new bot messages in that chat; their text."""
        chat = self.id if chat_id is None else chat_id
        kind = chat_type or ("private" if chat == self.id else "group")
        return await self._expect(
            chat,
            replies,
            lambda: self.api.user_sends(self.id, text, chat_type=kind, chat_id=chat_id),
        )

    async def shares_contact(self, first_name: str, last_name: str | None = None) -> str:
        return await self._expect(
            self.id, 1, lambda: self.api.user_shares_contact(self.id, first_name, last_name)
        )

    async def sends_document(self, file_name: str, content: bytes) -> str:
        return await self._expect(
            self.id, 1, lambda: self.api.user_sends_document(self.id, file_name, content)
        )

    async def taps(self, label: str, *, replies: int = 0) -> str:
        """Tap the newest button whose label contains `label`; the pressed message's text.

        Waits until the pressed message was edited, and for `replies` further messages.
        """
        message, data = self.button(label)
        before = len(self.api.sent_to(self.id))
        self.api.user_taps(self.id, message.message_id, data)

        def edited_message() -> SentMessage | None:
            now = self.api.message(self.id, message.message_id)
            return now if now.edit_count > message.edit_count else None

        edited = await self.api.wait_for(
            edited_message, WAIT, what=f"an edit of message {message.message_id}"
        )
        sent = await self.api.wait_for_messages(self.id, before + replies, timeout=WAIT)
        self.last = [edited, *sent[before:]]
        return "\n".join(m.plain_text or "" for m in self.last)

    def button(self, label: str) -> tuple[SentMessage, str]:
        """The newest bot message with a button labelled like `label`, and its data."""
        for message in reversed(self.api.sent_to(self.id)):
            for text, data in message.buttons:
                if label.casefold() in text.casefold():
                    return message, data
        raise AssertionError(f"no button like {label!r}; last messages: {self.last}")

    @property
    def labels(self) -> list[str]:
        """Button labels on the messages of the last answer."""
        return [text for m in self.last for text, _ in m.buttons]

    async def _expect(self, chat: int, count: int, act: Callable[[], object]) -> str:
        before = len(self.api.sent_to(chat))
        act()
        sent = await self.api.wait_for_messages(chat, before + count, timeout=WAIT)
        self.last = sent[before:]
        return "\n".join(m.plain_text or "" for m in self.last)


Launcher = Callable[..., AbstractAsyncContextManager[Kith]]


@pytest.fixture
def api() -> FakeBotApi:
    return FakeBotApi()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return load_config(None, db=str(tmp_path / "kith.db"), env={"KITH_TELEGRAM_TOKEN": TOKEN})


@pytest.fixture
def launch(api: FakeBotApi, config: Config, clock: FixedClock) -> Launcher:
    """Start the bot (optionally with other [telegram] settings) for an `async with`."""

    @asynccontextmanager
    async def start(**telegram: Any) -> AsyncIterator[Kith]:
        cfg = dataclasses.replace(config, telegram=dataclasses.replace(config.telegram, **telegram))
        async with services(cfg, clock) as s:
            requests = build_fake_request(api)
            app = build_application(
                cfg,
                s,
                request=requests.request,
                get_updates_request=requests.get_updates_request,
            )
            assert await connect(app, asyncio.Event())
            async with polling(app):
                yield Kith(api, app, s)

    return start


@pytest.fixture
async def kith(launch: Launcher) -> AsyncIterator[Kith]:
    async with launch() as running:
        yield running


@pytest.fixture
def ann(kith: Kith) -> TelegramUser:
    return kith.user(7, "Ann")
