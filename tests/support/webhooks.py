"""Telegram's webhook side for tests: the fake Bot API's updates POSTed to a URL, and a
round-robin load balancer in front of several `kith serve` workers, all on 127.0.0.1.

`WebhookPusher` delivers updates the way Telegram does: to the URL and with the secret
the bot registered (`setWebhook`, kept by `FakeBotApi`), each one again until it is
answered 2xx (a worker that died, a 5xx, a 503 "ask again" all mean again). One user's
updates go in order (Telegram waits for one before sending the next of that chat);
different users' go at once, up to `max_connections`. `twice_at_once` sends an update
to two workers at the same moment; `again_later` sends it once more after the user's
next update was answered (a late redelivery).

`RoundRobinProxy` forwards each request to the next worker, skipping ones that refuse
the connection (as nginx's `proxy_next_upstream` does).
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from tests.support.fake_bot_api import FakeBotApi

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@dataclass
class WebhookPusher:
    api: FakeBotApi
    session: aiohttp.ClientSession
    retry_delay: float = 0.02
    attempts: int = 0
    statuses: dict[int, int] = field(default_factory=dict)

    async def post(self, update: dict[str, Any]) -> int:
        """One delivery attempt; the HTTP status (599: no answer at all)."""
        self.attempts += 1
        try:
            async with self.session.post(
                self.api.webhook_url,
                json=update,
                headers={SECRET_HEADER: self.api.webhook_secret},
            ) as response:
                await response.read()
                status = response.status
        except aiohttp.ClientError:
            status = 599
        self.statuses[status] = self.statuses.get(status, 0) + 1
        return status

    async def deliver(self, update: dict[str, Any], *, deadline: float = 60.0) -> None:
        """Until answered 2xx, as Telegram retries."""
        loop = asyncio.get_running_loop()
        end = loop.time() + deadline
        while not 200 <= await self.post(update) < 300:
            if loop.time() > end:
                raise AssertionError(f"update {update['update_id']} was never acknowledged")
            await asyncio.sleep(self.retry_delay)

    async def deliver_all(
        self,
        per_user: Sequence[Sequence[dict[str, Any]]],
        *,
        twice_at_once: Iterable[int] = (),
        again_later: Iterable[int] = (),
    ) -> None:
        """Every user's updates in their order, users side by side."""
        doubled, late = set(twice_at_once), set(again_later)
        limit = asyncio.Semaphore(self.api.webhook_max_connections)

        async def one_user(updates: Sequence[dict[str, Any]]) -> None:
            owed: list[dict[str, Any]] = []
            for update in updates:
                async with limit:
                    if update["update_id"] in doubled:
                        await asyncio.gather(self.deliver(update), self.deliver(update))
                    else:
                        await self.deliver(update)
                    for old in owed:
                        await self.deliver(old)
                owed = [update] if update["update_id"] in late else []
            for old in owed:
                async with limit:
                    await self.deliver(old)

        await asyncio.gather(*(one_user(u) for u in per_user))


class RoundRobinProxy:
    """An HTTP load balancer on 127.0.0.1 over `upstreams` (base URLs)."""

    def __init__(self, upstreams: Sequence[str]) -> None:
        self.upstreams = list(upstreams)
        self._next = itertools.count()
        self.forwarded: dict[str, int] = {u: 0 for u in upstreams}
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.url = ""

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._session is not None
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() in _KEEP}
        for _ in range(len(self.upstreams)):
            upstream = self.upstreams[next(self._next) % len(self.upstreams)]
            try:
                async with self._session.request(
                    request.method, upstream + request.path_qs, data=body, headers=headers
                ) as answer:
                    payload = await answer.read()
                    self.forwarded[upstream] += 1
                    return web.Response(status=answer.status, body=payload)
            except aiohttp.ClientConnectorError:
                continue  # that worker is down: the next one
            except aiohttp.ClientError:
                return web.Response(status=502)  # it died while answering
        return web.Response(status=502)

    async def start(self) -> str:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120))
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()


_KEEP = {"content-type", SECRET_HEADER.lower()}
