"""One worker process of figure 8: everyday logs from its users, through one store.

    python -m bench.hosted_driver sqlite|postgres URL FIRST_USER USERS PER_USER CONCURRENCY OUT

Each update goes the way its deployment handles it, minus the HTTP around it:
- `sqlite` (`kith run`): the sender's owner looked up, the update's key set for the
  journaled change to record (ports.updates), the engine's answer;
- `postgres` (`kith serve`): the update's unit of work (ports.hosted: owner lock, dedup,
  the engine's answer, the record with its replies, COMMIT), then `delivered`.
Users go side by side (`CONCURRENCY` at once), each one's updates in order. Writes one
JSON line: start/end wall times, per-update milliseconds, and PostgreSQL statements
counted per update (asyncpg calls, i.e. database round trips).
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.compose import services
from bot.config import load_config
from bot.ports.identities import TELEGRAM, Identity
from bot.ports.updates import UpdateKey, handling

TEXTS = ("coffee with Alice yesterday", "walk with Alice 2 days ago", "call with Alice today")
# Statements sent by the current task (each is one round trip): [whole update, engine].
_trips: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar("trips", default=None)
_in_engine: contextvars.ContextVar[bool] = contextvars.ContextVar("in_engine", default=False)


def _count_round_trips() -> None:
    """Count every statement asyncpg sends, per task (its BEGIN and COMMIT go through
    `execute` too)."""
    import asyncpg.connection as connection

    def counted(original: Any) -> Any:
        async def call(self: Any, *args: Any, **kwargs: Any) -> Any:
            trips = _trips.get()
            if trips is not None:
                trips[0] += 1
                trips[1] += _in_engine.get()
            return await original(self, *args, **kwargs)

        return call

    for name in ("execute", "fetch", "fetchrow", "fetchval"):
        setattr(connection.Connection, name, counted(getattr(connection.Connection, name)))


async def main(argv: list[str]) -> dict[str, Any]:
    store, url, first, users, per_user, concurrency, out = argv
    env = {"KITH_DATABASE_URL": url} if store == "postgres" else {"KITH_DB": url}
    if store == "postgres":
        _count_round_trips()
    config = load_config(None, env=env)
    ids = range(int(first), int(first) + int(users))
    latencies: list[float] = []
    trips: list[int] = []
    engine_trips: list[int] = []
    async with services(config) as s:
        updates: Any = getattr(s.store, "updates", None)
        next_id = iter(range(int(first) * 1000, int(first) * 1000 + 10**6))

        async def one(user: int, text: str) -> None:
            identity = Identity(TELEGRAM, str(user))
            update_id = next(next_id)
            counts = [0, 0]
            _trips.set(counts)
            started = time.perf_counter()
            if updates is not None:
                async with updates.handling(identity, update_id) as unit:
                    flag = _in_engine.set(True)
                    replies = await s.engine.handle(unit.owner, text)
                    _in_engine.reset(flag)
                    await unit.record({"owner": unit.owner, "replies": [r.text for r in replies]})
                await updates.delivered(TELEGRAM, update_id)
            else:
                owner = await s.store.identities.owner_of(identity)
                key = UpdateKey(TELEGRAM, update_id, datetime.now(UTC))
                with handling(key) as state:
                    await s.engine.handle(owner, text)
                    if not state.recorded:
                        await s.store.mark_handled(key, owner)
            latencies.append((time.perf_counter() - started) * 1000)
            trips.append(counts[0])
            engine_trips.append(counts[1])

        for user in ids:  # setup, not measured
            await one(user, "/add Alice")
        latencies.clear()
        trips.clear()
        engine_trips.clear()
        gate = asyncio.Semaphore(int(concurrency))

        async def user_logs(user: int) -> None:
            for n in range(int(per_user)):
                async with gate:
                    await one(user, TEXTS[n % len(TEXTS)])

        start = time.time()
        await asyncio.gather(*(user_logs(u) for u in ids))
        end = time.time()
    return {
        "start": start,
        "end": end,
        "ms": latencies,
        "trips": trips,
        "engine_trips": engine_trips,
        "out": out,
    }


if __name__ == "__main__":
    result = asyncio.run(main(sys.argv[1:]))
    Path(result.pop("out")).write_text(json.dumps(result))
