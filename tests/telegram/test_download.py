"""A sent document is never downloaded past the import limit, whatever size it claims.

The real HTTP path: PTB's httpx transport against the fake Bot API on 127.0.0.1, so the
download is a real stream that can be cut off (the fake counts the bytes it served).
"""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from bot.compose import services
from bot.config import Config
from bot.core.clock import FixedClock
from bot.formats import MAX_IMPORT_BYTES
from bot.telegram.app import build_application
from bot.telegram.run import connect, polling
from tests.support import FakeBotApi, LoopbackServer
from tests.telegram.conftest import WAIT

CARD = b"BEGIN:VCARD\nVERSION:3.0\nFN:Someone\nEND:VCARD\n"


@pytest.mark.parametrize("claimed", [None, 1_000], ids=["size missing", "size understated"])
async def test_a_document_claiming_a_small_size_is_cut_off_at_the_limit(
    config: Config, clock: FixedClock, monkeypatch: pytest.MonkeyPatch, claimed: int | None
) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    big = CARD * (8 * MAX_IMPORT_BYTES // len(CARD))  # 40 MB of contacts
    api = FakeBotApi()
    with LoopbackServer(api) as server:
        telegram = dataclasses.replace(
            config.telegram, base_url=server.base_url, base_file_url=server.base_file_url
        )
        cfg = dataclasses.replace(config, telegram=telegram)
        async with services(cfg, clock) as s:
            app = build_application(cfg, s)
            assert await connect(app, asyncio.Event())
            async with polling(app):
                api.user_sends_document(7, "huge.vcf", big, file_size=claimed)
                [reply] = await api.wait_for_messages(7, 1, timeout=WAIT * 3)
                [(people,)] = await s.db.fetchall("SELECT count(*) FROM people")
    assert "MB" in (reply.plain_text or "") and "up to 5 MB" in (reply.plain_text or "")
    assert people == 0
    [served] = [n for path, n in api.served.items() if path.startswith("/file/")]
    assert served < 3 * MAX_IMPORT_BYTES < len(big)  # stopped near the limit, not read on
