"""Real bot processes against the loopback fake Bot API: `kith run` and the echo bot.

Both are started the same way (`python …` with the same interpreter, environment and
working directory) and each gets its own `FakeBotApi` behind its own `LoopbackServer`,
so they can run side by side without stealing each other's updates.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench.workspace import BENCH, REPO
from tests.support import TOKEN, FakeBotApi, LoopbackServer

STOP_TIMEOUT = 10.0
START_TIMEOUT = 30.0


def write_config(path: Path, server: LoopbackServer, db: Path, allowed: list[int]) -> Path:
    path.write_text(
        "[telegram]\n"
        f'base_url = "{server.base_url}"\n'
        f'base_file_url = "{server.base_file_url}"\n'
        f"allowed_users = {allowed}\n"
        "[storage]\n"
        f'path = "{db}"\n',
        encoding="utf-8",
    )
    return path


def _env(server: LoopbackServer, **extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("KITH_", "ECHO_"))}
    return server.env(base, PTB_TIMEDELTA="1", **extra)


@dataclass
class BotProcess:
    """One running bot: its process, the fake it talks to, and when it was spawned."""

    kind: str  # "kith" or "echo"
    api: FakeBotApi
    server: LoopbackServer
    proc: subprocess.Popen[bytes]
    spawned: float  # time.monotonic() just before the spawn
    log: Path
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def wait_polling(self, timeout: float = START_TIMEOUT) -> float:
        """Seconds from spawn to the fake's first getUpdates from this process."""
        try:
            call = self.api.wait_for_call_sync("getUpdates", timeout=timeout)
        except AssertionError as exc:
            raise RuntimeError(f"{self.kind} never polled; its log:\n{self.output()}") from exc
        return call.at - self.spawned

    def rss_mb(self) -> float:
        """Resident set size now, from /proc/PID/status (VmRSS), in MiB."""
        return _status_kb(self.pid, "VmRSS") / 1024

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                return self.proc.wait(STOP_TIMEOUT)
        return self.proc.returncode

    def output(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-4000:]
        except OSError:
            return ""


def _status_kb(pid: int, key: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return float(line.split()[1])
    raise RuntimeError(f"no {key} in /proc/{pid}/status")


def _spawn(cmd: list[str], env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], float]:
    with log.open("wb") as out:
        spawned = time.monotonic()
        proc = subprocess.Popen(
            cmd, cwd=REPO, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT
        )
    return proc, spawned


@contextmanager
def kith_run(folder: Path, db: Path, allowed: list[int], tag: str = "") -> Iterator[BotProcess]:
    """`python -m bot run --config …` against a fresh fake; stopped (SIGTERM) on exit."""
    api = FakeBotApi()
    with LoopbackServer(api) as server:
        config = write_config(folder / f"kith{tag}.toml", server, db, allowed)
        env = _env(server, KITH_TELEGRAM_TOKEN=TOKEN)
        proc, spawned = _spawn(
            [sys.executable, "-m", "bot", "run", "--config", str(config)],
            env,
            folder / f"kith{tag}.log",
        )
        bot = BotProcess("kith", api, server, proc, spawned, folder / f"kith{tag}.log")
        try:
            yield bot
        finally:
            bot.stop()


@contextmanager
def echo_bot(folder: Path, tag: str = "") -> Iterator[BotProcess]:
    """`python bench/echo_bot.py` against a fresh fake; stopped (SIGTERM) on exit."""
    api = FakeBotApi()
    with LoopbackServer(api) as server:
        env = _env(server, ECHO_TOKEN=TOKEN, ECHO_BASE_URL=server.base_url)
        proc, spawned = _spawn(
            [sys.executable, str(BENCH / "echo_bot.py")], env, folder / f"echo{tag}.log"
        )
        bot = BotProcess("echo", api, server, proc, spawned, folder / f"echo{tag}.log")
        try:
            yield bot
        finally:
            bot.stop()
