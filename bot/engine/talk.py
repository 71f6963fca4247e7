"""Replies to free text that is not a meeting: plans, "not seen X for months", a
birthday, news about someone, plain questions ("when did I last see Ben?") and
chit-chat. Nothing here logs a meeting unless the user presses (or types) yes.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta
from typing import Any

from bot.core.dates import (
    MONTH_ABBR,
    DateError,
    default_date_order,
    format_ago,
    format_day,
    next_yearly,
    parse_month_day,
    read_day,
)
from bot.core.model import Person
from bot.core.names import NameIndex
from bot.core.understand import Intent, Reading
from bot.engine.engine import EXPIRED, Context, Engine
from bot.engine.render import join_names
from bot.engine.replies import Reply

_CHAT_REPLIES = {
    "thanks": "Any time! 🌿",
    "hello": "Hi! 👋 Tell me who you've seen lately, or ask “who haven't I seen?”.",
    "bye": "Bye for now — say hi to someone for me. 🌿",
    "ack": "👍",
}
_SNOOZE_DAYS = 14


def chat(reading: Reading) -> list[Reply]:
    return [Reply(_CHAT_REPLIES.get(reading.rest, "👍"))]


async def about(engine: Engine, ctx: Context, text: str, reading: Reading) -> list[Reply] | None:
    """The reply for a non-log reading, or None when it has nothing to say."""
    if reading.intent is Intent.CHAT:
        return chat(reading)
    if reading.intent is Intent.ASK_WEEK:
        return await seen_lately(engine, ctx, reading.rest)
    if reading.intent is Intent.MOVE:
        return await engine.commands["circle"].handler(
            engine, ctx, f"{reading.person} {reading.rest}"
        )
    if reading.intent is Intent.ASK_CARD:
        return await engine.commands["show"].handler(engine, ctx, reading.person)
    if reading.intent is Intent.CANCELLED and not reading.person:
        return [Reply("Sorry it didn't happen — I haven't logged anything.")]
    if reading.intent is Intent.PLAN and not reading.person:
        return [Reply(_PLAN_ONLY)]
    command = _PERSON_INTENTS.get(reading.intent)
    if command is None or not reading.person:
        return None
    rest = reading.rest if reading.intent is Intent.BIRTHDAY else text
    return await _with(engine, ctx, command, reading.person, rest)


_PLAN_ONLY = (
    "That sounds like a plan, so I haven't logged it — tell me once it's happened "
    "(e.g. “coffee with Alice yesterday”)."
)


async def _with(engine: Engine, ctx: Context, command: str, name: str, rest: str) -> list[Reply]:
    index: NameIndex = await engine.index(ctx.owner)
    res = index.resolve(name)
    if res.found and res.person_id is not None:
        person = await engine.store.person(ctx.owner, res.person_id)
        if person is not None:
            return await engine.person_commands[command](engine, ctx, person, rest)
    return [await engine.ask_who(ctx, command, res, rest)]


# -- the person replies (run again with the chosen person after "Which Alice?") ----------


async def plan(engine: Engine, ctx: Context, person: Person, text: str) -> list[Reply]:
    payload = {"a": "offer", "do": "ask", "pid": person.id, "text": text}
    why = "That sounds like a plan"
    order = ctx.settings.date_order or default_date_order(ctx.settings.timezone) or "dmy"
    with contextlib.suppress(DateError):
        found = read_day(text, ctx.today, order)
        if found.day is not None and found.future(ctx.today):
            why = f"{format_day(found.day, ctx.today)} is in the future"
    return [
        await engine.ask(
            ctx,
            f"{why}, so I haven't logged anything. Keep “{text}” as a follow-up for {person.name}?",
            payload,
            [("Yes, keep it as a follow-up", "y"), ("No thanks", "x")],
        )
    ]


async def cancelled(engine: Engine, ctx: Context, person: Person, text: str) -> list[Reply]:
    text = f"Sorry it didn't happen — I haven't logged anything with {person.name}."
    if person.last_contact is not None:
        text += " " + _last_seen(person, ctx)
    return [Reply(text)]


async def not_seen(engine: Engine, ctx: Context, person: Person, text: str) -> list[Reply]:
    # "notseen" is answered in log.py (it can log); its other choices come back here.
    payload = {"a": "notseen", "do": "neg", "pid": person.id, "text": text}
    return [
        await engine.ask(
            ctx,
            f"{_last_seen(person, ctx)} Want to log one today, or snooze them for now?",
            payload,
            [
                (f"Log a catch-up with {person.name} today", "l"),
                (f"Snooze {person.name} for 2 weeks", "s"),
                ("Leave it", "x"),
            ],
        )
    ]


async def birthday(engine: Engine, ctx: Context, person: Person, when: str) -> list[Reply]:
    month, day, year = parse_month_day(when)
    shown = f"{day} {MONTH_ABBR[month - 1]}" + (f" {year}" if year else "")
    payload = {"a": "offer", "do": "date", "pid": person.id, "text": f"birthday {when}"}
    return [
        await engine.ask(
            ctx,
            f"Not a meeting, so nothing logged. Save {person.name}'s birthday as {shown}?",
            payload,
            [("Yes, save the birthday", "y"), ("No thanks", "x")],
        )
    ]


async def news(engine: Engine, ctx: Context, person: Person, text: str) -> list[Reply]:
    payload = {"a": "offer", "do": "note", "pid": person.id, "text": text}
    return [
        await engine.ask(
            ctx,
            f"That's news about {person.name}, not a meeting, so I haven't logged anything. "
            "Save it as a note?",
            payload,
            [("Yes, save it as a note", "y"), ("No thanks", "x")],
        )
    ]


async def last_seen(engine: Engine, ctx: Context, person: Person, text: str) -> list[Reply]:
    return [Reply(_last_seen(person, ctx))]


async def birthday_of(engine: Engine, ctx: Context, person: Person, text: str) -> list[Reply]:
    card = await engine.store.card(ctx.owner, person.id)
    dates = [d for d in card.dates if d.label == "birthday"] if card else []
    if not dates:
        return [
            Reply(
                f"I don't know {person.name}'s birthday yet. "
                f"Tell me with /date {person.name} birthday 12 March."
            )
        ]
    d = dates[0]
    when = next_yearly(d.month, d.day, ctx.today)
    days = (when - ctx.today).days
    ahead = "today! 🎂" if days == 0 else f"— next on {format_day(when, ctx.today)}"
    if days:
        ahead += f", in {days} days" if days > 1 else ", tomorrow"
    return [Reply(f"{person.name}'s birthday is {d.day} {MONTH_ABBR[d.month - 1]} {ahead}.")]


def _last_seen(person: Person, ctx: Context) -> str:
    if person.last_contact is None:
        return f"I have nothing logged with {person.name} yet."
    kind = person.last_kind or "contact"
    return (
        f"Your last {kind} with {person.name} was on {format_day(person.last_contact, ctx.today)}"
        f" ({format_ago(person.last_contact, ctx.today)})."
    )


async def seen_lately(engine: Engine, ctx: Context, span: str) -> list[Reply]:
    """Who was seen this week / last week / this month, from each person's last contact."""
    today = ctx.today
    start = today - timedelta(days=today.weekday())
    end = today
    if span in ("last week", "past week"):
        start, end = start - timedelta(days=7), start - timedelta(days=1)
    elif span in ("this month",):
        start = today.replace(day=1)
    elif span in ("past month", "last month", "recently", "lately"):
        start = today - timedelta(days=30)
    elif span == "today":
        start = today
    elif span == "yesterday":
        start = end = today - timedelta(days=1)
    seen = sorted(
        (p for p in await engine.people(ctx.owner) if p.last_contact and start <= p.last_contact),
        key=lambda p: p.last_contact or today,
    )
    # Someone seen after the span (last week's question, seen again today) was seen in it
    # too only if an earlier log says so; the latest contact is all we read here.
    names = [p.name for p in seen if p.last_contact is not None and p.last_contact <= end]
    label = span if span not in ("recently", "lately") else "in the last 30 days"
    if not names:
        return [Reply(f"I have nobody logged {label} yet.")]
    return [Reply(f"{label[:1].upper()}{label[1:]} you saw {join_names(names)}.")]


async def answer_offer(
    engine: Engine, ctx: Context, pending_id: int, payload: dict[str, Any], choice: str
) -> list[Reply]:
    await engine.store.drop_pending(ctx.owner, pending_id)
    if choice == "x":
        return [Reply("OK, I'll leave it.")]
    person = await engine.store.person(ctx.owner, int(payload["pid"]))
    if person is None:
        return [Reply("That person is no longer in your circles.")]
    do, text = payload["do"], str(payload["text"])
    # The person commands of people.py (/ask, /note, /date, /snooze), by name: people.py
    # imports log, which imports this module.
    run = engine.person_commands
    if do in ("ask", "note", "date") and choice == "y":
        return await run[do](engine, ctx, person, text)
    if do == "neg" and choice == "s":
        return await run["snooze"](engine, ctx, person, f"{_SNOOZE_DAYS} days")
    return [Reply(EXPIRED)]


async def answer_typed(
    engine: Engine, ctx: Context, pending_id: int, payload: dict[str, Any], choice: str
) -> list[Reply]:
    """The words typed after "What should I note about Alice?" (see ask_typed)."""
    await engine.store.drop_pending(ctx.owner, pending_id)
    if not choice.startswith("t:"):
        return [Reply("OK, never mind.")]
    person = await engine.store.person(ctx.owner, int(payload["pid"]))
    if person is None:
        return [Reply("That person is no longer in your circles.")]
    return await engine.person_commands[str(payload["cmd"])](engine, ctx, person, choice[2:])


_PERSON_INTENTS = {
    Intent.PLAN: "talk_plan",
    Intent.CANCELLED: "talk_cancelled",
    Intent.NEGATION: "talk_not_seen",
    Intent.BIRTHDAY: "talk_birthday",
    Intent.STATEMENT: "talk_news",
    Intent.ASK_LAST: "talk_last_seen",
    Intent.ASK_BIRTHDAY: "talk_birthday_of",
}


def register(engine: Engine) -> None:
    for name, handler in (
        ("talk_plan", plan),
        ("talk_cancelled", cancelled),
        ("talk_not_seen", not_seen),
        ("talk_birthday", birthday),
        ("talk_news", news),
        ("talk_last_seen", last_seen),
        ("talk_birthday_of", birthday_of),
    ):
        engine.add_person_command(name, handler)
    engine.add_answer("offer", answer_offer)
    engine.add_answer("typed", answer_typed)
