"""Joining one person's transport identities into one owner (`/link`, `/unlink`).

A one-time code shown to one owner and entered by another joins the second's identities
to the first (or the other way round, so whichever has data keeps it: the engine
decides). Codes expire; taking one uses it up.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.ports.identities import Identity


class Links(Protocol):
    async def offer(self, owner: int, code: str, now: datetime, expires_at: datetime) -> None:
        """Make `code` the owner's one open link code (an older one stops working)."""
        ...

    async def holder(self, code: str, now: datetime) -> int | None:
        """The owner who was shown this code, if it has not expired or been used."""
        ...

    async def take(self, code: str, now: datetime) -> int | None:
        """Like `holder`, and the code is used up."""
        ...

    async def join(self, source: int, target: int) -> None:
        """Every identity of `source` becomes `target`'s (target's digest choice stays)."""
        ...

    async def detach(self, identity: Identity) -> int:
        """The identity leaves its owner for a new, empty owner; that owner's id."""
        ...
