"""Webhook updates handled exactly once by many stateless workers (`kith serve`).

The hosted side of bot/ports/updates.py: where polling records an update's id inside
each change, a webhook worker runs the whole update in one unit of work.

A webhook delivers each update at least once, maybe to two workers at once, maybe again
after a worker died. `UpdateLog.handling` opens the update's unit of work: the sender's
owner, locked for the whole unit (one person's updates never interleave), and whether
this update id was handled already. What the update changed and the record that it was
handled (with the replies to deliver) commit together, or not at all.

Replies are delivered under a lease, like digests: the worker that handled the update
owns the delivery; a redelivery that finds the replies undelivered and the lease run out
(that worker died) takes them over. So an update is applied once, and its replies go out
once except when a worker dies between sending and noting it sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any, Literal, Protocol

from bot.ports.identities import Identity

Delivery = Mapping[str, Any]
"""What a transport needs to deliver an update's replies later (JSON-able)."""


class Handling(Protocol):
    """One update's unit of work."""

    @property
    def owner(self) -> int: ...

    @property
    def seen(self) -> bool:
        """The update was handled before: do nothing, deliver what it left instead."""
        ...

    @property
    def failed(self) -> bool:
        """A database error inside the unit: everything of it is being rolled back."""
        ...

    async def record(self, delivery: Delivery) -> None:
        """Mark the update handled, with its replies, in the unit's transaction; the
        delivery is leased to this worker."""
        ...


class UpdateLog(Protocol):
    def handling(
        self, identity: Identity, update_id: int
    ) -> AbstractAsyncContextManager[Handling]: ...

    async def record_alone(self, identity: Identity, update_id: int, delivery: Delivery) -> bool:
        """Mark an update handled outside a unit (its unit failed and rolled back); False
        when it was handled meanwhile. The delivery is leased to this worker."""
        ...

    async def take_delivery(
        self, transport: str, update_id: int
    ) -> Delivery | Literal["delivered", "leased", "unknown"]:
        """For a repeated update: its undelivered replies, leased to this worker now;
        else whether they went out already or another worker is delivering them."""
        ...

    async def delivered(self, transport: str, update_id: int) -> None: ...

    async def expire(self, now: datetime) -> int:
        """Forget the updates whose record expired (bot/ports/updates.py); how many."""
        ...
