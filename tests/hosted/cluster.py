"""Several `kith serve` worker processes over one fresh PostgreSQL database, behind a
round-robin proxy, talking to the fake Bot API over loopback HTTP."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from tests.support import TOKEN, LoopbackServer
from tests.support.webhooks import RoundRobinProxy

REPO = Path(__file__).resolve().parents[2]
SECRET = "test-secret_123"
START = 30.0  # seconds for cold interpreters (two cores, four at once) to listen


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Worker:
    port: int
    proc: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def name(self) -> str:
        """The worker's lease owner name (KITH_WORKER_NAME)."""
        return f"worker-{self.port}"


@dataclass
class Cluster:
    database_url: str
    server: LoopbackServer
    tmp: Path
    env_extra: dict[str, str] = field(default_factory=dict)
    workers: list[Worker] = field(default_factory=list)
    proxy: RoundRobinProxy | None = None

    def config(self) -> Path:
        path = self.tmp / "kith.toml"
        path.write_text(
            "[telegram]\n"
            f'base_url = "{self.server.base_url}"\n'
            f'base_file_url = "{self.server.base_file_url}"\n'
            "[storage]\n"
            f'url = "{self.database_url}"\n'
        )
        return path

    def env(self) -> dict[str, str]:
        base = {k: v for k, v in os.environ.items() if not k.startswith("KITH_")}
        settings = {
            "KITH_TELEGRAM_TOKEN": TOKEN,
            "KITH_WEBHOOK_SECRET": SECRET,
            "KITH_CONFIG": str(self.config()),
            "PTB_TIMEDELTA": "1",
            # The fake Bot API has no flood limits: the pace would only make tests slow
            # (the pacing itself is PTB's AIORateLimiter, set to the workers' shares).
            "KITH_BOT_RATE": "100000",
        }
        return self.server.env(base, **{**settings, **self.env_extra})

    def start_worker(self, count: int) -> Worker:
        port = free_port()
        log = self.tmp / f"worker-{port}.log"
        env = {**self.env(), "KITH_WORKER_NAME": f"worker-{port}"}
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "bot",
                    "serve",
                    "--port",
                    str(port),
                    "--workers",
                    f"{count}",
                ],
                cwd=REPO,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        worker = Worker(port, proc, log)
        self.workers.append(worker)
        return worker

    async def start(self, count: int) -> str:
        """`count` workers and the proxy in front; the proxy's webhook URL."""
        started = [self.start_worker(count) for _ in range(count)]
        await asyncio.gather(*(self.ready(w) for w in started))
        self.proxy = RoundRobinProxy([w.url for w in started])
        return await self.proxy.start() + "/telegram"

    async def ready(self, worker: Worker) -> None:
        loop = asyncio.get_running_loop()
        end = loop.time() + START
        async with aiohttp.ClientSession() as session:
            while True:
                if worker.proc.poll() is not None:
                    raise AssertionError(f"worker exited: {worker.log.read_text()[-3000:]}")
                try:
                    async with session.get(worker.url + "/healthz") as r:
                        if r.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                if loop.time() > end:
                    raise AssertionError(f"worker never listened: {worker.log.read_text()}")
                await asyncio.sleep(0.1)

    def kill(self, worker: Worker) -> None:
        worker.proc.send_signal(signal.SIGKILL)
        worker.proc.wait(10)

    async def stop(self) -> None:
        if self.proxy is not None:
            await self.proxy.stop()
        for w in self.workers:
            if w.proc.poll() is None:
                w.proc.send_signal(signal.SIGTERM)
        for w in self.workers:
            try:
                w.proc.wait(10)
            except subprocess.TimeoutExpired:
                w.proc.kill()
                w.proc.wait(10)

    def logs(self) -> str:
        return "\n".join(f"--- {w.name}\n{w.log.read_text()[-4000:]}" for w in self.workers)
