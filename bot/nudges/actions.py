"""The digest inside the conversation: its buttons, `/digest now`, and the next digest time.

Every button press is an ordinary undoable change (`store.change`), so `/undo` takes back
a "Reached out", a snooze or a "Less often" like any other command. The reply redraws the
digest message: what just happened, then the people still on it with their buttons.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from bot.core.dates import MONTH_ABBR, WEEKDAY_ABBR, format_day
from bot.core.due import Bands
from bot.core.intervals import format_interval
from bot.core.model import ImportantDate, Person
from bot.core.schedule import first_digest_at, parse_clock
from bot.core.timezones import display_timezone
from bot.engine.engine import EXPIRED, Command, Context, Engine
from bot.engine.insight import group_due_lines
from bot.engine.replies import DEFAULT_LIMITS, Limits, Reply
from bot.nudges import review
from bot.nudges.digest import (
    DATES_AHEAD_DAYS,
    LESS_OFTEN,
    PREFIX,
    RATIO_BAND,
    REACHED_OUT,
    SNOOZE,
    DateNotice,
    Digest,
    Press,
    choose,
    compose,
    dates_due,
    dates_to_announce,
    parse_press,
)
from bot.ports.store import DatesAhead

REACHED_OUT_KIND: Final = "reached out"
SNOOZE_DAYS: Final = 7
# Fair turns need more than the `limit` longest-unseen per circle to choose from.
CANDIDATES_PER_PLACE: Final = 5
NOBODY_DUE: Final = "Nobody's due today — you're in touch with everyone. 🌿"
UNDO_HINT: Final = " /undo to take it back."


async def build_digest(
    engine: Engine, owner: int, today: date, limits: Limits = DEFAULT_LIMITS
) -> Digest | None:
    """The digest for the owner's local day `today`; None when nobody is due."""
    return (await build_digests(engine, [(owner, today)], limits))[owner]


async def build_digests(
    engine: Engine, wanted: Sequence[tuple[int, date]], limits: Limits = DEFAULT_LIMITS
) -> dict[int, Digest | None]:
    """The digests of many owners (each on their own local day), read in bulk.

    SQL reads only the few people each owner's digest could pick; `choose` still has the
    last word on who is in, so the rules stay in one place.
    """
    cadences = [(c.name, c.cadence_days) for c in engine.circles.order]
    limit = engine.max_per_digest
    candidates = await engine.store.due_candidates_many(
        wanted, cadences, limit * CANDIDATES_PER_PLACE, Bands(RATIO_BAND, limit)
    )
    chosen = {
        owner: [d.person for d in choose(candidates[owner], engine.circles, today, limit)]
        for owner, today in wanted
    }
    cards = await engine.store.cards_many([(owner, chosen[owner]) for owner, _ in wanted])
    notices = await date_notices(engine, wanted)
    digests = {
        owner: compose(cards[owner], engine.circles, today, notices=notices[owner], limits=limits)
        for owner, today in wanted
    }
    await add_group_lines(engine, wanted, digests)
    return digests


async def date_notices(
    engine: Engine, wanted: Sequence[tuple[int, date]]
) -> dict[int, list[DateNotice]]:
    """Each owner's "🎂 Coming up" lines for their day, whoever the dates belong to."""
    ahead = await engine.store.dates_ahead_many(wanted, DATES_AHEAD_DAYS)
    due: dict[int, list[ImportantDate]] = {}
    for owner, today in wanted:
        found = ahead.get(owner, DatesAhead())
        due[owner] = dates_due(found.dates, today, found.last_digest_day, found.set_since)
    # Only whose dates those are, for the whole batch in one read: loading every person
    # of each owner with a date this month was half the sweep's time.
    people = await engine.store.people_by_id_many(
        [(owner, [d.person_id for d in dates]) for owner, dates in due.items() if dates]
    )
    out: dict[int, list[DateNotice]] = {}
    for owner, today in wanted:
        found = ahead.get(owner, DatesAhead())
        out[owner] = dates_to_announce(
            people.get(owner, []), due[owner], today, found.last_digest_day, found.set_since
        )
    return out


async def digest_now(engine: Engine, ctx: Context) -> list[Reply]:
    """`/digest now`: today's digest on demand.

    A preview: it is not the day's digest (that still comes at the usual time) and marks
    nobody as nudged, so asking never changes who the real digest will show.
    """
    digest = await build_digest(engine, ctx.owner, ctx.today)
    return [digest.reply] if digest is not None else [Reply(NOBODY_DUE)]


async def next_digest_text(engine: Engine, ctx: Context) -> str:
    """'Thu 26 Nov 09:00 Europe/Lisbon', in the user's own time zone; 'off' when off."""
    settings = ctx.settings
    if settings.digest_time is None:
        return "off"
    log = engine.store.ledger
    at = await log.next_digest_at(ctx.owner)
    if at is None:  # not scheduled yet (a user from before the digest existed)
        try:
            at = first_digest_at(
                ctx.now,
                settings.timezone,
                parse_clock(settings.digest_time),
                last_sent_day=await log.last_day(ctx.owner),
            )
        except ValueError:
            return f"{settings.digest_time} {display_timezone(settings.timezone)}"
    local = at.astimezone(ZoneInfo(settings.timezone))
    day = f"{WEEKDAY_ABBR[local.weekday()]} {local.day} {MONTH_ABBR[local.month - 1]}"
    if local.year != ctx.today.year:
        day += f" {local.year}"
    return f"{day} {local:%H:%M} {display_timezone(settings.timezone)}"


# -- the buttons -----------------------------------------------------------------------


async def on_press(engine: Engine, ctx: Context, rest: str) -> list[Reply]:
    """A digest button: do what it says, then redraw the rest of the digest."""
    press = parse_press(rest)
    if press is None:
        return [Reply(EXPIRED)]
    person = await engine.store.person(ctx.owner, press.person_id)
    if person is None:
        return [Reply("That person is no longer in your circles.")]
    if press.action == REACHED_OUT:
        outcome = await reached_out(engine, ctx, person)
    elif press.action == SNOOZE:
        outcome = await snooze_week(engine, ctx, person)
    else:
        assert press.action == LESS_OFTEN  # parse_press lets only the three through
        outcome = await less_often(engine, ctx, person)
        if outcome.startswith(f"{person.name} is already in"):
            return [Reply(outcome)]  # nothing changed: the digest stays as it is
    return [await _redraw(engine, ctx, outcome, press)]


async def reached_out(engine: Engine, ctx: Context, person: Person) -> str:
    """Log a contact today: they are in touch again, so they leave /who."""
    if person.last_contact == ctx.today and person.last_kind == REACHED_OUT_KIND:
        return f"Already noted: you reached out to {person.name} today. 🙂"
    label = f"logged reaching out to {person.name}"
    async with engine.store.change(ctx.owner, label, ctx.now) as ch:
        await ch.log_meeting(
            ctx.today,
            REACHED_OUT_KIND,
            "",
            [person.id],
            reactivate=[person.id] if person.imported else [],
        )
    return f"Nice — logged that you reached out to {person.name} today." + UNDO_HINT


async def snooze_week(engine: Engine, ctx: Context, person: Person) -> str:
    until = ctx.today + timedelta(days=SNOOZE_DAYS)
    async with engine.store.change(ctx.owner, f"snoozed {person.name}", ctx.now) as ch:
        await ch.snooze(person.id, until)
    when = format_day(until, ctx.today)
    return f"OK — no nudges about {person.name} until {when}." + UNDO_HINT


async def less_often(engine: Engine, ctx: Context, person: Person) -> str:
    """Move them one circle further out; at the widest circle, say so kindly."""
    circles = engine.circles
    wider = circles.further_out(person.circle)
    if wider is None:
        every = format_interval(circles.cadence_of(person))
        return (
            f"{person.name} is already in {person.circle}, your widest circle, so I nudge "
            f"about them only {every}. To pause them: /every {person.name} never"
        )
    moved = replace(person, circle=wider)
    # Their own cadence would outlast the move; drop it if it is more often than the
    # new circle's, so that "less often" really is less often.
    own = person.cadence_days
    drop = own is not None and own < circles.cadence(wider)
    if drop:
        moved = replace(moved, cadence_days=None)
    async with engine.store.change(ctx.owner, f"moved {person.name} to {wider}", ctx.now) as ch:
        await ch.move(person.id, wider, drop_cadence=drop)
    every = format_interval(circles.cadence_of(moved))
    return f"Got it — {person.name} is in {wider} now ({every})." + UNDO_HINT


async def _redraw(engine: Engine, ctx: Context, outcome: str, press: Press) -> Reply:
    """The pressed digest again: the pressed line marked in place, the rest as it was.

    Everyone of the message is redrawn from the button's ids and marks; people since
    forgotten drop out. The outcome sentence is not repeated: the marked line says it.
    """
    people = {p.id: p for p in await engine.people(ctx.owner)}
    shown = [people[i] for i in press.ids if i in people]
    cards = await engine.store.cards(ctx.owner, shown)
    notices = (await date_notices(engine, [(ctx.owner, ctx.today)]))[ctx.owner]
    digest = compose(cards, engine.circles, ctx.today, notices=notices, marks=press.marked())
    if digest is None:
        return Reply(outcome)
    return digest.reply


async def add_group_lines(
    engine: Engine, wanted: Sequence[tuple[int, date]], digests: dict[int, Digest | None]
) -> None:
    """Append a due group ("the board-games group hasn't met in 6 weeks") to digests."""
    owners = [owner for owner, _ in wanted if digests.get(owner) is not None]
    insight = engine.store.insight
    having = await insight.owners_with_groups(owners)
    for owner, today in wanted:
        digest = digests.get(owner)
        if digest is None or owner not in having:
            continue
        people = {p.id: p for p in await engine.people(owner)}
        meetings = await insight.meetings(owner, today - timedelta(days=730))
        lines = group_due_lines(await insight.groups(owner), people, meetings, engine, today)
        if lines:
            text = digest.reply.text + "\n\n" + "\n".join(lines[:2])
            digests[owner] = replace(digest, reply=replace(digest.reply, text=text))


def register(engine: Engine) -> None:
    """Plug the digest into the engine: its buttons, `/digest now`, the next digest time,
    and the weekly `/review` with its buttons."""
    engine.add_button(PREFIX, on_press)
    engine.add_command(Command("review", review.cmd_review, "The weekly look back", "/review now"))
    engine.add_button(review.PREFIX, review.on_press)
    engine.digest_preview = digest_now
    engine.next_digest = next_digest_text
