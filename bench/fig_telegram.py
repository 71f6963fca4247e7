"""Figure 3: a plain-language log through Telegram's real client, end to end.

`kith run` runs as a real subprocess (python-telegram-bot, httpx, long polling, the
engine, SQLite) against the loopback fake Bot API. A user sends "coffee with NAME
yesterday"; the round trip is from the moment the fake queues that update to the moment
kith's `sendMessage` with the answer reaches the fake. The baseline is a bare PTB echo
bot (`bench/echo_bot.py`, also a real subprocess, with its own instance of the same
fake) answering the same texts; the two are measured alternately in the same run.
"""

from __future__ import annotations

import random
import time
from datetime import date

from bench.fig_engine import RELATIVE_WHEN, log_cases
from bench.generate import Spec, iter_people
from bench.processes import BotProcess, echo_bot, kith_run
from bench.report import Check, Row, Series
from bench.workspace import Sizes, Workspace
from bot.core.names import NameEntry, NameIndex

NAME = "telegram"
USER = 7  # the owner id the generated data belongs to, and the Telegram user id
# Seconds between messages: each arrives while the bot is idle, and kith's replies stay
# far below its rate limiter's 30 messages/s (a faster test measures the limiter's queue).
PAUSE = 0.04
WAIT = 10.0
# A bare echo over loopback answers in a few ms; ~40 ms means delayed-ACK stalls.
NAGLE_SUSPECT_MS = 30.0


def round_trip(bot: BotProcess, text: str) -> tuple[float, str]:
    """(milliseconds from update queued to the bot's reply arriving, the reply text)."""
    api = bot.api
    before = len(api.calls_of("sendMessage"))
    sent = time.monotonic()
    api.user_sends(USER, text)
    call = api.wait_for_call_sync("sendMessage", index=before, timeout=WAIT)
    return (call.at - sent) * 1000, str(call.params.get("text", ""))


def run(sizes: Sizes, work: Workspace) -> list[Row]:
    spec = Spec(
        owners=1,
        people=sizes.telegram_people,
        interactions=sizes.telegram_interactions,
        first_owner=USER,
    )
    db = work.dataset(spec, "telegram")
    people = list(iter_people(db, USER))
    index = NameIndex.build(NameEntry(pid, name) for pid, name in people)
    # kith runs on the real clock here: only relative dates, which are never in the future.
    cases = log_cases(people, index, sizes.telegram_round_trips + 3, 3, RELATIVE_WHEN, date.today())
    texts = [c.text for c in cases]
    kith_ms: list[float] = []
    echo_ms: list[float] = []
    with (
        kith_run(work.root, db, [USER], tag="-rtt") as kith,
        echo_bot(work.root, tag="-rtt") as echo,
    ):
        kith.wait_polling()
        echo.wait_polling()
        for text in texts[:3]:  # warm up: first-use imports, connections, caches
            round_trip(kith, text)
            round_trip(echo, text)
        rng = random.Random(5)
        for i, text in enumerate(texts[3:]):
            order = (kith, echo) if i % 2 else (echo, kith)
            for bot in order:
                time.sleep(PAUSE * (0.5 + rng.random()))
                ms, reply = round_trip(bot, text)
                if bot is kith and not reply.startswith("Logged"):
                    raise RuntimeError(f"kith answered {text!r} with {reply[:200]!r}")
                (kith_ms if bot is kith else echo_ms).append(ms)
    notes = f"{len(kith_ms)} round trips each over loopback HTTP"
    if echo_ms and sorted(echo_ms)[len(echo_ms) // 2] > NAGLE_SUSPECT_MS:
        notes += (
            "; WARNING: even the echo bot takes > 30 ms, so the loopback fake is waiting "
            "on TCP delayed ACKs (Nagle) and the ratio says little (bench/README.md)"
        )
    return [
        Row(
            "3",
            "Telegram round trip: log via kith run",
            measured=Series.of(kith_ms),
            baseline=Series.of(echo_ms),
            baseline_name="bare PTB echo bot",
            checks=(Check("ratio", "<=", 1.5),),
            notes=notes,
        )
    ]
