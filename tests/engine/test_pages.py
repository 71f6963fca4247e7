"""Long lists come a page at a time: one message, counts per circle, and More."""

from __future__ import annotations

from datetime import timedelta

from bot.compose import Services
from bot.core.clock import FixedClock
from bot.engine.pages import PAGE
from tests.conversation import Chat


async def _add_many(app: Services, ann: Chat, n: int) -> None:
    for i in range(n):
        circle = "close" if i % 4 == 0 else "friends"
        await ann.says(f"/add Person{i:03d} {circle}")


async def test_a_long_people_list_is_one_page_with_counts_and_more(
    app: Services, user: Chat
) -> None:
    total = PAGE + 15
    await _add_many(app, user, total)
    replies = await app.engine.handle(1, "/people")
    assert len(replies) == 1
    first = replies[0].text
    assert f"{total} people: close 14 · friends 41" in first
    assert f"Showing 1–{PAGE}." in first
    assert first.count("Person") == PAGE
    user.replies = replies
    assert user.labels == ["More (15)"]

    rest = await user.presses("More")
    assert f"Showing {PAGE + 1}–{total}." in rest
    assert rest.count("Person") == 15
    assert user.labels == []  # the last page
    # Every person exactly once across the two pages.
    names = {w for w in (first + rest).split() if w.startswith("Person")}
    assert len(names) == total


async def test_a_short_list_is_unchanged(app: Services, user: Chat) -> None:
    await _add_many(app, user, 3)
    text = await user.says("/people")
    assert "Showing" not in text
    assert user.labels == []


async def test_a_long_who_list_pages_too(app: Services, user: Chat, clock: FixedClock) -> None:
    total = PAGE + 5
    await _add_many(app, user, total)
    clock.advance(timedelta(days=400))  # everyone overdue by now
    text = await user.says("/who")
    assert f"{total} overdue" in text
    assert f"Showing 1–{PAGE}." in text
    assert user.labels == ["More (5)"]
    rest = await user.presses("More")
    assert f"Showing {PAGE + 1}–{total}." in rest


async def test_pages_follow_the_whole_list_circle_by_circle_then_by_name(
    app: Services, user: Chat
) -> None:
    """Only the page is sorted (not everyone): the pages still read as the whole list,
    closer circles first, names in alphabetical order whatever their case."""
    total = PAGE + 10
    added = []
    for i in reversed(range(total)):
        name = f"{'person' if i % 3 else 'Person'}{i:03d}"
        circle = "close" if i % 5 == 0 else "friends"
        await user.says(f"/add {name} {circle}")
        added.append((0 if circle == "close" else 1, name.casefold(), name))
    first = await user.says("/people")
    rest = await user.presses("More")
    shown = [w for w in (first + rest).split() if w.casefold().startswith("person")]
    assert shown == [name for _, _, name in sorted(added)]
