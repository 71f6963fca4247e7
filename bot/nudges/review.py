"""The weekly look back: how it reads, `/review`, its buttons, and its Sunday sweep.

The rules of what it notices are pure (`core/review.py`); this module reads the data for
them, words the findings warmly, and delivers the week's review once: on Sunday at the
user's digest time (09:00 when the digest is off), recorded before it is sent in the
`reviews` ledger (one row per user and ISO week, UNIQUE), retried while that Sunday lasts.
The digest's rule for unknown outcomes holds too (sweep.py): a review is marked sending
just before its request, and one whose request may have arrived (a timeout after it was
written, a crash while sending) is not sent again but kept as sent, outcome unknown.

Buttons carry `v:<action>:<id>[:<days>]`: `p` plan something (adds a follow-up), `e` set
the person's cadence to the suggested days, `k` keep as is, `f`/`u` mark a favor or a
follow-up done. Each is an ordinary undoable change.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Final, Protocol
from zoneinfo import ZoneInfo

from bot.core.clock import Clock
from bot.core.dates import MONTH_NAMES, format_day
from bot.core.intervals import format_interval
from bot.core.review import QUARTER_DAYS, Review, review, week_key
from bot.core.schedule import day_is_over, local_day, parse_clock
from bot.engine.engine import EXPIRED, Context, Engine
from bot.engine.render import join_names
from bot.engine.replies import Button, Reply
from bot.nudges.digest import label_names
from bot.ports.digests import EVERYONE, Scope
from bot.ports.insight import ReviewUser

log = logging.getLogger(__name__)

PREFIX: Final = "v"
PLAN: Final = "p"
EVERY: Final = "e"
KEEP: Final = "k"
FAVOR_DONE: Final = "f"
FOLLOW_UP_DONE: Final = "u"
PLAN_TEXT: Final = "plan something together"
SUNDAY: Final = 6
DEFAULT_TIME: Final = "09:00"
HEADING: Final = "Your week in kith — a look back"
UNDO_HINT: Final = " /undo to take it back."


async def build_review(engine: Engine, owner: int, today: date) -> Review:
    """Everything the owner's review for the week ending `today` could say."""
    insight = engine.store.insight
    people = await engine.people(owner)
    meetings = await insight.meetings(owner, today - timedelta(days=QUARTER_DAYS + 366))
    items = [
        (o.table, o.id, o.person_id, o.text, o.created_on) for o in await insight.open_items(owner)
    ]
    dates = await insight.dates(owner)
    return review(people, meetings, items, dates, engine.circles, today)


def _times(n: int) -> str:
    return {0: "not at all", 1: "once", 2: "twice"}.get(n, f"{n} times")


def render(r: Review, engine: Engine) -> Reply | None:
    """The review as one message with its buttons; None when there is nothing to say."""
    if r.empty:
        return None
    parts: list[str] = [HEADING]
    rows: list[tuple[Button, ...]] = []
    names = label_names(
        [d.person for d in r.drift]
        + [o.person for o in r.open_items if o.person not in [d.person for d in r.drift]]
    )
    if r.seen:
        parts.append("This week you saw " + join_names([p.name for p in r.seen]) + ". 🌿")
    else:
        parts.append("A quiet week — nobody logged. That happens.")
    for d in r.drift:
        p = d.person
        month = MONTH_NAMES[d.since.month - 1]
        seen = (
            f"You haven't seen {p.name} since {month}"
            if d.seen == 0
            else f"You've seen {p.name} {_times(d.seen)} since {month}"
        )
        text = f"{seen}; they're in your {p.circle} circle. Plan something"
        text += ", or let their rhythm relax?" if d.suggested_days else "?"
        parts.append(text)
        name = names.get(p.id, p.name)
        row = [Button(f"Plan something with {name}", f"{PREFIX}:{PLAN}:{p.id}")]
        if d.suggested_days:
            every = format_interval(d.suggested_days).removeprefix("every ")
            row.append(
                Button(f"{name}: every {every}", f"{PREFIX}:{EVERY}:{p.id}:{d.suggested_days}")
            )
        row.append(Button(f"Keep {name}", f"{PREFIX}:{KEEP}:{p.id}"))
        rows.append(tuple(row))
    for layer in r.layers:
        if len(layer.circles) == 1:
            held = f"Your {layer.circle} circle has {layer.count} people"
        else:
            held = f"Your {join_names(list(layer.circles))} circles hold {layer.count} people"
        text = f"{held}; most people can keep about {layer.layer} that close."
        if layer.further_out:
            text += f" Anyone to move to {layer.further_out}?"
        parts.append(text)
    for pattern in r.patterns:
        p, n = pattern.person, pattern.streak.count
        if pattern.streak.who == "them":
            parts.append(f"{p.name} has reached out the last {n} times — maybe you go first?")
        else:
            parts.append(
                f"You've reached out to {p.name} the last {n} times — lovely; it's fine to "
                "leave them room to reach out too."
            )
    if r.open_items:
        lines = ["Still open from a while ago:"]
        for item in r.open_items:
            lines.append(
                f"• {item.person.name}: {item.text} (since {format_day(item.since, r.today)})"
            )
            action = FAVOR_DONE if item.table == "favors" else FOLLOW_UP_DONE
            label = f"Done: {item.person.name.split()[0]} — {item.text}"
            label = label if len(label) <= 40 else label[:39] + "…"
            rows.append((Button(label, f"{PREFIX}:{action}:{item.id}"),))
        parts.append("\n".join(lines))
    if r.birthdays:
        parts.append(
            "Coming up: "
            + "; ".join(
                f"{b.person.name}'s {b.label} {format_day(b.on, r.today)}" for b in r.birthdays
            )
            + "."
        )
    return Reply("\n\n".join(parts), tuple(rows))


async def review_now(engine: Engine, ctx: Context) -> list[Reply]:
    """`/review now`: the look back on demand, as a preview (nothing recorded)."""
    reply = render(await build_review(engine, ctx.owner, ctx.today), engine)
    return [reply or Reply("Nothing to look back on yet — log a meeting or two first. 🌱")]


async def cmd_review(engine: Engine, ctx: Context, args: str) -> list[Reply]:
    """/review weekly|off|now"""
    arg = args.strip().casefold()
    insight = engine.store.insight
    if arg in ("now", "today", "preview"):
        return await review_now(engine, ctx)
    when = ctx.settings.digest_time or DEFAULT_TIME
    if arg in ("weekly", "on", "yes"):
        async with engine.store.change(ctx.owner, "turned the weekly review on", ctx.now) as ch:
            await ch.set_weekly_review(True)
        return [Reply(f"The weekly look back comes on Sundays at {when}." + UNDO_HINT)]
    if arg in ("off", "stop", "no", "never"):
        async with engine.store.change(ctx.owner, "turned the weekly review off", ctx.now) as ch:
            await ch.set_weekly_review(False)
        return [Reply("Weekly look back off. /review weekly turns it back on." + UNDO_HINT)]
    if arg:
        return [Reply("Try /review weekly, /review off, or /review now.")]
    state = f"on, Sundays at {when}" if await insight.review_on(ctx.owner) else "off"
    return [
        Reply(
            f"Your weekly look back is {state}. /review weekly or /review off changes it; "
            "/review now shows this week's."
        )
    ]


# -- the buttons -----------------------------------------------------------------------


async def on_press(engine: Engine, ctx: Context, rest: str) -> list[Reply]:
    parts = rest.split(":")
    if len(parts) < 2 or not parts[1].isdigit():
        return [Reply(EXPIRED)]
    action, target = parts[0], int(parts[1])
    store = engine.store
    if action in (FAVOR_DONE, FOLLOW_UP_DONE):
        table = "favors" if action == FAVOR_DONE else "follow_ups"
        still_open = {(o.table, o.id) for o in await store.insight.open_items(ctx.owner)}
        if (table, target) not in still_open:
            return [Reply("That one is done already (or gone).")]
        async with store.change(ctx.owner, "marked it done", ctx.now) as ch:
            if action == FAVOR_DONE:
                await ch.close_favors([target])
            else:
                await ch.close_follow_ups([target])
        return [Reply("Marked done. ✓" + UNDO_HINT)]
    person = await store.person(ctx.owner, target)
    if person is None:
        return [Reply("That person is no longer in your circles.")]
    if action == PLAN:
        async with store.change(ctx.owner, f"planned something with {person.name}", ctx.now) as ch:
            await ch.add_follow_up(person.id, PLAN_TEXT, None)
        return [
            Reply(
                f"Added to {person.name}'s card: {PLAN_TEXT}. It'll come with their next nudge."
                + UNDO_HINT
            )
        ]
    if action == EVERY and len(parts) == 3 and parts[2].isdigit() and 0 < int(parts[2]) <= 3650:
        days = int(parts[2])
        async with store.change(
            ctx.owner, f"set {person.name} {format_interval(days)}", ctx.now
        ) as ch:
            await ch.set_cadence(person.id, days)
        return [
            Reply(
                f"OK — {person.name} stays in {person.circle}, {format_interval(days)}." + UNDO_HINT
            )
        ]
    if action == KEEP:
        return [Reply(f"Keeping {person.name} as they are. 💛")]
    return [Reply(EXPIRED)]


# -- the Sunday sweep ------------------------------------------------------------------


class Sender(Protocol):
    """The digest's sender (sweep.py): delivers, or raises one of its SendErrors."""

    async def send(self, owner: int, reply: Reply) -> None: ...


# What a failed send means for the ledger: (exception class, status). Given by the digest
# sweep, which owns those exceptions, so this module needs no import of it.
Outcomes = tuple[tuple[type[BaseException], str], ...]
# The outcome of a request that may have reached the user: never resent (at most once).
UNKNOWN: Final = "unknown"


@dataclass
class ReviewResult:
    """What one review sweep did, for the digest sweep's result."""

    sent: int = 0
    unknown: int = 0  # requests whose outcome is unknown: not resent, kept countable


def review_due(user: ReviewUser, now: datetime) -> date | None:
    """The user's local Sunday when their review time has come on it; else None."""
    try:
        today = local_day(now, user.timezone)
        at = parse_clock(user.digest_time or DEFAULT_TIME)
    except ValueError:
        return None
    if today.weekday() != SUNDAY:
        return None
    local_now = now.astimezone(ZoneInfo(user.timezone))
    return today if local_now.time() >= time(at.hour, at.minute) else None


def _next_week(users: list[ReviewUser], now: datetime) -> list[tuple[int, datetime]]:
    """Next Sunday's review instants of users whose review this week is done."""
    out: list[tuple[int, datetime]] = []
    for user in users:
        if (at := next_review_time(user, now, this_week_done=True)) is not None:
            out.append((user.owner, at))
    return out


def next_review_time(
    user: ReviewUser, now: datetime, *, this_week_done: bool = False
) -> datetime | None:
    """The first instant from `now` on when `review_due` can say yes (the next Sunday at
    the user's time; after this Sunday's if `this_week_done`); None if unschedulable.

    A lower bound, never later than the real one: a time that a DST change skips or
    repeats gives the earlier of its two readings, so the review is never held back.
    """
    try:
        zone = ZoneInfo(user.timezone)
        at = parse_clock(user.digest_time or DEFAULT_TIME)
    except (ValueError, KeyError):
        return None
    local = now.astimezone(zone)
    day = local.date() + timedelta(days=(SUNDAY - local.weekday()) % 7)
    if day == local.date() and (this_week_done or local.time() >= time(at.hour, at.minute)):
        day += timedelta(days=7)
    wall = datetime.combine(day, time(at.hour, at.minute))
    return min(wall.replace(tzinfo=zone, fold=fold).astimezone(UTC) for fold in (0, 1))


# Every time zone's local time lies within these hours of UTC (UTC-12 to UTC+14), with
# an hour to spare either side.
_BEHIND: Final = timedelta(hours=13)
_AHEAD: Final = timedelta(hours=15)


def sunday_somewhere(now: datetime) -> bool:
    """Whether it may be Sunday in some time zone: if not (Tuesday to Friday, roughly),
    nobody's review can be due and the sweep need not look at anyone. The span is under
    two days, so its local dates are those of its ends and of `now`."""
    return any(
        (now + shift).astimezone(ZoneInfo("UTC")).weekday() == SUNDAY
        for shift in (-_BEHIND, timedelta(0), _AHEAD)
    )


class ReviewSweeper:
    """Sends each user's weekly review once; call `sweep()` with the digest sweep."""

    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        sender: Sender,
        *,
        scope: Scope = EVERYONE,
        outcomes: Outcomes = (),
        batch: int = 500,
    ) -> None:
        self.outcomes = outcomes
        self.batch = batch  # new reviews per sweep; the rest follow a minute later
        self.engine = engine
        self.clock = clock
        self.sender = sender
        self.scope = scope
        self.insight = engine.store.insight
        self._running = asyncio.Lock()

    async def sweep(self) -> ReviewResult:
        """One pass: retry pending reviews of today, record and send the due."""
        async with self._running:
            now = self.clock.now()
            result = ReviewResult()
            for stored in await self.insight.pending_reviews(self.scope):
                if stored.sending:
                    # Sweeps never overlap and the database has one serving process, so
                    # this request was cut off by a crash: it may have been delivered.
                    await self.insight.mark_review_unknown(
                        stored.id, now, "interrupted while sending"
                    )
                    result.unknown += 1
                    log.warning("a weekly review was interrupted while sending; not resending")
                    continue
                if day_is_over(now, stored.timezone, stored.local_day):
                    await self.insight.mark_review(stored.id, "expired", now, "the day ended")
                    continue
                again = Reply(
                    stored.text,
                    tuple(tuple(Button(lb, d) for lb, d in row) for row in stored.buttons),
                )
                await self._send(stored.id, stored.owner, again, now, result)
            # Four days a week no time zone is on Sunday: the minute costs nothing. On the
            # others only users whose next review instant has come (or is unknown) are
            # read, and each one looked at is told when to be looked at again: a Sunday
            # minute reads the few whose time it is, not everyone with the review on.
            users = (
                await self.insight.review_users(self.scope, now) if sunday_somewhere(now) else []
            )
            later: list[tuple[int, datetime]] = []
            due: list[tuple[ReviewUser, date]] = []
            for user in users:
                day = review_due(user, now)
                if day is not None:
                    due.append((user, day))
                elif (at := next_review_time(user, now)) is not None:
                    later.append((user.owner, at))
            done = await self.insight.reviewed_weeks(
                [u.owner for u, _ in due], [week_key(d) for _, d in due]
            )
            # This week's done: next Sunday. The rest past the batch keep their instant
            # and come back next minute; those in it, once their review is recorded.
            todo = [(user, day) for user, day in due if user.owner not in done][: self.batch]
            later += _next_week([u for u, _ in due if u.owner in done], now)
            await self.insight.set_review_times(later)
            recorded: list[ReviewUser] = []
            for user, day in todo:
                reply: Reply | None
                try:
                    reply = render(await build_review(self.engine, user.owner, day), self.engine)
                except Exception:
                    log.exception("could not compose a weekly review; skipping this week")
                    reply = None
                buttons = (
                    tuple(tuple((b.label, b.data) for b in row) for row in reply.buttons)
                    if reply
                    else ()
                )
                review_id = await self.insight.record_review(
                    user.owner, week_key(day), day, reply.text if reply else "", buttons, now
                )
                recorded.append(user)  # this week's is written down, whatever comes next
                if review_id is None:
                    continue
                if reply is None:  # nothing to say this week: the row says so, no message
                    await self.insight.mark_review(review_id, "expired", now, "nothing to say")
                    continue
                await self._send(review_id, user.owner, reply, now, result)
            # After recording: a crash before this leaves their instant as it was, and the
            # next minute finds this week's row and moves them on then.
            await self.insight.set_review_times(_next_week(recorded, now))
            return result

    async def _send(
        self, review_id: int, owner: int, reply: Reply, now: datetime, result: ReviewResult
    ) -> None:
        if not await self.insight.mark_review_sending(review_id, now):
            return  # no longer pending: not ours to send
        try:
            await self.sender.send(owner, reply)
        except Exception as exc:
            status = next((s for cls, s in self.outcomes if isinstance(exc, cls)), None)
            error = f"{type(exc).__name__}: {exc}"
            if status == UNKNOWN:
                await self.insight.mark_review_unknown(review_id, now, error)
                result.unknown += 1
                log.warning("a weekly review's outcome is unknown (%s); not resending it", error)
                return
            if status is None:
                log.exception("sending a weekly review failed unexpectedly")
                status = "rejected"
            # A transient failure stays pending: the next sweep retries it today.
            await self.insight.mark_review(review_id, status, now, error)
            if status == "undeliverable":
                await self.engine.store.set_active(owner, False)
            return
        await self.insight.mark_review(review_id, "sent", now, "")
        result.sent += 1
