"""Engine replies as Discord messages, within Discord's limits. No discord.py here.

Discord refuses a whole message that breaks one rule (content over 2,000 characters, a
`custom_id` over 100, more than 5 buttons in a row or 5 rows, a label over 80), and
discord.py checks none of them before sending. So every limit is applied here, once:
text is cut on line breaks, wide button rows are wrapped, and rows beyond five go on a
follow-up message, so nothing the engine offers is lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from bot.engine.replies import (
    BOLD_OFF,
    BOLD_ON,
    Attachment,
    Button,
    Limits,
    Reply,
    close_marks,
    plain,
)

MAX_CONTENT: Final = 2000
MAX_CUSTOM_ID: Final = 100
MAX_PER_ROW: Final = 5
MAX_ROWS: Final = 5
MAX_LABEL: Final = 80
# Every kith button's custom_id: this prefix, then the engine's own button data. The
# prefix is what the persistent handler matches, so a press works after a restart.
PREFIX: Final = "k:"
MORE: Final = "…"  # the text of a message that only carries overflow buttons
# Discord reads markdown in every message: a friend called "*Bea*" or a note with "__"
# would change how the message looks. Every one of these in user text is escaped.
_MARKDOWN = frozenset("\\*_~`|>#-[]()<@:")
_WIDE = _MARKDOWN | {BOLD_ON, BOLD_OFF}  # two characters each once rendered

# What the digest composer shapes a Discord message to (the renderer below still cuts
# anything else that comes out larger).
DISCORD_LIMITS: Final = Limits(
    max_text=1900,  # one message is 2,000 characters; the rest is room to spare
    max_buttons_per_row=MAX_PER_ROW,
    max_rows=MAX_ROWS,
    max_data_bytes=MAX_CUSTOM_ID - len(PREFIX),
)

Rows = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True, slots=True)
class Part:
    """One Discord message: content within 2,000 characters, at most 5×5 buttons, and
    the pictures it carries (a photo reply's text is their caption, in the same message)."""

    text: str
    rows: Rows = ()
    pictures: tuple[Attachment, ...] = ()


def custom_id(button: Button) -> str:
    value = PREFIX + button.data
    if len(value) > MAX_CUSTOM_ID:
        # Engine data is compact ids by contract; a longer one is a bug, not user input.
        raise ValueError(f"custom_id over {MAX_CUSTOM_ID} characters: {value!r}")
    return value


def label(button: Button) -> str:
    text = " ".join(button.label.split()) or MORE
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def markdown(marked: str) -> str:
    """Marked text as Discord markdown: user text escaped, emphasis as **bold**."""
    out: list[str] = []
    for ch in marked:
        if ch in (BOLD_ON, BOLD_OFF):
            out.append("**")
        elif ch in _MARKDOWN:
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def rendered_chunks(marked: str, limit: int = MAX_CONTENT) -> list[str]:
    """`marked` as Discord markdown in messages of at most `limit` characters, cut on a
    line break or space where there is one. Escapes make the markdown longer than the
    text, so the cut is found on the rendered width; 4 characters stay free for a bold
    mark closed at the cut and reopened in the next message."""
    out: list[str] = []
    carry = False
    rest = marked
    while rest:
        width, fits = 0, len(rest)
        for i, ch in enumerate(rest):
            width += 2 if ch in _WIDE else 1
            if width > limit - 4:
                fits = max(i, 1)  # one character always goes, whatever the limit
                break
        cut, skip = fits, 0
        if fits < len(rest):
            window = rest[:fits]
            for sep in ("\n", " "):
                at = window.rfind(sep)
                if at > 0:
                    cut, skip = at, 1
                    break
        text, carry = close_marks(rest[:cut], carry)
        rest = rest[cut + skip :]
        if plain(text).strip():
            out.append(markdown(text))
    return out


def parts_of(reply: Reply) -> list[Part]:
    """A reply as Discord messages: text cut to size, buttons on the last (and overflow).
    A photo (the /circles picture) is attached to the last text, as its caption; other
    files (an export) follow the messages (`files_of`). A confirmation of a change ends
    with an Undo button, as on Telegram."""
    chunks = rendered_chunks(reply.rich or reply.text)
    rows = wrap_rows(reply.shown_buttons)
    pages = [rows[i : i + MAX_ROWS] for i in range(0, len(rows), MAX_ROWS)] or [()]
    pictures = tuple(f for f in reply.files if f.photo)
    if not chunks:
        chunks = [MORE] if rows else [""] if pictures else []  # a picture needs no text
    parts = [Part(c) for c in chunks[:-1]]
    if chunks:
        parts.append(Part(chunks[-1], pages[0], pictures))
        parts.extend(Part(MORE, page) for page in pages[1:])
    return parts


def parts_of_all(replies: Sequence[Reply]) -> list[Part]:
    return [p for r in replies for p in parts_of(r)]


def wrap_rows(rows: Sequence[Sequence[Button]]) -> Rows:
    """Rows of at most five buttons; a wider engine row continues on the next row."""
    out: list[tuple[Button, ...]] = []
    for row in rows:
        items = tuple(row)
        out.extend(items[i : i + MAX_PER_ROW] for i in range(0, len(items), MAX_PER_ROW))
    return tuple(r for r in out if r)


def split_text(text: str, limit: int = MAX_CONTENT) -> list[str]:
    """Cut `text` into chunks of at most `limit` characters, on a line break or space if
    there is one in the window; the break itself is dropped."""
    chunks: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[:limit]
        cut = window.rfind("\n")
        if cut <= 0:
            cut = window.rfind(" ")
        if cut <= 0:
            chunks.append(window)
            rest = rest[limit:]
            continue
        chunks.append(window[:cut])
        rest = rest[cut + 1 :]
    chunks.append(rest)
    return chunks
