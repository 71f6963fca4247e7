"""The fake Discord holds bots to Discord's rules: what it refuses, kith must not send."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

import tests.support.fake_discord as fd
from tests.support.fake_discord import TOKEN, FakeDiscord

AUTH = {"Authorization": f"Bot {TOKEN}", "Content-Type": "application/json"}


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as running:
        yield running


async def post(fake: FakeDiscord, path: str, body: dict[str, Any]) -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(fake.api_base + path, data=json.dumps(body), headers=AUTH) as resp,
    ):
        return resp.status, await resp.json(content_type=None)


def row(*custom_ids: str) -> dict[str, Any]:
    return {
        "type": 1,
        "components": [{"type": 2, "style": 2, "label": c, "custom_id": c} for c in custom_ids],
    }


@pytest.mark.parametrize(
    ("body", "rule"),
    [
        ({"content": "x" * 2001}, "content is 2001 characters"),
        ({"content": "hi", "components": [row(*"abcdef")]}, "an action row with 6"),
        ({"content": "hi", "components": [row(c) for c in "abcdef"]}, "6 action rows"),
        ({"content": "hi", "components": [row("k" * 101)]}, "custom_id of 101"),
        ({"content": ""}, "an empty message"),
    ],
)
async def test_a_message_breaking_a_rule_is_refused_and_recorded(
    fake: FakeDiscord, body: dict[str, Any], rule: str
) -> None:
    channel = fake.dm_channel(5)
    status, answer = await post(fake, f"/channels/{channel}/messages", body)
    assert (status, answer["code"]) == (400, 50035)
    assert any(rule in v for v in fake.violations), fake.violations
    assert fake.channels[channel] == []


async def test_a_wrong_token_is_401(fake: FakeDiscord) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(fake.api_base + "/users/@me", headers={"Authorization": "Bot nope"}) as resp,
    ):
        assert resp.status == 401


async def test_an_interaction_answered_late_is_unknown(
    fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fd, "DEADLINE", -1.0)  # every answer is "after 3 s"
    record = fd.Interaction(1, "t", 2, 5, fake.dm_channel(5), sent_at=0.0)
    fake.interactions[1] = record
    status, answer = await post(fake, "/interactions/1/t/callback", {"type": 4, "data": {}})
    assert (status, answer["code"]) == (404, 10062)
    assert fake.violations and "answered after" in fake.violations[0]
