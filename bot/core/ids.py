"""Numbers read back from button data, which anyone can forge.

`str.isdigit` accepts "²" and "٣" (which `int` then refuses or reads oddly), and an
unbounded run of digits overflows SQLite's 64-bit integers. Button data is made by kith
from ASCII ids, so anything else is simply not a button kith made.
"""

from __future__ import annotations

from typing import Final

MAX_DIGITS: Final = 18  # below 2**63: every such number fits an SQLite INTEGER


def button_number(text: str) -> int | None:
    """`text` as a non-negative id if it is 1-18 ASCII digits; None otherwise."""
    if not text or len(text) > MAX_DIGITS or not text.isascii() or not text.isdigit():
        return None
    return int(text)
