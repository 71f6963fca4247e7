"""`kith run` as a real process, talking HTTP to the fake Bot API on 127.0.0.1."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support import TOKEN, FakeBotApi, LoopbackServer

REPO = Path(__file__).resolve().parents[2]
START = 40.0  # seconds for a cold interpreter to import PTB and reach getUpdates (a guard:
# a loaded 2-core machine with the suite on every core took over 15 s once)
STOP = 10.0


@dataclass
class KithRun:
    """Start and stop `python -m bot run --config …`, keeping everything it printed."""

    config: Path
    env: dict[str, str]
    logs: Path
    runs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self) -> subprocess.Popen[bytes]:
        n = len(self.runs)
        # The child writes to its own copies of these descriptors; ours close at once.
        with (
            (self.logs / f"out{n}.txt").open("wb") as out,
            (self.logs / f"err{n}.txt").open("wb") as err,
        ):
            proc = subprocess.Popen(
                [sys.executable, "-m", "bot", "run", "--config", str(self.config)],
                cwd=REPO,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
            )
        self.runs.append(proc)
        return proc

    def run_to_exit(self, timeout: float = START) -> tuple[int, str, str]:
        """Start, wait for the process to end by itself; (exit code, stdout, stderr)."""
        proc = self.start()
        code = proc.wait(timeout)
        return code, *self.output(len(self.runs) - 1)

    def terminate(self, proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> int:
        """SIGTERM (as Docker sends it) or another signal; the exit code."""
        proc.send_signal(sig)
        return proc.wait(STOP)

    def output(self, n: int) -> tuple[str, str]:
        return (
            (self.logs / f"out{n}.txt").read_text(errors="replace"),
            (self.logs / f"err{n}.txt").read_text(errors="replace"),
        )

    def everything_printed(self) -> str:
        return "".join(out + err for out, err in map(self.output, range(len(self.runs))))

    def kill_all(self) -> None:
        for proc in self.runs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(STOP)


def write_config(path: Path, server: LoopbackServer, db: Path, allowed: list[int]) -> Path:
    path.write_text(
        "[telegram]\n"
        f'base_url = "{server.base_url}"\n'
        f'base_file_url = "{server.base_file_url}"\n'
        f"allowed_users = {allowed}\n"
        "[storage]\n"
        f'path = "{db}"\n'
    )
    return path


@pytest.fixture
def api() -> FakeBotApi:
    return FakeBotApi()


@pytest.fixture
def server(api: FakeBotApi) -> Iterator[LoopbackServer]:
    with LoopbackServer(api) as running:
        yield running


@pytest.fixture
def kith_run(tmp_path: Path, server: LoopbackServer) -> Iterator[KithRun]:
    """A `kith run` launcher: user 7 and 8 allowed, token in the environment."""
    config = write_config(tmp_path / "kith.toml", server, tmp_path / "kith.db", [7, 8])
    base = {k: v for k, v in os.environ.items() if not k.startswith("KITH_")}
    env = server.env(base, KITH_TELEGRAM_TOKEN=TOKEN, PTB_TIMEDELTA="1")
    runner = KithRun(config, env, tmp_path)
    try:
        yield runner
    finally:
        runner.kill_all()
