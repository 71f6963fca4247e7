"""Closing the loop: after a log, the open follow-ups and favors of the people seen.

"Coffee with Alice" is the moment to tick off "ask how the move went": the log's reply is
followed by one message listing what was open with them, each with its buttons (*Asked ✓*
/ *Keep*; *Done ✓* for a favor). A press marks that line in place; the rest keep theirs.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Final

from bot.core.model import Favor, FollowUp, Person, PersonCard
from bot.core.wording import ask_line, favor_line, sentence
from bot.engine.engine import EXPIRED, Context, Engine
from bot.engine.replies import Button, Reply, em

UNDO_HINT: Final = " /undo to take it back."
MAX_ITEMS: Final = 5
MAX_LABEL: Final = 40
FOLLOW_UPS: Final = "follow_ups"
FAVORS: Final = "favors"


async def close_items(
    engine: Engine, ctx: Context, person: Person, table: str, ids: Sequence[int]
) -> list[Reply]:
    """Mark these follow-ups or favors done, as one undoable change."""
    card = await engine.store.card(ctx.owner, person.id)
    items: Sequence[FollowUp | Favor] = ()
    if card is not None:
        items = card.follow_ups if table == FOLLOW_UPS else card.favors
    closing = [item for item in items if item.id in set(ids)]
    if not closing:
        return [Reply("That's already done.")]
    what = "follow-ups" if table == FOLLOW_UPS else "favors"
    async with engine.store.change(ctx.owner, f"closed {what} for {person.name}", ctx.now) as ch:
        ids = [item.id for item in closing]
        await (ch.close_follow_ups(ids) if table == FOLLOW_UPS else ch.close_favors(ids))
    done = "; ".join(item.text for item in closing)
    return [Reply(f"Done for {em(person.name)}: {sentence(done)}" + UNDO_HINT)]


def _open_items(cards: Sequence[PersonCard], today: date) -> list[tuple[str, int, int, str]]:
    """(table, item id, person id, line) for what is open with these people, now."""
    items: list[tuple[str, int, int, str]] = []
    for card in cards:
        p = card.person
        for f in card.follow_ups:
            if f.from_day is None or f.from_day <= today:
                items.append((FOLLOW_UPS, f.id, p.id, ask_line(f.text)))
        for fv in card.favors:
            items.append((FAVORS, fv.id, p.id, favor_line(fv.kind.value, fv.text, p.name)))
    return items[:MAX_ITEMS]


async def loop_reply(engine: Engine, ctx: Context, person_ids: Sequence[int]) -> Reply | None:
    """The message after a log listing what was open with them; None when nothing was."""
    # By id (the store's O(1) lookup), not a scan of everyone: a log stays flat in people.
    people = await engine.people_by_id(ctx.owner, person_ids)
    # Only their open items are shown: no meetings read (history=0).
    cards = await engine.store.cards(ctx.owner, people, history=0)
    items = _open_items(cards, ctx.today)
    if not items:
        return None
    names = {p.id: p.name for p in people}
    payload = {"a": "loop", "items": [[t, i, p, line] for t, i, p, line in items]}
    pending = await engine.store.put_pending(ctx.owner, payload, ctx.now)
    return _draw(pending, payload, names, "-" * len(items))


def _label(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def _draw(pending: int, payload: dict[str, Any], names: dict[int, str], state: str) -> Reply:
    """The list with each line's state: '-' open, 'd' done, 'k' kept for next time."""
    items = payload["items"]
    several = len({p for _, _, p, _ in items}) > 1
    lines = ["While you're at it — still open:"]
    rows: list[tuple[Button, ...]] = []
    for n, (table, _, pid, line) in enumerate(items):
        who = f"{em(names.get(pid, ''))}: " if several and names.get(pid) else ""
        mark = state[n]
        if mark == "d":
            lines.append(f"✓ {who}{line} · /undo")
            continue
        if mark == "k":
            lines.append(f"• {who}{line} (kept for next time)")
            continue
        lines.append(f"• {who}{line}")
        # "Asked ✓ how the move went", "Done ✓ You offered to help her paint".
        done = f"Asked ✓ {line.removeprefix('Ask ')}" if table == FOLLOW_UPS else f"Done ✓ {line}"
        rows.append(
            (
                Button(_label(done), f"q:{pending}:d{n}:{state}"),
                Button("Keep", f"q:{pending}:k{n}:{state}"),
            )
        )
    return Reply("\n".join(lines), tuple(rows))


async def answer_loop(
    engine: Engine, ctx: Context, pending_id: int, payload: dict[str, Any], choice: str
) -> list[Reply]:
    """`d<n>` closes line n, `k<n>` keeps it open; the list is redrawn with every mark."""
    action, _, state = choice.partition(":")
    items = payload.get("items", [])
    if (
        len(action) < 2
        or action[0] not in "dk"
        or not action[1:].isdigit()
        or int(action[1:]) >= len(items)
        or len(state) != len(items)
    ):
        return [Reply(EXPIRED)]
    n = int(action[1:])
    table, item_id, pid, _ = items[n]
    person = await engine.store.person(ctx.owner, int(pid))
    if person is None:
        return [Reply("That person is no longer in your circles.")]
    if action[0] == "d":
        closed = await close_items(engine, ctx, person, str(table), [int(item_id)])
        if not closed[0].text.startswith("Done for"):
            return closed
    state = state[:n] + action[0] + state[n + 1 :]
    names = {p.id: p.name for p in await engine.people(ctx.owner)}
    return [_draw(pending_id, payload, names, state)]


def register(engine: Engine) -> None:
    engine.add_answer("loop", answer_loop)
