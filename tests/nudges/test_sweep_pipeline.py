"""Rounds that overlap: the next batch is chosen while the last one is being sent.

Six users are due at 09:00 and the sweep takes them two at a time, so one `sweep()`
goes round three times, each round recorded while the one before it is being sent. The
promise does not move: every user gets their digest exactly once, whatever dies or
fails in between (a crash is an exception the sweep does not catch; the test then opens
the database again, as a restarted bot would).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.compose import Services
from bot.core.clock import FixedClock, parse_utc
from bot.engine import Reply
from bot.nudges.sweep import Sweeper, TryLater
from bot.ports.digests import Planned
from tests.conversation import Chat, kith
from tests.nudges.conftest import Nudges, Phone, says_all

NINE_AM = "2026-11-26T09:00:00Z"
USERS = range(1, 7)


class Crash(BaseException):
    """The process dying: nothing in the sweep may catch this."""


async def six_due_users(services: Services) -> None:
    for owner in USERS:
        await says_all(
            Chat(services.engine, owner), "/add Alice inner", "coffee with Alice 2026-10-01"
        )


def in_pairs(services: Services, clock: FixedClock, sender: object) -> Sweeper:
    return Sweeper(services.engine, clock, sender, batch=2)  # type: ignore[arg-type]


async def statuses(services: Services) -> list[tuple[int, str, int]]:
    rows = await services.db.fetchall(
        "SELECT owner_id, status, outcome_unknown FROM digests ORDER BY owner_id"
    )
    return [(int(r[0]), str(r[1]), int(r[2])) for r in rows]


@dataclass
class Counting:
    """Wraps the ledger's `record`: how many rounds were recorded, and when."""

    rounds: int = 0
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def wrap(self, services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
        ledger = services.store.ledger
        record = ledger.record

        async def counted(plans: Sequence[Planned], now: object) -> list[int]:
            ids = await record(plans, now)  # type: ignore[arg-type]
            self.rounds += 1
            self.changed.set()
            return ids

        monkeypatch.setattr(ledger, "record", counted)

    async def until(self, rounds: int) -> None:
        while self.rounds < rounds:
            self.changed.clear()
            # A guard, not a wait: without overlapping rounds this would hang forever.
            await asyncio.wait_for(self.changed.wait(), timeout=30)


async def test_the_next_round_is_chosen_while_this_one_is_sent(
    db_path: Path, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first digest is held at the door until the second round is recorded: it can
    only get through if choosing goes on while sending."""
    async with kith(db_path, clock) as services:
        await six_due_users(services)
        counting = Counting()
        counting.wrap(services, monkeypatch)
        phone = Phone()
        seen_rounds: list[int] = []

        @dataclass
        class Door:
            async def send(self, owner: int, reply: Reply) -> None:
                if not seen_rounds:
                    await counting.until(2)
                seen_rounds.append(counting.rounds)
                await phone.send(owner, reply)

        clock.set(parse_utc(NINE_AM))
        result = await in_pairs(services, clock, Door()).sweep()

        assert seen_rounds[0] >= 2  # round 2 was recorded while round 1 was out
        assert sorted(o for o, _ in phone.inbox) == list(USERS)  # each once, none lost
        assert result.sent == 6 and result.rounds == 3
        assert await statuses(services) == [(o, "sent", 0) for o in USERS]
        # And nobody is owed anything more today.
        again = Nudges(services, clock, phone, in_pairs(services, clock, phone))
        assert await again.at("2026-11-26T09:01:00Z") == []
        assert await again.at("2026-11-26T21:00:00Z") == []


@dataclass
class Dying:
    """Delivers, until the `at`-th request, which the process dies inside."""

    at: int
    phone: Phone = field(default_factory=Phone)
    requests: int = 0

    async def send(self, owner: int, reply: Reply) -> None:
        self.requests += 1
        if self.requests == self.at:
            raise Crash()
        await self.phone.send(owner, reply)


async def test_a_crash_with_a_round_waiting_loses_none_and_doubles_none(
    db_path: Path, clock: FixedClock
) -> None:
    """Dying inside the third request: the round after it was already recorded but not
    started. After the restart those go out; the cut-off one is never sent again."""
    dying = Dying(at=3)
    async with kith(db_path, clock) as services:
        await six_due_users(services)
        clock.set(parse_utc(NINE_AM))
        with pytest.raises(Crash):
            await in_pairs(services, clock, dying).sweep()
    assert len(dying.phone.inbox) < 5  # the crash came before everyone had theirs

    phone = dying.phone
    async with kith(db_path, clock) as services:
        again = Nudges(services, clock, phone, in_pairs(services, clock, phone))
        await again.at("2026-11-26T09:01:00Z")
        assert again.last.unknown == 1  # the request the crash cut off: at most once
        await again.at("2026-11-26T09:02:00Z")
        await again.at("2026-11-26T21:00:00Z")
        delivered = [o for o, _ in phone.inbox]
        assert len(delivered) == len(set(delivered)) == 5  # nobody twice
        rows = await statuses(services)
        assert [o for o, _, _ in rows] == list(USERS)  # one digest each, none lost
        assert all(status == "sent" for _, status, _ in rows)
        [cut_off] = [o for o, _, unknown in rows if unknown]
        assert cut_off not in delivered


async def test_sends_failing_while_the_next_round_is_chosen_are_retried_once(
    db_path: Path, clock: FixedClock
) -> None:
    phone = Phone(fail_with=[TryLater("Bad Gateway"), TryLater("TimedOut")])
    async with kith(db_path, clock) as services:
        await six_due_users(services)
        nudges = Nudges(services, clock, phone, in_pairs(services, clock, phone))
        assert len(await nudges.at(NINE_AM)) == 4
        assert nudges.last.pending == 2
        assert len(await nudges.at("2026-11-26T09:01:00Z")) == 2
        assert await nudges.at("2026-11-26T09:02:00Z") == []
        assert sorted(o for o, _ in phone.inbox) == list(USERS)
        assert await statuses(services) == [(o, "sent", 0) for o in USERS]


async def test_an_error_choosing_a_round_still_sends_the_one_recorded(
    db_path: Path, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second round's recording fails (say, the disk is full): the first round,
    recorded already, is still delivered; the next minute picks up the rest."""
    phone = Phone()
    async with kith(db_path, clock) as services:
        await six_due_users(services)
        ledger = services.store.ledger
        record = ledger.record
        calls = 0

        async def failing_once(plans: Sequence[Planned], now: object) -> list[int]:
            nonlocal calls
            calls += 1
            if calls == 2:
                raise OSError("disk full")
            return await record(plans, now)  # type: ignore[arg-type]

        monkeypatch.setattr(ledger, "record", failing_once)
        nudges = Nudges(services, clock, phone, in_pairs(services, clock, phone))
        with pytest.raises(OSError):
            await nudges.at(NINE_AM)
        assert len(phone.inbox) == 2
        assert len(await nudges.at("2026-11-26T09:01:00Z")) == 4
        assert await nudges.at("2026-11-26T09:02:00Z") == []
        assert sorted(o for o, _ in phone.inbox) == list(USERS)


async def test_a_shutdown_mid_sweep_sends_the_recorded_rest_after_the_restart(
    db_path: Path, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`kith run` stopping cancels the sweep while a request is out and a round waits."""
    phone = Phone()
    async with kith(db_path, clock) as services:
        await six_due_users(services)
        counting = Counting()
        counting.wrap(services, monkeypatch)
        stuck = asyncio.Event()

        @dataclass
        class Hanging:
            async def send(self, owner: int, reply: Reply) -> None:
                if phone.inbox:
                    stuck.set()
                    await asyncio.Event().wait()  # a request that never answers
                await phone.send(owner, reply)

        clock.set(parse_utc(NINE_AM))
        sweep = asyncio.create_task(in_pairs(services, clock, Hanging()).sweep())
        await counting.until(2)
        await asyncio.wait_for(stuck.wait(), timeout=30)  # a guard, as in Counting
        sweep.cancel()
        with pytest.raises(asyncio.CancelledError):
            await sweep
    assert len(phone.inbox) == 1

    async with kith(db_path, clock) as services:
        again = Nudges(services, clock, phone, in_pairs(services, clock, phone))
        await again.at("2026-11-26T09:01:00Z")
        await again.at("2026-11-26T09:02:00Z")
        delivered = [o for o, _ in phone.inbox]
        assert len(delivered) == len(set(delivered))  # nobody twice
        rows = await statuses(services)
        assert [o for o, _, _ in rows] == list(USERS)  # one digest each, none lost
        unknown = [o for o, _, u in rows if u]
        assert unknown and not set(unknown) & set(delivered)
        assert sorted(delivered + unknown) == list(USERS)
