"""Which update is being handled right now, so its change can record it (exactly once).

A transport that receives updates with ids (Telegram's `update_id`, later webhooks and
Discord) wraps the handling of one update in `handling(key)`. The store's journaled
writes (`Store.change`, `log_now`, `undo`, `delete_user`) then record the key in
`handled_updates` *inside their own transaction*: the change and the fact that this update
made it commit together, so a redelivered update (after a crash, or a failed offset
confirmation) is recognised and skipped. An update that changed nothing is recorded by the
transport after handling, in its own small transaction (`Store.mark_handled`).

Transport-neutral on purpose: no Telegram here, only (transport, id).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final

# Telegram keeps an unconfirmed update for 24 hours; ids may restart after a quiet week.
# Two days covers every redelivery and stays well clear of a restarted id sequence.
HANDLED_FOR: Final = timedelta(days=2)


@dataclass(frozen=True, slots=True)
class UpdateKey:
    """One incoming update: its transport ("telegram"), its id there, when it arrived."""

    transport: str
    update_id: int
    received_at: datetime

    @property
    def expires_at(self) -> datetime:
        return self.received_at + HANDLED_FOR


@dataclass(slots=True)
class Handling:
    """The update being handled, and whether a change has recorded it yet."""

    key: UpdateKey
    recorded: bool = field(default=False)


_current: ContextVar[Handling | None] = ContextVar("kith_current_update", default=None)


def current() -> Handling | None:
    """The update this task is handling, if a transport said so."""
    return _current.get()


@contextmanager
def handling(key: UpdateKey) -> Iterator[Handling]:
    """Mark `key` as the update this task (and what it awaits) is handling."""
    state = Handling(key)
    token = _current.set(state)
    try:
        yield state
    finally:
        _current.reset(token)
