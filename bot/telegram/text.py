"""Replies as Telegram text: cut into Telegram-sized messages, rendered as escaped HTML."""

from __future__ import annotations

import html

from telegram.constants import MessageLimit

from bot.engine.replies import BOLD_OFF, BOLD_ON, close_marks, plain

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


def balanced(chunks: list[str]) -> list[str]:
    """Chunks of marked text, each with its emphasis closed inside it.

    A cut can fall inside an emphasised name; that chunk closes the mark and the next
    one reopens it, so every message is valid HTML on its own.
    """
    out: list[str] = []
    carry = False
    for chunk in chunks:
        text, carry = close_marks(chunk, carry)
        out.append(text)
    return out


def render_html(marked: str) -> str:
    """Marked text as Telegram HTML: everything escaped, emphasis as <b>…</b>.

    Every character of user text (names, notes) goes through `html.escape`, so "<b>",
    "&" or "<script>" in a name shows as typed and can never become markup.
    """
    [chunk] = balanced([marked])
    escaped = html.escape(chunk, quote=False)
    return escaped.replace(BOLD_ON, "<b>").replace(BOLD_OFF, "</b>")


def html_chunks(marked: str, limit: int = MAX_MESSAGE) -> list[str]:
    """`marked` cut to Telegram's size (counted on the text, as Telegram counts it after
    parsing the HTML), each chunk rendered as HTML; blank chunks are left out."""
    chunks = [c for c in split_text(marked, limit) if plain(c).strip()]
    return [render_html(c) for c in balanced(chunks)]
