"""The digest in `kith chat`: printed in the terminal, its buttons numbered."""

from __future__ import annotations

import io
from pathlib import Path

from bot.console.chat import PROMPT, ConsoleChat, run_chat
from bot.console.nudges import TerminalNudges
from bot.core.clock import FixedClock, parse_utc
from bot.ports.identities import CONSOLE_USER, Identity
from tests.conversation import Chat, kith


async def test_a_due_digest_prints_when_the_chat_opens_and_a_number_presses(
    tmp_path: Path,
) -> None:
    clock = FixedClock(parse_utc("2026-11-25T10:00:00Z"))
    async with kith(tmp_path / "k.db", clock) as services:
        local = await services.store.identities.owner_of(CONSOLE_USER)
        me = Chat(services.engine, owner=local)
        await me.says("/add Alice inner")
        await me.says("coffee with Alice 2026-10-01")
        await me.says("/add Bob inner")
        await me.says("coffee with Bob 2026-10-01")
        clock.set(parse_utc("2026-11-26T09:00:00Z"))

        out = io.StringIO()
        nudges = TerminalNudges(services.engine, clock)
        await run_chat(
            services.engine,
            local,
            stdin=io.StringIO("4\n/who\n"),
            stdout=out,
            sweep=nudges,
            sweep_every=3600,
        )

    printed = out.getvalue()
    assert "It's been a while — maybe say hi to:" in printed
    assert "  1) Reached out to Alice" in printed
    assert "  4) Reached out to Bob" in printed
    assert "[Reached out to Bob]" in printed
    assert "✓ Reached out to Bob · /undo" in printed
    who = printed.rsplit("Time to catch up with:", 1)[1]
    assert "Alice" in who and "Bob" not in who


async def test_the_terminal_sweep_never_sends_a_telegram_user_s_digest(tmp_path: Path) -> None:
    clock = FixedClock(parse_utc("2026-11-25T10:00:00Z"))
    async with kith(tmp_path / "k.db", clock) as services:
        local = await services.store.identities.owner_of(CONSOLE_USER)
        seven = await services.store.identities.owner_of(Identity("telegram", "7"))
        telegram_user = Chat(services.engine, owner=seven)
        await telegram_user.says("/add Alice inner")
        await telegram_user.says("coffee with Alice 2026-10-01")
        clock.set(parse_utc("2026-11-26T09:00:00Z"))

        out = io.StringIO()
        await run_chat(
            services.engine,
            local,
            stdin=io.StringIO(""),
            stdout=out,
            sweep=TerminalNudges(services.engine, clock),
        )
        assert out.getvalue() == ""
        rows = await services.db.fetchall("SELECT count(*) FROM digests")
        assert rows[0][0] == 0


async def test_a_wrong_number_keeps_the_choices(tmp_path: Path) -> None:
    clock = FixedClock(parse_utc("2026-11-25T10:00:00Z"))
    async with kith(tmp_path / "k.db", clock) as services:
        local = await services.store.identities.owner_of(CONSOLE_USER)
        out = io.StringIO()
        chat = ConsoleChat(services.engine, local, out)
        await chat.say("dinner with Carla yesterday")
        assert "  2) Not a person" in out.getvalue()

        await chat.say("9")
        assert out.getvalue().endswith(
            "Pick a number from 1 to 3:\n  1) Add Carla to friends\n  2) Not a person\n"
            "  3) Cancel\n"
        )
        await chat.say("1")
        assert "Logged dinner with Carla on Tue 24 Nov" in out.getvalue()


async def test_the_prompt_comes_back_after_a_digest(tmp_path: Path) -> None:
    clock = FixedClock(parse_utc("2026-11-25T10:00:00Z"))
    async with kith(tmp_path / "k.db", clock) as services:
        local = await services.store.identities.owner_of(CONSOLE_USER)
        me = Chat(services.engine, owner=local)
        await me.says("/add Alice inner")
        await me.says("coffee with Alice 2026-10-01")
        clock.set(parse_utc("2026-11-26T09:00:00Z"))
        out = io.StringIO()
        chat = ConsoleChat(services.engine, local, out)
        chat.prompt, chat.waiting = PROMPT, True  # as while a terminal waits for a line

        await TerminalNudges(services.engine, clock)(chat)

        printed = out.getvalue()
        assert "It's been a while" in printed
        assert printed.endswith("Less often for Alice\n" + PROMPT)
