"""Downloading a file a user sent, never past a size limit.

Telegram's `file_size` may be missing or understated, so it is only a first check: the
body is streamed and the download stops as soon as it passes the limit, whatever any
header or field said. Used with PTB's own HTTP transport (`HTTPXRequest`); a test
transport without sockets falls back to PTB's whole-file download and the same check.
"""

from __future__ import annotations

from typing import Final

import httpx
from telegram import Bot
from telegram.error import NetworkError, TimedOut
from telegram.request import HTTPXRequest

CHUNK: Final = 64 * 1024
TIMEOUT: Final = httpx.Timeout(30.0, connect=10.0)


class TooBig(Exception):
    """The file is over the limit; `size` is what was known of it (at least this)."""

    def __init__(self, size: int) -> None:
        super().__init__(f"over the limit ({size} bytes or more)")
        self.size = size


async def download(bot: Bot, file_id: str, limit: int) -> bytes:
    """The file's bytes; TooBig once it is known to pass `limit` (reading stops there)."""
    file = await bot.get_file(file_id)
    if file.file_size is not None and file.file_size > limit:
        raise TooBig(file.file_size)
    if isinstance(bot.request, HTTPXRequest) and file.file_path:
        return await _stream(file.file_path, limit)
    data = bytes(await file.download_as_bytearray())
    if len(data) > limit:
        raise TooBig(len(data))
    return data


async def _stream(url: str, limit: int) -> bytes:
    received = bytearray()
    try:
        async with (
            httpx.AsyncClient(timeout=TIMEOUT) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code != httpx.codes.OK:
                raise NetworkError(f"downloading the file failed ({response.status_code})")
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit:
                raise TooBig(int(declared))
            async for chunk in response.aiter_bytes(CHUNK):
                received += chunk
                if len(received) > limit:
                    raise TooBig(len(received))  # leaving the block closes the connection
    except httpx.TimeoutException as exc:
        raise TimedOut("downloading the file timed out") from exc
    except httpx.HTTPError as exc:
        # Not str(exc): httpx's messages quote the URL, and the URL holds the token.
        raise NetworkError(f"downloading the file failed ({type(exc).__name__})") from exc
    return bytes(received)
