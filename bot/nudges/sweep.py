"""The sweep: once a minute, send every digest whose time has come. No transport here.

The database is the only source of truth (engineering notes §4, "Recompute"): no
scheduler job is persisted, each user's next digest instant is `users.next_digest_at`,
and a sweep asks which of them have come. Downtime, restarts and DST are therefore the
query's business: a digest missed while the bot was down goes out when it is back, on the
same local day only (`plan_sweep`).

Exactly once, step by step:

1. Plan: for each due user, `plan_sweep` says whether today's digest goes out and when the
   next one is due; the digest is composed from their people.
2. Record, in one transaction and *before* sending: the digest row (`pending`, unique per
   user and local day), its people's `last_nudged_on`, and the new `next_digest_at`.
   A crash before this commit leaves no trace, so the next sweep plans again; after it,
   the row exists and no second digest can be recorded for that day.
3. Send the recorded text. Success marks the row `sent`. A transient failure (network,
   5xx, 429) leaves it `pending`, and later sweeps retry
   it until the user's local day ends (then it is `expired`). A blocked bot marks the row
   `undeliverable` and the user inactive: no more nudges until they /start again.

Unknown outcomes: just before its request, the row is marked *sending* (committed).
Telegram's sendMessage has no idempotency key, so when a request may have reached the
user without our hearing back — a timeout after the request was written (`Unknown`), or
a crash while sending (a `pending` row still marked sending at the next sweep) — sending
again could show it twice. The rule: **at most once when the outcome is unknown.** Such
a digest is not resent; it is recorded as `sent` with `outcome_unknown = 1`, so these
cases can be counted (`SweepResult.unknown`, and in the table). Only failures known to
have left nothing at Telegram (an error answer, a connection never made) are retried.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final, Protocol

from bot.core.clock import Clock
from bot.core.schedule import (
    SweepPlan,
    day_is_over,
    first_digest_at,
    parse_clock,
    plan_sweep,
)
from bot.engine.engine import Engine
from bot.engine.replies import DEFAULT_LIMITS, Button, Limits, Reply
from bot.nudges.actions import build_digest, build_digests
from bot.nudges.digest import Digest
from bot.nudges.review import UNKNOWN, ReviewSweeper
from bot.ports.digests import (
    EVERYONE,
    EXPIRED,
    REJECTED,
    UNDELIVERABLE,
    ButtonRows,
    DueUser,
    NewDigest,
    Planned,
    Scope,
    StoredDigest,
)

log = logging.getLogger(__name__)

SWEEP_SECONDS: Final = 60.0  # how often a transport runs the sweep
# Undocumented on purpose: end-to-end tests make the sweep fast with it.
ENV_SWEEP_SECONDS: Final = "KITH_SWEEP_SECONDS"
BATCH: Final = 500  # users (and retries) per round; a full round sweeps again at once
MAX_ROUNDS: Final = 1000  # a guard only: ~500,000 users due in one minute
FIRST_ROUND: Final = 100  # users in a sweep's first round (see `_rounds`)
COMPOSE_CHUNK: Final = 25  # users composed per bulk read (see `_compose_all`)
CONCURRENCY: Final = 8  # sends in flight; the bot's rate limiter keeps the pace
MAX_UNEXPECTED: Final = 3  # a send crashing on a bug is given up after this many tries


class SendError(Exception):
    """A digest could not be delivered; the subclass says what to do about it."""


class TryLater(SendError):
    """Transient: network trouble, a 5xx, rate limits. The digest stays pending."""


class Undeliverable(SendError):
    """The user cannot be reached (they blocked the bot): stop nudging them."""


class Rejected(SendError):
    """This message was refused as such (e.g. malformed): sending it again won't help."""


class Unknown(SendError):
    """The request went out but no answer came (a read timeout): it may have arrived."""


class Sender(Protocol):
    """How a transport delivers one digest message to one user."""

    async def send(self, owner: int, reply: Reply) -> None:
        """Deliver `reply`, or raise TryLater, Undeliverable or Rejected."""
        ...


@dataclass
class SweepResult:
    """What one sweep did, for logs and tests."""

    scheduled: int = 0  # users given a next_digest_at they lacked
    nobody_due: int = 0  # digest times that came with nobody to nudge about
    recorded: int = 0  # new digests written down
    sent: int = 0  # digests delivered (new or retried)
    retried: int = 0  # pending digests from earlier sweeps tried again
    pending: int = 0  # sends that failed for now (still pending)
    undeliverable: int = 0
    rejected: int = 0
    expired: int = 0  # pending digests whose local day ended undelivered
    unknown: int = 0  # sends whose outcome is unknown: not resent (at most once)
    reviews: int = 0  # weekly reviews delivered
    reviews_unknown: int = 0  # weekly reviews whose outcome is unknown: not resent
    rounds: int = 0  # extra rounds because a round of due users was full


class Sweeper:
    """Finds the due digests and sends them; call `sweep()` once a minute.

    `scope` says whose digests this sweeper sends: `kith chat` sweeps only the terminal's
    user, `kith run` only Telegram users, even when both share a database.
    """

    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        sender: Sender,
        *,
        scope: Scope = EVERYONE,
        limits: Limits = DEFAULT_LIMITS,
        batch: int = BATCH,
        concurrency: int = CONCURRENCY,
        weekly_review: bool = False,
    ) -> None:
        self.engine = engine
        self.store = engine.store
        self.clock = clock
        self.sender = sender
        self.scope = scope
        self.limits = limits  # what one message of the sender's transport holds
        self.batch = batch
        self.ledger = engine.store.ledger
        # The weekly look back rides on the same sweep (Sundays, its own ledger) where the
        # composition root asks for it.
        self.reviews: ReviewSweeper | None = None
        if weekly_review:
            self.reviews = ReviewSweeper(
                engine,
                clock,
                sender,
                scope=scope,
                outcomes=(
                    (TryLater, "pending"),
                    (Undeliverable, "undeliverable"),
                    (Rejected, "rejected"),
                    # It may have arrived: like a digest, not sent again.
                    (Unknown, UNKNOWN),
                ),
            )
        self._sending = asyncio.Semaphore(concurrency)
        self._running = asyncio.Lock()  # one sweep at a time, whoever calls it

    async def sweep(self) -> SweepResult:
        """One pass: retry pending digests, schedule the unscheduled, send the due."""
        async with self._running:
            result = SweepResult()
            await self._retry_pending(result)
            await self._schedule_missing(result)
            await self._rounds(result)
            await self._sweep_reviews(result)
            if (
                result.sent
                or result.pending
                or result.undeliverable
                or result.expired
                or result.unknown
            ):
                log.info(
                    "digest sweep: %d sent, %d pending, %d undeliverable, %d expired, %d unknown",
                    result.sent,
                    result.pending,
                    result.undeliverable,
                    result.expired,
                    result.unknown,
                )
            return result

    # -- steps -------------------------------------------------------------------------

    async def _rounds(self, result: SweepResult) -> None:
        """Record and send batches of due users until a batch is not full.

        A full batch means more users may be due this very minute (a popular 09:00, a
        day of downtime): sweep again at once, so every due digest goes out as fast as
        the sender's rate limit allows, not 500 a minute. Each round moves its users'
        next_digest_at on, so the rounds end.

        Pipelined: the next round is chosen and recorded while this one is being sent,
        so sending never waits for choosing (10,000 users due at once: 20 rounds of ~2 s
        of choosing hidden behind ~5 minutes of sending at 30 msg/s). Each digest is
        still recorded before it is sent, and marked sending before its request (in
        `_send_one`): overlapping rounds change when a digest is sent, never whether.
        At most one round waits recorded but unsent behind the one being sent, so a
        recorded digest's lease (PostgreSQL) outlasts its wait by far.
        """
        inflight: list[asyncio.Task[None]] = []  # the round being sent, the next one
        try:
            # The first round is smaller, so the first digests go out after a fifth of a
            # batch has been chosen rather than all of it (a quiet minute is one round).
            limit = min(self.batch, FIRST_ROUND)
            while True:
                planned, recorded = await self._record_due(result, limit)
                # Queued behind the round in flight (the semaphore is first come, first
                # served), so the sender never idles between rounds.
                inflight.append(asyncio.create_task(self._deliver(recorded, result)))
                if len(inflight) > 1:
                    await inflight[0]  # before choosing more: one round ahead at most
                    inflight.pop(0)
                if planned < limit or result.rounds >= MAX_ROUNDS:
                    break
                result.rounds += 1
                limit = self.batch
            while inflight:
                await inflight[0]
                inflight.pop(0)
        except BaseException as exc:
            # An error choosing: the digests already recorded still go out. A crash or a
            # cancel (shutdown): stop sending; a request cut off is `sending`, and the next
            # sweep settles it as unknown, a recorded one not yet started is sent then.
            if not isinstance(exc, Exception):
                for task in inflight:
                    task.cancel()
            await asyncio.gather(*inflight, return_exceptions=True)
            raise

    async def _sweep_reviews(self, result: SweepResult) -> None:
        if self.reviews is None:
            return
        try:
            reviews = await self.reviews.sweep()
        except Exception:
            # The look back must never hold up tomorrow's digest.
            log.exception("the weekly review sweep failed")
            return
        result.reviews, result.reviews_unknown = reviews.sent, reviews.unknown

    async def _retry_pending(self, result: SweepResult) -> None:
        """Digests recorded earlier but not delivered: again if still their day."""
        now = self.clock.now()
        retry: list[StoredDigest] = []
        for digest in await self.ledger.claim_pending(self.batch, self.scope):
            if digest.sending:
                # Sweeps never overlap and the database has one serving process, so
                # this request was cut off by a crash: it may have been delivered.
                await self.ledger.mark_unknown(digest.id, now, "interrupted while sending")
                result.unknown += 1
                log.warning("a digest was interrupted while sending; not sending it again")
                continue
            if day_is_over(now, digest.timezone, digest.local_day):
                # Yesterday's digest arriving today helps nobody: today has its own.
                await self.ledger.mark_final(digest, EXPIRED, "the local day ended")
                result.expired += 1
            else:
                retry.append(digest)
        result.retried += len(retry)
        await self._deliver(retry, result)

    async def _schedule_missing(self, result: SweepResult) -> None:
        """Backfill `next_digest_at` for users who lack one (e.g. from before schema V2)."""
        now = self.clock.now()
        schedules: list[tuple[int, datetime]] = []
        for user in await self.ledger.unscheduled(self.batch, self.scope):
            try:
                at = first_digest_at(
                    now, user.timezone, parse_clock(user.digest_time), last_sent_day=user.last_day
                )
            except ValueError:
                log.warning("cannot schedule a digest at %r in %r", user.digest_time, user.timezone)
                continue
            schedules.append((user.owner, at))
        await self.ledger.set_schedules(schedules)
        result.scheduled += len(schedules)

    async def _record_due(self, result: SweepResult, limit: int) -> tuple[int, list[StoredDigest]]:
        """Plan up to `limit` due users, compose their digests in bulk, record all in one
        go; how many users were due (up to the limit), and the digests to send."""
        now = self.clock.now()
        planned: list[tuple[DueUser, SweepPlan | None]] = []
        for user in await self.ledger.due(now, limit, self.scope):
            try:
                plan: SweepPlan | None = plan_sweep(
                    user.next_digest_at,
                    now,
                    user.timezone,
                    parse_clock(user.digest_time),
                    last_sent_day=user.last_day,
                )
            except ValueError:
                # Settings this machine cannot schedule: unschedule the row rather than
                # pick it up every minute; the backfill tries it again.
                log.warning("cannot plan the digest of a user; unscheduling it")
                plan = None
            planned.append((user, plan))
        wanted = [
            (user.owner, plan.digest_day)
            for user, plan in planned
            if plan is not None and plan.send and plan.digest_day is not None
        ]
        digests = await self._compose_all(wanted)
        plans: list[Planned] = []
        for user, plan in planned:
            if plan is None:
                plans.append(Planned(user.owner, user.next_digest_at, None))
                continue
            digest: NewDigest | None = None
            if plan.send and plan.digest_day is not None:
                digest = digests.get(user.owner)
                if digest is None:
                    result.nobody_due += 1
            plans.append(Planned(user.owner, user.next_digest_at, plan.next_at, digest))
        ids = await self.ledger.record(plans, now)
        result.recorded += len(ids)
        return len(planned), await self.ledger.get_many(ids)

    async def _compose_all(self, wanted: list[tuple[int, date]]) -> dict[int, NewDigest | None]:
        """Everyone's digest from bulk reads; one by one if that fails (one bad row).

        In chunks: each bulk read is one hop on the database's one connection, and the
        round before this one is being sent meanwhile, each send two short writes on that
        same connection. A hop for 500 users (~1 s) would hold all of them up; one for
        `COMPOSE_CHUNK` users keeps the sender within its few sends in flight.
        """
        out: dict[int, NewDigest | None] = {}
        for start in range(0, len(wanted), COMPOSE_CHUNK):
            chunk = wanted[start : start + COMPOSE_CHUNK]
            try:
                composed = await build_digests(self.engine, chunk, self.limits)
            except Exception:
                log.exception("composing digests in bulk failed; composing them one by one")
                out.update({owner: await self._compose(owner, day) for owner, day in chunk})
                continue
            out.update({owner: _new_digest(day, composed[owner]) for owner, day in chunk})
        return out

    async def _compose(self, owner: int, day: date) -> NewDigest | None:
        try:
            composed = await build_digest(self.engine, owner, day, self.limits)
        except Exception:
            # One user's broken data must not hold up everyone else's digest.
            log.exception("could not compose a digest; skipping it today")
            return None
        return _new_digest(day, composed)

    async def _deliver(self, digests: Sequence[StoredDigest], result: SweepResult) -> None:
        await asyncio.gather(*(self._send_one(d, result) for d in digests))

    async def _send_one(self, digest: StoredDigest, result: SweepResult) -> None:
        reply = Reply(
            digest.text,
            tuple(tuple(Button(label, data) for label, data in row) for row in digest.buttons),
        )
        async with self._sending:
            if not await self.ledger.mark_sending(digest.id, self.clock.now()):
                return  # no longer pending (e.g. its person was forgotten meanwhile)
            try:
                await self.sender.send(digest.owner, reply)
            except Unknown as exc:
                await self.ledger.mark_unknown(digest.id, self.clock.now(), _describe(exc))
                result.unknown += 1
                log.warning("a digest's outcome is unknown (%s); not resending it", exc)
            except TryLater as exc:
                await self.ledger.mark_attempt(digest.id, _describe(exc))
                result.pending += 1
                log.warning("a digest could not be sent yet (%s); will retry", _describe(exc))
            except Undeliverable as exc:
                await self.ledger.mark_final(digest, UNDELIVERABLE, _describe(exc))
                await self.engine.unreachable(digest.owner)
                result.undeliverable += 1
            except Rejected as exc:
                await self.ledger.mark_final(digest, REJECTED, _describe(exc))
                result.rejected += 1
                log.warning("a digest was refused: %s", _describe(exc))
            except Exception as exc:
                log.exception("sending a digest failed unexpectedly")
                if digest.attempts + 1 >= MAX_UNEXPECTED:
                    await self.ledger.mark_final(digest, REJECTED, _describe(exc))
                    result.rejected += 1
                else:
                    await self.ledger.mark_attempt(digest.id, _describe(exc))
                    result.pending += 1
            else:
                await self.ledger.mark_sent(digest.id, self.clock.now())
                result.sent += 1


def _new_digest(day: date, composed: Digest | None) -> NewDigest | None:
    if composed is None:
        return None
    buttons: ButtonRows = tuple(
        tuple((b.label, b.data) for b in row) for row in composed.reply.buttons
    )
    # The rich text (with emphasis marks) is kept: a retry renders it the same way.
    text = composed.reply.rich or composed.reply.text
    return NewDigest(day, text, buttons, composed.person_ids)


def sweep_seconds(env: Mapping[str, str] | None = None) -> float:
    """The sweep interval: 60 s, or shorter when the environment asks (tests only)."""
    environ: Mapping[str, str] = os.environ if env is None else env
    raw = environ.get(ENV_SWEEP_SECONDS, "").strip()
    try:
        value = float(raw) if raw else SWEEP_SECONDS
    except ValueError:
        return SWEEP_SECONDS
    return value if 0 < value <= SWEEP_SECONDS else SWEEP_SECONDS


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"
