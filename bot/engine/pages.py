"""Long lists a page at a time: `/who` and `/people` answer in one message at most.

At 5,000 people `/people` was 47 Telegram messages. Past `PAGE` people the answer is
the first page, a line of per-circle counts, and a *More* button that brings the next
page (a stored question, so it still works after a restart; the list is read again
when pressed). Every transport gets the same pages: the terminal numbers the button.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from bot.engine.engine import Context, Engine
from bot.engine.replies import Button, Reply

PAGE: Final = 40  # people per page: ~2,500 characters, well inside one message
ANSWER: Final = "page"


def counts_line(total: int, what: str, circles: Sequence[tuple[str, int]]) -> str:
    """ "4,210 people: inner 42 · close 168 · …" """
    parts = " · ".join(f"{name} {n:,}" for name, n in circles if n)
    return f"{total:,} {what}" + (f": {parts}" if parts else "")


async def page_reply(
    engine: Engine,
    ctx: Context,
    kind: str,
    scope: str,
    offset: int,
    total: int,
    text: str,
    footer: str,
) -> Reply:
    """`text` (the page starting at `offset`) with the footer, and More if any remain."""
    shown_to = min(offset + PAGE, total)
    lines = [text, "", f"{footer}. Showing {offset + 1:,}–{shown_to:,}."]
    if shown_to >= total:
        return Reply("\n".join(lines))
    payload = {"a": ANSWER, "k": kind, "s": scope, "o": shown_to}
    pending = await engine.store.put_pending(ctx.owner, payload, ctx.now)
    more = min(PAGE, total - shown_to)
    return Reply("\n".join(lines), ((Button(f"More ({more:,})", f"q:{pending}:more"),),))
