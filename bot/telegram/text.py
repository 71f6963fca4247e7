"""Cutting long replies into Telegram-sized messages."""

from __future__ import annotations

from telegram.constants import MessageLimit

MAX_MESSAGE = int(MessageLimit.MAX_TEXT_LENGTH)  # 4096


def utf16_len(text: str) -> int:
    """The length Telegram counts: UTF-16 code units, so an emoji outside the BMP is 2."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Cut `text` into chunks of at most `limit` UTF-16 units, on line breaks if possible.

    A cut prefers the last newline in the window, then the last space, and only cuts
    mid-word when a single word is longer than the window. The newline or space at a
    cut is dropped; everything else is kept, so joining the chunks with it gives the
    original text back. Empty text gives one empty chunk (the caller decides).
    """
    if limit < 2:
        raise ValueError("limit must leave room for a surrogate pair")
    chunks: list[str] = []
    rest = text
    while utf16_len(rest) > limit:
        window = rest[: _fit(rest, limit)]
        cut = window.rfind("\n")
        if cut <= 0:
            cut = window.rfind(" ")
        if cut <= 0:
            chunks.append(window)
            rest = rest[len(window) :]
            continue
        chunks.append(window[:cut])
        rest = rest[cut + 1 :]
    chunks.append(rest)
    return chunks


def _fit(text: str, limit: int) -> int:
    """How many characters of `text` fit in `limit` UTF-16 units."""
    units = 0
    for i, ch in enumerate(text):
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > limit:
            return i
    return len(text)
