"""The daily digest as a user lives it: a phone that receives, a clock the test moves.

`kith` is the running bot's core over a real SQLite file; `ann` talks to it (`Chat`);
`phone` is what the sweep delivers to (a `Sender` that can also be told to fail);
`nudges.at("2026-11-26T09:00:00Z")` moves the clock there and runs one sweep.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from bot.compose import Services
from bot.core.clock import FixedClock, parse_utc
from bot.engine import Reply
from bot.nudges.sweep import Sweeper, SweepResult
from tests.conversation import NOW, Chat, kith

ANN = 1


@dataclass
class Phone:
    """Receives digests. `fail_with` holds exceptions to raise, one per send, in order."""

    inbox: list[tuple[int, Reply]] = field(default_factory=list)
    fail_with: list[BaseException] = field(default_factory=list)
    attempts: int = 0

    async def send(self, owner: int, reply: Reply) -> None:
        self.attempts += 1
        if self.fail_with:
            raise self.fail_with.pop(0)
        self.inbox.append((owner, reply))

    def texts(self, owner: int = ANN) -> list[str]:
        return [r.text for o, r in self.inbox if o == owner]

    def last(self, owner: int = ANN) -> Reply:
        return [r for o, r in self.inbox if o == owner][-1]


@dataclass
class Nudges:
    """The sweep over `services`, driven by moving the clock."""

    services: Services
    clock: FixedClock
    phone: Phone
    sweeper: Sweeper
    last: SweepResult = field(default_factory=SweepResult)

    async def at(self, when: str | datetime) -> list[str]:
        """Set the clock to `when` (UTC), sweep once; the texts delivered by that sweep."""
        self.clock.set(parse_utc(when) if isinstance(when, str) else when)
        before = len(self.phone.inbox)
        self.last = await self.sweeper.sweep()
        return [r.text for _, r in self.phone.inbox[before:]]

    async def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in await self.services.db.fetchall(sql, params)]


def sweeper_for(services: Services, clock: FixedClock, phone: Phone) -> Sweeper:
    return Sweeper(services.engine, clock, phone)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)  # Wed 25 Nov 2026, 10:00 UTC


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "kith.db"


@pytest.fixture
def phone() -> Phone:
    return Phone()


@pytest.fixture
async def services(db_path: Path, clock: FixedClock) -> AsyncIterator[Services]:
    async with kith(db_path, clock) as running:
        yield running


@pytest.fixture
def nudges(services: Services, clock: FixedClock, phone: Phone) -> Nudges:
    return Nudges(services, clock, phone, sweeper_for(services, clock, phone))


@pytest.fixture
def ann(services: Services) -> Chat:
    return Chat(services.engine, owner=ANN)


async def says_all(user: Chat, *lines: str) -> None:
    """Several messages in a row, each of which must have been understood."""
    for line in lines:
        reply = await user.says(line)
        assert "Sorry" not in reply and "I didn't catch" not in reply, (line, reply)
