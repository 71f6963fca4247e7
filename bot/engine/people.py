"""Commands about people: adding, showing, moving, remembering things about them."""

from __future__ import annotations

import calendar
import heapq
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bot.core.dates import DateError, format_day, parse_future_day, parse_month_day
from bot.core.intervals import IntervalError, format_interval, parse_duration, parse_interval
from bot.core.model import Favor, FavorKind, FollowUp, Person
from bot.core.names import Match, name_key
from bot.core.phrases import looks_like_log
from bot.core.reach import check_email, check_phone, email_key, phone_key
from bot.core.wording import ask_line, favor_line, sentence
from bot.engine import loop
from bot.engine.engine import (
    EXPIRED,
    MAX_INPUT,
    Command,
    Context,
    Engine,
    UserError,
    ask_typed,
    check_name,
)
from bot.engine.log import filter_scope, who_page
from bot.engine.loop import close_items
from bot.engine.pages import ANSWER as PAGE_ANSWER
from bot.engine.pages import PAGE, counts_line, page_reply
from bot.engine.render import card_text, people_list
from bot.engine.replies import Button, Reply, em

UNDO_HINT = " /undo to take it back."
MAX_NOTE = 2000


def _interval_or_none(text: str) -> int | bool | None:
    """Days, None for never, False when `text` is not an interval."""
    try:
        return parse_interval(text)
    except IntervalError:
        return False


def _is_interval(text: str) -> bool:
    return bool(text) and _interval_or_none(text) is not False


_INTERVAL_SHAPE = re.compile(
    r"^(?:every\s+)?(?:-?\d[\d.]*|an?|one|two|three|four|five|six|seven|eight|nine|ten)\s*"
    r"(?:days?|d|weeks?|wks?|w|fortnights?|months?|mos?|m|years?|yrs?|y)\.?$",
    re.IGNORECASE,
)


def _interval_like(text: str) -> bool:
    """An interval, or something shaped like one that is out of range ("500 years"):
    the split must stop there so the reply says what is wrong with the interval."""
    return _is_interval(text) or bool(_INTERVAL_SHAPE.match(text.strip()))


# A bare unit word is too often part of a name ("Sunny Day"): a trailing cadence
# without "every" must be a word that only means a cadence.
_BARE_UNITS = frozenset(
    "d day days w wk week weeks m mo month months y yr year years fortnight".split()  # noqa: SIM905
)


# -- /add ----------------------------------------------------------------------


async def cmd_add(engine: Engine, ctx: Context, args: str) -> list[Reply]:
    """/add NAME [circle] [every N days/weeks/months]"""
    if not args:
        return [Reply("Who should I add? e.g. /add Alice Smith close every 3 weeks")]
    tokens = args.split()
    cadence: int | None = None
    paused = False
    lower = [t.casefold() for t in tokens]
    # The cadence comes last: "every 3 weeks", or one word such as "weekly" / "never".
    if "every" in lower[1:]:
        at = len(lower) - 1 - lower[::-1].index("every")
        cadence = parse_interval(" ".join(tokens[at:]))
        paused = cadence is None
        tokens = tokens[:at]
    elif (
        len(tokens) > 1
        and not tokens[-1].isdigit()
        and tokens[-1].casefold() not in _BARE_UNITS
        and _is_interval(tokens[-1])
    ):
        cadence = parse_interval(tokens[-1])
        paused = cadence is None
        tokens = tokens[:-1]
    circle_name = engine.circles.default_new
    if len(tokens) > 1:
        circle = engine.circles.find(tokens[-1])
        if circle is not None:
            circle_name = circle.name
            tokens = tokens[:-1]
    person = await engine.add_person(ctx, " ".join(tokens), circle_name, cadence, paused)
    how = format_interval(engine.circles.cadence_of(person))
    return [Reply(f"Added {em(person.name)} to {circle_name} ({how})." + UNDO_HINT)]


# -- /show, /people ---------------------------------------------------------------


async def cmd_show(engine: Engine, ctx: Context, args: str) -> list[Reply]:
    """/show NAME"""
    return await engine.with_person(ctx, "show", args, "Whose card? e.g. /show Alice")


async def show(engine: Engine, ctx: Context, person: Person, rest: str) -> list[Reply]:
    card = await engine.store.card(ctx.owner, person.id)
    if card is None:
        return [Reply("That person is no longer in your circles.")]
    # Only the names the card shows (the others at its recent meetings), each found by
    # id: not a dict of every person (O(people) on every /show).
    names: dict[int, str] = {}
    for pid in dict.fromkeys(x for i in card.history for x in i.person_ids if x != person.id):
        other = await engine.store.person(ctx.owner, pid)
        if other is not None:
            names[pid] = other.name
    return [Reply(card_text(card, engine.circles, ctx.today, names), card_buttons(person))]


CARD_PREFIX = "c"


def card_buttons(person: Person) -> tuple[tuple[Button, ...], ...]:
    """A card's everyday actions: Log today · Snooze · Note."""
    pid = person.id
    return (
        (
            Button("Log today", f"{CARD_PREFIX}:l:{pid}"),
            Button("Snooze", f"{CARD_PREFIX}:s:{pid}"),
            Button("Note", f"{CARD_PREFIX}:n:{pid}"),
        ),
    )


async def on_card_button(engine: Engine, ctx: Context, rest: str) -> list[Reply]:
    """A card button: `c:<l|s|n>:<person id>`."""
    action, _, pid = rest.partition(":")
    if action not in ("l", "s", "n") or not pid.isdigit():
        return [Reply(EXPIRED)]
    person = await engine.store.person(ctx.owner, int(pid))
    if person is None:
        return [Reply("That person is no longer in your circles.")]
    if action == "s":
        return await snooze(engine, ctx, person, "")
    if action == "n":
        # A button cannot carry what to write: say how, in one line.
        return [
            Reply(f"What should I remember about {em(person.name)}? Write: note {person.name} …")
        ]
    label = f"logged a catch-up with {person.name} on {format_day(ctx.today, ctx.today)}"
    await engine.store.log_now(
        ctx.owner,
        label,
        ctx.now,
        ctx.today,
        "catch-up",
        "",
        [person.id],
        [person.id] if person.imported else [],
    )
    day = format_day(ctx.today, ctx.today)
    return [Reply(f"Logged a catch-up with {em(person.name)} on {day}." + UNDO_HINT)]


async def cmd_people(engine: Engine, ctx: Context, args: str) -> list[Reply]:
    """/people [circle|#tag]"""
    return await people_page(engine, ctx, args.strip(), 0)


async def people_page(engine: Engine, ctx: Context, scope: str, offset: int) -> list[Reply]:
    """/people from the `offset`-th person on (by circle, then name): one page at most."""
    people: Sequence[Person] = await engine.people(ctx.owner)
    if scope:
        people, error = filter_scope(engine, people, scope)
        if error:
            return [Reply(error)]
    if not people:
        return [Reply("Nobody here yet. Add someone with /add Alice.")]
    if len(people) <= PAGE:
        return [Reply(people_list(people, engine.circles, ctx.today))]
    rank = engine.circles.rank

    def order(p: Person) -> tuple[int, str]:
        return rank(p.circle), p.name.casefold()

    # Only the people up to the page sorted, not all 5,000 on the event loop: circle by
    # circle, closest first, and names sorted only in the circles the page reaches
    # (heapq's nsmallest is sorted()[:n], ties kept in order).
    by_rank: dict[int, list[Person]] = {}
    ranks: dict[str, int] = {}
    for p in people:
        r = ranks.get(p.circle)
        if r is None:
            r = ranks[p.circle] = rank(p.circle)
        by_rank.setdefault(r, []).append(p)
    want = offset + PAGE
    shown: list[Person] = []
    for r in sorted(by_rank):
        shown.extend(heapq.nsmallest(want - len(shown), by_rank[r], key=_folded))
        if len(shown) >= want:
            break
    shown = shown[offset:]
    per_circle = Counter(p.circle for p in people)
    if len(set(ranks.values())) < len(ranks):
        # Circles sharing a rank (unknown names rank as the widest): counted in the
        # order their first member shows, as in the whole sorted list.
        per_circle = Counter(p.circle for p in sorted(people, key=order))
    footer = counts_line(
        len(people), "people", [(c, per_circle[c]) for c in sorted(per_circle, key=rank)]
    )
    page = people_list(shown, engine.circles, ctx.today)
    return [await page_reply(engine, ctx, "people", scope, offset, len(people), page, footer)]


def _folded(p: Person) -> str:
    return p.name.casefold()


async def answer_page(
    engine: Engine, ctx: Context, pending_id: int, payload: dict[str, Any], choice: str
) -> list[Reply]:
    """*More* on a long /who or /people: the next page, read afresh."""
    await engine.store.drop_pending(ctx.owner, pending_id)
    show = who_page if payload.get("k") == "who" else people_page
    return await show(engine, ctx, str(payload.get("s", "")), int(payload.get("o", 0)))


# -- /circle, /every, /snooze ---------------------------------------------------------


async def cmd_circle(engine: Engine, ctx: Context, args: str) -> list[Reply]:
    """/circle NAME CIRCLE"""
    usage = f"Usage: /circle NAME CIRCLE — circles: {', '.join(engine.circles.names)}"
    if len(args.split()) < 2:
        return [Reply(usage)]
    return await engine.with_person(
        ctx, "circle", args, usage, lambda rest: engine.circles.find(rest) is not None
    )


async def move_circle(engine: Engine, ctx: Context, person: Person, rest: str) -> list[Reply]:
    circle = engine.circles.find(rest)
    if circle is None:
        return [
            Reply(f"There's no circle called “{rest}”. Circles: {', '.join(engine.circles.names)}.")
        ]
    if circle.name == person.circle and not person.imported:
        return [Reply(f"{person.name} is already in {circle.name}.")]
    async with engine.store.change(
        ctx.owner, f"moved {person.name} to {circle.name}", ctx.now
    ) as ch:
        await ch.move(person.id, circle.name, track=True)
    moved = await engine.store.person(ctx.owner, person.id)
    how = format_interval(engine.circles.cadence_of(moved)) if moved else ""
    return [Reply(f"Moved {person.name} to {circle.name} ({how})." + UNDO_HINT)]


async def cmd_every(engine: Engine, ctx: Context, args: str) -> list[Reply]:
    """/every NAME INTERVAL"""
    usage = "Usage: /every NAME INTERVAL — e.g. /every Bob 3 weeks, or /every Bob never to pause"
    if len(args.split()) < 2:
        return [Reply(usage)]
    return await engine.with_person(ctx, "every", args, usage, _interval_like)


async def set_every(engine: Engine, ctx: Context, person: Person, rest: str) -> list[Reply]:
    days = parse_interval(rest)
    async with engine.store.change(
        ctx.owner, f"changed how often for {person.name}", ctx.now
    ) as ch:
        await ch.set_cadence(person.id, days)
    if days is None:
        return [
            Reply(f"Paused {em(person.name)}: no nudges until you set a cadence again." + UNDO_HINT)
        ]
    return [Reply(f"{em(person.name)}: {format_interval(days)} from now on." + UNDO_HINT)]


async def cmd_snooze(engine: Engine, ctx: Context, args: str) -> list[Reply]:
    """/snooze NAME [DURATION]"""
    usage = "Usage: /snooze NAME [DURATION] — e.g. /snooze Alice 2 weeks or until January"

    def ok(rest: str) -> bool:
        if not rest or _UNTIL.match(rest) or rest.casefold().strip(" .!") in _FOREVER:
            return True
        return _interval_like(rest) or _snooze_days_or_none(rest) is not None

    return await engine.with_person(ctx, "snooze", args, usage, ok)


_UNTIL = re.compile(r"^(?:until|till|til|to)\s+(?P<when>.+)$", re.IGNORECASE)
_FOREVER = frozenset({"forever", "for ever", "indefinitely", "for good", "never", "always"})


def _snooze_days_or_none(rest: str) -> int | None:
    try:
        return parse_duration(rest)
    except IntervalError:
        return None


async def snooze(engine: Engine, ctx: Context, person: Person, rest: str) -> list[Reply]:
    if rest.casefold().strip(" .!") in _FOREVER:
        # "Forever" is what pausing is for: say so, and do it.
        return await set_every(engine, ctx, person, "never")
    until_match = _UNTIL.match(rest)
    if until_match:
        until = parse_future_day(until_match.group("when"), ctx.today)
        if until <= ctx.today:
            raise UserError("That's today — give me a day ahead, like until Monday.")
    else:
        until = ctx.today + timedelta(days=parse_duration(rest) if rest else 7)
    async with engine.store.change(ctx.owner, f"snoozed {person.name}", ctx.now) as ch:
        await ch.snooze(person.id, until)
    return [
        Reply(
            f"No nudges about {em(person.name)} until {format_day(until, ctx.today)}." + UNDO_HINT
        )
    ]


# -- /note, /ask, /favor, /date -------------------------------------------------------


def _text(rest: str, what: str, example: str) -> str:
    text = rest.strip()
    if not text:
        raise UserError(f"What should I {what}? e.g. {example}")
    if len(text) > MAX_NOTE:
        raise UserError(f"That's {len(text):,} characters; I keep up to {MAX_NOTE:,} at a time.")
    return text


async def cmd_note(engine: Engine, ctx: Context, args: str) -> list[Reply]:
    """/note NAME TEXT"""
    return await engine.with_person(
        # "/note Alice" alone asks what to note; the next message answers.
        ctx,
        "note",
        args,
        "Usage: /note NAME TEXT — e.g. /note Alice loves jazz",
    )


async def note(engine: Engine, ctx: Context, person: Person, rest: str) -> list[Reply]:
    if not rest.strip():  # "What should I note?" is answered by the next message
        return [await ask_typed(engine, ctx, f"What should I note about {person.name}?", {
            "a": "typed", "cmd": "note", "pid": person.id})]  # fmt: skip
    text = _text(rest, "note", "/note Alice loves jazz")
    async with engine.store.change(ctx.owner, f"noted about {person.name}", ctx.now) as ch:
        await ch.add_note(person.id, text)
    return [Reply(f"Noted for {em(person.name)}: {sentence(text)}" + UNDO_HINT)]


_FROM_RE = re.compile(r"\s+(?:(?:from|after|in|on|next)\s+.{2,30}|next\s+\w+)$", re.IGNORECASE)


async def cmd_ask(engine: Engine, ctx: Context, args: str) -> list[Reply]:
    """/ask NAME TEXT [in March]"""
    return await engine.with_person(
        ctx, "ask", args, "Usage: /ask NAME TEXT — e.g. /ask Alice how the move went", bool
    )


async def ask(engine: Engine, ctx: Context, person: Person, rest: str) -> list[Reply]:
    if rest.strip().casefold() == "done":
        return await _close(engine, ctx, person, "follow_ups", "follow-ups")
    text = _text(rest, "ask about", "/ask Alice how the move went")
    from_day = None
    # "how the move went in March": a trailing time phrase says from when to ask.
    tail = _FROM_RE.search(text)
    if tail:
        phrase = tail.group(0).strip()
        for candidate in (phrase, phrase.split(None, 1)[1] if " " in phrase else phrase):
            try:
                from_day = parse_future_day(candidate, ctx.today)
            except DateError:
                continue
            text = text[: tail.start()].strip() or text
            break
    async with engine.store.change(
        ctx.owner, f"added a follow-up for {person.name}", ctx.now
    ) as ch:
        await ch.add_follow_up(person.id, text, from_day)
    when = f" (from {format_day(from_day, ctx.today)})" if from_day else ""
    line = ask_line(text)
    line = line[:1].lower() + line[1:]
    return [Reply(f"Next time with {em(person.name)}, {line}{when}." + UNDO_HINT)]


async def _close(
    engine: Engine, ctx: Context, person: Person, table: str, what: str
) -> list[Reply]:
    """Close the open follow-up or favor; with several open, ask which (never guess)."""
    card = await engine.store.card(ctx.owner, person.id)
    items: Sequence[FollowUp | Favor] = ()
    if card is not None:
        items = card.follow_ups if table == "follow_ups" else card.favors
    if not items:
        return [Reply(f"{person.name} has no open {what}.")]
    if len(items) == 1:
        return await close_items(engine, ctx, person, table, [items[0].id])
    choices = [(_clip_label(_item_text(item, person)), str(item.id)) for item in items[:6]]
    choices.append(("All of them", "all"))
    choices.append(("Cancel", "x"))
    payload = {"a": "close", "t": table, "p": person.id, "ids": [i.id for i in items[:6]]}
    question = f"Which of {person.name}'s {what} is done?"
    return [await engine.ask(ctx, question, payload, choices)]


def _item_text(item: FollowUp | Favor, person: Person) -> str:
    if isinstance(item, Favor):
        return favor_line(item.kind.value, item.text, person.name)
    return ask_line(item.text)


def _clip_label(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def answer_close(
    engine: Engine, ctx: Context, pending_id: int, payload: dict[str, Any], choice: str
) -> list[Reply]:
    """A press on "which one is done?" (and on the buttons after a log)."""
    if choice == "k":  # Keep: nothing changes, the question stays answerable
        return [Reply("OK, I'll keep it for next time.")]
    await engine.store.drop_pending(ctx.owner, pending_id)
    if choice == "x":
        return [Reply("OK, nothing changed.")]
    person = await engine.store.person(ctx.owner, int(payload["p"]))
    if person is None:
        return [Reply("That person is no longer in your circles.")]
    ids: list[int] = [int(i) for i in payload["ids"]]
    if choice != "all":
        if not choice.isdigit() or int(choice) not in ids:
            return [Reply(EXPIRED)]
        ids = [int(choice)]
    return await close_items(engine, ctx, person, str(payload["t"]), ids)


FAVOR_KINDS = {
    "gave": FavorKind.GAVE,
    "give": FavorKind.GAVE,
    "got": FavorKind.GOT,
    "received": FavorKind.GOT,
    "offered": FavorKind.OFFERED,
    "offer": FavorKind.OFFERED,
}


def _favor_rest_ok(rest: str) -> bool:
    first = rest.split(None, 1)[0].casefold() if rest else ""
    return first in FAVOR_KINDS or first == "done"


async def cmd_favor(engine: Engine, ctx: Context, args: str) -> list[Reply]:
    """/favor NAME gave|got|offered TEXT, or /favor NAME done"""
    usage = "Usage: /favor NAME gave|got|offered TEXT — e.g. /favor Bob offered help with the move"
    return await engine.with_person(ctx, "favor", args, usage, _favor_rest_ok)


async def favor(engine: Engine, ctx: Context, person: Person, rest: str) -> list[Reply]:
    word, _, text = rest.partition(" ")
    if word.casefold() == "done":
        return await _close(engine, ctx, person, "favors", "favors")
    kind = FAVOR_KINDS.get(word.casefold())
    if kind is None:
        raise UserError("Say gave, got or offered — e.g. /favor Bob offered help with the move")
    text = _text(text, "record", "/favor Bob offered help with the move")
    async with engine.store.change(
        ctx.owner, f"recorded a favor with {person.name}", ctx.now
    ) as ch:
        await ch.add_favor(person.id, kind, text)
    phrasing = favor_line(kind.value, text, em(person.name))
    if "to give back" in phrasing:
        phrasing = phrasing.replace("to give back", "I'll remind you to give it back")
    elif kind == FavorKind.OFFERED:
        phrasing += " — I'll remind you"
    return [Reply(phrasing + "." + UNDO_HINT)]


async def cmd_date(engine: Engine, ctx: Context, args: str) -> list[Reply]:
    """/date NAME LABEL DATE"""
    usage = "Usage: /date NAME birthday DATE — e.g. /date Alice birthday 12 March"

    def ok(rest: str) -> bool:
        parts = rest.split(None, 1)
        if len(parts) < 2:
            return False
        try:
            parse_month_day(parts[1])
        except DateError:
            return False
        return True

    return await engine.with_person(ctx, "date", args, usage, ok)


async def set_date(engine: Engine, ctx: Context, person: Person, rest: str) -> list[Reply]:
    label, _, when = rest.partition(" ")
    label = label.casefold()
    if not label or not when:
        raise UserError("Usage: /date NAME birthday DATE — e.g. /date Alice birthday 12 March")
    month, day, year = parse_month_day(when)
    async with engine.store.change(ctx.owner, f"set {person.name}'s {label}", ctx.now) as ch:
        await ch.set_date(person.id, label, month, day, year)
    shown = f"{day} {calendar.month_name[month]}" + (f" {year}" if year else "")
    return [Reply(f"{person.name}'s {label}: {shown}. I'll mention it ahead of time." + UNDO_HINT)]


# -- /phone, /email -------------------------------------------------------------------


def _reach_ok(check: Callable[[str], str | None]) -> Callable[[str], bool]:
    def ok(rest: str) -> bool:
        words = rest.split(None, 1)
        if len(words) == 2 and words[0].casefold() == "remove":
            rest = words[1]
        return check(rest) is not None

    return ok


async def cmd_phone(engine: Engine, ctx: Context, args: str) -> list[Reply]:
    """/phone NAME NUMBER (remove NUMBER takes one away)"""
    usage = "Usage: /phone NAME NUMBER — e.g. /phone Alice +351 912 345 678 (remove NUMBER)"
    return await engine.with_person(ctx, "phone", args, usage, _reach_ok(check_phone))


async def cmd_email(engine: Engine, ctx: Context, args: str) -> list[Reply]:
    """/email NAME ADDRESS (remove ADDRESS takes one away)"""
    usage = "Usage: /email NAME ADDRESS — e.g. /email Alice alice@example.com (remove ADDRESS)"
    return await engine.with_person(ctx, "email", args, usage, _reach_ok(check_email))


async def phone(engine: Engine, ctx: Context, person: Person, rest: str) -> list[Reply]:
    return await _set_reach(engine, ctx, person, rest, _PHONE)


async def email(engine: Engine, ctx: Context, person: Person, rest: str) -> list[Reply]:
    return await _set_reach(engine, ctx, person, rest, _EMAIL)


@dataclass(frozen=True, slots=True)
class _Reach:
    """A phone or an e-mail address: how it is checked and keyed, and its words."""

    phone: bool
    check: Callable[[str], str | None]
    key: Callable[[str], str]
    noun: str
    article: str
    example: str


_PHONE = _Reach(True, check_phone, phone_key, "phone number", "a", "+351 912 345 678")
_EMAIL = _Reach(False, check_email, email_key, "e-mail address", "an", "alice@example.com")


async def _set_reach(
    engine: Engine, ctx: Context, person: Person, rest: str, reach: _Reach
) -> list[Reply]:
    words = rest.split(None, 1)
    removing = len(words) == 2 and words[0].casefold() == "remove"
    value = reach.check(words[1] if removing else rest)
    if value is None:
        raise UserError(
            f"That doesn't look like {reach.article} {reach.noun}; e.g. {reach.example}."
        )
    card = await engine.store.card(ctx.owner, person.id, history=0)
    have = list((card.phones if reach.phone else card.emails) if card else ())
    same = [v for v in have if reach.key(v) == reach.key(value)]
    if removing:
        if not same:
            return [Reply(f"{person.name} has no {reach.noun} {value}.")]
        label = f"removed {person.name}'s {reach.noun}"
        async with engine.store.change(ctx.owner, label, ctx.now) as ch:
            await (ch.remove_phone if reach.phone else ch.remove_email)(person.id, value)
        return [Reply(f"Removed {same[0]} from {person.name}." + UNDO_HINT)]
    if same:
        return [Reply(f"{person.name} already has {same[0]}.")]
    async with engine.store.change(ctx.owner, f"added {person.name}'s {reach.noun}", ctx.now) as ch:
        await (ch.add_phone if reach.phone else ch.add_email)(person.id, value)
    shown = ", ".join([*have, value])
    return [Reply(f"{person.name}: {shown}." + UNDO_HINT)]


# -- /tag, /alias, /rename ----------------------------------------------------------------

TAG_RE = re.compile(r"^-?#[\w-]{1,40}$")


def _tags_ok(rest: str) -> bool:
    return bool(rest) and all(TAG_RE.match(t) for t in rest.split())


async def cmd_tag(engine: Engine, ctx: Context, args: str) -> list[Reply]:
    """/tag NAME #tag … (-#tag removes)"""
    usage = "Usage: /tag NAME #tag … — e.g. /tag Alice #climbing #neighbor (-#tag removes)"
    return await engine.with_person(ctx, "tag", args, usage, _tags_ok)


async def tag(engine: Engine, ctx: Context, person: Person, rest: str) -> list[Reply]:
    if not _tags_ok(rest):
        raise UserError("Tags look like #climbing (letters, digits, - and _); -#climbing removes.")
    add = [t[1:].casefold() for t in rest.split() if t.startswith("#")]
    remove = [t[2:].casefold() for t in rest.split() if t.startswith("-#")]
    add = [t for t in dict.fromkeys(add) if t not in person.tags]
    remove = [t for t in dict.fromkeys(remove) if t in person.tags]
    if not add and not remove:
        return [
            Reply(
                f"Nothing to change: {person.name} has "
                + (" ".join("#" + t for t in person.tags) or "no tags")
                + "."
            )
        ]
    async with engine.store.change(ctx.owner, f"tagged {person.name}", ctx.now) as ch:
        await ch.tag(person.id, add, remove)
    tags = sorted((set(person.tags) | set(add)) - set(remove))
    shown = " ".join("#" + t for t in tags) or "no tags"
    return [Reply(f"{person.name}: {shown}." + UNDO_HINT)]


async def cmd_alias(engine: Engine, ctx: Context, args: str) -> list[Reply]:
    """/alias NAME ALIAS"""
    usage = "Usage: /alias NAME ALIAS — e.g. /alias Robert Bob"
    if len(args.split()) < 2:
        return [Reply(usage)]
    return await engine.with_person(ctx, "alias", args, usage, bool)


async def alias(engine: Engine, ctx: Context, person: Person, rest: str) -> list[Reply]:
    new = check_name(rest)
    key = name_key(new)
    for other in await engine.people(ctx.owner):
        if key == name_key(other.name) or key in {name_key(a) for a in other.aliases}:
            who = "them" if other.id == person.id else other.name
            return [Reply(f"“{new}” already means {who}.")]
    async with engine.store.change(
        ctx.owner, f"added alias {new} for {person.name}", ctx.now
    ) as ch:
        await ch.add_alias(person.id, new)
    return [Reply(f"{person.name} also goes by {new} now." + UNDO_HINT)]


RENAME_SPLIT = re.compile(r"\s+(?:to|->|→|=|\|)\s+", re.IGNORECASE)


async def cmd_rename(engine: Engine, ctx: Context, args: str) -> list[Reply]:
    """/rename NAME to NEW NAME"""
    usage = "Usage: /rename OLD NAME to NEW NAME — e.g. /rename Ali to Alice Smith"
    parts = RENAME_SPLIT.split(args, maxsplit=1)
    if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
        return [Reply(usage)]
    return await engine.with_person(
        ctx, "rename", f"“{parts[0].strip()}” {parts[1].strip()}", usage, add_ok=False
    )


async def rename(engine: Engine, ctx: Context, person: Person, rest: str) -> list[Reply]:
    new = check_name(rest)
    key = name_key(new)
    clash = [
        p for p in await engine.people(ctx.owner) if p.id != person.id and name_key(p.name) == key
    ]
    if clash:
        return [Reply(f"You already have someone called {clash[0].name}.")]
    async with engine.store.change(ctx.owner, f"renamed {person.name} to {new}", ctx.now) as ch:
        await ch.rename(person.id, new)
    return [Reply(f"Renamed {person.name} to {new}." + UNDO_HINT)]


# -- /forget ---------------------------------------------------------------------------


async def cmd_forget(engine: Engine, ctx: Context, args: str) -> list[Reply]:
    """/forget NAME"""
    return await engine.with_person(
        ctx, "forget", args, "Whom should I forget? e.g. /forget Alice", add_ok=False
    )


async def forget(engine: Engine, ctx: Context, person: Person, rest: str) -> list[Reply]:
    reply = await engine.ask(
        ctx,
        f"Forget {person.name} and everything about them (notes, history, dates)?",
        {"a": "forget", "id": person.id},
        [(f"Yes, forget {person.name}", "y"), ("No, keep them", "n")],
    )
    return [reply]


async def answer_forget(
    engine: Engine, ctx: Context, pending_id: int, payload: dict[str, Any], choice: str
) -> list[Reply]:
    await engine.store.drop_pending(ctx.owner, pending_id)
    person = await engine.store.person(ctx.owner, int(payload["id"]))
    if person is None:
        return [Reply("They're already gone.")]
    if choice != "y":
        return [Reply(f"Kept {person.name}.")]
    async with engine.store.change(ctx.owner, f"forgot {person.name}", ctx.now) as ch:
        await ch.forget(person.id)
    return [Reply(f"Forgot {person.name} and their history. /undo brings them back.")]


async def understand_name(engine: Engine, ctx: Context, text: str) -> list[Reply] | None:
    """Just a friend's name ("Alice"): show their card."""
    if len(text.split()) > 4 or looks_like_log(text):
        return None
    res = (await engine.index(ctx.owner)).resolve(text.strip(" ?!."))
    if not res.found or res.person_id is None or res.match == Match.FUZZY:
        return None
    person = await engine.store.person(ctx.owner, res.person_id)
    return None if person is None else await show(engine, ctx, person, "")


def register(engine: Engine) -> None:
    commands = [
        Command("add", cmd_add, "Add a person", "/add Alice Smith close every 3 weeks"),
        Command("show", cmd_show, "A person's card", "/show Alice"),
        Command("people", cmd_people, "Everyone, by circle", "/people #climbing"),
        Command("circle", cmd_circle, "Move someone to a circle", "/circle Alice inner"),
        Command("every", cmd_every, "Set how often for someone", "/every Bob 3 weeks"),
        Command("note", cmd_note, "Remember something", "/note Alice loves jazz"),
        Command(
            "ask", cmd_ask, "Something to ask next time", "/ask Alice how the move went in March"
        ),
        Command("tag", cmd_tag, "Tag someone", "/tag Alice #climbing -#work"),
        Command("alias", cmd_alias, "Another name they go by", "/alias Robert Bob"),
        Command("favor", cmd_favor, "Record a favor", "/favor Bob offered help with the move"),
        Command("date", cmd_date, "Remember a date", "/date Alice birthday 12 March"),
        Command("phone", cmd_phone, "Keep a phone number", "/phone Alice +351 912 345 678"),
        Command("email", cmd_email, "Keep an e-mail address", "/email Alice alice@example.com"),
        Command("snooze", cmd_snooze, "Pause nudges about someone", "/snooze Alice 2 weeks"),
        Command("rename", cmd_rename, "Fix a name", "/rename Ali to Alice Smith"),
        Command("forget", cmd_forget, "Delete a person", "/forget Alice"),
    ]
    for command in commands:
        engine.add_command(command)
    for name, handler in {
        "show": show,
        "circle": move_circle,
        "every": set_every,
        "snooze": snooze,
        "note": note,
        "ask": ask,
        "favor": favor,
        "date": set_date,
        "phone": phone,
        "email": email,
        "tag": tag,
        "alias": alias,
        "rename": rename,
        "forget": forget,
    }.items():
        engine.add_person_command(name, handler)
    engine.add_answer("forget", answer_forget)
    engine.add_answer(PAGE_ANSWER, answer_page)
    engine.add_answer("close", answer_close)
    loop.register(engine)
    engine.add_button(CARD_PREFIX, on_card_button)
    engine.plain_text.append(understand_name)
    assert MAX_INPUT > MAX_NOTE
