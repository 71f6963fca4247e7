"""What one Telegram message can hold, for the engine's and the digest's replies."""

from __future__ import annotations

from typing import Final

from telegram.constants import InlineKeyboardButtonLimit

from bot.engine.replies import Limits

TELEGRAM_LIMITS: Final = Limits(
    max_text=3500,  # one message is 4096 (UTF-16 units); the rest is room to spare
    max_buttons_per_row=8,
    max_rows=100,  # an inline keyboard holds 100 buttons
    max_data_bytes=int(InlineKeyboardButtonLimit.MAX_CALLBACK_DATA),  # 64
)
