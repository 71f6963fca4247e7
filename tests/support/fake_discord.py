"""A fake Discord on 127.0.0.1: the REST routes and the gateway WebSocket kith uses.

The real `discord.Client` talks to it once `discord.http.Route.BASE` and
`DiscordWebSocket.DEFAULT_GATEWAY` point here (`FakeDiscord.point_discord_py_here`, or
`[discord] api_base` / `gateway_url` in a config for a `kith run` process).

It sends complete payloads (discord.py 2.7 drops a connection over a missing key, e.g.
`attachment_size_limit`) and it enforces what Discord enforces and discord.py does not
check: message content <= 2,000 characters, `custom_id` 1..100, <= 5 buttons per row,
<= 5 rows, labels <= 80, command names and descriptions, and the 3-second deadline for
the first answer to an interaction. A request breaking a rule gets Discord's 400 (or
404 "Unknown interaction" past the deadline) *and* is listed in `violations`, which a
test fixture asserts is empty: a rule can't be broken quietly.

Users act through async methods (`dm`, `slash`, `press`, `autocomplete`) that dispatch
gateway events; what the bot did is read from `channels`, `interactions` and `calls`.
`ThreadedFakeDiscord` runs the same fake on its own loop in a thread, for a bot in
another process.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar

import yarl
from aiohttp import WSMsgType, web

TOKEN: Final = "fake-discord-token.kith"
APP_ID: Final = 900_000_000_000_000_001
BOT_ID: Final = APP_ID
GUILD_ID: Final = 900_000_000_000_000_777
DEADLINE: Final = 3.0  # seconds for the first answer to an interaction
MAX_CONTENT: Final = 2000
MAX_CUSTOM_ID: Final = 100
MAX_ROW: Final = 5
MAX_ROWS: Final = 5
MAX_LABEL: Final = 80
ATTACHMENT_LIMIT: Final = 10 * 1024 * 1024
_COMMAND_NAME = re.compile(r"[-_a-z0-9]{1,32}")
_T = TypeVar("_T")

EPHEMERAL: Final = 64


@dataclass
class FakeFile:
    filename: str
    data: bytes


@dataclass
class FakeMessage:
    """A message in a channel as the fake holds it."""

    id: int
    channel_id: int
    author_id: int
    content: str
    components: list[dict[str, Any]] = field(default_factory=list)
    files: list[FakeFile] = field(default_factory=list)
    flags: int = 0
    edits: int = 0
    interaction_id: int | None = None
    at: float = field(default_factory=time.monotonic)  # when the fake stored it

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """(label, custom_id) of every button, row by row."""
        return [
            (c.get("label", ""), c.get("custom_id", ""))
            for row in self.components
            for c in row.get("components", [])
        ]

    @property
    def rows(self) -> list[list[str]]:
        return [[c.get("label", "") for c in row.get("components", [])] for row in self.components]

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    @property
    def shown(self) -> str:
        """The content as Discord's client shows it: `**bold**` marks and backslash
        escapes of punctuation are markup, not text."""
        return shown(self.content)

    @property
    def bold(self) -> list[str]:
        """The words Discord shows in bold (between unescaped `**` pairs)."""
        out: list[str] = []
        for i, piece in enumerate(_markdown_pieces(self.content)):
            if i % 2 == 1:
                out.append(piece)
        return out


def _markdown_pieces(content: str) -> list[str]:
    """`content` displayed, cut at every unescaped `**`: odd pieces are bold."""
    pieces: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(content):
        ch = content[i]
        nxt = content[i + 1] if i + 1 < len(content) else ""
        if ch == "\\" and nxt and not nxt.isalnum() and not nxt.isspace():
            current.append(nxt)
            i += 2
        elif ch == "*" and nxt == "*":
            pieces.append("".join(current))
            current = []
            i += 2
        else:
            current.append(ch)
            i += 1
    pieces.append("".join(current))
    return pieces


def shown(content: str) -> str:
    """Discord markdown as a reader sees it (the subset kith writes: bold and escapes)."""
    return "".join(_markdown_pieces(content))


@dataclass
class Interaction:
    """One interaction the fake sent, and how the bot answered it."""

    id: int
    token: str
    kind: int  # 2 command, 3 component, 4 autocomplete
    user_id: int
    channel_id: int
    sent_at: float
    message_id: int | None = None  # the message a pressed button is on
    responses: list[dict[str, Any]] = field(default_factory=list)  # callback bodies
    answered_after: float | None = None
    original_id: int | None = None  # the message the first answer created or edited
    choices: list[dict[str, Any]] | None = None


@dataclass
class Call:
    method: str
    path: str
    status: int


@dataclass
class _Failure:
    route: str
    status: int
    code: int
    message: str
    times: int


class FakeDiscord:
    """The fake: state, the aiohttp app, and what users do."""

    def __init__(self, token: str = TOKEN, *more_tokens: str) -> None:
        # More than one bot may connect (a benchmark's kith and echo bot side by side);
        # `dm(..., bot=token)` then speaks to one of them only.
        self.token = token
        self.tokens = {token, *more_tokens}
        self._bot_of: dict[web.WebSocketResponse, str] = {}
        self.users: dict[int, dict[str, Any]] = {}
        self.dm_of: dict[int, int] = {}  # user id -> DM channel id
        self.channels: dict[int, list[FakeMessage]] = {}
        self.guild_channels: set[int] = set()
        self.blocked: set[int] = set()  # users who blocked the bot / share no server
        self.interactions: dict[int, Interaction] = {}
        self.commands: list[dict[str, Any]] = []
        self.calls: list[Call] = []
        self.violations: list[str] = []
        self.identifies: list[dict[str, Any]] = []
        self._failures: list[_Failure] = []
        self._ids = itertools.count(1_100_000_000_000_000_000)
        self._sockets: list[web.WebSocketResponse] = []
        self._seq = itertools.count(1)
        self._changed = asyncio.Event() if _has_loop() else None
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.files: dict[str, bytes] = {}  # attachment path -> bytes (the "CDN")
        self.refuse_identify: int | None = None  # a close code for every IDENTIFY

    # -- lifecycle -----------------------------------------------------------------

    async def start(self) -> FakeDiscord:
        self._changed = asyncio.Event()
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/", self._gateway)
        app.router.add_get("/cdn/{name}", self._cdn)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        return self

    async def stop(self) -> None:
        for ws in list(self._sockets):
            with contextlib.suppress(Exception):
                await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeDiscord:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/"

    def point_discord_py_here(self) -> Callable[[], None]:
        """Aim discord.py's two class attributes here; returns the undo."""
        import discord.gateway
        import discord.http

        old = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
        discord.http.Route.BASE = self.api_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)

        def undo() -> None:
            discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old

        return undo

    # -- people ----------------------------------------------------------------------

    def user(self, user_id: int, name: str = "") -> dict[str, Any]:
        if user_id not in self.users:
            name = name or f"user{user_id % 10_000}"
            self.users[user_id] = {
                "id": str(user_id),
                "username": name.lower(),
                "discriminator": "0",
                "global_name": name,
                "avatar": None,
                "bot": False,
                "system": False,
                "public_flags": 0,
            }
        return self.users[user_id]

    def dm_channel(self, user_id: int) -> int:
        self.user(user_id)
        if user_id not in self.dm_of:
            cid = next(self._ids)
            self.dm_of[user_id] = cid
            self.channels[cid] = []
        return self.dm_of[user_id]

    def messages_to(self, user_id: int) -> list[FakeMessage]:
        """Everything the bot posted in the user's DM (interaction answers included)."""
        cid = self.dm_of.get(user_id)
        if cid is None:
            return []
        return [m for m in self.channels[cid] if m.author_id == BOT_ID]

    def message(self, channel_id: int, message_id: int) -> FakeMessage:
        return next(m for m in self.channels[channel_id] if m.id == message_id)

    @property
    def connected(self) -> int:
        return sum(1 for ws in self._sockets if not ws.closed)

    def fail_next(
        self,
        route: str,
        status: int,
        *,
        code: int = 0,
        message: str = "",
        times: int = 1,
    ) -> None:
        """The next `times` requests whose "METHOD /path" contains `route` fail."""
        self._failures.append(_Failure(route, status, code, message or f"{status}", times))

    # -- what users do ---------------------------------------------------------------

    async def dm(
        self,
        user_id: int,
        text: str,
        *,
        files: list[FakeFile] | None = None,
        bot: str | None = None,
    ) -> FakeMessage:
        """The user writes `text` (and maybe attaches files) in their DM with the bot."""
        cid = self.dm_channel(user_id)
        message = FakeMessage(next(self._ids), cid, user_id, text)
        self.channels[cid].append(message)
        attachments = []
        for f in files or []:
            key = f"{next(self._ids)}-{f.filename}"
            self.files[key] = f.data
            attachments.append(
                {
                    "id": str(next(self._ids)),
                    "filename": f.filename,
                    "size": len(f.data),
                    "url": f"http://127.0.0.1:{self.port}/cdn/{key}",
                    "proxy_url": f"http://127.0.0.1:{self.port}/cdn/{key}",
                    "content_type": "text/plain",
                }
            )
        await self._dispatch("MESSAGE_CREATE", self._message_payload(message, attachments), bot)
        return message

    async def dm_edit(self, user_id: int, message: FakeMessage, text: str) -> None:
        """The user edits a message they wrote in their DM (MESSAGE_UPDATE, edited)."""
        message.content = text
        message.edits += 1
        payload = self._message_payload(message, [])
        payload["edited_timestamp"] = "2026-01-01T00:01:00.000000+00:00"
        await self._dispatch("MESSAGE_UPDATE", payload)

    async def dm_unfurl(self, user_id: int, message: FakeMessage) -> None:
        """Discord adds a link preview to a message: an update that is not an edit."""
        await self._dispatch("MESSAGE_UPDATE", self._message_payload(message, []))

    async def guild_message(self, user_id: int, channel_id: int, text: str) -> FakeMessage:
        """The user writes in a server channel (mentioning the bot, or content is empty)."""
        self.guild_channels.add(channel_id)
        self.channels.setdefault(channel_id, [])
        message = FakeMessage(next(self._ids), channel_id, user_id, text)
        self.channels[channel_id].append(message)
        payload = self._message_payload(message, [])
        payload["guild_id"] = str(GUILD_ID)
        payload["member"] = self._member(user_id)
        payload["mentions"] = [self.users[BOT_ID]] if BOT_ID in self.users else []
        await self._dispatch("MESSAGE_CREATE", payload)
        return message

    async def slash(
        self,
        user_id: int,
        name: str,
        options: dict[str, str] | None = None,
        *,
        guild_channel: int | None = None,
    ) -> Interaction:
        """The user runs `/name` with these options."""
        data = {
            "id": str(self._command_id(name)),
            "name": name,
            "type": 1,
            "options": [{"name": k, "type": 3, "value": v} for k, v in (options or {}).items()],
        }
        return await self._interact(2, user_id, data, guild_channel=guild_channel)

    async def autocomplete(
        self, user_id: int, name: str, option: str, typed: str, others: dict[str, str] | None = None
    ) -> list[str]:
        """The user types `typed` into the `option` of `/name`; the names offered."""
        opts = [{"name": k, "type": 3, "value": v} for k, v in (others or {}).items()]
        opts.append({"name": option, "type": 3, "value": typed, "focused": True})
        data = {"id": str(self._command_id(name)), "name": name, "type": 1, "options": opts}
        done = await self._interact(4, user_id, data)
        await self.wait_for(lambda: done.choices is not None, what="autocomplete choices")
        return [c["name"] for c in done.choices or []]

    async def press(self, user_id: int, message: FakeMessage, label: str) -> Interaction:
        """The user presses the button on `message` whose label starts with `label`."""
        custom_id = next((c for t, c in message.buttons if t.startswith(label)), None)
        if custom_id is None:
            raise AssertionError(f"no button {label!r} on {message.buttons!r}")
        return await self.press_id(user_id, message, custom_id)

    async def press_id(self, user_id: int, message: FakeMessage, custom_id: str) -> Interaction:
        data = {"custom_id": custom_id, "component_type": 2}
        return await self._interact(3, user_id, data, message=message)

    async def answered(self, interaction: Interaction) -> Interaction:
        """Wait until the bot answered `interaction`: its first answer, and after a defer
        ("thinking…") the edit that fills it in."""
        await self.wait_for(lambda: bool(interaction.responses), what="an interaction answer")
        if interaction.responses[0].get("type") == 5:
            assert interaction.original_id is not None
            placeholder = self.message(interaction.channel_id, interaction.original_id)
            await self.wait_for(lambda: placeholder.edits > 0, what="the deferred answer")
        return interaction

    # -- waiting ---------------------------------------------------------------------

    async def wait_for(
        self, condition: Callable[[], bool], *, within: float = 5.0, what: str = "a condition"
    ) -> None:
        assert self._changed is not None
        deadline = time.monotonic() + within
        while not condition():
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"timed out waiting for {what}")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(min(left, 0.25)):
                    await self._changed.wait()

    async def replies(self, user_id: int, count: int, *, after: int) -> list[FakeMessage]:
        """Wait for `count` new bot messages in the user's DM after the first `after`."""
        await self.wait_for(
            lambda: len(self.messages_to(user_id)) >= after + count,
            what=f"{count} message(s) to {user_id}",
        )
        return self.messages_to(user_id)[after:]

    def _touch(self) -> None:
        if self._changed is not None:
            self._changed.set()

    # -- gateway -----------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}, "s": None}))
        ready = False
        async for frame in ws:
            if frame.type != WSMsgType.TEXT:
                continue
            msg = json.loads(frame.data)
            op = msg.get("op")
            if op == 1:
                await ws.send_str(json.dumps({"op": 11}))
            elif op in (2, 6) and not ready:
                token = (msg.get("d") or {}).get("token", "").removeprefix("Bot ")
                if token not in self.tokens or self.refuse_identify is not None:
                    code = self.refuse_identify or 4004
                    await ws.close(code=code, message=b"Authentication failed.")
                    break
                self.identifies.append(msg["d"])
                self.user(BOT_ID, "kith")["bot"] = True
                ready = True
                await self._send(
                    ws,
                    "READY",
                    {
                        "v": 10,
                        "user": {**self.users[BOT_ID], "verified": True, "mfa_enabled": False},
                        "guilds": [],
                        "private_channels": [],
                        "relationships": [],
                        "session_id": f"session-{len(self.identifies)}",
                        "resume_gateway_url": self.gateway_url,
                        "shard": [0, 1],
                        "application": {"id": str(APP_ID), "flags": 0},
                    },
                )
                self._sockets.append(ws)
                self._bot_of[ws] = token
                self._touch()
        if ws in self._sockets:
            self._sockets.remove(ws)
        self._touch()
        return ws

    async def _send(self, ws: web.WebSocketResponse, event: str, data: dict[str, Any]) -> None:
        await ws.send_str(json.dumps({"op": 0, "t": event, "s": next(self._seq), "d": data}))

    async def _dispatch(self, event: str, data: dict[str, Any], bot: str | None = None) -> None:
        live = [
            ws
            for ws in self._sockets
            if not ws.closed and (bot is None or self._bot_of.get(ws) == bot)
        ]
        if not live:
            raise AssertionError(f"no bot is connected to receive {event}")
        for ws in live:
            await self._send(ws, event, data)

    async def _interact(
        self,
        kind: int,
        user_id: int,
        data: dict[str, Any],
        *,
        message: FakeMessage | None = None,
        guild_channel: int | None = None,
    ) -> Interaction:
        user = self.user(user_id)
        iid = next(self._ids)
        token = f"itoken-{iid}"
        if guild_channel is not None:
            self.guild_channels.add(guild_channel)
            self.channels.setdefault(guild_channel, [])
            cid = guild_channel
        else:
            cid = message.channel_id if message is not None else self.dm_channel(user_id)
        record = Interaction(
            iid, token, kind, user_id, cid, time.monotonic(), message.id if message else None
        )
        self.interactions[iid] = record
        payload: dict[str, Any] = {
            "id": str(iid),
            "application_id": str(APP_ID),
            "type": kind,
            "data": data,
            "token": token,
            "version": 1,
            "locale": "en-US",
            "app_permissions": "0",
            "entitlements": [],
            "authorizing_integration_owners": {"1": str(user_id)},
            "attachment_size_limit": ATTACHMENT_LIMIT,
            "channel_id": str(cid),
        }
        if guild_channel is not None:
            payload["guild_id"] = str(GUILD_ID)
            payload["member"] = self._member(user_id)
            payload["channel"] = {
                "id": str(cid),
                "type": 0,
                "name": "general",
                "guild_id": str(GUILD_ID),
                "position": 0,
                "permission_overwrites": [],
                "nsfw": False,
                "parent_id": None,
                "topic": None,
                "rate_limit_per_user": 0,
                "last_message_id": None,
                "flags": 0,
            }
            payload["context"] = 0
            payload["guild_locale"] = "en-US"
        else:
            payload["user"] = user
            payload["channel"] = {"id": str(cid), "type": 1, "recipients": [user]}
            payload["context"] = 1
        if message is not None:
            payload["message"] = self._message_payload(message, [])
        await self._dispatch("INTERACTION_CREATE", payload)
        return record

    def _command_id(self, name: str) -> int:
        for c in self.commands:
            if c["name"] == name:
                return int(c["id"])
        raise AssertionError(
            f"/{name} was never registered (synced commands: {[c['name'] for c in self.commands]})"
        )

    def _member(self, user_id: int) -> dict[str, Any]:
        return {
            "user": self.user(user_id),
            "roles": [],
            "joined_at": "2026-01-01T00:00:00+00:00",
            "deaf": False,
            "mute": False,
            "flags": 0,
            "permissions": "0",
        }

    # -- REST ----------------------------------------------------------------------------

    async def _cdn(self, request: web.Request) -> web.StreamResponse:
        data = self.files.get(request.match_info["name"])
        if data is None:
            return web.Response(status=404)
        return web.Response(body=data, content_type="application/octet-stream")

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        status, body = await self._route(request, path)
        self.calls.append(Call(request.method, path, status))
        self._touch()
        if body is None:
            return web.Response(status=status)
        # discord.py parses JSON only when content-type is exactly application/json.
        return web.Response(
            status=status,
            body=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )

    async def _route(self, request: web.Request, path: str) -> tuple[int, Any]:
        interaction_route = path.startswith(("/interactions/", "/webhooks/"))
        auth = request.headers.get("Authorization", "").removeprefix("Bot ")
        if not interaction_route and auth not in self.tokens:
            return 401, {"message": "401: Unauthorized", "code": 0}
        key = f"{request.method} {path}"
        for failure in self._failures:
            if failure.route in key and failure.times > 0:
                failure.times -= 1
                return failure.status, {"message": failure.message, "code": failure.code}
        method = request.method
        parts = path.strip("/").split("/")
        if (method, path) == ("GET", "/users/@me"):
            self.user(BOT_ID, "kith")["bot"] = True
            return 200, {**self.users[BOT_ID], "verified": True, "mfa_enabled": False, "flags": 0}
        if (method, path) == ("GET", "/oauth2/applications/@me"):
            return 200, self._application()
        if method == "PUT" and len(parts) == 3 and parts[0] == "applications":
            return self._sync_commands(await request.json())
        if (method, path) == ("POST", "/users/@me/channels"):
            recipient = int((await request.json())["recipient_id"])
            if recipient in self.blocked:
                return 403, {"message": "Cannot send messages to this user", "code": 50007}
            cid = self.dm_channel(recipient)
            return 200, {
                "id": str(cid),
                "type": 1,
                "recipients": [self.user(recipient)],
                "last_message_id": None,
                "flags": 0,
            }
        if (
            method == "POST"
            and len(parts) == 3
            and parts[0] == "channels"
            and parts[2] == "messages"
        ):
            return await self._post_message(request, int(parts[1]))
        if method == "PATCH" and len(parts) == 4 and parts[0] == "channels":
            body, _files = await self._body(request)
            return self._edit(int(parts[1]), int(parts[3]), body)
        if method == "POST" and len(parts) == 4 and parts[0] == "interactions":
            return await self._callback(request, int(parts[1]), parts[2])
        if parts[0] == "webhooks" and len(parts) >= 3:
            return await self._webhook(request, parts)
        self.violations.append(f"unexpected request {key}")
        return 404, {"message": "404: Not Found", "code": 0}

    def _application(self) -> dict[str, Any]:
        owner = self.user(1, "owner")
        return {
            "id": str(APP_ID),
            "name": "kith",
            "description": "",
            "icon": None,
            "rpc_origins": [],
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": owner,
            "team": None,
            "verify_key": "0" * 64,
            "flags": 0,
            "summary": "",
        }

    def _sync_commands(self, commands: list[dict[str, Any]]) -> tuple[int, Any]:
        errors = []
        for c in commands:
            if not _COMMAND_NAME.fullmatch(c.get("name", "")):
                errors.append(f"command name {c.get('name')!r}")
            if not 1 <= len(c.get("description", "")) <= 100:
                errors.append(
                    f"/{c.get('name')} description length {len(c.get('description', ''))}"
                )
            for o in c.get("options", []):
                if not _COMMAND_NAME.fullmatch(o.get("name", "")):
                    errors.append(f"/{c.get('name')} option name {o.get('name')!r}")
                if not 1 <= len(o.get("description", "")) <= 100:
                    errors.append(f"/{c.get('name')} option {o.get('name')} description")
        if len(commands) > 100:
            errors.append("more than 100 commands")
        if errors:
            return self._invalid(errors)
        self.commands = [
            {
                **c,
                "id": str(next(self._ids)),
                "application_id": str(APP_ID),
                "version": "1",
                "default_member_permissions": None,
                "nsfw": False,
                "options": c.get("options", []),
            }
            for c in commands
        ]
        return 200, self.commands

    def _invalid(self, errors: list[str]) -> tuple[int, Any]:
        self.violations.extend(errors)
        return 400, {"message": "Invalid Form Body", "code": 50035, "errors": errors}

    async def _body(self, request: web.Request) -> tuple[dict[str, Any], list[FakeFile]]:
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            body: dict[str, Any] = {}
            files: list[FakeFile] = []
            async for part in reader:
                if part.name == "payload_json":
                    body = json.loads(await part.text())  # type: ignore[union-attr]
                elif part.filename:  # type: ignore[union-attr]
                    files.append(FakeFile(part.filename, bytes(await part.read())))  # type: ignore[union-attr]
            return body, files
        text = await request.text()
        return (json.loads(text) if text else {}), []

    def _check(self, body: dict[str, Any]) -> list[str]:
        errors = []
        content = body.get("content") or ""
        if len(content) > MAX_CONTENT:
            errors.append(f"content is {len(content)} characters (max {MAX_CONTENT})")
        rows = body.get("components") or []
        if len(rows) > MAX_ROWS:
            errors.append(f"{len(rows)} action rows (max {MAX_ROWS})")
        ids: set[str] = set()
        for row in rows:
            items = row.get("components", [])
            if row.get("type") != 1 or not 1 <= len(items) <= MAX_ROW:
                errors.append(f"an action row with {len(items)} components (max {MAX_ROW})")
            for item in items:
                cid = item.get("custom_id", "")
                if not 1 <= len(cid) <= MAX_CUSTOM_ID:
                    errors.append(f"custom_id of {len(cid)} characters (max {MAX_CUSTOM_ID})")
                if cid in ids:
                    errors.append(f"duplicate custom_id {cid!r}")
                ids.add(cid)
                if len(item.get("label", "")) > MAX_LABEL:
                    errors.append(f"button label over {MAX_LABEL} characters")
        if not content and not rows and not body.get("embeds") and not body.get("_files"):
            errors.append("an empty message")
        return errors

    async def _post_message(self, request: web.Request, channel_id: int) -> tuple[int, Any]:
        if channel_id not in self.channels:
            return 404, {"message": "Unknown Channel", "code": 10003}
        recipient = next((u for u, c in self.dm_of.items() if c == channel_id), None)
        if recipient in self.blocked:
            return 403, {"message": "Cannot send messages to this user", "code": 50007}
        body, files = await self._body(request)
        errors = self._check({**body, "_files": files})
        if errors:
            return self._invalid(errors)
        message = self._add(channel_id, body, files)
        return 200, self._message_payload(message, [])

    def _add(
        self,
        channel_id: int,
        body: dict[str, Any],
        files: list[FakeFile],
        interaction: int | None = None,
    ) -> FakeMessage:
        message = FakeMessage(
            next(self._ids),
            channel_id,
            BOT_ID,
            body.get("content") or "",
            body.get("components") or [],
            files,
            int(body.get("flags") or 0),
            interaction_id=interaction,
        )
        self.channels[channel_id].append(message)
        return message

    def _edit(self, channel_id: int, message_id: int, body: dict[str, Any]) -> tuple[int, Any]:
        try:
            message = self.message(channel_id, message_id)
        except (StopIteration, KeyError):
            return 404, {"message": "Unknown Message", "code": 10008}
        errors = self._check({"content": message.content, **body})
        if errors:
            return self._invalid(errors)
        if "content" in body:
            message.content = body["content"] or ""
        if "components" in body:
            message.components = body["components"] or []
        message.edits += 1
        return 200, self._message_payload(message, [])

    async def _callback(self, request: web.Request, iid: int, token: str) -> tuple[int, Any]:
        record = self.interactions.get(iid)
        if record is None or record.token != token:
            return 404, {"message": "Unknown interaction", "code": 10062}
        elapsed = time.monotonic() - record.sent_at
        if elapsed > DEADLINE:
            self.violations.append(f"interaction answered after {elapsed:.2f} s")
            return 404, {"message": "Unknown interaction", "code": 10062}
        if record.responses:
            self.violations.append("interaction answered twice")
            return 400, {"message": "Interaction has already been acknowledged.", "code": 40060}
        body, files = await self._body(request)
        kind, data = body.get("type"), body.get("data") or {}
        if kind in (4, 7):
            errors = self._check({**data, "_files": files})
            if errors:
                return self._invalid(errors)
        record.responses.append(body)
        record.answered_after = elapsed
        if kind == 4:  # a new message
            record.original_id = self._add(record.channel_id, data, files, iid).id
        elif kind == 5:  # deferred: "thinking…" placeholder
            record.original_id = self._add(
                record.channel_id, {"content": "", "flags": data.get("flags", 0)}, [], iid
            ).id
        elif kind in (6, 7):  # deferred update / update the pressed message
            if record.message_id is None:
                self.violations.append(f"callback type {kind} on a non-component interaction")
                return 400, {"message": "Invalid interaction response", "code": 50035}
            record.original_id = record.message_id
            if kind == 7:
                status, _ = self._edit(record.channel_id, record.message_id, data)
                if status != 200:
                    return status, _
        elif kind == 8:
            record.choices = data.get("choices", [])
            if len(record.choices) > 25:
                self.violations.append("more than 25 autocomplete choices")
        else:
            self.violations.append(f"unknown callback type {kind}")
            return 400, {"message": "Invalid interaction response", "code": 50035}
        return 200, {
            "interaction": {
                "id": str(iid),
                "type": record.kind,
                "response_message_id": str(record.original_id) if record.original_id else None,
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool(int(data.get("flags") or 0) & EPHEMERAL),
            }
        }

    async def _webhook(self, request: web.Request, parts: list[str]) -> tuple[int, Any]:
        # /webhooks/{app}/{token}[/messages/@original|{id}]
        token = parts[2]
        record = next((r for r in self.interactions.values() if r.token == token), None)
        if record is None or not record.responses:
            self.violations.append("a follow-up to an interaction never answered")
            return 404, {"message": "Unknown Webhook", "code": 10015}
        body, files = await self._body(request)
        if request.method == "POST" and len(parts) == 3:
            errors = self._check({**body, "_files": files})
            if errors:
                return self._invalid(errors)
            return 200, self._message_payload(
                self._add(record.channel_id, body, files, record.id), []
            )
        if request.method == "PATCH" and len(parts) == 5:
            target = record.original_id if parts[4] == "@original" else int(parts[4])
            if target is None:
                return 404, {"message": "Unknown Message", "code": 10008}
            message = self.message(record.channel_id, target)
            if files:
                message.files.extend(files)
            return self._edit(record.channel_id, target, body)
        if request.method == "GET" and len(parts) == 5:
            target = record.original_id or 0
            return 200, self._message_payload(self.message(record.channel_id, target), [])
        self.violations.append(f"unexpected webhook request {request.method} {'/'.join(parts)}")
        return 404, {"message": "404: Not Found", "code": 0}

    def _message_payload(self, m: FakeMessage, attachments: list[dict[str, Any]]) -> dict[str, Any]:
        author = self.users.get(m.author_id) or self.user(m.author_id)
        return {
            "id": str(m.id),
            "channel_id": str(m.channel_id),
            "author": author,
            "content": m.content,
            "timestamp": "2026-01-01T00:00:00.000000+00:00",
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": attachments
            or [
                {
                    "id": str(i),
                    "filename": f.filename,
                    "size": len(f.data),
                    "url": "",
                    "proxy_url": "",
                }
                for i, f in enumerate(m.files, 1)
            ],
            "embeds": [],
            "pinned": False,
            "type": 0,
            "flags": m.flags,
            "components": m.components,
        }


def _has_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


class ThreadedFakeDiscord:
    """A FakeDiscord on its own event loop in a daemon thread, for a bot in another process.

    `run(coro_fn)` runs `coro_fn(fake)` on the fake's loop and returns its result.
    """

    def __init__(self, token: str = TOKEN) -> None:
        self.fake = FakeDiscord(token)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def __enter__(self) -> ThreadedFakeDiscord:
        self._thread.start()
        self.run(lambda f: f.start())
        return self

    def __exit__(self, *exc: object) -> None:
        self.run(lambda f: f.stop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()

    def run(
        self,
        work: Callable[[FakeDiscord], Coroutine[Any, Any, _T] | Awaitable[_T]],
        timeout: float = 30,
    ) -> _T:
        async def call() -> _T:
            return await work(self.fake)

        return asyncio.run_coroutine_threadsafe(call(), self._loop).result(timeout)
