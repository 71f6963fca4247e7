"""Test support: a fake Telegram Bot API with an in-process and a loopback HTTP face."""

from tests.support.fake_bot_api import (
    TOKEN,
    Call,
    FakeBotApi,
    FakeRequest,
    SentMessage,
    WaitTimeout,
    build_fake_request,
    fake_application_builder,
)
from tests.support.loopback import LoopbackServer

__all__ = [
    "TOKEN",
    "Call",
    "FakeBotApi",
    "FakeRequest",
    "LoopbackServer",
    "SentMessage",
    "WaitTimeout",
    "build_fake_request",
    "fake_application_builder",
]
