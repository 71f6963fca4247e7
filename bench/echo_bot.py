"""A bare python-telegram-bot echo bot: the baseline for figures 3 and 6.

The smallest bot PTB's own examples would write: one handler that replies with the text
it got, long polling through `run_polling`, and the rate limiter `kith run` sends through
(`AIORateLimiter`, 30 msg/s, 3 retries: issue 12 asks for a baseline with the same limiter).
No database, no engine. It talks to whatever `ECHO_BASE_URL` names (the fake Bot API in
the benchmarks).

    ECHO_TOKEN=123:ABC ECHO_BASE_URL=http://127.0.0.1:8080/bot python bench/echo_bot.py
"""

from __future__ import annotations

import logging
import os

from telegram import Update
from telegram.ext import AIORateLimiter, ApplicationBuilder, ContextTypes, MessageHandler, filters


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Reply with the text that came in."""
    message = update.effective_message
    if message is not None and message.text:
        await message.reply_text(message.text)


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    app = (
        ApplicationBuilder()
        .token(os.environ["ECHO_TOKEN"])
        .base_url(os.environ.get("ECHO_BASE_URL", "https://api.telegram.org/bot"))
        .rate_limiter(AIORateLimiter(max_retries=3))  # as bot/telegram/app.py builds kith's
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.run_polling(allowed_updates=["message", "callback_query"])


if __name__ == "__main__":
    main()
