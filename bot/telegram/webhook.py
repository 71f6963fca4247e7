"""`kith serve`: Telegram webhooks answered by stateless workers over one database.

Any number of these processes run behind a load balancer (docs/architecture.md,
"Hosted"). Each POSTed update goes through one unit of work (`ports.UpdateLog`):

    secret header checked → the sender's owner found and locked (one person's updates
    never interleave across workers) → the update id looked up (seen: deliver what it
    left, if that is still to do) → the engine answers → the update is recorded as
    handled, with its replies, in the same transaction → COMMIT → replies sent → 200

Telegram hears 200 only after the commit, so a worker that dies mid-update makes
Telegram deliver it again, and the update is then applied once. PTB is used for its
`Update` parsing and its `Bot` (rate-limited; `updater(None)`, `job_queue(None)`): no
`ConversationHandler`, persistence, `arbitrary_callback_data` or JobQueue, whose state
would live in one process. Questions wait in the database (`pending`), digests go out
from every worker's sweep through leases (bot/store/postgres/digests.py). Workers never
call `setWebhook`: `kith webhook set URL` registers it once.
"""

from __future__ import annotations

import base64
import hmac
import logging
import os
import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

from aiohttp import web
from telegram import Bot, Update
from telegram.constants import ChatType
from telegram.ext import AIORateLimiter, ApplicationBuilder, ApplicationHandlerStop
from telegram.request import BaseRequest

from bot.config import Config
from bot.engine.replies import Attachment, Button, Reply
from bot.formats import MAX_IMPORT_BYTES, too_big
from bot.ports.hosted import Delivery, UpdateLog
from bot.ports.identities import TELEGRAM, Identity
from bot.services import Services
from bot.telegram.app import ALLOWED_UPDATES, SEND_RETRIES
from bot.telegram.handlers import APOLOGY, NO_NAME, NOT_TEXT, Handlers, message_ref

log = logging.getLogger("kith.webhook")

SECRET_HEADER: Final = "X-Telegram-Bot-Api-Secret-Token"
ENV_SECRET: Final = "KITH_WEBHOOK_SECRET"
ENV_WORKERS: Final = "KITH_WORKERS"
# Telegram's limits are per bot: ~30 messages/s overall, 1/s per chat. Each of N workers
# sends at most 30/N per second, so together they stay within the bot's budget.
BOT_MESSAGES_PER_SECOND: Final = 30
ENV_BOT_RATE: Final = "KITH_BOT_RATE"  # the bot's messages per second, if not 30
_SECRET_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,256}")


class WebhookError(Exception):
    """`kith serve` or `kith webhook` cannot run as configured; the message says why."""


def webhook_secret(env: Mapping[str, str] | None = None) -> str:
    """The shared secret Telegram sends back in every request (KITH_WEBHOOK_SECRET)."""
    secret = (os.environ if env is None else env).get(ENV_SECRET, "").strip()
    if not _SECRET_SHAPE.fullmatch(secret):
        raise WebhookError(
            f"set {ENV_SECRET} to 1-256 characters of A-Z, a-z, 0-9, _ and - "
            "(the same for `kith webhook set` and every `kith serve`)"
        )
    return secret


def encode_replies(replies: Sequence[Reply]) -> list[dict[str, Any]]:
    return [
        {
            "text": r.text,
            "buttons": [[[b.label, b.data] for b in row] for row in r.buttons],
            "files": [
                [f.file_name, base64.b64encode(f.data).decode("ascii"), f.mime_type, f.photo]
                for f in r.files
            ],
        }
        for r in replies
    ]


def decode_replies(rows: Sequence[Mapping[str, Any]]) -> list[Reply]:
    return [
        Reply(
            r["text"],
            tuple(tuple(Button(label, data) for label, data in row) for row in r["buttons"]),
            tuple(Attachment(n, base64.b64decode(d), m, p) for n, d, m, p in r["files"]),
        )
        for r in rows
    ]


class WebhookWorker:
    """Turns one POSTed update into its effects and replies, exactly once."""

    def __init__(self, services: Services, updates: UpdateLog, bot: Bot) -> None:
        self.engine = services.engine
        self.updates = updates
        self.bot = bot
        self.handlers = Handlers(
            engine=services.engine,
            store=services.store,
            allowed_users=frozenset(services.config.telegram.allowed_users),
            importer=services.engine.import_file,
        )

    async def receive(self, payload: Mapping[str, Any]) -> int:
        """Handle one update; the HTTP status for Telegram (non-2xx: deliver it again)."""
        update = Update.de_json(dict(payload), self.bot)
        user, chat = update.effective_user, update.effective_chat
        if user is None or chat is None or chat.type != ChatType.PRIVATE:
            # Groups, channels, service updates: a polite line at most, nothing stored.
            await self._gate(update)
            return 200
        if not await self._gate(update):
            return 200
        identity = Identity(TELEGRAM, str(user.id))
        delivery: Delivery | None = None
        failed = False
        async with self.updates.handling(identity, update.update_id) as unit:
            if not unit.seen:
                replies = await self._answer(update, unit.owner)
                failed = unit.failed
                if not failed:
                    delivery = {"owner": unit.owner, "update": dict(payload)}
                    delivery = {**delivery, "replies": encode_replies(replies)}
                    await unit.record(delivery)
            owner = unit.owner
        if failed:
            # The engine said sorry and the unit rolled back: nothing was changed, and
            # the update is recorded on its own so the apology goes out once.
            delivery = {
                "owner": owner,
                "update": dict(payload),
                "replies": encode_replies([Reply(APOLOGY)]),
            }
            if not await self.updates.record_alone(identity, update.update_id, delivery):
                delivery = None
        if delivery is None:
            taken = await self.updates.take_delivery(TELEGRAM, update.update_id)
            if taken == "leased":
                return 503  # another worker is sending them right now: ask again later
            if isinstance(taken, str):
                return 200
            delivery = taken
        await self._deliver(delivery)
        await self.updates.delivered(TELEGRAM, update.update_id)
        return 200

    async def _gate(self, update: Update) -> bool:
        try:
            await self.handlers.gate(update, None)  # type: ignore[arg-type]
        except ApplicationHandlerStop:
            return False
        return True

    async def _answer(self, update: Update, owner: int) -> list[Reply]:
        """What the engine says to this update (inside its unit of work)."""
        query = update.callback_query
        if query is not None:
            return await self.engine.press(owner, query.data) if query.data else []
        if update.edited_message is not None:
            # An edited message corrects the log it made, never logs twice (as polling).
            edited = update.edited_message
            return await self.engine.edit(owner, message_ref(edited), edited.text or "")
        message = update.effective_message
        if message is None:
            return []
        if message.text is not None:
            return await self.engine.handle(owner, message.text, message_ref(message))
        if message.contact is not None:
            parts = (message.contact.first_name, message.contact.last_name)
            name = " ".join(p.strip() for p in parts if p and p.strip())
            return await self.engine.add_contact(owner, name) if name else [Reply(NO_NAME)]
        document = message.document
        if document is not None:
            if (document.file_size or 0) > MAX_IMPORT_BYTES:
                return [Reply(str(too_big(document.file_size or 0)))]
            file = await self.bot.get_file(document.file_id)
            data = bytes(await file.download_as_bytearray())
            if len(data) > MAX_IMPORT_BYTES:
                return [Reply(str(too_big(len(data))))]
            return await self.engine.import_file(owner, document.file_name or "", data)
        return [Reply(NOT_TEXT)]

    async def _deliver(self, delivery: Delivery) -> None:
        """Send an update's replies: a button press edits its message, as with polling."""
        update = Update.de_json(dict(delivery["update"]), self.bot)
        owner = int(delivery["owner"])
        replies = decode_replies(delivery["replies"])
        query = update.callback_query
        if query is not None:
            try:
                await query.answer()
            except Exception as exc:  # a stale query; the press itself counted
                log.info("could not answer a button press: %s", exc)
            chat_id = self.handlers.post_press(self.bot, query, owner, replies)
        else:
            chat = update.effective_chat
            if chat is None:
                return
            chat_id = chat.id
            await self.handlers.send(self.bot, owner, chat_id, replies)
        await self.handlers.replies.sent(chat_id)


def web_app(worker: WebhookWorker, secret: str, path: str = "/telegram") -> web.Application:
    """The HTTP face: POST `path` with Telegram's secret header; GET /healthz."""

    async def post(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return web.Response(status=401)
        try:
            payload = await request.json()
        except ValueError:
            return web.Response(status=400)
        if not isinstance(payload, dict) or not isinstance(payload.get("update_id"), int):
            return web.Response(status=400)
        try:
            status = await worker.receive(payload)
        except Exception:
            # Not acknowledged: Telegram delivers the update again (maybe elsewhere).
            log.exception("an update failed; Telegram will deliver it again")
            return web.Response(status=500)
        return web.Response(status=status)

    async def health(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = web.Application(client_max_size=1024 * 1024)
    app.router.add_post(path, post)
    app.router.add_get("/healthz", health)
    return app


def bot_rate(env: Mapping[str, str] | None = None) -> float:
    """Messages per second for the whole bot: Telegram's 30, or KITH_BOT_RATE."""
    raw = (os.environ if env is None else env).get(ENV_BOT_RATE, "").strip()
    try:
        value = float(raw) if raw else BOT_MESSAGES_PER_SECOND
    except ValueError:
        return BOT_MESSAGES_PER_SECOND
    return value if value > 0 else BOT_MESSAGES_PER_SECOND


def build_bot(config: Config, workers: int, request: BaseRequest | None = None) -> Any:
    """PTB without an updater or a job queue: its Bot, rate-limited to this worker's share.
    `request` replaces PTB's HTTP transport (tests pass a fake one)."""
    telegram = config.telegram
    share = bot_rate() / max(1, workers)
    builder = (
        ApplicationBuilder()
        .token(telegram.token)
        .base_url(telegram.base_url)
        .base_file_url(telegram.base_file_url)
        .updater(None)
        .job_queue(None)
        .rate_limiter(AIORateLimiter(overall_max_rate=share, max_retries=SEND_RETRIES))
    )
    if request is not None:
        builder = builder.request(request)
    return builder.build()


async def set_webhook(config: Config, url: str, *, max_connections: int = 40) -> str:
    """Register the webhook once (deploy step): URL, secret, max_connections, updates."""
    secret = webhook_secret()
    if not re.match(r"https?://\S+$", url):
        raise WebhookError(f"not a web address: {url!r}")
    if not 1 <= max_connections <= 100:
        raise WebhookError("max_connections must be between 1 and 100")
    telegram = config.telegram
    bot = Bot(telegram.token, base_url=telegram.base_url, base_file_url=telegram.base_file_url)
    async with bot:
        await bot.set_webhook(
            url,
            secret_token=secret,
            max_connections=max_connections,
            allowed_updates=ALLOWED_UPDATES,
        )
    return (
        f"Webhook set: {url} (max_connections={max_connections}, updates: "
        + ", ".join(ALLOWED_UPDATES)
        + ")"
    )
