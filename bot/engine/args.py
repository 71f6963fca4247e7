"""Splitting a command's free text into a person reference and the rest."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.core.names import Match, NameIndex, Resolution

QUOTES = {'"': '"', "'": "'", "“": "”", "«": "»", "„": "“"}
MAX_FUZZY_TOKENS = 3


@dataclass(frozen=True, slots=True)
class PersonArgs:
    """A person reference resolved against the index, and what followed it."""

    resolution: Resolution
    rest: str


def _quoted(args: str) -> tuple[str, str] | None:
    close = QUOTES.get(args[:1])
    if close is None:
        return None
    end = args.find(close, 1)
    if end <= 1:
        return None
    return args[1:end].strip(), args[end + 1 :].strip()


def split_person(
    args: str,
    index: NameIndex,
    rest_ok: Callable[[str], bool] = lambda _rest: True,
) -> PersonArgs | None:
    """Find the person at the start of `args`.

    Names contain spaces, so every split is tried: the longest prefix that names
    someone exactly (name, alias or first name) wins; then a typo-tolerant match on
    a short prefix; else the shortest prefix is reported as an unknown name.
    `rest_ok` rejects splits whose remainder cannot be right (e.g. not an interval).
    Returns None when `args` is empty.
    """
    args = args.strip()
    if not args:
        return None
    quoted = _quoted(args)
    if quoted is not None:
        name, rest = quoted
        return PersonArgs(index.resolve(name), rest)
    tokens = args.split()
    splits = [
        (" ".join(tokens[:k]), " ".join(tokens[k:]))
        for k in range(len(tokens), 0, -1)
        if rest_ok(" ".join(tokens[k:]))
    ]
    if not splits:
        return PersonArgs(index.resolve(tokens[0]), " ".join(tokens[1:]))
    fuzzy: PersonArgs | None = None
    for name, rest in splits:
        res = index.resolve(name)
        if res.found and res.match != Match.FUZZY:
            return PersonArgs(res, rest)
        if res.ambiguous and res.match not in (None, Match.FUZZY):
            return PersonArgs(res, rest)
        if fuzzy is None and len(name.split()) <= MAX_FUZZY_TOKENS and (res.found or res.ambiguous):
            fuzzy = PersonArgs(res, rest)
    if fuzzy is not None:
        return fuzzy
    name, rest = splits[-1]
    return PersonArgs(index.resolve(name), rest)
