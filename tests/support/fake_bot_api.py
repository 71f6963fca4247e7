"""A fake Telegram Bot API for offline tests: one model, two faces.

`FakeBotApi` is the model: a bot identity, users and chats, an update queue with real
`update_id`/offset semantics, the messages the bot sent (as last sent or edited), stored
files, and a log of every call the bot made (`calls`). Helpers such as `user_sends` and
`user_taps` read like a chat; readers such as `sent_to` and `last_message` read like a
transcript; `fail_next` and `fail_rate` script errors the way Telegram reports them.

Faces:

* in-process (this module): `FakeRequest`, a `telegram.request.BaseRequest` that routes
  PTB's requests into the model without sockets. `build_fake_request(api)` gives the pair to
  pass to `ApplicationBuilder().request(...).get_updates_request(...)`;
  `fake_application_builder(api)` does that for you.
* loopback HTTP (`tests.support.loopback.LoopbackServer`): the same model behind a stdlib
  HTTP server on 127.0.0.1, for tests that run the real bot as a subprocess.

The model is thread-safe: every public method takes one re-entrant lock, and changes wake
both threads (a `threading.Condition`) and event loops (asyncio events set thread-safely).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import dataclasses
import html
import itertools
import json
import logging
import mimetypes
import random
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http import HTTPStatus
from types import EllipsisType
from typing import Any, NamedTuple, TypeVar
from urllib.parse import unquote

import httpx
from telegram.error import TimedOut
from telegram.ext import ApplicationBuilder
from telegram.request import BaseRequest, RequestData

__all__ = [
    "MAX_TEXT_LENGTH",
    "TOKEN",
    "ApiError",
    "Call",
    "FakeBotApi",
    "FakeRequest",
    "FakeRequests",
    "Held",
    "Reply",
    "SentMessage",
    "UploadedFile",
    "WaitTimeout",
    "build_fake_request",
    "decode_params",
    "fake_application_builder",
]

_LOGGER = logging.getLogger(__name__)

JSON = dict[str, Any]
ChatId = int | str
T = TypeVar("T")

TOKEN = "123456:TEST-TOKEN"
MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64

# Form fields whose values are strings in the Bot API: never JSON-decode these (a user's
# text "42" must stay "42"). Every other form value is JSON-decoded when it parses as JSON.
_STRING_PARAMS = frozenset(
    {
        "action",
        "address",
        "animation",
        "audio",
        "business_connection_id",
        "callback_query_id",
        "caption",
        "certificate",
        "custom_emoji_id",
        "description",
        "document",
        "emoji",
        "file_id",
        "first_name",
        "inline_message_id",
        "invite_link",
        "ip_address",
        "language_code",
        "last_name",
        "message_effect_id",
        "name",
        "next_offset",
        "parse_mode",
        "phone_number",
        "photo",
        "query",
        "question",
        "secret_token",
        "short_description",
        "sticker",
        "sticker_set_name",
        "switch_pm_parameter",
        "switch_pm_text",
        "text",
        "thumbnail",
        "title",
        "url",
        "vcard",
        "video",
        "video_note",
        "voice",
    }
)

_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running",
    500: "Internal Server Error",
    502: "Bad Gateway",
}

_FILE_URL_RE = re.compile(r"/file/bot(?P<token>[^/]+)/(?P<path>.+)$")
_METHOD_URL_RE = re.compile(r"/bot(?P<token>[^/]+)/(?P<method>[A-Za-z0-9_]+)/?$")
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")


def decode_params(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Decode Bot API form values the way Telegram reads them.

    PTB sends strings raw and JSON-encodes everything else, so JSON-decode every value that
    parses as JSON, except the fields that are strings in the Bot API (`text`, `caption`...).
    Values that are not strings (from a JSON body) pass through.
    """
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if key in _STRING_PARAMS or not isinstance(value, str):
            out[key] = value
            continue
        try:
            out[key] = json.loads(value)
        except ValueError:
            out[key] = value
    return out


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request (or a file a user sent)."""

    field: str
    filename: str
    content: bytes
    mime_type: str


@dataclass
class Call:
    """One request the bot made. `params` are decoded; `status` is filled in when answered.

    `status` stays None while a long poll waits, and for a request whose client went away
    (`aborted`). `result` is the Bot API result on success, `description` the error text.
    """

    method: str
    params: dict[str, Any]
    files: dict[str, UploadedFile] = field(default_factory=dict)
    token: str = TOKEN
    status: int | None = None
    result: Any = None
    description: str | None = None
    aborted: bool = False
    at: float = field(default_factory=time.monotonic)

    @property
    def ok(self) -> bool:
        return self.status == HTTPStatus.OK

    @property
    def chat_id(self) -> ChatId | None:
        value = self.params.get("chat_id")
        return value if isinstance(value, int | str) else None

    def summary(self) -> str:
        shown = {k: v for k, v in self.params.items() if k != "reply_markup"}
        if "reply_markup" in self.params:
            shown["buttons"] = [label for label, _ in buttons_of(self.params["reply_markup"])]
        files = f" files={[f.filename for f in self.files.values()]}" if self.files else ""
        text = repr(shown)
        if len(text) > 160:
            text = text[:157] + "..."
        status = "aborted" if self.aborted else self.status
        return f"{self.method} -> {status} {text}{files}"


@dataclass(frozen=True)
class SentMessage:
    """A message the bot sent, as the user sees it now (after any edits).

    `text` is the text as the bot sent it (markup included); `plain_text` is what Telegram
    shows (HTML tags stripped for parse_mode HTML). `reply_markup` is the markup as sent or
    last edited, of any kind (inline keyboard, reply keyboard, force reply...).
    """

    chat_id: ChatId
    message_id: int
    text: str | None
    plain_text: str | None
    caption: str | None
    parse_mode: str | None
    reply_markup: JSON | None
    method: str
    edit_count: int
    document: UploadedFile | None
    raw: JSON

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """Flattened `(label, callback_data)` pairs (url or "" for other buttons)."""
        return buttons_of(self.reply_markup)

    @property
    def keyboard(self) -> list[list[str]]:
        """Button labels by row."""
        return [[label for label, _ in row] for row in _button_rows(self.reply_markup)]


def _button_rows(markup: Any) -> list[list[tuple[str, str]]]:
    if not isinstance(markup, Mapping):
        return []
    rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
    out: list[list[tuple[str, str]]] = []
    for row in rows:
        labels: list[tuple[str, str]] = []
        for button in row:
            if isinstance(button, str):
                labels.append((button, ""))
            elif isinstance(button, Mapping):
                data = button.get("callback_data") or button.get("url") or ""
                labels.append((str(button.get("text", "")), str(data)))
        out.append(labels)
    return out


def buttons_of(markup: Any) -> list[tuple[str, str]]:
    """Flattened `(label, callback_data)` pairs of a reply_markup dict."""
    return [pair for row in _button_rows(markup) for pair in row]


class WaitTimeout(AssertionError):
    """A `wait_for` predicate did not come true in time (carries a transcript summary)."""


class ApiError(Exception):
    """An error answer: HTTP status, Telegram description, optional `parameters`."""

    def __init__(self, status: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


@dataclass(frozen=True)
class Reply:
    """What the fake answers on the wire: HTTP status and body bytes."""

    status: int
    payload: bytes
    content_type: str = "application/json"
    #: Seconds the answer is held back after the call took effect (`slow_next`).
    delay: float = 0.0

    @classmethod
    def ok(cls, result: Any) -> Reply:
        return cls(200, _dumps({"ok": True, "result": result}))

    @classmethod
    def error(cls, err: ApiError) -> Reply:
        body: JSON = {"ok": False, "error_code": err.status, "description": err.description}
        if err.parameters:
            body["parameters"] = err.parameters
        return cls(err.status, _dumps(body))

    def json(self) -> Any:
        return json.loads(self.payload)


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


# --------------------------------------------------------------------------- internals


@dataclass
class _StoredMessage:
    chat_id: ChatId
    message_id: int
    raw: JSON  # Message JSON as Telegram would return it now
    from_bot: bool
    method: str
    text: str | None = None
    parse_mode: str | None = None
    reply_markup: JSON | None = None  # as sent, any kind
    edit_count: int = 0
    deleted: bool = False
    document: UploadedFile | None = None


@dataclass
class _StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes
    file_name: str | None
    mime_type: str | None


@dataclass
class _ScriptedFailure:
    method: str  # lower-case, or "*"
    status: int
    description: str
    retry_after: float | None
    times: int
    chat_id: ChatId | None


class Held:
    """Calls held back by `FakeBotApi.hold`: they wait, unanswered, until `release()`."""

    def __init__(self, method: str, chat_id: ChatId | None) -> None:
        self.method = method.lower()
        self.chat_id = chat_id
        self.waiting = 0  # calls waiting right now
        self._released = asyncio.Event()
        self._released_sync = threading.Event()  # for the loopback face's server threads

    def matches(self, method: str, params: Mapping[str, Any]) -> bool:
        return (
            not self._released.is_set()
            and method.lower() == self.method
            and (self.chat_id is None or params.get("chat_id") == self.chat_id)
        )

    async def wait(self, waiting: Callable[[], None]) -> None:
        self.waiting += 1
        waiting()  # so `wait_for(lambda: held.waiting ...)` sees it
        try:
            await self._released.wait()
        finally:
            self.waiting -= 1

    def wait_sync(self, waiting: Callable[[], None], should_abort: Callable[[], bool]) -> bool:
        """`wait` for a server thread: True when released, False if the client went away."""
        self.waiting += 1
        waiting()
        try:
            while not self._released_sync.wait(0.05):
                if should_abort():
                    return False
            return True
        finally:
            self.waiting -= 1
            waiting()

    def release(self) -> None:
        self._released_sync.set()
        self._released.set()


@dataclass
class _Slowness:
    method: str  # lower-case, or "*"
    seconds: float
    times: int
    chat_id: ChatId | None


@dataclass
class _FailureRate:
    fraction: float
    status: int
    description: str
    retry_after: float | None


@dataclass
class _Poll:
    call: Call
    generation: int
    limit: int
    deadline: float


def _retry_value(seconds: float) -> int | float:
    return int(seconds) if float(seconds).is_integer() else seconds


def _describe(status: int, retry_after: float | None, description: str | None) -> str:
    if description:
        return description
    if status == HTTPStatus.TOO_MANY_REQUESTS:
        return f"Too Many Requests: retry after {_retry_value(retry_after or 1)}"
    if status in _DEFAULT_DESCRIPTIONS:
        return _DEFAULT_DESCRIPTIONS[status]
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"Error {status}"


class _TelegramHtml(HTMLParser):
    """Validates Telegram's HTML subset (balanced, known tags) and collects the plain text."""

    ALLOWED = frozenset(
        {
            "a",
            "b",
            "blockquote",
            "code",
            "del",
            "em",
            "i",
            "ins",
            "pre",
            "s",
            "span",
            "strike",
            "strong",
            "tg-emoji",
            "tg-spoiler",
            "u",
        }
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.ALLOWED:
            raise ApiError(
                400, f'Bad Request: can\'t parse entities: Unsupported start tag "{tag}"'
            )
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            raise ApiError(400, f'Bad Request: can\'t parse entities: Unexpected end tag "{tag}"')
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        if "<" in data or ">" in data:
            raise ApiError(
                400,
                "Bad Request: can't parse entities: Unsupported start tag or unescaped '<'",
            )
        self.parts.append(data)

    def handle_entityref(self, name: str) -> None:
        self.parts.append(html.unescape(f"&{name};"))

    def handle_charref(self, name: str) -> None:
        self.parts.append(html.unescape(f"&#{name};"))

    def plain(self, text: str) -> str:
        self.feed(text)
        self.close()
        if self.stack:
            raise ApiError(
                400,
                f"Bad Request: can't parse entities: Can't find end tag corresponding to "
                f'start tag "{self.stack[-1]}"',
            )
        return "".join(self.parts)


def _plain_text(text: str, parse_mode: str | None) -> str:
    if parse_mode and parse_mode.upper() == "HTML":
        return _TelegramHtml().plain(text)
    return text


# --------------------------------------------------------------------------- the model


class FakeBotApi:
    """The fake Bot API: state, chat helpers, transcript readers and scripted failures."""

    def __init__(
        self,
        token: str = TOKEN,
        *,
        first_name: str = "kith",
        username: str = "kith_bot",
        seed: int = 0,
        strict_chats: bool = False,
    ) -> None:
        self.token = token
        bot_id = int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 1
        self.bot_user: JSON = {
            "id": bot_id,
            "is_bot": True,
            "first_name": first_name,
            "username": username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        #: When True, unknown chats fail like Telegram: a user who never wrote answers 403
        #: "bot can't initiate conversation", other ids 400 "chat not found". When False
        #: (default) any integer chat_id is a chat (private if > 0).
        self.strict_chats = strict_chats
        #: Every request, in arrival order (also as `outbox`).
        self.calls: list[Call] = []
        #: File paths downloaded through the file URL.
        self.downloads: list[str] = []
        #: Bytes actually written to clients, per URL path (loopback HTTP face only).
        self.served: dict[str, int] = {}
        self._reported_sizes: dict[str, int | None] = {}
        #: Exceptions raised inside the fake itself (bugs), answered as HTTP 500.
        self.internal_errors: list[BaseException] = []
        self.webhook_url = ""
        #: What the last setWebhook asked for (tests/support/webhooks.py pushes with it).
        self.webhook_secret = ""
        self.webhook_max_connections = 40
        #: Seconds each call of a method (lower-case name) takes over loopback HTTP, e.g.
        #: `{"sendmessage": 0.01}`: a slow Telegram, so a killed worker has sends in flight.
        self.slow: dict[str, float] = {}
        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._async_waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []
        self._rng = random.Random(seed)
        self._ids = itertools.count(1)
        self._next_update_id = 1
        self._updates: list[JSON] = []
        self._allowed_updates: list[str] = []
        self._poll_generation = 0
        self._users: dict[int, JSON] = {}
        self._chats: dict[ChatId, JSON] = {}
        self._message_ids: dict[ChatId, int] = {}
        self._messages: dict[tuple[ChatId, int], _StoredMessage] = {}
        self._files: dict[str, _StoredFile] = {}
        self._callback_queries: dict[str, JSON | None] = {}
        self._blocked: set[ChatId] = set()
        self._failures: list[_ScriptedFailure] = []
        self._rates: dict[str, _FailureRate] = {}
        self._holds: list[Held] = []
        self._slow: list[_Slowness] = []
        self._commands: dict[tuple[str, str], list[JSON]] = {}
        self._descriptions: dict[str, str] = {}
        self._short_descriptions: dict[str, str] = {}
        self._handlers: dict[str, Callable[[Call], Any]] = {
            "getme": self._get_me,
            "logout": self._true,
            "close": self._true,
            "deletewebhook": self._delete_webhook,
            "setwebhook": self._set_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "setmycommands": self._set_my_commands,
            "getmycommands": self._get_my_commands,
            "deletemycommands": self._delete_my_commands,
            "setmydescription": self._set_my_description,
            "getmydescription": self._get_my_description,
            "setmyshortdescription": self._set_my_short_description,
            "getmyshortdescription": self._get_my_short_description,
            "sendmessage": self._send_message,
            "editmessagetext": self._edit_message_text,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "deletemessage": self._delete_message,
            "answercallbackquery": self._answer_callback_query,
            "senddocument": self._send_document,
            "sendphoto": self._send_photo,
            "getfile": self._get_file,
            "sendchataction": self._true_in_chat,
            "getchat": self._get_chat,
        }
        methods = [
            "getMe",
            "logOut",
            "close",
            "deleteWebhook",
            "setWebhook",
            "getWebhookInfo",
            "setMyCommands",
            "getMyCommands",
            "deleteMyCommands",
            "setMyDescription",
            "getMyDescription",
            "setMyShortDescription",
            "getMyShortDescription",
            "getUpdates",
            "sendMessage",
            "editMessageText",
            "editMessageReplyMarkup",
            "deleteMessage",
            "answerCallbackQuery",
            "sendDocument",
            "sendPhoto",
            "getFile",
            "sendChatAction",
            "getChat",
        ]
        self._canonical = {name.lower(): name for name in methods}

    # ------------------------------------------------------------------ notification

    def _notify(self) -> None:
        """Wake every waiter (threads and event loops). Caller holds the lock."""
        self._cond.notify_all()
        for waiter in list(self._async_waiters):
            loop, event = waiter
            try:
                loop.call_soon_threadsafe(event.set)
            except RuntimeError:  # loop closed
                self._async_waiters.remove(waiter)

    def wake(self) -> None:
        """Wake all waiters so they re-check their conditions (used on server shutdown)."""
        with self._lock:
            self._notify()

    @contextlib.contextmanager
    def _async_waiter(self) -> Iterator[asyncio.Event]:
        event = asyncio.Event()
        waiter = (asyncio.get_running_loop(), event)
        with self._lock:
            self._async_waiters.append(waiter)
        try:
            yield event
        finally:
            with self._lock, contextlib.suppress(ValueError):
                self._async_waiters.remove(waiter)

    # ------------------------------------------------------------------ users and updates

    def add_user(
        self,
        user_id: int,
        first_name: str | None = None,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
    ) -> JSON:
        """Register (or update) a user and their private chat; returns the User JSON."""
        with self._lock:
            user = self._users.get(user_id)
            if user is None:
                user = {"id": user_id, "is_bot": False, "first_name": first_name or "Ann"}
                if language_code:
                    user["language_code"] = language_code
                self._users[user_id] = user
            elif first_name:
                user["first_name"] = first_name
            if last_name:
                user["last_name"] = last_name
            if username:
                user["username"] = username
            chat: JSON = {"id": user_id, "type": "private", "first_name": user["first_name"]}
            for key in ("last_name", "username"):
                if key in user:
                    chat[key] = user[key]
            self._chats[user_id] = chat
            return copy.deepcopy(user)

    def _chat_for(self, user_id: int, chat_type: str, chat_id: ChatId | None) -> JSON:
        if chat_type == "private" and chat_id in (None, user_id):
            return self._chats[user_id]
        if chat_id is None:
            raise ValueError(f"chat_id is required for a {chat_type} chat")
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = {"id": chat_id, "type": chat_type}
            if chat_type != "private":
                chat["title"] = "Test group"
            self._chats[chat_id] = chat
        return chat

    def _new_message_id(self, chat_id: ChatId) -> int:
        self._message_ids[chat_id] = self._message_ids.get(chat_id, 0) + 1
        return self._message_ids[chat_id]

    def _push_update(self, kind: str, payload: JSON) -> JSON:
        update = {"update_id": self._next_update_id, kind: payload}
        self._next_update_id += 1
        self._updates.append(update)
        self._notify()
        return copy.deepcopy(update)

    def _user_message(
        self,
        user_id: int,
        first_name: str | None,
        chat_type: str,
        chat_id: ChatId | None,
        reply_to: int | None,
        content: JSON,
    ) -> JSON:
        self.add_user(user_id, first_name)
        chat = self._chat_for(user_id, chat_type, chat_id)
        message: JSON = {
            "message_id": self._new_message_id(chat["id"]),
            "date": int(time.time()),
            "chat": copy.deepcopy(chat),
            "from": copy.deepcopy(self._users[user_id]),
            **content,
        }
        if reply_to is not None:
            replied = self._messages.get((chat["id"], reply_to))
            if replied is None:
                raise KeyError(f"no message {reply_to} in chat {chat['id']} to reply to")
            message["reply_to_message"] = {
                k: v for k, v in copy.deepcopy(replied.raw).items() if k != "reply_to_message"
            }
        self._messages[(chat["id"], message["message_id"])] = _StoredMessage(
            chat_id=chat["id"],
            message_id=message["message_id"],
            raw=message,
            from_bot=False,
            method="user",
            text=content.get("text"),
        )
        return self._push_update("message", copy.deepcopy(message))

    def user_sends(
        self,
        user_id: int,
        text: str,
        *,
        chat_type: str = "private",
        chat_id: ChatId | None = None,
        first_name: str | None = None,
        reply_to: int | None = None,
    ) -> JSON:
        """The user sends `text`; a leading `/command` gets its `bot_command` entity.

        `first_name` defaults to the user's registered name, else "Ann". `reply_to` is the
        message_id (in the same chat) the user replies to. Returns the update.
        """
        content: JSON = {"text": text}
        match = re.match(r"/\S+", text)
        if match:
            content["entities"] = [
                {"type": "bot_command", "offset": 0, "length": len(match.group(0))}
            ]
        with self._lock:
            return self._user_message(user_id, first_name, chat_type, chat_id, reply_to, content)

    def user_sends_message(
        self,
        user_id: int,
        content: Mapping[str, Any],
        *,
        chat_type: str = "private",
        chat_id: ChatId | None = None,
        first_name: str | None = None,
        reply_to: int | None = None,
    ) -> JSON:
        """The user sends a message with arbitrary `content` (e.g. `{"sticker": {...}}`).

        The fake adds message_id, date, chat and from; returns the update.
        """
        with self._lock:
            return self._user_message(
                user_id, first_name, chat_type, chat_id, reply_to, copy.deepcopy(dict(content))
            )

    def user_shares_contact(
        self,
        user_id: int,
        first_name: str,
        last_name: str | None = None,
        phone: str = "+351912345678",
        *,
        contact_user_id: int | None = None,
        vcard: str | None = None,
        chat_id: ChatId | None = None,
    ) -> JSON:
        """The user shares a phone contact (the attachment menu's "Contact")."""
        contact: JSON = {"phone_number": phone, "first_name": first_name}
        if last_name:
            contact["last_name"] = last_name
        if contact_user_id is not None:
            contact["user_id"] = contact_user_id
        if vcard:
            contact["vcard"] = vcard
        with self._lock:
            return self._user_message(user_id, None, "private", chat_id, None, {"contact": contact})

    def user_sends_document(
        self,
        user_id: int,
        file_name: str,
        content: bytes,
        mime_type: str | None = None,
        *,
        caption: str | None = None,
        chat_id: ChatId | None = None,
        file_size: int | EllipsisType | None = ...,
    ) -> JSON:
        """The user sends a file; `getFile` and the file URL then serve `content`.

        `file_size` is what Telegram reports (in the message and from getFile): the real
        size by default, None to leave it out, or a number (an understated size).
        """
        mime = mime_type or mimetypes.guess_type(file_name)[0] or "application/octet-stream"
        with self._lock:
            stored = self._store_file(content, file_name, mime, folder="documents")
            document = self._document_json(stored)
            if file_size is not ...:
                self._reported_sizes[stored.file_id] = file_size
                if file_size is None:
                    del document["file_size"]
                else:
                    document["file_size"] = file_size
            payload: JSON = {"document": document}
            if caption is not None:
                payload["caption"] = caption
            return self._user_message(user_id, None, "private", chat_id, None, payload)

    def user_edits(self, user_id: int, message_id: int, text: str) -> JSON:
        """The user edits their own message `message_id` (in their private chat) to `text`.

        Telegram sends an `edited_message` update: the message as it is now, with an
        `edit_date`. Returns the update.
        """
        with self._lock:
            stored = self._messages.get((user_id, message_id))
            if stored is None or stored.from_bot:
                raise KeyError(f"no message {message_id} of user {user_id} to edit")
            stored.raw = {**stored.raw, "text": text, "edit_date": int(time.time())}
            stored.raw.pop("entities", None)
            stored.text = text
            stored.edit_count += 1
            return self._push_update("edited_message", copy.deepcopy(stored.raw))

    def user_taps(
        self,
        user_id: int,
        message_id: int,
        callback_data: str,
        *,
        chat_id: ChatId | None = None,
        check: bool = True,
    ) -> JSON:
        """The user taps an inline button of bot message `message_id`: a callback_query.

        The query's `message` is that message as last sent/edited. With `check` (default)
        the message must carry a button with this callback_data; pass `check=False` to
        forge data no button has. Returns the update (query id: `["callback_query"]["id"]`).
        """
        with self._lock:
            self.add_user(user_id)
            chat = chat_id if chat_id is not None else user_id
            stored = self._messages.get((chat, message_id))
            if stored is None or stored.deleted:
                raise KeyError(f"no message {message_id} in chat {chat}")
            if check and callback_data not in {
                data for _, data in buttons_of(stored.raw.get("reply_markup"))
            }:
                raise ValueError(
                    f"message {message_id} has no button with callback_data {callback_data!r}: "
                    f"{buttons_of(stored.raw.get('reply_markup'))}"
                )
            query_id = str(4_000_000_000 + next(self._ids))
            self._callback_queries[query_id] = None
            query: JSON = {
                "id": query_id,
                "from": copy.deepcopy(self._users[user_id]),
                "message": copy.deepcopy(stored.raw),
                "chat_instance": f"ci{chat}",
                "data": callback_data,
            }
            return self._push_update("callback_query", query)

    def user_taps_button(
        self,
        user_id: int,
        label: str,
        *,
        message_id: int | None = None,
        chat_id: ChatId | None = None,
    ) -> JSON:
        """Tap the inline button labelled `label` on the newest bot message that has it."""
        chat = chat_id if chat_id is not None else user_id
        with self._lock:
            candidates = [m for m in self.sent_to(chat) if message_id in (None, m.message_id)]
            for message in reversed(candidates):
                for text, data in buttons_of(message.raw.get("reply_markup")):
                    if text == label:
                        return self.user_taps(user_id, message.message_id, data, chat_id=chat)
        raise LookupError(f"no bot message in chat {chat} has a button {label!r}")

    def user_blocks_bot(self, user_id: int) -> None:
        """From now on every call aimed at this chat answers 403 "bot was blocked"."""
        with self._lock:
            self._blocked.add(user_id)

    def user_unblocks_bot(self, user_id: int) -> None:
        with self._lock:
            self._blocked.discard(user_id)

    def pending_updates(self) -> list[JSON]:
        """Updates not yet acknowledged by a getUpdates offset."""
        with self._lock:
            return copy.deepcopy(self._updates)

    # ------------------------------------------------------------------ scripted failures

    def fail_next(
        self,
        method: str,
        status: int = 429,
        retry_after: float | None = 1,
        description: str | None = None,
        *,
        times: int = 1,
        chat_id: ChatId | None = None,
    ) -> None:
        """The next `times` calls of `method` ("*" = any) answer with this error.

        `retry_after` is sent (as `parameters.retry_after`) only with status 429, so a 403
        stays a `Forbidden`. Default descriptions follow Telegram ("Too Many Requests: retry
        after 1", "Forbidden: bot was blocked by the user", "Bad Gateway"...). `chat_id`
        limits the failure to calls aimed at that chat.
        """
        with self._lock:
            self._failures.append(
                _ScriptedFailure(
                    method=method.lower(),
                    status=status,
                    description=_describe(status, retry_after, description),
                    retry_after=retry_after if status == 429 else None,
                    times=times,
                    chat_id=chat_id,
                )
            )

    def fail_rate(
        self,
        method: str,
        fraction: float,
        status: int = 429,
        retry_after: float | None = 1,
        description: str | None = None,
    ) -> None:
        """Fail this fraction of `method` calls at random (seeded RNG: `FakeBotApi(seed=)`).

        `fraction=0` removes the rate.
        """
        with self._lock:
            if fraction <= 0:
                self._rates.pop(method.lower(), None)
                return
            self._rates[method.lower()] = _FailureRate(
                fraction=fraction,
                status=status,
                description=_describe(status, retry_after, description),
                retry_after=retry_after if status == 429 else None,
            )

    def hold(self, method: str, chat_id: ChatId | None = None) -> Held:
        """Calls of `method` (to `chat_id`, or any) wait, unanswered, until released.

        A slow round trip to Telegram for one chat, without sleeping. In-process
        (`handle_async`), released on the event loop that waits; over loopback HTTP
        (`handle` with `should_abort`) a held call also ends when its client goes away.
        """
        held = Held(method, chat_id)
        with self._lock:
            self._holds.append(held)
        return held

    def slow_next(
        self, method: str, seconds: float, *, times: int = 1, chat_id: ChatId | None = None
    ) -> None:
        """The next `times` calls of `method` take effect at once (a message is delivered)
        but their answer comes `seconds` later: past the client's read timeout, the bot
        never hears that it worked. `FakeRequest` then raises PTB's `TimedOut` after its
        read timeout, as httpx would; over loopback HTTP the answer is simply late."""
        with self._lock:
            self._slow.append(_Slowness(method.lower(), seconds, times, chat_id))

    def _slowness(self, call: Call) -> float:
        for slow in self._slow:
            if slow.method not in ("*", call.method.lower()):
                continue
            if slow.chat_id is not None and slow.chat_id != call.chat_id:
                continue
            slow.times -= 1
            if slow.times <= 0:
                self._slow.remove(slow)
            return slow.seconds
        return 0.0

    def clear_failures(self) -> None:
        with self._lock:
            self._failures.clear()
            self._rates.clear()
            self._slow.clear()

    def _scripted_failure(self, call: Call) -> ApiError | None:
        method = call.method.lower()
        for failure in self._failures:
            if failure.method not in ("*", method):
                continue
            if failure.chat_id is not None and failure.chat_id != call.chat_id:
                continue
            failure.times -= 1
            if failure.times <= 0:
                self._failures.remove(failure)
            return self._failure_error(failure.status, failure.description, failure.retry_after)
        rate = self._rates.get(method) or self._rates.get("*")
        if rate is not None and self._rng.random() < rate.fraction:
            return self._failure_error(rate.status, rate.description, rate.retry_after)
        return None

    @staticmethod
    def _failure_error(status: int, description: str, retry_after: float | None) -> ApiError:
        params = {"retry_after": _retry_value(retry_after)} if retry_after is not None else None
        return ApiError(status, description, params)

    # ------------------------------------------------------------------ routing

    def handle(
        self,
        http_method: str,
        url_or_path: str,
        params: Mapping[str, Any] | None = None,
        files: Mapping[str, UploadedFile] | None = None,
        *,
        should_abort: Callable[[], bool] | None = None,
    ) -> Reply:
        """Serve one HTTP request, blocking during a long poll (for server threads).

        `should_abort` is polled while a long poll waits; when it turns true the poll ends
        answering `[]` (pending updates stay queued) and the call is marked `aborted`.
        """
        delay = self.slow.get(url_or_path.rsplit("/", 1)[-1].split("?", 1)[0].lower(), 0.0)
        if delay:
            time.sleep(delay)  # in the server thread, before the model's lock
        match = _METHOD_URL_RE.search(url_or_path.split("?", 1)[0])
        holds = list(self._holds) if match and should_abort is not None else []
        for held in holds:
            if (
                match
                and should_abort is not None
                and held.matches(match["method"], params or {})
                and not held.wait_sync(self.wake, should_abort)
            ):
                return Reply.error(ApiError(500, "the client went away while held"))
        route = self._route(http_method, url_or_path, params, files)
        if isinstance(route, Reply):
            if route.delay:
                time.sleep(route.delay)  # a server thread: the answer is late on the wire
            return route
        poll = route
        with self._cond:
            while True:
                reply = self._collect(poll, final=False)
                if reply is not None:
                    return reply
                remaining = poll.deadline - time.monotonic()
                if should_abort is not None and should_abort():
                    poll.call.aborted = True  # delivers nothing: the updates stay pending
                    return self._finish_ok(poll.call, [])
                if remaining <= 0:
                    return self._collect(poll, final=True) or Reply.ok([])
                self._cond.wait(min(remaining, 0.05) if should_abort else remaining)

    async def handle_async(
        self,
        http_method: str,
        url_or_path: str,
        params: Mapping[str, Any] | None = None,
        files: Mapping[str, UploadedFile] | None = None,
    ) -> Reply:
        """Serve one request from an event loop; a long poll awaits without blocking it."""
        match = _METHOD_URL_RE.search(url_or_path.split("?", 1)[0])
        for held in list(self._holds) if match else ():
            if match and held.matches(match["method"], params or {}):
                await held.wait(self.wake)
        route = self._route(http_method, url_or_path, params, files)
        if isinstance(route, Reply):
            return route
        poll = route
        try:
            with self._async_waiter() as event:
                while True:
                    event.clear()
                    with self._lock:
                        reply = self._collect(poll, final=False)
                    if reply is not None:
                        return reply
                    remaining = poll.deadline - time.monotonic()
                    if remaining <= 0:
                        with self._lock:
                            return self._collect(poll, final=True) or Reply.ok([])
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(remaining):
                            await event.wait()
        except asyncio.CancelledError:
            with self._lock:
                poll.call.aborted = True
                self._notify()
            raise

    def _route(
        self,
        http_method: str,
        url_or_path: str,
        params: Mapping[str, Any] | None,
        files: Mapping[str, UploadedFile] | None,
    ) -> Reply | _Poll:
        try:
            path = url_or_path.split("?", 1)[0]
            file_match = _FILE_URL_RE.search(path)
            if file_match:
                return self._download(unquote(file_match["token"]), file_match["path"])
            match = _METHOD_URL_RE.search(path)
            if match is None:
                return Reply.error(ApiError(404, "Not Found"))
            token = unquote(match["token"])
            return self._begin(token, match["method"], dict(params or {}), files)
        except Exception as exc:  # a bug in the fake: answer 500, keep it for the test
            _LOGGER.exception("fake Bot API failed on %s %s", http_method, url_or_path)
            with self._lock:
                self.internal_errors.append(exc)
            return Reply.error(ApiError(500, f"Internal Server Error: fake crashed: {exc!r}"))

    def _download(self, token: str, file_path: str) -> Reply:
        with self._lock:
            if token != self.token:
                return Reply.error(ApiError(401, "Unauthorized"))
            path = unquote(file_path)
            self.downloads.append(path)
            self._notify()
            for stored in self._files.values():
                if stored.file_path == path:
                    mime = stored.mime_type or "application/octet-stream"
                    return Reply(200, stored.content, mime)
            return Reply.error(ApiError(404, "Not Found"))

    def _begin(
        self,
        token: str,
        method: str,
        params: dict[str, Any],
        files: Mapping[str, UploadedFile] | None,
    ) -> Reply | _Poll:
        with self._lock:
            name = self._canonical.get(method.lower(), method)
            call = Call(method=name, params=params, files=dict(files or {}), token=token)
            self.calls.append(call)
            try:
                if token != self.token:
                    raise ApiError(401, "Unauthorized")
                failure = self._scripted_failure(call)
                if failure is not None:
                    raise failure
                if call.chat_id in self._blocked:
                    raise ApiError(403, "Forbidden: bot was blocked by the user")
                if name == "getUpdates":
                    return self._start_poll(call)
                handler = self._handlers.get(name.lower())
                if handler is None:
                    raise ApiError(
                        400,
                        f"Bad Request: method not found (the fake Bot API has no {method!r})",
                    )
                result = handler(call)
            except ApiError as err:
                return self._finish_error(call, err)
            reply = self._finish_ok(call, result)
            delay = self._slowness(call)
            return dataclasses.replace(reply, delay=delay) if delay else reply

    def _finish_ok(self, call: Call, result: Any) -> Reply:
        call.status = 200
        call.result = copy.deepcopy(result)
        self._notify()
        return Reply.ok(result)

    def _finish_error(self, call: Call, err: ApiError) -> Reply:
        call.status = err.status
        call.description = err.description
        self._notify()
        return Reply.error(err)

    # ------------------------------------------------------------------ getUpdates

    def _start_poll(self, call: Call) -> _Poll:
        params = call.params
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = params.get("offset")
        if isinstance(offset, int):
            if offset < 0:
                self._updates = self._updates[offset:]
            else:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = [str(kind) for kind in allowed]
        limit = params.get("limit")
        limit = min(max(limit, 1), 100) if isinstance(limit, int) else 100
        timeout = params.get("timeout")
        timeout = float(timeout) if isinstance(timeout, int | float) else 0.0
        self._poll_generation += 1
        self._notify()  # an older long poll, if any, now answers 409
        return _Poll(call, self._poll_generation, limit, time.monotonic() + max(timeout, 0.0))

    def _collect(self, poll: _Poll, *, final: bool) -> Reply | None:
        """Answer a waiting poll if it can be answered now (or `final`ly). Holds the lock."""
        with self._lock:
            if poll.generation != self._poll_generation:
                return self._finish_error(poll.call, ApiError(409, _DEFAULT_DESCRIPTIONS[409]))
            if self._allowed_updates:
                self._updates = [
                    u for u in self._updates if any(k in u for k in self._allowed_updates)
                ]
            batch = self._updates[: poll.limit]
            if batch or final:
                return self._finish_ok(poll.call, batch)
            return None

    # ------------------------------------------------------------------ method handlers

    def _true(self, call: Call) -> bool:
        return True

    def _get_me(self, call: Call) -> JSON:
        return self.bot_user

    def _delete_webhook(self, call: Call) -> bool:
        self.webhook_url = ""
        if call.params.get("drop_pending_updates") is True:
            self._updates.clear()
        return True

    def _set_webhook(self, call: Call) -> bool:
        self.webhook_url = str(call.params.get("url", ""))
        self.webhook_secret = str(call.params.get("secret_token", ""))
        self.webhook_max_connections = int(call.params.get("max_connections", 40))
        allowed = call.params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = [str(kind) for kind in allowed]
        if call.params.get("drop_pending_updates") is True:
            self._updates.clear()
        return True

    def _get_webhook_info(self, call: Call) -> JSON:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    @staticmethod
    def _commands_key(params: Mapping[str, Any]) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    def _set_my_commands(self, call: Call) -> bool:
        commands = call.params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise ApiError(400, "Bad Request: commands must be a list of at most 100")
        for command in commands:
            if not isinstance(command, Mapping) or not _COMMAND_RE.match(
                str(command.get("command", ""))
            ):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        self._commands[self._commands_key(call.params)] = copy.deepcopy(commands)
        return True

    def _get_my_commands(self, call: Call) -> list[JSON]:
        return self._commands.get(self._commands_key(call.params), [])

    def _delete_my_commands(self, call: Call) -> bool:
        self._commands.pop(self._commands_key(call.params), None)
        return True

    def _set_my_description(self, call: Call) -> bool:
        text = str(call.params.get("description") or "")
        if len(text) > 512:
            raise ApiError(400, "Bad Request: description is too long")
        self._descriptions[str(call.params.get("language_code") or "")] = text
        return True

    def _get_my_description(self, call: Call) -> JSON:
        lang = str(call.params.get("language_code") or "")
        return {"description": self._descriptions.get(lang, self._descriptions.get("", ""))}

    def _set_my_short_description(self, call: Call) -> bool:
        text = str(call.params.get("short_description") or "")
        if len(text) > 120:
            raise ApiError(400, "Bad Request: short description is too long")
        self._short_descriptions[str(call.params.get("language_code") or "")] = text
        return True

    def _get_my_short_description(self, call: Call) -> JSON:
        lang = str(call.params.get("language_code") or "")
        default = self._short_descriptions.get("", "")
        return {"short_description": self._short_descriptions.get(lang, default)}

    def _target_chat(self, params: Mapping[str, Any]) -> JSON:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        if not isinstance(chat_id, int | str):
            raise ApiError(400, "Bad Request: chat not found")
        chat = self._chats.get(chat_id)
        if chat is None:
            if self.strict_chats and isinstance(chat_id, int) and chat_id > 0:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
            if self.strict_chats or not isinstance(chat_id, int):
                raise ApiError(400, "Bad Request: chat not found")
            if chat_id > 0:
                chat = {"id": chat_id, "type": "private"}
            else:
                kind = "supergroup" if str(chat_id).startswith("-100") else "group"
                chat = {"id": chat_id, "type": kind, "title": "Test group"}
            self._chats[chat_id] = chat
        return chat

    def _true_in_chat(self, call: Call) -> bool:
        self._target_chat(call.params)
        return True

    def _get_chat(self, call: Call) -> JSON:
        return {**self._target_chat(call.params), "accent_color_id": 0, "max_reaction_count": 11}

    @staticmethod
    def _check_markup(markup: Any) -> JSON | None:
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        for row in markup.get("inline_keyboard", []):
            for button in row:
                if not isinstance(button, Mapping) or not button.get("text"):
                    raise ApiError(400, "Bad Request: BUTTON_TEXT_INVALID")
                data = button.get("callback_data")
                if data is not None and not (
                    0 < len(str(data).encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES
                ):
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return markup

    def _bot_message(
        self, call: Call, chat: JSON, content: JSON, *, text: str | None = None
    ) -> _StoredMessage:
        params = call.params
        parse_mode = params.get("parse_mode")
        markup = self._check_markup(params.get("reply_markup"))
        message: JSON = {
            "message_id": self._new_message_id(chat["id"]),
            "from": copy.deepcopy(self.bot_user),
            "chat": copy.deepcopy(chat),
            "date": int(time.time()),
            **content,
        }
        reply_params = params.get("reply_parameters")
        reply_to = (
            reply_params.get("message_id")
            if isinstance(reply_params, Mapping)
            else params.get("reply_to_message_id")
        )
        replied = self._messages.get((chat["id"], reply_to)) if isinstance(reply_to, int) else None
        if replied is not None:
            message["reply_to_message"] = {
                k: v for k, v in copy.deepcopy(replied.raw).items() if k != "reply_to_message"
            }
        if markup is not None and "inline_keyboard" in markup:
            message["reply_markup"] = copy.deepcopy(markup)
        stored = _StoredMessage(
            chat_id=chat["id"],
            message_id=message["message_id"],
            raw=message,
            from_bot=True,
            method=call.method,
            text=text,
            parse_mode=parse_mode if isinstance(parse_mode, str) else None,
            reply_markup=copy.deepcopy(markup),
        )
        self._messages[(chat["id"], stored.message_id)] = stored
        return stored

    def _send_message(self, call: Call) -> JSON:
        chat = self._target_chat(call.params)
        text = call.params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        parse_mode = call.params.get("parse_mode")
        plain = _plain_text(text, parse_mode if isinstance(parse_mode, str) else None)
        if len(plain) > MAX_TEXT_LENGTH:
            raise ApiError(400, "Bad Request: message is too long")
        if not plain.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        return self._bot_message(call, chat, {"text": plain}, text=text).raw

    def _editable(self, params: Mapping[str, Any]) -> _StoredMessage:
        if params.get("inline_message_id"):
            raise ApiError(400, "Bad Request: the fake Bot API does not model inline messages")
        chat = self._target_chat(params)
        stored = self._messages.get((chat["id"], params.get("message_id")))  # type: ignore[arg-type]
        if stored is None or stored.deleted:
            raise ApiError(400, "Bad Request: message to edit not found")
        if not stored.from_bot:
            raise ApiError(400, "Bad Request: message can't be edited")
        return stored

    @staticmethod
    def _same_markup(a: Any, b: Any) -> bool:
        def norm(markup: Any) -> Any:
            if not markup or markup == {"inline_keyboard": []}:
                return None
            return markup

        return bool(norm(a) == norm(b))

    def _apply_edit(self, stored: _StoredMessage, markup: JSON | None) -> None:
        stored.reply_markup = copy.deepcopy(markup)
        if markup is not None and "inline_keyboard" in markup:
            stored.raw["reply_markup"] = copy.deepcopy(markup)
        else:
            stored.raw.pop("reply_markup", None)
        stored.raw["edit_date"] = int(time.time())
        stored.edit_count += 1

    def _edit_message_text(self, call: Call) -> JSON:
        stored = self._editable(call.params)
        text = call.params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        parse_mode = call.params.get("parse_mode")
        parse_mode = parse_mode if isinstance(parse_mode, str) else None
        plain = _plain_text(text, parse_mode)
        if len(plain) > MAX_TEXT_LENGTH:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        markup = self._check_markup(call.params.get("reply_markup"))
        if plain == stored.raw.get("text") and self._same_markup(
            markup, stored.raw.get("reply_markup")
        ):
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and "
                "reply markup are exactly the same as a current content and reply markup "
                "of the message",
            )
        stored.raw["text"] = plain
        stored.text = text
        stored.parse_mode = parse_mode
        self._apply_edit(stored, markup)
        return stored.raw

    def _edit_message_reply_markup(self, call: Call) -> JSON:
        stored = self._editable(call.params)
        markup = self._check_markup(call.params.get("reply_markup"))
        if self._same_markup(markup, stored.raw.get("reply_markup")):
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and "
                "reply markup are exactly the same as a current content and reply markup "
                "of the message",
            )
        self._apply_edit(stored, markup)
        return stored.raw

    def _delete_message(self, call: Call) -> bool:
        chat = self._target_chat(call.params)
        stored = self._messages.get((chat["id"], call.params.get("message_id")))  # type: ignore[arg-type]
        if stored is None or stored.deleted:
            raise ApiError(400, "Bad Request: message to delete not found")
        stored.deleted = True
        return True

    def _answer_callback_query(self, call: Call) -> bool:
        query_id = str(call.params.get("callback_query_id", ""))
        if query_id not in self._callback_queries or self._callback_queries[query_id] is not None:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        self._callback_queries[query_id] = copy.deepcopy(call.params)
        return True

    def _store_file(
        self, content: bytes, file_name: str | None, mime_type: str | None, *, folder: str
    ) -> _StoredFile:
        n = next(self._ids)
        suffix = ""
        if file_name and "." in file_name:
            suffix = "." + file_name.rsplit(".", 1)[1]
        stored = _StoredFile(
            file_id=f"BQACAgQAAx{n:06d}",
            file_unique_id=f"AgAD{n:06d}",
            file_path=f"{folder}/file_{n}{suffix}",
            content=bytes(content),
            file_name=file_name,
            mime_type=mime_type,
        )
        self._files[stored.file_id] = stored
        return stored

    @staticmethod
    def _document_json(stored: _StoredFile) -> JSON:
        doc: JSON = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
        }
        if stored.file_name:
            doc["file_name"] = stored.file_name
        if stored.mime_type:
            doc["mime_type"] = stored.mime_type
        return doc

    def _send_document(self, call: Call) -> JSON:
        chat = self._target_chat(call.params)
        upload = call.files.get("document")
        document = call.params.get("document")
        if upload is not None:
            stored = self._store_file(
                upload.content, upload.filename, upload.mime_type, folder="documents"
            )
        elif isinstance(document, str) and document.startswith("attach://"):
            upload = call.files.get(document.removeprefix("attach://"))
            if upload is None:
                raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
            stored = self._store_file(
                upload.content, upload.filename, upload.mime_type, folder="documents"
            )
        elif isinstance(document, str) and document in self._files:
            stored = self._files[document]
            upload = UploadedFile("document", stored.file_name or "", stored.content, "")
        else:
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        content: JSON = {"document": self._document_json(stored)}
        caption = call.params.get("caption")
        if isinstance(caption, str) and caption:
            parse_mode = call.params.get("parse_mode")
            plain = _plain_text(caption, parse_mode if isinstance(parse_mode, str) else None)
            if len(plain) > MAX_CAPTION_LENGTH:
                raise ApiError(400, "Bad Request: message caption is too long")
            content["caption"] = plain
        message = self._bot_message(call, chat, content)
        message.document = upload
        return message.raw

    def _send_photo(self, call: Call) -> JSON:
        """A photo upload: kept like a document (the upload is on `.document` for tests),
        answered with one PhotoSize as Telegram answers with several."""
        chat = self._target_chat(call.params)
        upload = call.files.get("photo")
        photo = call.params.get("photo")
        if upload is None and isinstance(photo, str) and photo.startswith("attach://"):
            upload = call.files.get(photo.removeprefix("attach://"))
        if upload is None:
            raise ApiError(400, "Bad Request: there is no photo in the request")
        if not upload.content.startswith((b"\x89PNG", b"\xff\xd8")):
            raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED")
        stored = self._store_file(upload.content, upload.filename, "image/png", folder="photos")
        size: JSON = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
            "width": 0,
            "height": 0,
        }
        content: JSON = {"photo": [size]}
        caption = call.params.get("caption")
        if isinstance(caption, str) and caption:
            parse_mode = call.params.get("parse_mode")
            plain = _plain_text(caption, parse_mode if isinstance(parse_mode, str) else None)
            if len(plain) > MAX_CAPTION_LENGTH:
                raise ApiError(400, "Bad Request: message caption is too long")
            content["caption"] = plain
        message = self._bot_message(call, chat, content)
        message.document = upload
        return message.raw

    def _get_file(self, call: Call) -> JSON:
        stored = self._files.get(str(call.params.get("file_id", "")))
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        result: JSON = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": self._reported_sizes.get(stored.file_id, len(stored.content)),
            "file_path": stored.file_path,
        }
        if result["file_size"] is None:
            del result["file_size"]
        return result

    def note_served(self, path: str, count: int) -> None:
        """The loopback server wrote `count` more bytes of `path` to a client."""
        with self._lock:
            self.served[path] = self.served.get(path, 0) + count

    # ------------------------------------------------------------------ transcript readers

    @property
    def outbox(self) -> list[Call]:
        """Alias of `calls`."""
        return self.calls

    def calls_of(self, method: str) -> list[Call]:
        """Calls of one method (case-insensitive), in order, including failed ones."""
        with self._lock:
            return [c for c in self.calls if c.method.lower() == method.lower()]

    def method_names(self) -> list[str]:
        """The sequence of method names called so far."""
        with self._lock:
            return [c.method for c in self.calls]

    def _snapshot(self, stored: _StoredMessage) -> SentMessage:
        return SentMessage(
            chat_id=stored.chat_id,
            message_id=stored.message_id,
            text=stored.text,
            plain_text=stored.raw.get("text"),
            caption=stored.raw.get("caption"),
            parse_mode=stored.parse_mode,
            reply_markup=copy.deepcopy(stored.reply_markup),
            method=stored.method,
            edit_count=stored.edit_count,
            document=stored.document,
            raw=copy.deepcopy(stored.raw),
        )

    def sent_to(self, chat_id: ChatId, *, include_deleted: bool = False) -> list[SentMessage]:
        """Messages the bot sent to this chat, oldest first, as they look now."""
        with self._lock:
            found = [
                m
                for (chat, _), m in self._messages.items()
                if chat == chat_id and m.from_bot and (include_deleted or not m.deleted)
            ]
            return [self._snapshot(m) for m in sorted(found, key=lambda m: m.message_id)]

    def last_message(self, chat_id: ChatId) -> SentMessage:
        """The newest message the bot sent to this chat; LookupError if none."""
        sent = self.sent_to(chat_id)
        if not sent:
            raise LookupError(f"the bot has sent nothing to chat {chat_id}")
        return sent[-1]

    def message(self, chat_id: ChatId, message_id: int) -> SentMessage:
        """One message (the bot's or a user's) by id; KeyError if unknown."""
        with self._lock:
            return self._snapshot(self._messages[(chat_id, message_id)])

    def texts_to(self, chat_id: ChatId) -> list[str]:
        """Plain texts (or captions) of the bot's messages to this chat, oldest first."""
        return [m.plain_text or m.caption or "" for m in self.sent_to(chat_id)]

    @staticmethod
    def buttons(message: SentMessage | Mapping[str, Any]) -> list[tuple[str, str]]:
        """`(label, callback_data)` pairs of a SentMessage or a Message/markup dict."""
        if isinstance(message, SentMessage):
            return message.buttons
        markup = message.get("reply_markup", message)
        return buttons_of(markup)

    def callback_answer(self, query_id: str) -> JSON | None:
        """The answerCallbackQuery params for this query, or None if not answered (yet)."""
        with self._lock:
            answer = self._callback_queries.get(query_id)
            return copy.deepcopy(answer)

    def commands(self, scope: JSON | None = None, language_code: str = "") -> list[JSON]:
        """Commands set by setMyCommands for this scope (default scope) and language."""
        with self._lock:
            key = self._commands_key({"scope": scope, "language_code": language_code})
            return copy.deepcopy(self._commands.get(key, []))

    def description(self, language_code: str = "") -> str | None:
        with self._lock:
            return self._descriptions.get(language_code)

    def short_description(self, language_code: str = "") -> str | None:
        with self._lock:
            return self._short_descriptions.get(language_code)

    def file_content(self, file_id: str) -> bytes:
        with self._lock:
            return self._files[file_id].content

    def describe(self, last: int = 15) -> str:
        """A short transcript of the latest calls, for failure messages."""
        with self._lock:
            lines = [c.summary() for c in self.calls[-last:]]
            pending = len(self._updates)
        head = f"fake Bot API: {len(self.calls)} calls, {pending} pending updates; latest:"
        return "\n  ".join([head, *lines])

    # ------------------------------------------------------------------ waiting

    @staticmethod
    def _check(predicate: Callable[[], T | None]) -> T | None:
        try:
            value = predicate()
        except LookupError:
            return None
        return value if value else None

    async def wait_for(
        self,
        predicate: Callable[[], T | None],
        timeout: float = 2.0,  # noqa: ASYNC109 - a deadline for the predicate, not for I/O
        *,
        what: str = "",
    ) -> T:
        """Await until `predicate()` is truthy (re-checked on every change); return its value.

        A LookupError (KeyError, IndexError...) from the predicate counts as "not yet".
        Raises WaitTimeout (an AssertionError) with a transcript after `timeout` seconds.
        """
        deadline = time.monotonic() + timeout
        with self._async_waiter() as event:
            while True:
                event.clear()
                value = self._check(predicate)
                if value is not None:
                    return value
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise WaitTimeout(
                        f"timed out after {timeout}s waiting for {what or predicate}"
                        f"\n{self.describe()}"
                    )
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(remaining):
                        await event.wait()

    def wait_for_sync(
        self, predicate: Callable[[], T | None], timeout: float = 5.0, *, what: str = ""
    ) -> T:
        """Block this thread until `predicate()` is truthy (for loopback/subprocess tests).

        Never call it on a thread that runs the event loop the bot uses.
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                value = self._check(predicate)
                if value is not None:
                    return value
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise WaitTimeout(
                        f"timed out after {timeout}s waiting for {what or predicate}"
                        f"\n{self.describe()}"
                    )
                self._cond.wait(remaining)

    def _call_predicate(
        self, method: str, where: Callable[[Call], bool] | None, index: int
    ) -> Callable[[], Call | None]:
        def find() -> Call | None:
            done = [c for c in self.calls_of(method) if where is None or where(c)]
            return done[index] if len(done) > index else None

        return find

    async def wait_for_call(
        self,
        method: str,
        where: Callable[[Call], bool] | None = None,
        *,
        index: int = 0,
        timeout: float = 2.0,  # noqa: ASYNC109
    ) -> Call:
        """The `index`-th call of `method` matching `where`, once it has arrived.

        Calls are answered as they arrive (status set), except a getUpdates long poll,
        whose `status` stays None while it waits.
        """
        return await self.wait_for(
            self._call_predicate(method, where, index), timeout, what=f"{method} call #{index}"
        )

    def wait_for_call_sync(
        self,
        method: str,
        where: Callable[[Call], bool] | None = None,
        *,
        index: int = 0,
        timeout: float = 5.0,
    ) -> Call:
        return self.wait_for_sync(
            self._call_predicate(method, where, index), timeout, what=f"{method} call #{index}"
        )

    def _messages_predicate(
        self, chat_id: ChatId, count: int, contains: str | None
    ) -> Callable[[], list[SentMessage] | None]:
        def find() -> list[SentMessage] | None:
            sent = self.sent_to(chat_id)
            if contains is not None:
                sent = [m for m in sent if contains in (m.plain_text or m.caption or "")]
            return sent if len(sent) >= count else None

        return find

    async def wait_for_messages(
        self,
        chat_id: ChatId,
        count: int = 1,
        *,
        contains: str | None = None,
        timeout: float = 2.0,  # noqa: ASYNC109
    ) -> list[SentMessage]:
        """All bot messages to the chat (containing `contains`) once there are `count`."""
        what = f"{count} message(s) to chat {chat_id}" + (
            f" containing {contains!r}" if contains else ""
        )
        return await self.wait_for(
            self._messages_predicate(chat_id, count, contains), timeout, what=what
        )

    def wait_for_messages_sync(
        self, chat_id: ChatId, count: int = 1, *, contains: str | None = None, timeout: float = 5.0
    ) -> list[SentMessage]:
        what = f"{count} message(s) to chat {chat_id}" + (
            f" containing {contains!r}" if contains else ""
        )
        return self.wait_for_sync(
            self._messages_predicate(chat_id, count, contains), timeout, what=what
        )

    async def wait_for_text(
        self,
        chat_id: ChatId,
        contains: str,
        *,
        timeout: float = 2.0,  # noqa: ASYNC109
    ) -> SentMessage:
        """The newest bot message to the chat whose text contains `contains`."""
        return (await self.wait_for_messages(chat_id, contains=contains, timeout=timeout))[-1]

    def wait_for_text_sync(
        self, chat_id: ChatId, contains: str, *, timeout: float = 5.0
    ) -> SentMessage:
        return self.wait_for_messages_sync(chat_id, contains=contains, timeout=timeout)[-1]


# --------------------------------------------------------------------------- in-process face


def _files_from_request_data(request_data: RequestData | None) -> dict[str, UploadedFile]:
    files: dict[str, UploadedFile] = {}
    if request_data is None or not request_data.contains_files:
        return files
    for name, value in request_data.multipart_data.items():
        filename, content, mime_type = value[0], value[1], value[2] if len(value) > 2 else None
        data = content if isinstance(content, bytes) else content.read()
        if isinstance(data, str):
            data = data.encode("utf-8")
        files[name] = UploadedFile(
            field=name,
            filename=filename or name,
            content=bytes(data),
            mime_type=mime_type or "application/octet-stream",
        )
    return files


class FakeRequest(BaseRequest):
    """PTB transport that routes every request into a FakeBotApi, without sockets.

    Params are taken from `request_data.json_parameters` (exactly the form fields PTB would
    send) and decoded with `decode_params`, so both faces record identical `Call`s.
    `latency` (seconds) delays every request, for load tests.
    """

    def __init__(
        self, api: FakeBotApi, *, latency: float = 0.0, read_timeout: float | None = 5.0
    ) -> None:
        self.api = api
        self.latency = latency
        self._read_timeout = read_timeout

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self.latency:
            await asyncio.sleep(self.latency)
        params = decode_params(request_data.json_parameters) if request_data else {}
        files = _files_from_request_data(request_data)
        reply = await self.api.handle_async(method, url, params, files)
        if reply.delay:
            limit = read_timeout if isinstance(read_timeout, int | float) else self._read_timeout
            if limit is not None and reply.delay > limit:
                await asyncio.sleep(limit)
                # What HTTPXRequest raises when the answer does not come in time.
                raise TimedOut() from httpx.ReadTimeout("the fake answered too late")
            await asyncio.sleep(reply.delay)
        return reply.status, reply.payload


class FakeRequests(NamedTuple):
    """What to pass to `ApplicationBuilder().request(...).get_updates_request(...)`."""

    request: FakeRequest
    get_updates_request: FakeRequest


def build_fake_request(
    api: FakeBotApi, *, latency: float = 0.0, read_timeout: float | None = 5.0
) -> FakeRequests:
    """Two FakeRequests on the same model: one for bot calls, one for getUpdates.

    `read_timeout` is the bot calls' (see `FakeBotApi.slow_next`); getUpdates keeps 5 s.
    """
    return FakeRequests(
        FakeRequest(api, latency=latency, read_timeout=read_timeout),
        FakeRequest(api, latency=latency),
    )


def fake_application_builder(
    api: FakeBotApi, *, token: str | None = None, latency: float = 0.0
) -> ApplicationBuilder[Any, Any, Any, Any, Any, Any]:
    """`ApplicationBuilder` with the token and both requests pointed at `api`."""
    requests = build_fake_request(api, latency=latency)
    return (
        ApplicationBuilder()
        .token(token or api.token)
        .request(requests.request)
        .get_updates_request(requests.get_updates_request)
    )
