"""`/circles`, `/group`, `/who near PLACE`, and what places and reaching out add to a card.

The picture's geometry is pure (`core/circle_layout.py`) and its drawing a format of its
own (`formats/circles_png.py`, Pillow imported only when a picture is drawn); here they
meet the user's data, and the PNG leaves as a reply's photo, whatever the transport.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import date, timedelta
from typing import Final

from bot.core.circle_layout import layout
from bot.core.dates import format_ago
from bot.core.intervals import format_interval, parse_interval
from bot.core.meeting_words import at_place, place_key
from bot.core.model import Person
from bot.core.names import name_key
from bot.core.patterns import STREAK_SHOWN, Meeting, group_last_met, reach_out_streak, usual_places
from bot.engine.engine import Command, CommandFn, Context, Engine, PersonFn, UserError
from bot.engine.log import filter_scope
from bot.engine.render import join_names
from bot.engine.replies import Attachment, Reply
from bot.ports.insight import Group

PICTURE_NAME: Final = "kith-circles.png"
MAX_GROUP: Final = 30
PlainFn = Callable[[Engine, Context, str], Awaitable[list[Reply] | None]]
GROUP_NAME = re.compile(r"^[\w][\w' -]{0,39}$")


# -- /circles --------------------------------------------------------------------------


async def circles_picture(engine: Engine, owner: int, today: date, scope: str = "") -> Reply:
    """The picture as a reply: its title as the text (the caption), the PNG as a photo."""
    everyone = await engine.people(owner)
    people = everyone
    if scope:
        people, error = filter_scope(engine, everyone, scope)
        if error:
            return Reply(error)
    if not [p for p in people if not p.imported]:
        return Reply("Nobody to draw yet. Add someone with /add Alice, or tell me who you saw.")
    picture = layout(people, engine.circles, today, everyone=everyone, scope=scope)
    from bot.formats.circles_png import render_png  # Pillow only when drawing

    png = await asyncio.to_thread(render_png, picture)
    return Reply(picture.title, files=(Attachment(PICTURE_NAME, png, "image/png", photo=True),))


async def cmd_circles(engine: Engine, ctx: Context, args: str) -> list[Reply]:
    """/circles [circle|#tag]"""
    return [await circles_picture(engine, ctx.owner, ctx.today, args.strip())]


# -- /who near PLACE -------------------------------------------------------------------


async def who_near(engine: Engine, ctx: Context, place: str) -> list[Reply]:
    """People you meet at a place (and neighbors), the longest unseen first."""
    key = place_key(place)
    if not key:
        return [Reply("Near where? e.g. /who near bakery")]
    meetings = await engine.store.insight.meetings(ctx.owner, date.min)
    at: dict[int, str] = {}
    for m in meetings:
        if m.place and key in place_key(m.place):
            at.setdefault(m.person_id, m.place)
    people = [p for p in await engine.people(ctx.owner) if p.id in at]
    if not people:
        return [Reply(f"I don't have anyone you've met {at_place(place)} yet.")]
    people.sort(key=lambda p: (p.last_contact or p.added_on, name_key(p.name)))
    lines = [f"Easy reconnects {at_place(place)}:"]
    for p in people:
        since = format_ago(p.last_contact, ctx.today) if p.last_contact else "not logged"
        lines.append(f"• {p.name} — {at[p.id]}, {since}")
    return [Reply("\n".join(lines))]


# -- the card --------------------------------------------------------------------------


def card_extras(person: Person, meetings: Sequence[Meeting], groups: Sequence[Group]) -> list[str]:
    """Lines the card adds: usual places, a run of reaching out, the person's groups."""
    lines: list[str] = []
    places = usual_places(meetings)
    if places:
        lines.append(
            "Usual places: " + ", ".join(f"{name} ({n}×)" if n > 1 else name for name, n in places)
        )
    streak = reach_out_streak(meetings)
    if streak is not None and streak.count >= STREAK_SHOWN:
        first = person.name.split()[0]
        if streak.who == "them":
            lines.append(f"{first} reached out the last {streak.count} times")
        else:
            lines.append(f"You reached out the last {streak.count} times")
    mine = [g.name for g in groups if person.id in g.member_ids]
    if mine:
        lines.append("Groups: " + ", ".join(mine))
    return lines


async def card_lines(engine: Engine, owner: int, person: Person) -> list[str]:
    insight = engine.store.insight
    meetings = await insight.person_meetings(owner, person.id)
    return card_extras(person, meetings, await insight.groups(owner))


# -- /group ----------------------------------------------------------------------------


def group_cadence(group: Group, people: dict[int, Person], engine: Engine) -> int | None:
    """The group's own rhythm, else the most relaxed of its members' cadences."""
    if group.cadence_days:
        return group.cadence_days
    cadences = [
        c
        for pid in group.member_ids
        if pid in people and (c := engine.circles.cadence_of(people[pid])) is not None
    ]
    return max(cadences) if cadences else None


def find_group(groups: Sequence[Group], name: str) -> Group | None:
    key = _group_key(name)
    return next((g for g in groups if _group_key(g.name) == key), None)


def _group_key(name: str) -> str:
    return name_key(re.sub(r"[\s_-]+", "-", name.strip()))


async def resolve_members(engine: Engine, owner: int, text: str) -> list[Person]:
    """The people named in `text` ("Alice Bob Carol", "Alice Smith, Bob and Carol")."""
    index = await engine.index(owner)
    chunks = [c for c in re.split(r",|\band\b|&|\+", text) if c.strip()]
    ids: list[int] = []
    for chunk in chunks:
        tokens = chunk.split()
        i = 0
        while i < len(tokens):
            for k in range(min(len(tokens) - i, 4), 0, -1):
                res = index.resolve(" ".join(tokens[i : i + k]))
                if res.found and res.person_id is not None:
                    ids.append(res.person_id)
                    i += k
                    break
                if res.ambiguous and k == 1:
                    options = join_names([c.name for c in res.candidates[:3]])
                    raise UserError(f"Which {tokens[i]}: {options}? Use their full name.")
            else:
                raise UserError(
                    f"I don't know anyone called {tokens[i]}. Add them first: /add {tokens[i]}"
                )
    by_id = {p.id: p for p in await engine.people(owner)}
    return [by_id[i] for i in dict.fromkeys(ids) if i in by_id]


async def cmd_group(engine: Engine, ctx: Context, args: str) -> list[Reply]:
    """/group [NAME [PERSON… | every INTERVAL]]"""
    insight = engine.store.insight
    groups = await insight.groups(ctx.owner)
    people = {p.id: p for p in await engine.people(ctx.owner)}
    name, _, rest = args.strip().partition(" ")
    rest = rest.strip()
    if not name:
        if not groups:
            return [Reply("No groups yet. e.g. /group board-games Alice Bob Carol")]
        meetings = await insight.meetings(ctx.owner, ctx.today - timedelta(days=730))
        return [
            Reply(
                "Your groups:\n"
                + "\n".join(_group_line(g, people, meetings, engine, ctx.today) for g in groups)
            )
        ]
    if not GROUP_NAME.match(name) or name.startswith(("#", "/")):
        return [Reply("A group's name is one word, e.g. /group board-games Alice Bob Carol")]
    group = find_group(groups, name)
    if not rest:
        if group is None:
            return [Reply(f"There's no group called {name}. e.g. /group {name} Alice Bob")]
        meetings = await insight.meetings(ctx.owner, ctx.today - timedelta(days=730))
        return [Reply(_group_line(group, people, meetings, engine, ctx.today))]
    if rest.casefold().startswith("every ") and group is not None:
        days = parse_interval(rest[6:])
        async with engine.store.change(
            ctx.owner, f"set {group.name} {format_interval(days)}", ctx.now
        ) as ch:
            await ch.set_group_cadence(group.id, days)
        return [Reply(f"The {group.name} group: {format_interval(days)}. /undo to take it back.")]
    members = await resolve_members(engine, ctx.owner, rest)
    if len(members) < 2:
        return [Reply("A group needs at least two people, e.g. /group board-games Alice Bob")]
    if len(members) > MAX_GROUP:
        return [Reply(f"That's a lot of people for one group — up to {MAX_GROUP}, please.")]
    label = f"{'updated' if group else 'made'} the {name} group"
    async with engine.store.change(ctx.owner, label, ctx.now) as ch:
        await ch.save_group(
            group.name if group else name, [p.id for p in members], group.id if group else None
        )
    who = join_names([p.name for p in members])
    shown = group.name if group else name
    return [
        Reply(
            f"The {shown} group: {who}. Log “{shown} yesterday” to log everyone at once."
            " /undo to take it back."
        )
    ]


def _group_line(
    group: Group,
    people: dict[int, Person],
    meetings: Sequence[Meeting],
    engine: Engine,
    today: date,
) -> str:
    members = [people[i].name for i in group.member_ids if i in people]
    met = group_last_met(group.member_ids, meetings)
    every = format_interval(group_cadence(group, people, engine))
    when = f"last met {format_ago(met, today)}" if met else "not met yet"
    return f"• {group.name}: {join_names(members)} — {when} ({every})"


def group_due_lines(
    groups: Sequence[Group],
    people: dict[int, Person],
    meetings: Sequence[Meeting],
    engine: Engine,
    today: date,
) -> list[str]:
    """'The board-games group hasn't met in 6 weeks' for each group past its rhythm.

    Said on the day a group falls due and once a week after, not every day: no ledger
    needed, and a group is a gentle aside, not a daily nag.
    """
    lines: list[str] = []
    for group in groups:
        cadence = group_cadence(group, people, engine)
        if cadence is None:
            continue
        since = group_last_met(group.member_ids, meetings) or group.created_on
        over = (today - since).days - cadence
        if over >= 0 and over % 7 == 0:
            ago = format_ago(since, today).removesuffix(" ago")
            lines.append(f"The {group.name} group hasn't met in {ago}.")
    return lines


def mentioned_group(groups: Sequence[Group], text: str) -> Group | None:
    """A group named in a log ("board-games night yesterday", "board games")."""
    flat = _group_key(text)
    for group in groups:
        key = _group_key(group.name)
        if re.search(rf"(?:^|[^\w]){re.escape(key)}(?:$|[^\w])", flat):
            return group
    return None


# -- hooks into /who, /show and the log -----------------------------------------------


def _with_near(handler: CommandFn) -> CommandFn:
    async def who(engine: Engine, ctx: Context, args: str) -> list[Reply]:
        word, _, place = args.strip().partition(" ")
        if word.casefold() == "near":
            return await who_near(engine, ctx, place)
        return await handler(engine, ctx, args)

    return who


def _with_extras(handler: PersonFn) -> PersonFn:
    async def show(engine: Engine, ctx: Context, person: Person, rest: str) -> list[Reply]:
        replies = await handler(engine, ctx, person, rest)
        extra = await card_lines(engine, ctx.owner, person)
        # A question (buttons answering it) is left alone; the card's own action
        # buttons (Log today · Snooze · Note) are not a question.
        asking = replies and any(b.data.startswith("q:") for b in replies[0].flat_buttons)
        if not extra or not replies or asking:
            return replies
        first = replies[0]
        return [replace(first, text=first.text + "\n" + "\n".join(extra)), *replies[1:]]

    return show


async def expand_group(
    engine: Engine, owner: int, text: str, groups: Sequence[Group] | None = None
) -> str | None:
    """A log naming a group, with its members written out; None when it names none.
    `groups`: the owner's groups when already read for this message."""
    if groups is None:
        groups = await engine.store.insight.groups(owner)
    group = mentioned_group(groups, text)
    if group is None:
        return None
    people = {p.id: p for p in await engine.people_by_id(owner, group.member_ids)}
    names = [people[i].name for i in group.member_ids if i in people]
    return f"{text} with {join_names(names)}" if names else None


async def _group_hint(
    engine: Engine, ctx: Context, groups: Sequence[Group] | None = None
) -> str | None:
    """After a log of three or more people met together before: offer them a group."""
    ids, before = await engine.store.insight.latest_meeting_people(ctx.owner, at_least=3)
    if len(ids) < 3 or not before:
        return None
    if groups is None:  # a log writes no group: those read before it still hold
        groups = await engine.store.insight.groups(ctx.owner)
    if any(set(g.member_ids) == set(ids) for g in groups):
        return None
    people = {p.id: p for p in await engine.people_by_id(ctx.owner, ids)}
    names = [people[i].name.split()[0] for i in ids if i in people]
    return (
        f"You've met {join_names(names)} together before — make them a group? "
        f"e.g. /group friends-night {' '.join(names)}"
    )


def _with_groups(handler: CommandFn) -> CommandFn:
    async def log(engine: Engine, ctx: Context, args: str) -> list[Reply]:
        groups = await engine.store.insight.groups(ctx.owner) if args else None
        expanded = await expand_group(engine, ctx.owner, args, groups) if args else None
        replies = await handler(engine, ctx, expanded or args)
        return await _hinted(engine, ctx, replies, groups)

    return log


async def _hinted(
    engine: Engine, ctx: Context, replies: list[Reply], groups: Sequence[Group] | None = None
) -> list[Reply]:
    if len(replies) == 1 and replies[0].text.startswith("Logged ") and not replies[0].buttons:
        hint = await _group_hint(engine, ctx, groups)
        if hint:
            return [replace(replies[0], text=replies[0].text + "\n" + hint)]
    return replies


def _plain_with_groups(understanders: Sequence[PlainFn]) -> PlainFn:
    """The plain-text readers in order, groups expanded and hinted around them: the
    owner's groups read once per message, not once per reader and again for the hint."""

    async def plain(engine: Engine, ctx: Context, text: str) -> list[Reply] | None:
        groups = await engine.store.insight.groups(ctx.owner)
        expanded = await expand_group(engine, ctx.owner, text, groups)
        for understand in understanders:
            replies = await understand(engine, ctx, expanded or text)
            if replies is not None:
                return await _hinted(engine, ctx, replies, groups)
        return None

    return plain


def register(engine: Engine) -> None:
    """After log and people: wraps /who, /show, /log and plain logs. (`/review` and the
    group lines of a digest belong to the digest, bot/nudges, which plugs them in.)"""
    if "who" in engine.commands:
        who = engine.commands["who"]
        engine.add_command(replace(who, handler=_with_near(who.handler)))
    if "log" in engine.commands:
        log = engine.commands["log"]
        engine.add_command(replace(log, handler=_with_groups(log.handler)))
    if "show" in engine.person_commands:
        engine.person_commands["show"] = _with_extras(engine.person_commands["show"])
    engine.plain_text[:] = [_plain_with_groups(tuple(engine.plain_text))]
    engine.add_command(
        Command("circles", cmd_circles, "A picture of your circles", "/circles #neighbor")
    )
    engine.add_command(
        Command("group", cmd_group, "People who meet together", "/group board-games Alice Bob")
    )
