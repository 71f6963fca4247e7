"""Engine buttons as Telegram inline keyboards, and the engine's commands as a menu."""

from __future__ import annotations

import re
from collections.abc import Iterable

from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import BotCommandLimit, InlineKeyboardButtonLimit

from bot.engine.replies import Button, Reply

MAX_CALLBACK_DATA = int(InlineKeyboardButtonLimit.MAX_CALLBACK_DATA)  # 64 bytes
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")


def inline_keyboard(rows: Iterable[Iterable[Button]]) -> InlineKeyboardMarkup | None:
    """An inline keyboard with one Telegram button per engine button; None if there are none.

    `callback_data` is the engine's own compact data, so a press still means the same
    thing after a restart: the engine keeps the question it refers to in SQLite.
    """
    keyboard = [
        [InlineKeyboardButton(b.label, callback_data=_checked(b.data)) for b in row] for row in rows
    ]
    keyboard = [row for row in keyboard if row]
    return InlineKeyboardMarkup(keyboard) if keyboard else None


def reply_markup(reply: Reply) -> InlineKeyboardMarkup | None:
    """A reply's buttons, plus an Undo button when it confirms a change (`reply.undo`)."""
    return inline_keyboard(reply.shown_buttons)


def _checked(data: str) -> str:
    # The engine's Button does not know Telegram's limit: it is checked here, where a
    # reply becomes a Telegram keyboard.
    if len(data.encode("utf-8")) > MAX_CALLBACK_DATA:
        raise ValueError(f"callback_data over {MAX_CALLBACK_DATA} bytes: {data!r}")
    return data


def command_menu(commands: Iterable[tuple[str, str]]) -> list[BotCommand]:
    """The engine's (command, description) pairs as Telegram's menu, within its limits.

    Telegram refuses the whole list if one entry breaks a rule, so an entry that cannot
    be shown (a name Telegram does not allow) is left out rather than sinking the menu.
    """
    menu: list[BotCommand] = []
    limit = int(BotCommandLimit.MAX_DESCRIPTION)
    for name, description in commands:
        if not _COMMAND_NAME.fullmatch(name):
            continue
        text = " ".join(description.split()) or name
        if len(text) > limit:
            text = text[: limit - 1] + "…"
        menu.append(BotCommand(name, text))
    return menu[: int(BotCommandLimit.MAX_COMMAND_NUMBER)]
