"""`kith run` end to end: the real process, real HTTP, a fake Telegram on 127.0.0.1.

Each test drives the bot the way Telegram would (updates in, Bot API calls out) and
reads what the fake recorded. Waits are on the fake's conditions, with timeouts.
"""

from __future__ import annotations

import signal
from pathlib import Path
from typing import cast

from bot.cli.run import NO_TOKEN
from bot.core.circles import Circles
from bot.core.clock import SystemClock
from bot.engine import build_engine
from bot.nudges import actions
from bot.ports.store import Store
from bot.telegram.handlers import NOT_ALLOWED, PRIVATE_ONLY
from bot.telegram.run import REJECTED
from tests.e2e.conftest import START, KithRun, write_config
from tests.support import TOKEN, FakeBotApi, LoopbackServer, SentMessage

ANN, BOB, EVE = 7, 8, 9  # Ann and Bob are in allowed_users; Eve is not
WAIT = 5.0


def says(
    api: FakeBotApi,
    user: int,
    text: str,
    *,
    replies: int = 1,
    chat_id: int | None = None,
    chat_type: str = "private",
) -> str:
    """The user sends `text`; the text of the bot's next `replies` messages in that chat."""
    chat = user if chat_id is None else chat_id
    before = len(api.sent_to(chat))
    api.user_sends(user, text, chat_id=chat_id, chat_type=chat_type)
    sent = api.wait_for_messages_sync(chat, before + replies, timeout=WAIT)
    return "\n".join(m.plain_text or "" for m in sent[before:])


def taps(api: FakeBotApi, user: int, label: str) -> str:
    """The user taps the newest button starting with `label`; the pressed message after."""
    message = next(
        m for m in reversed(api.sent_to(user)) if any(t.startswith(label) for t, _ in m.buttons)
    )
    data = next(d for t, d in message.buttons if t.startswith(label))
    api.user_taps(user, message.message_id, data)

    def edited() -> SentMessage | None:
        now = api.message(user, message.message_id)
        return now if now.edit_count > message.edit_count else None

    return api.wait_for_sync(edited, timeout=WAIT, what="an edit").plain_text or ""


def started(api: FakeBotApi, run: int) -> None:
    """Wait until the `run`-th process (0-based) is polling."""
    api.wait_for_call_sync("getUpdates", index=run, timeout=START)


def test_kith_run_serves_survives_a_restart_and_never_prints_the_token(
    api: FakeBotApi, kith_run: KithRun
) -> None:
    first = kith_run.start()
    started(api, 0)

    # The command menu: every command the engine offers.
    engine = build_engine(cast(Store, None), Circles(), SystemClock(), plugins=[actions.register])
    assert api.commands() == [
        {"command": name, "description": text} for name, text in engine.command_menu()
    ]

    assert says(api, ANN, "/start").startswith("Hi! I'm kith")
    assert "Added Alice" in says(api, ANN, "/add Alice")
    assert says(api, ANN, "coffee with Alice yesterday").startswith("Logged coffee with Alice on")
    assert says(api, ANN, "/who")
    assert says(api, ANN, "/show Alice").startswith("Alice — friends")

    assert "Carla" in says(api, ANN, "dinner with Carla")
    assert "Logged dinner with Carla" in taps(api, ANN, "Add Carla")

    assert says(api, ANN, "/add Zed", chat_id=-100777, chat_type="supergroup") == PRIVATE_ONLY
    assert says(api, EVE, "/start") == NOT_ALLOWED
    assert "Nobody here yet" in says(api, BOB, "/people")  # Bob has his own, empty, circles

    api.fail_next("sendMessage", status=429, retry_after=1)
    assert "Carla" in says(api, ANN, "/people")
    assert [c.status for c in api.calls_of("sendMessage")][-2:] == [429, 200]

    assert kith_run.terminate(first) == 0
    assert api.calls_of("getUpdates")[-1].params.get("timeout") == 0  # offsets confirmed

    second = kith_run.start()
    started(api, len(api.calls_of("getUpdates")))
    card = says(api, ANN, "/show Carla")
    assert card.startswith("Carla — friends") and "dinner" in card
    assert "coffee" in says(api, ANN, "/show Alice")
    assert kith_run.terminate(second) == 0

    printed = kith_run.everything_printed()
    assert "running as @kith_bot" in printed
    assert TOKEN not in printed
    assert TOKEN.split(":", 1)[1] not in printed
    assert "Traceback" not in printed


def test_no_token_is_one_line_and_exit_2(kith_run: KithRun) -> None:
    del kith_run.env["KITH_TELEGRAM_TOKEN"]
    code, out, err = kith_run.run_to_exit()
    assert (code, out, err) == (2, "", NO_TOKEN + "\n")


def test_a_rejected_token_is_one_line_and_exit_2(
    tmp_path: Path, api: FakeBotApi, kith_run: KithRun
) -> None:
    kith_run.env["KITH_TELEGRAM_TOKEN"] = "123456:REVOKED-TOKEN"  # the fake knows TOKEN only
    code, out, err = kith_run.run_to_exit()
    assert (code, out, err) == (2, "", REJECTED + "\n")
    assert len(api.calls_of("getMe")) == 1 and api.calls_of("getMe")[0].status == 401


def test_the_config_file_token_works_too(
    tmp_path: Path, api: FakeBotApi, server: LoopbackServer, kith_run: KithRun
) -> None:
    del kith_run.env["KITH_TELEGRAM_TOKEN"]
    config = write_config(tmp_path / "own.toml", server, tmp_path / "own.db", [])
    config.write_text(
        config.read_text().replace("[telegram]\n", f'[telegram]\ntoken = "{TOKEN}"\n')
    )
    kith_run.config = config
    proc = kith_run.start()
    started(api, 0)
    assert says(api, EVE, "/start").startswith("Hi!")  # no allowed_users: anyone
    assert kith_run.terminate(proc, signal.SIGINT) == 0  # Ctrl-C in a terminal
    assert TOKEN not in kith_run.everything_printed()
