"""The composition root: config in, a wired engine over an open database out."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from dataclasses import dataclass
from datetime import timedelta

from bot.config import Config
from bot.core.circles import Circles
from bot.core.clock import Clock, OffsetClock, SystemClock
from bot.core.model import UserSettings
from bot.engine import build_engine
from bot.nudges import actions as digest_actions
from bot.services import Services
from bot.store.sqlite.db import Database
from bot.store.sqlite.lock import serving
from bot.store.sqlite.store import SqliteStore


@dataclass(frozen=True, slots=True)
class SqliteServices(Services):
    """`Services` over the SQLite store, with its database for what only SQLite does
    (tests that look at rows, `kith backup`)."""

    db: Database


# Test-only, undocumented for users: seconds added to the real clock, so an end-to-end
# test can put the real process just before a digest minute instead of waiting for one.
ENV_CLOCK_OFFSET = "KITH_CLOCK_OFFSET"


def clock_from_env(env: Mapping[str, str] | None = None) -> Clock:
    """The real clock, shifted by `KITH_CLOCK_OFFSET` seconds when that is set."""
    raw = (os.environ if env is None else env).get(ENV_CLOCK_OFFSET, "").strip()
    try:
        offset = float(raw) if raw else 0.0
    except ValueError:
        offset = 0.0
    return OffsetClock(SystemClock(), timedelta(seconds=offset)) if offset else SystemClock()


@asynccontextmanager
async def services(
    config: Config, clock: Clock | None = None, *, serve: bool = False
) -> AsyncIterator[SqliteServices]:
    """Open the database, build the engine, and close the database afterwards.

    `serve`: this process is the Telegram bot (`kith run`), so it must be the only one on
    this database; DatabaseBusy (a StoreError) when another already is.
    """
    with serving(config.db_path) if serve else nullcontext():
        async with _services(config, clock) as built:
            yield built


def serving_services(
    config: Config, clock: Clock | None = None
) -> AbstractAsyncContextManager[SqliteServices]:
    """`services` for the process that serves Telegram (`kith run`): the only one."""
    return services(config, clock, serve=True)


@asynccontextmanager
async def _services(config: Config, clock: Clock | None) -> AsyncIterator[SqliteServices]:
    clock = clock or clock_from_env()
    db = await Database.open(config.db_path)
    try:
        store = SqliteStore(db)
        defaults = UserSettings(
            timezone=config.nudges.timezone, digest_time=config.nudges.digest_time
        )
        engine = build_engine(
            store,
            Circles(config.circles),
            clock,
            defaults,
            config.nudges.max_per_digest,
            plugins=(digest_actions.register,),  # the daily digest, from bot/nudges
            max_people=config.max_people,
        )
        yield SqliteServices(config, store, engine, clock, db)
    finally:
        await db.close()
