"""The digest and neighbors and groups: among the equally due a neighbor comes first,
with where you usually meet; a group past its rhythm gets a line of its own."""

from __future__ import annotations

from bot.core.clock import FixedClock, parse_utc
from tests.conversation import Chat
from tests.nudges.conftest import Nudges, says_all


async def test_a_neighbor_comes_first_among_the_equally_due(nudges: Nudges, ann: Chat) -> None:
    await says_all(
        ann,
        "/add Anna Berg",
        "/add Maria Lopez",
        "coffee with Anna 100 days ago",
        "coffee with Maria at the bakery 100 days ago",
    )
    [before] = await nudges.at("2026-11-26T09:00:00Z")
    assert before.index("Anna Berg") < before.index("Maria Lopez")  # by name, as ever

    await ann.says("/tag Maria #neighbor")
    preview = await ann.says("/digest now")
    assert preview.index("• Maria Lopez (friends) — bakery, ") < preview.index("• Anna Berg")


async def test_a_group_past_its_rhythm_is_mentioned_weekly(ann: Chat, clock: FixedClock) -> None:
    await says_all(
        ann,
        "/add Anna Berg",
        "/add Maria Lopez",
        "/add Bob Lee",
        "coffee with Anna 100 days ago",
        "coffee with Bob 100 days ago",
        "/group walks Anna Maria",
        "/group walks every 2 weeks",
    )
    line = "The walks group hasn't met in 2 weeks."
    clock.set(parse_utc("2026-12-08T10:00:00Z"))  # 13 days on
    assert line not in await ann.says("/digest now")
    clock.set(parse_utc("2026-12-09T10:00:00Z"))  # 14 days: due
    assert (await ann.says("/digest now")).endswith("\n\n" + line)
    clock.set(parse_utc("2026-12-10T10:00:00Z"))  # not every day
    assert "walks group" not in await ann.says("/digest now")
    clock.set(parse_utc("2026-12-16T10:00:00Z"))  # a week later, again
    assert "The walks group hasn't met in 3 weeks." in await ann.says("/digest now")
    await ann.says("walks yesterday")  # logging the group logs everyone, and it has met
    after = await ann.says("/digest now")
    assert "Bob Lee" in after and "Anna Berg" not in after and "walks group" not in after
