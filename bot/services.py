"""What a transport gets from the composition root: the pieces it runs on.

Built once per process by `bot.compose.services`, which picks the store; transports
see only the `Store` port and the engine, never which database is behind them.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Config
from bot.core.clock import Clock
from bot.engine import Engine
from bot.ports.store import Store


@dataclass(frozen=True, slots=True)
class Services:
    """Everything a transport needs, built once per process."""

    config: Config
    store: Store
    engine: Engine
    clock: Clock
