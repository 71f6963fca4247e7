"""Telegram updates in, engine calls out, engine replies back as Telegram messages.

Everything kith-specific happens in the engine; this module only decides who may talk
to it, turns updates into `Engine.handle/press/add_contact` calls, and turns `Reply`s into
messages (split at Telegram's length limit, buttons as inline keyboards).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from telegram import (
    Bot,
    CallbackQuery,
    Chat,
    Document,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    Update,
)
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.engine import Engine, Reply
from bot.engine.replies import Attachment
from bot.formats import MAX_IMPORT_BYTES, too_big
from bot.ports.identities import TELEGRAM, Identity
from bot.ports.store import Store
from bot.telegram.download import TooBig, download
from bot.telegram.keyboards import reply_markup
from bot.telegram.outbox import Outbox, Step
from bot.telegram.text import html_chunks, split_text

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE
Part = tuple[str, InlineKeyboardMarkup | None]
"""One Telegram message to send: HTML text within the length limit, and its keyboard."""
HTML: Final = "HTML"
Importer = Callable[[int, str, bytes], Awaitable[list[Reply]]]
"""(owner, file name, file bytes) -> replies: how a sent file becomes contacts."""

PRIVATE_ONLY: Final = "I only work in private chats — message me directly."
NOT_ALLOWED: Final = "Sorry, this is a private kith bot."
APOLOGY: Final = "Sorry — something went wrong on my side. Please try that again in a moment."
IMPORT_SOON: Final = (
    "Thanks! Importing contacts from a file is coming soon. For now, add people with "
    "/add NAME — or share a contact card with me."
)
NOT_TEXT: Final = (
    "I only read text (and contact cards). Tell me about someone you saw, like "
    "“coffee with Alice yesterday” — or see /help."
)
NO_NAME: Final = "That contact card has no name I can use."
CAPTION_LIMIT: Final = 1024  # Telegram's limit for a photo's caption

# How many group chats to remember having answered; past this the memory starts over,
# which at worst means one more refusal line in a group.
_MAX_TOLD_CHATS = 10_000


@dataclass
class Handlers:
    """The bot's update handlers, with what they need passed in."""

    engine: Engine
    store: Store
    allowed_users: frozenset[int] = frozenset()
    importer: Importer | None = None
    outbox: Outbox | None = None
    _told_chats: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        if self.outbox is None:
            self.outbox = Outbox(self._mark_inactive)

    @property
    def replies(self) -> Outbox:
        """Where replies queue up (per chat, retried): see bot/telegram/outbox.py."""
        assert self.outbox is not None  # set in __post_init__
        return self.outbox

    def register(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """Attach every handler, the access gate first, and the error handler."""
        # Group -1 runs before the others and can stop the update there: a refused update
        # never reaches a handler that calls the engine.
        app.add_handler(TypeHandler(Update, self.gate), group=-1)
        message = filters.UpdateType.MESSAGE
        app.add_handler(MessageHandler(message & filters.TEXT, self.on_text))
        app.add_handler(MessageHandler(message & filters.CONTACT, self.on_contact))
        app.add_handler(MessageHandler(message & filters.Document.ALL, self.on_document))
        app.add_handler(MessageHandler(message, self.on_other))
        edited = filters.UpdateType.EDITED_MESSAGE
        app.add_handler(MessageHandler(edited & filters.TEXT, self.on_edit))
        app.add_handler(CallbackQueryHandler(self.on_press))
        app.add_error_handler(self.on_error)

    # -- who may talk to kith ----------------------------------------------------

    async def gate(self, update: Update, context: Context) -> None:
        """Let through private chats of allowed users; answer anyone else once, store nothing."""
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None or chat.type != ChatType.PRIVATE:
            await self._refuse_chat(update, chat)
            raise ApplicationHandlerStop
        if self.allowed_users and user.id not in self.allowed_users:
            log.info("refused a user not in allowed_users")
            await self._refuse(update, NOT_ALLOWED)
            raise ApplicationHandlerStop
        # Someone who blocked the bot cannot write to it: whatever they send now, they
        # unblocked it (not only via /start), so nudges may resume.
        await self.engine.reachable_again(await self._owner(user.id))

    async def _refuse_chat(self, update: Update, chat: Chat | None) -> None:
        if update.callback_query is not None:
            await self._refuse(update, PRIVATE_ONLY)
            return
        if chat is None or chat.id in self._told_chats:
            return
        if len(self._told_chats) >= _MAX_TOLD_CHATS:
            self._told_chats.clear()
        self._told_chats.add(chat.id)
        await self._refuse(update, PRIVATE_ONLY)

    async def _refuse(self, update: Update, text: str) -> None:
        """One polite line: a toast for a button press, else a message."""
        query = update.callback_query
        try:
            if query is not None:
                await query.answer(text, show_alert=True)
            elif update.effective_message is not None:
                await update.effective_message.reply_text(text)
        except TelegramError as exc:
            log.warning("could not send a refusal: %s", exc)

    # -- updates -----------------------------------------------------------------

    async def on_text(self, update: Update, context: Context) -> None:
        """A text message, commands included: the engine answers it."""
        message, owner = await self._message_and_owner(update)
        text = message.text or ""
        replies = await self.engine.handle(owner, text, message_ref(message))
        await self.send(context.bot, owner, message.chat_id, replies)

    async def on_edit(self, update: Update, context: Context) -> None:
        """An edited text message: a log's message re-reads and corrects that log."""
        message, owner = await self._message_and_owner(update)
        replies = await self.engine.edit(owner, message_ref(message), message.text or "")
        await self.send(context.bot, owner, message.chat_id, replies)

    async def on_press(self, update: Update, context: Context) -> None:
        """An inline button: stop the spinner, show the outcome in the pressed message."""
        query = update.callback_query
        if query is None:
            return
        owner = await self._owner(query.from_user.id)
        try:
            await query.answer()
        except TelegramError as exc:  # a stale query; the press itself still counts
            log.info("could not answer a button press: %s", exc)
        if not query.data:
            return
        replies = await self.engine.press(owner, query.data)
        self.post_press(context.bot, query, owner, replies)

    def post_press(
        self, bot: Bot, query: CallbackQuery, owner: int, replies: Sequence[Reply]
    ) -> int:
        """Queue a press's replies: the first in the pressed message; the chat's id."""
        chat_id = query.message.chat.id if query.message is not None else query.from_user.id
        parts = [p for r in replies for p in parts_of(r)]
        files = self._file_steps(bot, chat_id, replies)
        if not parts or not isinstance(query.message, Message):
            # An old message Telegram no longer shows us: send instead.
            self.replies.post(owner, chat_id, [*self._part_steps(bot, chat_id, parts), *files])
            return chat_id
        rest = self._part_steps(bot, chat_id, parts[1:])
        fallback = self._part_steps(bot, chat_id, parts)
        edit = _edit_step(query, parts[0], rest, fallback)
        self.replies.post(owner, chat_id, [edit, *files])
        return chat_id

    async def on_contact(self, update: Update, context: Context) -> None:
        """A shared contact card: add that person."""
        message, owner = await self._message_and_owner(update)
        contact = message.contact
        parts = (contact.first_name, contact.last_name) if contact else ()
        name = " ".join(p.strip() for p in parts if p and p.strip())
        replies = await self.engine.add_contact(owner, name) if name else [Reply(NO_NAME)]
        await self.send(context.bot, owner, message.chat_id, replies)

    async def on_document(self, update: Update, context: Context) -> None:
        """A sent file: import the contacts in it."""
        message, owner = await self._message_and_owner(update)
        document = message.document
        if document is None:
            return
        replies = await self._import(context, owner, document)
        await self.send(context.bot, owner, message.chat_id, replies)

    async def _import(self, context: Context, owner: int, document: Document) -> list[Reply]:
        if self.importer is None:
            return [Reply(IMPORT_SOON)]
        if (document.file_size or 0) > MAX_IMPORT_BYTES:
            return [Reply(str(too_big(document.file_size or 0)))]
        try:
            # The size above may be missing or wrong: the download itself stops at the limit.
            data = await download(context.bot, document.file_id, MAX_IMPORT_BYTES)
        except TooBig as exc:
            return [Reply(str(too_big(exc.size)))]
        return await self.importer(owner, document.file_name or "", data)

    async def on_other(self, update: Update, context: Context) -> None:
        """Photos, stickers, voice…: say what kith understands, store nothing."""
        message, owner = await self._message_and_owner(update)
        await self.send(context.bot, owner, message.chat_id, [Reply(NOT_TEXT)])

    async def on_error(self, update: object, context: Context) -> None:
        """Log an unexpected failure once, and apologise to the person it happened to."""
        error = context.error
        log.error(
            "failed to handle an update: %s: %s",
            type(error).__name__,
            error,
            exc_info=error if not isinstance(error, TelegramError) else None,
        )
        if not isinstance(update, Update) or isinstance(error, Forbidden):
            return
        chat = update.effective_chat
        if chat is None or chat.type != ChatType.PRIVATE:
            return
        try:
            await context.bot.send_message(chat.id, APOLOGY)
        except TelegramError as exc:
            log.warning("could not send the apology either: %s", exc)

    # -- replies out -------------------------------------------------------------

    async def send(self, bot: Bot, owner: int, chat_id: int, replies: Sequence[Reply]) -> None:
        """Queue replies as messages, in order, then their files as documents. They go
        out per chat, retried on transient failures; the rest of a reply stops at a part
        that cannot be delivered."""
        # A reply with a photo is its caption: the text is not sent twice.
        parts = [p for r in replies if not r.has_photo for p in parts_of(r)]
        steps = [*self._part_steps(bot, chat_id, parts), *self._file_steps(bot, chat_id, replies)]
        self.replies.post(owner, chat_id, steps)

    @staticmethod
    def _part_steps(bot: Bot, chat_id: int, parts: Sequence[Part]) -> list[Step]:
        return [_send_step(bot, chat_id, text, markup) for text, markup in parts]

    @staticmethod
    def _file_steps(bot: Bot, chat_id: int, replies: Sequence[Reply]) -> list[Step]:
        """The replies' attachments (an export), one document each; a photo (the
        /circles picture) as a photo with its reply's text as the caption."""
        return [
            _photo_step(bot, chat_id, file.data, file.file_name, _caption(reply.text))
            if file.photo
            else _document_step(bot, chat_id, file)
            for reply in replies
            for file in reply.files
        ]

    async def _mark_inactive(self, owner: int) -> None:
        # A user who blocked the bot gets no nudges until they /start it again.
        log.info("a user blocked the bot; marking them inactive")
        await self.engine.unreachable(owner)

    async def _owner(self, user_id: int) -> int:
        """The owner this Telegram user is (a new one the first time they write)."""
        return await self.store.identities.owner_of(Identity(TELEGRAM, str(user_id)))

    async def _message_and_owner(self, update: Update) -> tuple[Message, int]:
        """The message and its sender's owner; the gate and the filters guarantee both."""
        message, user = update.effective_message, update.effective_user
        if message is None or user is None:
            raise RuntimeError("a message handler got an update without a message or sender")
        return message, await self._owner(user.id)


def parts_of(reply: Reply) -> list[Part]:
    """A reply as Telegram messages: HTML cut to size, the buttons on the last part."""
    markup = reply_markup(reply)
    chunks = html_chunks(reply.rich or reply.text)
    if not chunks:
        # Telegram refuses empty text; buttons still need a message to sit on.
        return [("…", markup)] if markup is not None else []
    return [(c, markup if i == len(chunks) - 1 else None) for i, c in enumerate(chunks)]


def _caption(text: str) -> str:
    """A photo's caption within Telegram's 1,024 (UTF-16 units, as it counts them)."""
    return split_text(text, CAPTION_LIMIT)[0] if text else text


def message_ref(message: Message) -> str:
    """How the engine names a Telegram message: stable across edits and restarts."""
    return f"tg:{message.chat_id}:{message.message_id}"


def _send_step(bot: Bot, chat_id: int, text: str, markup: InlineKeyboardMarkup | None) -> Step:
    async def step() -> object:
        return await bot.send_message(chat_id, text, reply_markup=markup, parse_mode=HTML)

    return step


def _document_step(bot: Bot, chat_id: int, file: Attachment) -> Step:
    async def step() -> object:
        # A fresh reader per try: a retried upload starts from the first byte.
        with file.open() as reader:
            return await bot.send_document(chat_id, InputFile(reader, filename=file.file_name))

    return step


def _photo_step(bot: Bot, chat_id: int, data: bytes, file_name: str, caption: str) -> Step:
    async def step() -> object:
        photo = InputFile(data, filename=file_name)
        return await bot.send_photo(chat_id, photo, caption=caption or None)

    return step


def _edit_step(query: CallbackQuery, first: Part, rest: list[Step], fallback: list[Step]) -> Step:
    """Show the first part in the pressed message; then `rest`, or all parts as new
    messages when the pressed message cannot be edited."""

    async def step() -> object:
        text, markup = first
        try:
            await query.edit_message_text(text, reply_markup=markup, parse_mode=HTML)
        except BadRequest as exc:
            # "not modified": the message already shows this outcome (a double tap).
            if "not modified" not in str(exc).lower():
                log.info("could not edit the pressed message (%s); sending instead", exc)
                return fallback
        return rest

    return step
