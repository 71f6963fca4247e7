"""The composition root: config in, a wired engine over an open database out."""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.config import Config
from bot.core.circles import Circles
from bot.core.clock import Clock, OffsetClock, SystemClock
from bot.core.model import UserSettings
from bot.engine import Engine, build_engine
from bot.nudges import actions as digest_actions
from bot.ports.store import Store
from bot.services import Services
from bot.store.sqlite.db import Database
from bot.store.sqlite.lock import serving
from bot.store.sqlite.store import SqliteStore

if TYPE_CHECKING:  # the PostgreSQL store is an extra: imported only when configured
    from bot.store.postgres.db import PgDatabase
    from bot.store.postgres.store import PgStore


@dataclass(frozen=True, slots=True)
class SqliteServices(Services):
    """`Services` over the SQLite store, with its database for what only SQLite does
    (tests that look at rows, `kith backup`)."""

    db: Database


@dataclass(frozen=True, slots=True)
class PgServices(Services):
    """`Services` over the PostgreSQL store (`[storage] url`), for many workers."""

    db: PgDatabase
    pg: PgStore  # the store itself: `kith serve` needs its update log


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
) -> AsyncIterator[Services]:
    """Open the database, build the engine, and close the database afterwards.

    `serve`: this process is the Telegram bot (`kith run`), so it must be the only one on
    this database; DatabaseBusy (a StoreError) when another already is. (On PostgreSQL
    many workers share the database by design: `kith serve`, not `kith run`.)
    """
    if config.database_url:
        async with _pg_services(config, clock) as built:
            yield built
        return
    with serving(config.db_path) if serve else nullcontext():
        async with _services(config, clock) as built:
            yield built


def serving_services(
    config: Config, clock: Clock | None = None
) -> AbstractAsyncContextManager[Services]:
    """`services` for the process that serves Telegram (`kith run`): the only one."""
    return services(config, clock, serve=True)


def _engine(config: Config, store: Store, clock: Clock) -> Engine:
    """The engine over `store`, as the config says: one place for every store."""
    defaults = UserSettings(timezone=config.nudges.timezone, digest_time=config.nudges.digest_time)
    return build_engine(
        store,
        Circles(config.circles),
        clock,
        defaults,
        config.nudges.max_per_digest,
        plugins=(digest_actions.register,),  # the daily digest, from bot/nudges
        max_people=config.max_people,
    )


@asynccontextmanager
async def _services(config: Config, clock: Clock | None) -> AsyncIterator[SqliteServices]:
    clock = clock or clock_from_env()
    db = await Database.open(config.db_path)
    try:
        store = SqliteStore(db)
        yield SqliteServices(config, store, _engine(config, store, clock), clock, db)
    finally:
        await db.close()


@asynccontextmanager
async def _pg_services(config: Config, clock: Clock | None) -> AsyncIterator[PgServices]:
    from bot.ports.store import StoreError

    try:
        from bot.store.postgres.db import PgDatabase
        from bot.store.postgres.store import PgStore
    except ImportError as exc:
        raise StoreError(
            "a postgresql:// database needs the PostgreSQL extra: pip install 'kith[postgres]'"
        ) from exc
    clock = clock or clock_from_env()
    db = await PgDatabase.open(config.database_url)
    try:
        store = PgStore(
            db,
            clock,
            lease=_seconds(ENV_DIGEST_LEASE, 180.0),
            reply_lease=_seconds(ENV_REPLY_LEASE, 30.0),
        )
        # Whose leases are whose, readable in the database: host and process by default.
        store.ledger.worker = os.environ.get(ENV_WORKER_NAME, "").strip() or (
            f"{socket.gethostname()}:{os.getpid()}"
        )
        yield PgServices(config, store, _engine(config, store, clock), clock, db, store)
    finally:
        await db.close()


# How long a worker may hold a claimed digest or an update's replies before another
# worker takes them over (it died). Shorter leases re-claim sooner after a crash, but a
# digest lease must outlast the sweep that claimed it: a sweep claims a minute's worth of
# sends at the worker's share of the bot's rate (bot/telegram/webhook.py), so three
# minutes leaves room for a slow Telegram. Tests shorten them.
ENV_DIGEST_LEASE = "KITH_DIGEST_LEASE_SECONDS"
ENV_REPLY_LEASE = "KITH_REPLY_LEASE_SECONDS"
ENV_WORKER_NAME = "KITH_WORKER_NAME"


def _seconds(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError:
        return default
    return value if value > 0 else default
