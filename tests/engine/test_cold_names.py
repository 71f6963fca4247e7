"""A cold message (the owner's people not in memory) reads only the people its words can
name, by their stored keys, yet answers exactly as the whole name index would.

Two kiths over two copies of the same account hear the same messages: one always warm
(people and name index cached), one always cold (both dropped before every message).
Every reply, button and Undo must be the same, whatever the names: exact, first names
shared by several people (the question), aliases, accents typed or not, CJK and emoji
names, typos and prefixes (the whole index answers those), and names nobody has.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.compose import Services
from bot.core.names import fold_key
from bot.engine import Reply
from bot.ports.store import NewPerson
from tests.conversation import NOW, kith

OWNER = 1
TODAY = NOW.date()

# (name, aliases): duplicate first names, accents on one of two look-alikes, scripts
# without capitals or spaces, emoji, apostrophes and initials.
ROSTER: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Alice Smith", ()),
    ("Alice Wong", ("Ali",)),
    ("Bob", ("Bobby", "Robert")),
    ("Mia Tanaka", ("Mimi",)),
    ("Zoë Kravitz", ("Zo",)),
    ("Zoe Adams", ()),
    ("María José García", ("Majo",)),
    ("Björn Ek", ("Bär",)),
    ("Łukasz Nowak", ()),
    ("Ngọc Thảo", ()),
    ("Siobhán O’Neill", ()),
    ("Ciarán O'Brien", ()),
    ("Jake P. López", ()),
    ("李小龙", ("Bruce",)),
    ("王芳", ()),
    ("佐藤 健", ()),
    ("🦄 Uni", ()),
    ("Sam Lee", ()),
    ("Sam O'Neil", ()),
    ("Ravi", ("mum",)),
    ("Élodie", ()),
    ("Jean-Luc Picard", ()),
)

TEMPLATES = (
    "coffee with {a} yesterday",
    "{a} called me on Monday — talked about the new job",
    "lunch with {a} and {b} on Friday",
    "drinks w/ {a}, {b} & {c}",
    "tea. {a}. earlier.",
    "saw {a} at the Crown last night",
    "/log dinner with {a} 3 days ago",
    "{a} is moving to Berlin",
    "{a}'s birthday is 3 March",
    "not seen {a} for months",
    "dinner with {a} next Friday",
    "a walk with {a} — she's fine",
    "who haven't I seen?",
    "thanks!",
    "met {a} and her mum",
    "games night: {a}, {b}",
)
UNKNOWN = ("Gandalf", "Zed", "Xu Ming", "Kofi Annan", "Ærin")


def _typo(word: str) -> str:
    if len(word) < 4:
        return word
    return word[0] + word[2] + word[1] + word[3:]


def _forms(rng: random.Random) -> str:
    """One way to write someone: as stored, a first name, lowercase, without accents,
    an alias, a typo, a prefix, or a name nobody has."""
    name, aliases = rng.choice(ROSTER)
    first = name.split()[0]
    return rng.choice(
        (
            name,
            name,
            first,
            name.lower(),
            fold_key(name).title(),
            rng.choice(aliases) if aliases else name,
            _typo(name),
            first[:3],
            rng.choice(UNKNOWN),
            name.upper(),
        )
    )


def messages(seed: int, n: int) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        template = rng.choice(TEMPLATES)
        out.append(template.format(a=_forms(rng), b=_forms(rng), c=_forms(rng)))
    return out


async def _seed(app: Services) -> None:
    await app.engine.handle(OWNER, "/help")  # the owner's row
    async with app.store.change(OWNER, "added", NOW) as ch:
        ids = await ch.add_people(
            [
                NewPerson(name, "friends", date(2026, 1, 1), aliases=aliases)
                for name, aliases in ROSTER
            ]
        )
        for n, pid in enumerate(ids):
            if n % 3 == 0:
                await ch.log_meeting(TODAY - timedelta(days=40 + n), "coffee", "", [pid])


def _seen(replies: list[Reply]) -> list[tuple[str, tuple[tuple[str, str], ...], str | None]]:
    return [(r.text, tuple((b.label, b.data) for b in r.flat_buttons), r.undo) for r in replies]


@pytest.fixture
async def pair(tmp_path: Path) -> AsyncIterator[tuple[Services, Services]]:
    async with AsyncExitStack() as stack:
        warm = await stack.enter_async_context(kith(tmp_path / "warm.db"))
        cold = await stack.enter_async_context(kith(tmp_path / "cold.db"))
        for app in (warm, cold):
            await _seed(app)
        yield warm, cold


@pytest.mark.parametrize("seed", [1, 2])
async def test_a_cold_message_answers_as_the_warm_one(
    pair: tuple[Services, Services], seed: int
) -> None:
    warm, cold = pair
    probed = 0
    for text in messages(seed, 90):
        await warm.store.people(OWNER)
        await warm.engine.index(OWNER)
        cold.store.invalidate(OWNER)
        cold.engine._indexes.pop(OWNER)
        expected = _seen(await warm.engine.handle(OWNER, text))
        got = _seen(await cold.engine.handle(OWNER, text))
        assert got == expected, text
        if await cold.store.roster_if_cached(OWNER) is None:
            probed += 1  # answered without reading everyone
    # Most messages name people exactly: those never read the whole roster.
    assert probed >= 30


async def test_a_cold_log_reads_only_the_people_it_names(
    pair: tuple[Services, Services],
) -> None:
    _, cold = pair
    for text, logged in [
        ("coffee with Zoë Kravitz and Mimi yesterday", "Logged coffee with Zoë Kravitz and Mia"),
        ("lunch with bjorn ek", "Logged lunch with Björn Ek"),  # no one starts so: read
        ("lunch with Jean-Luc", "Logged lunch with Jean-Luc Picard"),  # a prefix, read too
        ("李小龙 called me on Monday", "Logged a call with 李小龙"),
        ("/log drinks with Bobby and 🦄 Uni", "Logged drinks with Bob and 🦄 Uni"),
    ]:
        cold.store.invalidate(OWNER)
        cold.engine._indexes.pop(OWNER)
        replies = await cold.engine.handle(OWNER, text)
        assert replies[0].text.startswith(logged), replies[0].text
        assert await cold.store.roster_if_cached(OWNER) is None
        assert cold.engine._indexes.peek(OWNER) is None


async def test_a_cold_first_name_shared_by_two_still_asks(
    pair: tuple[Services, Services],
) -> None:
    _, cold = pair
    cold.store.invalidate(OWNER)
    cold.engine._indexes.pop(OWNER)
    [asked] = await cold.engine.handle(OWNER, "coffee with Sam")
    assert asked.text == "Which Sam did you see?"
    assert [b.label for b in asked.flat_buttons][:2] == ["Sam Lee", "Sam O'Neil"]
    cold.store.invalidate(OWNER)
    *_, asked = await cold.engine.handle(OWNER, "coffee with alice")  # the Sam question goes
    assert asked.text == "Which alice did you see?"
    assert [b.label for b in asked.flat_buttons][:2] == ["Alice Smith", "Alice Wong"]
    # "zoe" is Zoe Adams's own first name: found before Zoë's without its accent.
    cold.store.invalidate(OWNER)
    *_, logged = await cold.engine.handle(OWNER, "coffee with zoe")
    assert logged.text.startswith("Logged coffee with Zoe Adams")
