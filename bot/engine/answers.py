"""Answering a question kith asked by typing instead of pressing a button.

"Wong" after "Alice Smith / Alice Wong?", "yes" after "Save it?", "2" for the second
button, "cancel". A reply that matches no button, or more than one, is not an answer:
the engine drops the question and reads the text as a new message.
"""

from __future__ import annotations

import re
from typing import Any

from bot.core.names import fold_key

_YES = frozenset(
    {"yes", "y", "yep", "yeah", "yup", "yea", "sure", "ok", "okay", "please", "go ahead", "do it"}
)
_NO = frozenset(
    {"no", "n", "nope", "nah", "cancel", "never mind", "nevermind", "stop", "forget it"}
    | {"no thanks", "not now"}
)
_WORD = re.compile(r"[\w'’-]+")


def _words(text: str) -> list[str]:
    return _WORD.findall(fold_key(text))


def typed_choice(text: str, payload: dict[str, Any]) -> str | None:
    """The choice a typed `text` makes on a stored question, or None."""
    if text.startswith("/"):
        return None
    if payload.get("_typed"):
        said = fold_key(text).strip(" .!")
        return "x" if said in _NO else f"t:{text.strip()}"
    buttons = [(str(label), str(choice)) for label, choice in payload.get("_buttons", [])]
    if not buttons:
        return None
    said = " ".join(_words(text))
    if not said:
        return None
    if said.isdigit() and 1 <= int(said) <= len(buttons):
        return buttons[int(said) - 1][1]
    labels = [(" ".join(_words(label)), choice) for label, choice in buttons]
    exact = [choice for label, choice in labels if label == said]
    if len(exact) == 1:
        return exact[0]
    if said in _YES:
        return _first(labels, ("yes", "save", "keep", "log"))
    if said in _NO:
        return _first(labels, ("cancel", "no", "leave", "not now"))
    # "Wong": the one button whose label holds every typed word.
    typed = said.split()
    hits = [c for label, c in labels if all(w in label.split() for w in typed)]
    return hits[0] if len(hits) == 1 else None


def _first(labels: list[tuple[str, str]], starts: tuple[str, ...]) -> str | None:
    for start in starts:
        for label, choice in labels:
            if label == start or label.startswith(start + " "):
                return choice
    return None
