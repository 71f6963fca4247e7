"""The loopback face of the fake Bot API: a stdlib HTTP server on 127.0.0.1.

`LoopbackServer(api)` serves a `FakeBotApi` on an ephemeral port from a background thread:
`POST|GET {base_url}{token}/{method}` (form-urlencoded, JSON or multipart bodies, plus
query strings) and `GET {base_file_url}{token}/{file_path}` for file downloads. Point a
real bot (in-process with `.base_url(...)`, or a `kith run` subprocess) at `base_url`.

Long polls block a handler thread on the model's Condition; they end early when the client
goes away or the server stops, so `stop()` returns quickly.
"""

from __future__ import annotations

import contextlib
import email.parser
import email.policy
import json
import logging
import os
import select
import socket
import sys
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit

from tests.support.fake_bot_api import FakeBotApi, Reply, UploadedFile, decode_params

__all__ = ["LoopbackServer", "parse_body", "parse_multipart"]

_LOGGER = logging.getLogger(__name__)

# httpx escapes these in multipart file names (WHATWG style); undo it.
_FILENAME_ESCAPES = {"%22": '"', "%0D": "\r", "%0A": "\n"}


def parse_multipart(
    body: bytes, content_type: str
) -> tuple[dict[str, str], dict[str, UploadedFile]]:
    """Split a multipart/form-data body into text fields and files (stdlib `email`)."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1")
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise ValueError("not a multipart body")
    fields: dict[str, str] = {}
    files: dict[str, UploadedFile] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is None:
            charset = part.get_content_charset() or "utf-8"
            fields[name] = data.decode(charset, "replace")
            continue
        for escaped, char in _FILENAME_ESCAPES.items():
            filename = filename.replace(escaped, char)
        files[name] = UploadedFile(
            field=name, filename=filename, content=data, mime_type=part.get_content_type()
        )
    return fields, files


def parse_body(body: bytes, content_type: str) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    """Decode a Bot API request body of any of the three content types Telegram accepts."""
    kind = content_type.split(";", 1)[0].strip().lower()
    if not body:
        return {}, {}
    if kind == "multipart/form-data":
        fields, files = parse_multipart(body, content_type)
        return decode_params(fields), files
    if kind == "application/json":
        value = json.loads(body)
        if not isinstance(value, dict):
            raise ValueError("JSON body must be an object")
        return decode_params(value), {}
    text = body.decode("utf-8")
    return decode_params(dict(parse_qsl(text, keep_blank_values=True))), {}


def _read_chunked(rfile: Any) -> bytes:
    chunks: list[bytes] = []
    while True:
        size = int(rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
        if size == 0:
            while rfile.readline() not in (b"\r\n", b"\n", b""):
                pass
            return b"".join(chunks)
        chunks.append(rfile.read(size))
        rfile.readline()


_PIECE = 64 * 1024


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, the body waits for the
    # client's delayed ACK (~40 ms on Linux) and every call looks 40 ms slow.
    disable_nagle_algorithm = True
    timeout = 60  # idle keep-alive connections end eventually even if nobody stops us
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.untrack(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        _LOGGER.debug("loopback %s - %s", self.address_string(), format % args)

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _client_gone(self) -> bool:
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            if not readable:
                return False
            return bool(self.connection.recv(1, socket.MSG_PEEK) == b"")
        except (OSError, ValueError):
            return True

    def _serve(self) -> None:
        self.server.set_busy(self.connection, True)
        try:
            self._serve_busy()
        finally:
            self.server.set_busy(self.connection, False)

    def _serve_busy(self) -> None:
        split = urlsplit(self.path)
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = _read_chunked(self.rfile)
        else:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            params: dict[str, Any] = decode_params(dict(parse_qsl(split.query)))
            body_params, files = parse_body(body, self.headers.get("Content-Type", ""))
            params.update(body_params)
        except (ValueError, UnicodeDecodeError) as exc:
            reply = Reply(
                400,
                json.dumps(
                    {"ok": False, "error_code": 400, "description": f"Bad Request: {exc}"}
                ).encode(),
            )
        else:
            gone = False

            def should_abort() -> bool:
                nonlocal gone
                if self.server.stopping.is_set():
                    return True  # answer what we have, then close the connection
                gone = self._client_gone()
                return gone

            reply = self.server.api.handle(
                self.command, split.path, params, files, should_abort=should_abort
            )
            if gone:
                self.close_connection = True
                return
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.payload)))
        if self.server.stopping.is_set():
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        # In pieces, counted: a client that stops reading (a download cut off at a size
        # limit) shows in `FakeBotApi.served` as bytes never sent.
        view = memoryview(reply.payload)
        for start in range(0, len(view), _PIECE):
            try:
                self.wfile.write(view[start : start + _PIECE])
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True
                return
            self.server.api.note_served(split.path, min(_PIECE, len(view) - start))


class _Server(ThreadingHTTPServer):
    daemon_threads = False  # server_close() joins every handler thread
    block_on_close = True

    def __init__(self, address: tuple[str, int], api: FakeBotApi) -> None:
        self.api = api
        self.stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._busy: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    # A connection is idle while its handler waits for the next request (keep-alive) and
    # busy while it serves one. Stopping ends idle connections at once (SHUT_RD makes the
    # handler's read return EOF) and busy ones right after their answer is written.

    def track(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.add(connection)
            if self.stopping.is_set():
                _end_reads(connection)

    def untrack(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.discard(connection)
            self._busy.discard(connection)

    def set_busy(self, connection: socket.socket, busy: bool) -> None:
        with self._connections_lock:
            if busy:
                self._busy.add(connection)
                return
            self._busy.discard(connection)
            if self.stopping.is_set():
                _end_reads(connection)

    def drop_idle_connections(self) -> None:
        with self._connections_lock:
            for connection in self._connections - self._busy:
                _end_reads(connection)

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError | TimeoutError):
            return  # the client went away; nothing to report
        _LOGGER.exception("loopback fake Bot API: error serving %s", client_address)
        if isinstance(exc, BaseException):
            self.api.internal_errors.append(exc)


def _end_reads(connection: socket.socket) -> None:
    """Make a blocked read on this connection return EOF; writes still go through."""
    with contextlib.suppress(OSError):
        connection.shutdown(socket.SHUT_RD)


class LoopbackServer:
    """Serve a FakeBotApi over HTTP on 127.0.0.1 from a background thread.

    Use as a context manager, or call `start()`/`stop()`. `base_url` and `base_file_url`
    are what PTB's `ApplicationBuilder.base_url/base_file_url` expect (the token is
    appended). `env()` builds a subprocess environment with proxies disabled.
    """

    def __init__(self, api: FakeBotApi, host: str = "127.0.0.1", port: int = 0) -> None:
        self.api = api
        self._address = (host, port)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("LoopbackServer is not started")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self._address[0]}:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    def start(self) -> Self:
        if self._server is not None:
            return self
        self._server = _Server(self._address, self.api)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"fake-bot-api:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        server.stopping.set()
        self.api.wake()  # long polls notice `stopping` and answer []
        server.shutdown()  # no new connections
        server.drop_idle_connections()  # idle keep-alive readers see EOF
        server.server_close()  # joins handler threads
        if thread is not None:
            thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def env(self, base: Mapping[str, str] | None = None, **extra: str) -> dict[str, str]:
        """An environment for a bot subprocess pointed at this server.

        Starts from `base` (default: os.environ), removes proxy variables, sets
        NO_PROXY for loopback, and TELEGRAM_API_BASE_URL / TELEGRAM_API_FILE_URL (the names
        the engineering notes suggest; pass `**extra` for the token and anything else).
        """
        env = dict(os.environ if base is None else base)
        for key in list(env):
            if key.lower() in {"http_proxy", "https_proxy", "all_proxy"}:
                del env[key]
        env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
        env["TELEGRAM_API_BASE_URL"] = self.base_url
        env["TELEGRAM_API_FILE_URL"] = self.base_file_url
        env.update(extra)
        return env
