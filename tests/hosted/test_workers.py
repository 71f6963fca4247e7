"""Four `kith serve` processes behind a round-robin proxy, one PostgreSQL database,
real commits: every update applied once and answered once, whatever Telegram repeats;
a worker killed mid-update changes nothing; each digest goes out once.
Skipped without KITH_TEST_PG_DSN (start a server with .ci/postgres.sh)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

# Without the postgres extra the module is skipped, visibly, like the server check below.
asyncpg = pytest.importorskip(
    "asyncpg", reason="needs the postgres extra: pip install -e '.[postgres]'"
)

from bot.config import load_config  # noqa: E402
from bot.telegram.webhook import set_webhook  # noqa: E402
from tests.hosted.cluster import SECRET, Cluster  # noqa: E402
from tests.support import TOKEN, FakeBotApi, LoopbackServer  # noqa: E402
from tests.support.postgres import fresh_database, requires_pg  # noqa: E402
from tests.support.webhooks import WebhookPusher  # noqa: E402

pytestmark = requires_pg

USERS = 200
NOTES = 9  # + one /add: 2,000 updates
FIRST_USER = 10_000


@pytest.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[Cluster]:
    api = FakeBotApi()
    async with fresh_database() as url:
        with LoopbackServer(api) as server:
            running = Cluster(url, server, tmp_path)
            try:
                yield running
            finally:
                await running.stop()


async def register(cluster: Cluster, url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """`kith webhook set URL`, as the deploy step runs it once."""
    monkeypatch.setenv("KITH_WEBHOOK_SECRET", SECRET)
    config = load_config(
        None,
        env={
            "KITH_TELEGRAM_TOKEN": TOKEN,
            "KITH_CONFIG": str(cluster.config()),
        },
    )
    await set_webhook(config, url, max_connections=40)
    assert cluster.server.api.webhook_url == url


def api_of(cluster: Cluster) -> FakeBotApi:
    return cluster.server.api


async def test_two_thousand_updates_from_two_hundred_users_each_apply_once(
    cluster: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = await cluster.start(4)
    await register(cluster, url, monkeypatch)
    api = api_of(cluster)
    users = range(FIRST_USER, FIRST_USER + USERS)
    per_user = [
        [api.user_sends(u, "/add Alice")]
        + [api.user_sends(u, f"note Alice m{n}") for n in range(1, NOTES + 1)]
        for u in users
    ]
    ids = [update["update_id"] for updates in per_user for update in updates]
    assert len(ids) == 2000
    doubled = ids[3::17]  # to two workers at the same moment
    late = ids[5::23]  # once more, after the user's next update was answered
    async with aiohttp.ClientSession() as session:
        pusher = WebhookPusher(api, session)
        await pusher.deliver_all(per_user, twice_at_once=doubled, again_later=late)
    assert pusher.attempts >= 2000 + len(doubled) + len(late)

    expected = ["Added Alice to friends (every 3 months). /undo to take it back."] + [
        f"Noted for Alice: m{n}. /undo to take it back." for n in range(1, NOTES + 1)
    ]
    wrong = {
        u: got
        for u in users
        if (got := [t for t in api.texts_to(u) if t.startswith(("Added", "Noted"))]) != expected
    }
    assert not wrong, (list(wrong.items())[:3], cluster.logs())
    conn = await asyncpg.connect(cluster.database_url)
    try:
        rows = await conn.fetch(
            "SELECT owner_id, array_agg(text ORDER BY id) AS notes FROM notes GROUP BY owner_id"
        )
        handled = await conn.fetchval("SELECT count(*) FROM handled_updates")
    finally:
        await conn.close()
    assert {r["owner_id"]: r["notes"] for r in rows} == {
        u: [f"m{n}" for n in range(1, NOTES + 1)] for u in users
    }
    assert handled == 2000
    assert cluster.proxy is not None
    assert all(n > 100 for n in cluster.proxy.forwarded.values()), cluster.proxy.forwarded


async def test_a_worker_killed_mid_update_changes_nothing_and_its_update_applies_once(
    cluster: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = await cluster.start(4)
    await register(cluster, url, monkeypatch)
    api = api_of(cluster)
    ann = FIRST_USER
    async with aiohttp.ClientSession() as session:
        pusher = WebhookPusher(api, session)
        await pusher.deliver(api.user_sends(ann, "/add Alice"))
        conn = await asyncpg.connect(cluster.database_url)
        try:
            # Hold Ann's row: the note's transaction stops half-way, inside a worker.
            blocker = conn.transaction()
            await blocker.start()
            await conn.execute("SELECT 1 FROM users WHERE id = $1 FOR UPDATE", ann)
            update = api.user_sends(ann, "note Alice killed mid-update")
            first = asyncio.create_task(pusher.post(update))
            stuck = await waiting_worker(conn)
            victim = next(w for w in cluster.workers if w.proc.pid in stuck)
            cluster.kill(victim)
            assert await first >= 500  # no answer: Telegram will deliver it again
            redelivery = asyncio.create_task(pusher.deliver(update))
            await asyncio.sleep(0.2)
            await blocker.rollback()  # the dead worker's transaction goes with its socket
            await redelivery
            notes = await conn.fetchval(
                "SELECT array_agg(text) FROM notes WHERE owner_id = $1", ann
            )
        finally:
            await conn.close()
    assert notes == ["killed mid-update"]
    noted = [t for t in api.texts_to(ann) if t.startswith("Noted")]
    assert noted == ["Noted for Alice: killed mid-update. /undo to take it back."]


async def waiting_worker(conn: Any) -> set[int]:
    """Client ports... the pids of worker processes whose queries wait on a lock."""
    for _ in range(200):
        rows = await conn.fetch(
            "SELECT client_port FROM pg_stat_activity "
            "WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        if rows:
            return {pid_of_port(r["client_port"]) for r in rows}
        await asyncio.sleep(0.05)
    raise AssertionError("no worker got stuck on the held row")


def pid_of_port(port: int) -> int:
    """The local process holding a TCP connection from `port` (Linux /proc)."""
    import os

    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local = fields[1]
        if int(local.split(":")[1], 16) == port:
            inode = fields[9]
            break
    assert inode is not None
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                if os.readlink(f"/proc/{pid}/fd/{fd}") == f"socket:[{inode}]":
                    return int(pid)
        except OSError:
            continue
    raise AssertionError(f"no process holds port {port}")


DUE_USERS = 2000


async def test_two_thousand_digests_due_in_one_minute_go_out_once_across_four_sweepers(
    cluster: Cluster,
) -> None:
    """Every worker sweeps; each due owner is claimed by one, each digest leased to one.
    A worker killed mid-sweep leaves leased digests behind: they are re-claimed once
    the lease runs out, and sent by the others."""
    conn = await asyncpg.connect(cluster.database_url)
    try:
        await due_owners(conn, DUE_USERS)
        api = api_of(cluster)
        api.slow["sendmessage"] = 0.004  # a slow Telegram: sends are in flight for a while
        # A sweep a second, each worker claiming 400/4 = 100 owners a sweep: the bot's
        # rate (400 messages/s here, 30 in production) shared out in claimed batches; the
        # lease outlasts a batch several times over (180 s against a minute's batch, in
        # production), so only a dead worker's digests are ever taken over.
        cluster.env_extra.update(
            KITH_SWEEP_SECONDS="1", KITH_DIGEST_LEASE_SECONDS="6", KITH_BOT_RATE="400"
        )
        await cluster.start(4)
        victim = cluster.workers[0]
        leased: list[int] = []
        for _ in range(400):
            leased = [
                r["id"]
                for r in await conn.fetch(
                    "SELECT id FROM digests WHERE lease_owner = $1 AND status = 'pending'",
                    victim.name,
                )
            ]
            if len(leased) >= 20:
                break
            await asyncio.sleep(0.05)
        assert leased, cluster.logs()
        cluster.kill(victim)
        orphaned = [
            r["id"]
            for r in await conn.fetch(
                "SELECT id FROM digests WHERE lease_owner = $1 AND status = 'pending'",
                victim.name,
            )
        ]
        for _ in range(1200):
            sent = await conn.fetchval("SELECT count(*) FROM digests WHERE status = 'sent'")
            if sent == DUE_USERS:
                break
            await asyncio.sleep(0.05)
        rows = await conn.fetch("SELECT owner_id, status, outcome_unknown FROM digests")
        still = await conn.fetchval(
            "SELECT count(*) FROM digests WHERE id = ANY($1::bigint[]) AND status = 'sent' "
            "AND NOT outcome_unknown",
            orphaned,
        )
    finally:
        await conn.close()
    assert len(rows) == DUE_USERS, cluster.logs()  # one digest per owner and local day
    assert {r["status"] for r in rows} == {"sent"}, cluster.logs()
    # The dead worker's leased digests were re-claimed and sent by the others ...
    assert orphaned and still > 0, (orphaned, still)
    received = {u: len(api.sent_to(u)) for u in range(FIRST_USER, FIRST_USER + DUE_USERS)}
    assert max(received.values()) == 1  # ... and nobody got one twice,
    # except that what it was sending when it died is never sent again (its outcome is
    # unknown: at most once, bot/nudges/sweep.py): at most the sweep's concurrency.
    unknown = {r["owner_id"] for r in rows if r["outcome_unknown"]}
    missing = {u for u, n in received.items() if n == 0}
    assert missing <= unknown and len(unknown) <= 8, (missing, unknown)


async def due_owners(conn: Any, count: int) -> None:
    """`count` Telegram owners with one friend each, their digests due in the last minute."""
    owners = list(range(FIRST_USER, FIRST_USER + count))
    await conn.execute(
        "INSERT INTO users (id, timezone, digest_time, created_at, next_digest_at) "
        "SELECT o, 'UTC', '09:00', now() - interval '1 day', "
        "  now() - make_interval(secs => (o % 60)) FROM unnest($1::bigint[]) AS o",
        owners,
    )
    await conn.execute(
        "INSERT INTO identities (transport, external_id, owner_id, digest, created_at) "
        "SELECT 'telegram', o::text, o, true, now() FROM unnest($1::bigint[]) AS o",
        owners,
    )
    await conn.execute(
        "INSERT INTO people (owner_id, name, name_key, circle, added_on) "
        "SELECT o, 'Alice', 'alice', 'friends', date '2020-01-01' FROM unnest($1::bigint[]) AS o",
        owners,
    )
