"""Logging meetings in plain words, and asking who is overdue."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from bot.core.clock import parse_utc
from bot.core.dates import DATE_ORDERS, AmbiguousDate, DateError, default_date_order, format_day
from bot.core.due import due_page
from bot.core.meeting_words import (
    at_place,
    find_place,
    note_without_place,
    place_key,
    place_words,
    who_reached_out,
)
from bot.core.model import Interaction, Person
from bot.core.names import Match, NameIndex, name_key
from bot.core.phrases import LogPhrase, PhraseError, parse_log, split_head
from bot.core.understand import Intent, read
from bot.core.wording import kind_label, kind_noun, sentence
from bot.engine import talk
from bot.engine.engine import (
    EXPIRED,
    Command,
    Context,
    Engine,
    UserError,
    check_name,
    local_today,
    short,
)
from bot.engine.loop import loop_reply
from bot.engine.pages import PAGE, counts_line, page_reply
from bot.engine.render import join_names, who_list
from bot.engine.replies import Reply, em
from bot.ports.store import NewPerson

ADD = "a"
SKIP = "s"
CANCEL = "x"


async def cmd_log(engine: Engine, ctx: Context, args: str) -> list[Reply]:
    """/log TEXT"""
    if not args:
        return [Reply("What happened? e.g. /log coffee with Alice yesterday — she's moving")]
    return await engine.with_names(
        ctx.owner, args, lambda index: log_text(engine, ctx, args, {}, ctx.today, index=index)
    )


async def log_text(
    engine: Engine,
    ctx: Context,
    text: str,
    choices: dict[str, Any],
    today: date,
    ref: str | None = None,
    *,
    index: NameIndex | None = None,
) -> list[Reply]:
    """Log `text`, asking about each name that is ambiguous or unknown.

    `choices` holds answers already given (name key -> person id, ADD or SKIP);
    `today` is the day the user first wrote, so "yesterday" keeps its meaning
    when a question is answered later. `ref` is the message that said it (kept through
    questions), remembered with the log so that editing the message corrects it.
    `index` is the one `Engine.with_names` gave (every use of it comes before any
    write, so a probe that raises `Unsure` leaves nothing done); else the whole one.
    """
    ref = ctx.message_ref if ref is None else ref
    if index is None:
        index = await engine.index(ctx.owner)
    try:
        phrase = parse_log(text, today, index, date_order(ctx))
    except AmbiguousDate as unsure:
        return [await _ask_date_order(engine, ctx, text, today, unsure, ref)]
    # The parser keeps places out of the people; the meeting-words rules name the place
    # the way the card and the review show it ("bakery"), the parser's as written. Both
    # read the head only: a place in the note is the friend's news ("she works at Google").
    head, _ = split_head(text, index)
    place = find_place(head) or phrase.place or None
    initiator = who_reached_out(text)
    where = place_words(head) if place is not None else frozenset()
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
            "ref": ref,
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
    if note and all(w.casefold() in where for w in note.split()):
        note = ""  # "on" left of "at the Bakery on Main": the place's own words
    logged, iid = await commit_log(
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
        assumed=_assumed(phrase, today),
    )
    if ref:
        await engine.store.remember_log_message(ctx.owner, ref, iid, ctx.now)
    # Close the loop: what was open with the people just seen, with buttons.
    after = await loop_reply(engine, ctx, chosen)
    return [logged] if after is None else [logged, after]


def _assumed(phrase: LogPhrase, today: date) -> str:
    """ "today — I couldn't read “the 3st”": said whenever a date word was not read."""
    if not phrase.assumed:
        return ""
    when = "today" if phrase.day == today else format_day(phrase.day, today)
    return f"{when} — I couldn't read “{phrase.assumed}”"


def date_order(ctx: Context) -> str:
    """The user's numeric date order: theirs, else their time zone's, else "" (ask)."""
    return ctx.settings.date_order or default_date_order(ctx.settings.timezone)


async def _ask_date_order(
    engine: Engine, ctx: Context, text: str, today: date, unsure: AmbiguousDate, ref: str
) -> Reply:
    """ "3/11": 3 Nov or 11 Mar? Asked once; the answer becomes the user's date order."""
    day_first, month_first = unsure.options
    payload = {"a": "dateorder", "text": text, "today": today.isoformat(), "ref": ref}
    return await engine.ask(
        ctx,
        f"Is {unsure.text} {format_day(day_first, today)} or {format_day(month_first, today)}? "
        "I'll remember how you write dates (/dateorder changes it).",
        payload,
        [
            (f"{format_day(day_first, today)} (day first)", "dmy"),
            (f"{format_day(month_first, today)} (month first)", "mdy"),
            ("Cancel", CANCEL),
        ],
    )


async def answer_date_order(
    engine: Engine, ctx: Context, pending_id: int, payload: dict[str, Any], choice: str
) -> list[Reply]:
    await engine.store.drop_pending(ctx.owner, pending_id)
    if choice == CANCEL:
        return [Reply("OK, nothing logged.")]
    if choice not in DATE_ORDERS:
        return [Reply(EXPIRED)]
    await _save_date_order(engine, ctx, choice)
    ctx = await engine.context(ctx.owner)
    return await log_text(
        engine,
        ctx,
        payload["text"],
        {},
        date.fromisoformat(payload["today"]),
        str(payload.get("ref", "")),  # the log stays linked to its message, for an edit
    )


async def _save_date_order(engine: Engine, ctx: Context, order: str) -> None:
    await engine.store.update_settings(
        ctx.owner, f"set the date order to {order}", ctx.now, date_order=order
    )


_ORDER_EXAMPLES = {"dmy": "14/11 is 14 November", "mdy": "11/14 is November 14"}
_ORDER_EXAMPLES["ymd"] = "2026/11/14, and 11/14 is November 14"


async def cmd_dateorder(engine: Engine, ctx: Context, args: str) -> list[Reply]:
    """/dateorder dmy|mdy|ymd"""
    order = args.strip().casefold().replace("/", "").replace("-", "")
    if order not in DATE_ORDERS:
        current = date_order(ctx) or "not set (I'll ask when a date could be read two ways)"
        said = f"I can't read “{args.strip()[:40]}” as a date order. " if args.strip() else ""
        return [
            Reply(f"{said}Your date order: {current}. Change it with /dateorder dmy, mdy or ymd.")
        ]
    await _save_date_order(engine, ctx, order)
    return [Reply(f"Got it: {_ORDER_EXAMPLES[order]}. /undo to take it back.")]


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
    assumed: str = "",
) -> tuple[Reply, int]:
    """Write the log; its confirmation and the interaction's id."""
    store = engine.store
    # By id, in the order named: no scan of everyone (flat in the number of people).
    people = await engine.people_by_id(ctx.owner, person_ids)
    if not people and not new_names:
        # A question answered after everyone it named was forgotten: nobody to log.
        raise UserError("Nobody in that log is in your people any more — nothing was logged.")
    names = [p.name for p in people] + new_names
    label = f"logged {kind_noun(kind, names)} on {format_day(day, today)}"
    ids = [p.id for p in people]
    reactivate = [p.id for p in people if p.imported]
    if not new_names:
        # The everyday log: one transaction in one database thread hop.
        iid = await store.log_now(
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
        await engine.check_room(ctx, len(new_names))
        async with store.change(ctx.owner, label, ctx.now) as ch:
            ids += await ch.add_people(
                [NewPerson(n, engine.circles.default_new, ctx.today) for n in new_names]
            )
            iid = await ch.log_meeting(
                day, kind, note, ids, reactivate=reactivate, place=place, initiator=initiator
            )
    shown = [em(n) for n in names]
    text = f"Logged {kind_noun(kind, shown)} on {format_day(day, today)}"
    if place is not None:
        text += f" {at_place(place)}"
    if assumed:
        text += f" ({assumed})"
    text = sentence(f"{text} — note: {note}") if note else text + "."
    if new_names:
        text += f" Added {join_names(new_names)} to {engine.circles.default_new}."
    if guesses:
        text += f" (I took {join_names(['“' + g + '”' for g in guesses])} to mean the name above.)"
    return Reply(text + " /undo to take it back."), iid


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
        return [Reply(EXPIRED)]
    return await log_text(
        engine,
        ctx,
        payload["text"],
        choices,
        date.fromisoformat(payload["today"]),
        str(payload.get("ref", "")),
    )


# -- edits ---------------------------------------------------------------------------

EDIT_WINDOW = timedelta(days=1)
EDIT_IGNORED = (
    "I saw your edit — only the message of a log can be corrected that way, so nothing changed."
)


async def edit_log(engine: Engine, ctx: Context, text: str) -> list[Reply]:
    """The message that logged a meeting was edited: re-read it and correct the log.

    Only within a day of the log, and only when every name in the new text is someone
    already known (an edit never adds people or asks questions); anything else is left
    as it was, with a reply saying so.
    """
    found = await engine.store.logged_by_message(ctx.owner, ctx.message_ref)
    if found is None:
        return [Reply(EDIT_IGNORED)]
    old, created = found
    logged_at = parse_utc(created)
    if ctx.now - logged_at > EDIT_WINDOW:
        return [
            Reply(
                "That log is more than a day old, so I left it as it was. "
                "To change it, /undo or log it again."
            )
        ]
    today = local_today(logged_at, ctx.settings.timezone)
    index = await engine.index(ctx.owner)
    try:
        phrase = parse_log(text, today, index, date_order(ctx))
    except (PhraseError, DateError) as exc:
        return [Reply(f"I couldn't re-read your edit ({exc}) — the log stays as it was.")]
    ids: list[int] = []
    for name in phrase.names:
        res = index.resolve(name)
        if not res.found or res.person_id is None:
            return [
                Reply(
                    f"I couldn't re-read your edit: I don't know who “{name}” is. The log "
                    "stays as it was — to change it, /undo and log it again."
                )
            ]
        ids.append(res.person_id)
    people = {p.id: p.name for p in await engine.people(ctx.owner)}
    changes = _what_changed(old, phrase.day, phrase.kind, phrase.note, ids, people, today)
    if not changes:
        return [Reply("Your edit reads the same as the log — nothing to change.")]
    names = [people[i] for i in dict.fromkeys(ids)]
    label = (
        f"corrected the log of {kind_noun(phrase.kind, names)} on {format_day(phrase.day, today)}"
    )
    async with engine.store.change(ctx.owner, label, ctx.now) as ch:
        await ch.correct_meeting(old.id, phrase.day, phrase.kind, phrase.note, ids)
    now_reads = (
        f"{kind_noun(phrase.kind, [em(n) for n in names])} on {format_day(phrase.day, today)}"
    )
    return [
        Reply(
            f"Corrected your log: {'; '.join(changes)}. It now reads: {now_reads}."
            " /undo to take it back."
        )
    ]


def _what_changed(
    old: Interaction,
    day: date,
    kind: str,
    note: str,
    ids: list[int],
    names: dict[int, str],
    today: date,
) -> list[str]:
    """'lunch, not coffee', 'Mon 23 Nov, not Tue 24 Nov', 'with Bob, not Alice'."""
    out: list[str] = []
    if kind != old.kind:
        out.append(f"{kind_label(kind)}, not {kind_label(old.kind)}")
    if day != old.day:
        out.append(f"{format_day(day, today)}, not {format_day(old.day, today)}")
    if set(ids) != set(old.person_ids):
        new = join_names([names.get(i, "?") for i in dict.fromkeys(ids)])
        was = join_names([names.get(i, "someone forgotten") for i in old.person_ids])
        out.append(f"with {new}, not {was}")
    if note != old.note:
        out.append(f"note: {note}" if note else "no note")
    return out


async def answer_not_seen(
    engine: Engine, ctx: Context, pending_id: int, payload: dict[str, Any], choice: str
) -> list[Reply]:
    """ "Not seen Ravi for months" → "Log a catch-up today"; snoozing is talk's."""
    if choice != "l":
        return await talk.answer_offer(engine, ctx, pending_id, payload, choice)
    await engine.store.drop_pending(ctx.owner, pending_id)
    person = await engine.store.person(ctx.owner, int(payload["pid"]))
    if person is None:
        return [Reply("That person is no longer in your circles.")]
    logged, _ = await commit_log(
        engine, ctx, ctx.today, "catch-up", "", [person.id], [], [], ctx.today
    )
    return [logged]


async def cmd_who(engine: Engine, ctx: Context, args: str) -> list[Reply]:
    """/who [circle|#tag]"""
    return await who_page(engine, ctx, args.strip(), 0)


async def who_page(engine: Engine, ctx: Context, scope: str, offset: int) -> list[Reply]:
    """/who from the `offset`-th overdue person on: one page of `pages.PAGE` at most."""
    people = await engine.people(ctx.owner)
    if scope:
        people, error = filter_scope(engine, people, scope)
        if error:
            return [Reply(error)]
    if not people:
        return [Reply("Nobody here yet. Add someone with /add Alice, or just tell me who you saw.")]
    # One pass, and only the page ranked in full (bot/core/due.py): not two rankings
    # of everyone on the event loop.
    ranked = due_page(people, engine.circles, ctx.today, offset, offset + PAGE)
    if ranked.total <= PAGE and offset:
        ranked = due_page(people, engine.circles, ctx.today, 0, PAGE)
    # Snoozed people are hidden from the list, but never silently: say how many.
    hidden = ranked.snoozed
    tail = f" ({hidden} snoozed)" if hidden else ""
    if not ranked.total:
        return [
            Reply(
                "Nobody's overdue — you're in touch with everyone"
                + (f" in {scope}" if scope else "")
                + f". 🌿{tail}"
            )
        ]
    if ranked.total <= PAGE:
        return [
            Reply(
                who_list(ranked.page, engine.circles, ctx.today)
                + (f"\n{tail.strip()}" if tail else "")
            )
        ]
    per_circle = ranked.per_circle
    footer = counts_line(
        ranked.total,
        "overdue",
        [(c, per_circle[c]) for c in sorted(per_circle, key=engine.circles.rank)],
    )
    page = who_list(ranked.page, engine.circles, ctx.today)
    return [await page_reply(engine, ctx, "who", scope, offset, ranked.total, page, footer + tail)]


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
    """Free text: a log, a who-question, or one of talk's kinds (a plan, "not seen X for
    months", a birthday, a question, "thanks"); None when it is none of them."""

    async def work(index: NameIndex) -> list[Reply] | None:
        reading = read(text, ctx.today, index, date_order(ctx))
        if reading.intent is Intent.ASK_WHO:
            return await cmd_who(engine, ctx, "")
        if reading.intent is Intent.LOG:
            return await log_text(engine, ctx, text, {}, ctx.today, index=index)
        # Talk reads the whole index itself: the probe's part ends with the reading.
        return await talk.about(engine, ctx, text, reading)

    return await engine.with_names(ctx.owner, text, work)


def register(engine: Engine) -> None:
    engine.add_command(
        Command("log", cmd_log, "Log a meeting", "/log coffee with Alice yesterday — she's moving")
    )
    engine.add_command(Command("who", cmd_who, "Who haven't I seen?", "/who inner"))
    engine.add_command(
        Command("dateorder", cmd_dateorder, "How you write dates (14/11)", "/dateorder dmy")
    )
    engine.plain_text.append(understand_plain)
    engine.add_answer("log", answer_log)
    engine.edit_handler = edit_log
    engine.add_answer("dateorder", answer_date_order)
    engine.add_answer("notseen", answer_not_seen)
    talk.register(engine)
