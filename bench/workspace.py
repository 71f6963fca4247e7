"""Sizes (full, quick) and where benchmarks keep their files.

Generated databases are cached in `bench/.cache/` by their `Spec` and the schema
version, then copied into a scratch folder for each run, so a benchmark that writes
never changes the cached file and a second run skips the generation.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from bench.generate import VERSION, Spec, check_denormalised, generate
from bot.store.sqlite.migrations import LATEST

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
CACHE = BENCH / ".cache"


@dataclass(frozen=True, slots=True)
class Sizes:
    """How big each figure is. `FULL` is what the targets are about."""

    # 1. engine: one owner
    engine_people: int = 1000
    engine_interactions: int = 100_000
    engine_ops: int = 300  # samples per operation
    # 2. phrase parsing
    phrase_people: int = 1000
    phrase_rounds: int = 15  # passes over the corpus
    # 3. Telegram round trip
    telegram_round_trips: int = 60
    telegram_people: int = 150
    telegram_interactions: int = 3000
    # 7. Discord round trip (people and interactions as for Telegram)
    discord_round_trips: int = 60
    # 4. sweep
    sweep_users: int = 10_000
    sweep_people: int = 150
    sweep_interactions: int = 150  # per user
    sweep_minute_samples: int = 15
    sweep_downtime_samples: int = 3
    sweep_paced_users: int = 10_000  # all due in one minute, sent at 30 msg/s
    # 5. delivery
    delivery_digests: int = 2000
    delivery_failure_rate: float = 0.05
    # 6. footprint
    footprint_starts: int = 4
    footprint_idle: float = 3.0
    # 8. hosted: users × everyday logs each, per store and worker count
    hosted_users: int = 200
    hosted_logs: int = 10
    # 10. scale: one owner growing, a grid of people × meetings; samples per operation
    scale_people: tuple[int, ...] = (100, 1000, 5000)
    scale_meetings: tuple[int, ...] = (10_000, 100_000, 1_000_000)
    scale_ops: int = 100
    # 10. burst: many users at once through the real Telegram client
    burst_users: int = 200
    burst_latency: float = 0.05  # seconds per Bot API round trip
    burst_slow: float = 2.0  # seconds one user's file is held while the others burst
    # 11. memory: RSS after this many distinct users (each with a few people)
    memory_users: tuple[int, ...] = (100, 1000, 10_000)
    memory_people: int = 10
    # 13. export: one owner's /export (the account: 5,000 people, 1M meetings)
    export_people: int = 5000
    export_interactions: int = 1_000_000
    # 14. import: a big vCard over chat, and a 5 MB CSV of one-word rows
    import_contacts: int = 20_000
    import_csv_bytes: int = 5 * 1024 * 1024 - 1024


FULL = Sizes()
QUICK = Sizes(
    engine_people=100,
    engine_interactions=2000,
    engine_ops=15,
    phrase_people=100,
    phrase_rounds=1,
    telegram_round_trips=4,
    telegram_people=20,
    telegram_interactions=100,
    discord_round_trips=4,
    sweep_users=60,
    sweep_people=20,
    sweep_interactions=20,
    sweep_minute_samples=2,
    sweep_downtime_samples=1,
    sweep_paced_users=60,
    delivery_digests=60,
    footprint_starts=1,
    footprint_idle=0.5,
    hosted_users=8,
    hosted_logs=3,
    scale_people=(20, 60),
    scale_meetings=(300, 1000),
    scale_ops=6,
    burst_users=12,
    burst_latency=0.01,
    burst_slow=0.05,
    memory_users=(20, 60),
    memory_people=3,
    export_people=20,
    export_interactions=300,
    import_contacts=200,
    import_csv_bytes=20_000,
)


class Workspace:
    """A scratch folder for one run, plus the shared cache of generated databases."""

    def __init__(
        self, root: Path | None = None, cache: Path | None = None, keep: bool = False
    ) -> None:
        self._tmp = None if root else tempfile.TemporaryDirectory(prefix="kith-bench-")
        self.root = root or Path(self._tmp.name if self._tmp else ".")
        self.root.mkdir(parents=True, exist_ok=True)
        self.cache = cache or CACHE
        self.keep = keep
        self._count = 0

    def path(self, name: str) -> Path:
        return self.root / name

    def dataset(self, spec: Spec, name: str) -> Path:
        """A fresh copy of the database `spec` describes, generated once and cached."""
        identity = repr((VERSION, sorted(asdict(spec).items())))
        key = hashlib.sha256(identity.encode()).hexdigest()[:12]
        cached = self.cache / f"{name}-v{LATEST}-{key}.db"
        if not cached.exists():
            self.cache.mkdir(parents=True, exist_ok=True)
            partial = cached.with_suffix(f".partial{os.getpid()}")
            _remove_db(partial)
            generate(partial, spec)
            if check_denormalised(partial):
                raise RuntimeError(f"generated {partial} has wrong last_contact/last_kind")
            os.replace(partial, cached)
            _remove_db(partial)  # the -wal/-shm companions, if any
        self._count += 1
        copy = self.root / f"{name}-{self._count}.db"
        shutil.copyfile(cached, copy)
        return copy

    def close(self) -> None:
        if self._tmp is not None and not self.keep:
            self._tmp.cleanup()


def _remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
