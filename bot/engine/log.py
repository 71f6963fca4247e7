"""Logging meetings in plain words, and asking who is overdue."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from bot.core.dates import format_day
from bot.core.due import rank_due
from bot.core.meeting_words import (
    at_place,
    find_place,
    note_without_place,
    place_key,
    place_words,
    who_reached_out,
)
from bot.core.model import Person
from bot.core.names import Match, name_key
from bot.core.phrases import is_who_question, looks_like_log, parse_log
from bot.engine.engine import Command, Context, Engine, check_name, short
from bot.engine.render import join_names, who_list
from bot.engine.replies import Reply
from bot.ports.store import NewPerson

ADD = "a"
SKIP = "s"
CANCEL = "x"


async def cmd_log(engine: Engine, ctx: Context, args: str) -> list[Reply]:
    """/log TEXT"""
    if not args:
        return [Reply("What happened? e.g. /log coffee with Alice yesterday — she's moving")]
    return await log_text(engine, ctx, args, {}, ctx.today)


async def log_text(
    engine: Engine, ctx: Context, text: str, choices: dict[str, Any], today: date
) -> list[Reply]:
    """Log `text`, asking about each name that is ambiguous or unknown.

    `choices` holds answers already given (name key -> person id, ADD or SKIP);
    `today` is the day the user first wrote, so "yesterday" keeps its meaning
    when a question is answered later.
    """
    index = await engine.index(ctx.owner)
    phrase = parse_log(text, today, index)
    place = find_place(text)
    initiator = who_reached_out(text)
    where = place_words(text) if place is not None else frozenset()
    chosen: list[int] = []
    new_names: list[str] = []
    guesses: list[str] = []
    for name in phrase.names:
        if place is not None and place_key(name) == place_key(place):
            continue  # "drinks at the Crown": the Crown is where, not who
        key = name_key(name)
        choice = choices.get(key)
        if choice == SKIP:
            continue
        if choice == ADD:
            new_names.append(check_name(name))
            continue
        if isinstance(choice, int):
            chosen.append(choice)
            continue
        res = index.resolve(name)
        if res.found and res.person_id is not None:
            chosen.append(res.person_id)
            if res.match == Match.FUZZY:
                guesses.append(name)
            continue
        if where and all(w.casefold() in where for w in name.split()):
            continue  # "at the Bakery on Main": part of the place, not someone new
        payload = {
            "a": "log",
            "text": text,
            "today": today.isoformat(),
            "choices": choices,
            "name": name,
            "ids": [c.person_id for c in res.candidates[:5]],
        }
        choices_offered = [(c.name, str(i)) for i, c in enumerate(res.candidates[:5])]
        if res.ambiguous:
            question = f"Which {name} did you see?"
        else:
            question = f"I don't know {name} yet. Who is it?"
            choices_offered += [
                (f"Add {short(name)} to {engine.circles.default_new}", ADD),
                ("Not a person", SKIP),
            ]
        choices_offered.append(("Cancel", CANCEL))
        return [await engine.ask(ctx, question, payload, choices_offered)]

    if not chosen and not new_names:
        return [Reply("Nobody's left in that, so I logged nothing.")]
    note = phrase.note if place is None else note_without_place(phrase.note, place)
    return [
        await commit_log(
            engine,
            ctx,
            phrase.day,
            phrase.kind,
            note,
            chosen,
            new_names,
            guesses,
            today,
            place=place,
            initiator=initiator,
        )
    ]


async def commit_log(
    engine: Engine,
    ctx: Context,
    day: date,
    kind: str,
    note: str,
    person_ids: list[int],
    new_names: list[str],
    guesses: list[str],
    today: date,
    *,
    place: str | None = None,
    initiator: str | None = None,
) -> Reply:
    store = engine.store
    people = [p for p in await store.people(ctx.owner) if p.id in set(person_ids)]
    order = {pid: i for i, pid in enumerate(person_ids)}
    people.sort(key=lambda p: order[p.id])
    names = [p.name for p in people] + new_names
    label = f"logged {kind} with {join_names(names)} on {format_day(day, today)}"
    ids = [p.id for p in people]
    reactivate = [p.id for p in people if p.imported]
    if not new_names:
        # The everyday log: one transaction in one database thread hop.
        await store.log_now(
            ctx.owner,
            label,
            ctx.now,
            day,
            kind,
            note,
            ids,
            reactivate,
            place=place,
            initiator=initiator,
        )
    else:
        async with store.change(ctx.owner, label, ctx.now) as ch:
            ids += await ch.add_people(
                [NewPerson(n, engine.circles.default_new, ctx.today) for n in new_names]
            )
            await ch.log_meeting(
                day, kind, note, ids, reactivate=reactivate, place=place, initiator=initiator
            )
    text = f"Logged {kind} with {join_names(names)} on {format_day(day, today)}"
    if place is not None:
        text += f" {at_place(place)}"
    if note:
        text += f" — note: {note}"
    text += "."
    if new_names:
        text += f" Added {join_names(new_names)} to {engine.circles.default_new}."
    if guesses:
        text += f" (I took {join_names(['“' + g + '”' for g in guesses])} to mean the name above.)"
    return Reply(text + " /undo to take it back.")


async def answer_log(
    engine: Engine, ctx: Context, pending_id: int, payload: dict[str, Any], choice: str
) -> list[Reply]:
    await engine.store.drop_pending(ctx.owner, pending_id)
    if choice == CANCEL:
        return [Reply("OK, nothing logged.")]
    choices = dict(payload["choices"])
    key = name_key(payload["name"])
    if choice in (ADD, SKIP):
        choices[key] = choice
    elif choice.isdigit() and int(choice) < len(payload["ids"]):
        choices[key] = int(payload["ids"][int(choice)])
    else:
        return [Reply("That button has expired.")]
    return await log_text(
        engine, ctx, payload["text"], choices, date.fromisoformat(payload["today"])
    )


async def cmd_who(engine: Engine, ctx: Context, args: str) -> list[Reply]:
    """/who [circle|#tag]"""
    people = await engine.people(ctx.owner)
    scope = args.strip()
    if scope:
        people, error = filter_scope(engine, people, scope)
        if error:
            return [Reply(error)]
    if not people:
        return [Reply("Nobody here yet. Add someone with /add Alice, or just tell me who you saw.")]
    due = rank_due(people, engine.circles, ctx.today)
    if not due:
        return [
            Reply(
                "Nobody's overdue — you're in touch with everyone"
                + (f" in {scope}" if scope else "")
                + ". 🌿"
            )
        ]
    return [Reply(who_list(due, engine.circles, ctx.today))]


def filter_scope(
    engine: Engine, people: Sequence[Person], scope: str
) -> tuple[list[Person], str | None]:
    """Keep people in a circle or with a #tag; an error text when the scope is unknown."""
    if scope.startswith("#"):
        tag = scope[1:].casefold()
        kept = [p for p in people if tag in p.tags]
        if not kept:
            return [], f"Nobody is tagged #{tag} yet. Tag someone with /tag Alice #{tag}."
        return kept, None
    circle = engine.circles.find(scope)
    if circle is None:
        return (
            [],
            f"There's no circle called “{scope}”. Circles: {', '.join(engine.circles.names)}.",
        )
    return [p for p in people if p.circle == circle.name], None


async def understand_plain(engine: Engine, ctx: Context, text: str) -> list[Reply] | None:
    """Free text: a who-question or a log; None when it is neither."""
    if is_who_question(text):
        return await cmd_who(engine, ctx, "")
    index = await engine.index(ctx.owner)
    if looks_like_log(text, index):
        return await log_text(engine, ctx, text, {}, ctx.today)
    return None


def register(engine: Engine) -> None:
    engine.add_command(
        Command("log", cmd_log, "Log a meeting", "/log coffee with Alice yesterday — she's moving")
    )
    engine.add_command(Command("who", cmd_who, "Who haven't I seen?", "/who inner"))
    engine.plain_text.append(understand_plain)
    engine.add_answer("log", answer_log)
