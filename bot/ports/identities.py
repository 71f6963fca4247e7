"""Owners and the transport users they are: one owner may be reached on several
transports, and no transport's user ids can collide with another's.

An owner is kith's own integer id. A transport user is an `Identity`: the transport's
name and its own id for the user, as text (`("telegram", "123")`, `("discord", "456")`,
the terminal's `("console", "local")`). Each owner's digest goes out through one
transport (`digest_via`): the one that first reached them, until they choose another.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Protocol

TELEGRAM: Final = "telegram"
CONSOLE: Final = "console"
DISCORD: Final = "discord"


@dataclass(frozen=True, slots=True)
class Identity:
    """A user as one transport knows them."""

    transport: str
    external_id: str

    def __str__(self) -> str:
        return f"{self.transport}:{self.external_id}"


CONSOLE_USER: Final = Identity(CONSOLE, "local")


class Identities(Protocol):
    """The map from transport users to owners."""

    async def owner_of(self, identity: Identity) -> int:
        """The owner this user is, creating a new owner the first time they appear."""
        ...

    async def find(self, identity: Identity) -> int | None:
        """The owner this user is, or None when they never appeared (nothing created)."""
        ...

    async def of_owner(self, owner: int) -> list[Identity]:
        """Every transport user that is this owner, oldest first."""
        ...

    async def external_id(self, owner: int, transport: str) -> str | None:
        """The owner's id on `transport` (what its sender addresses), or None."""
        ...

    async def digest_via(self, owner: int) -> str | None:
        """The transport the owner's digest goes out through."""
        ...

    async def set_digest_via(self, owner: int, transport: str) -> bool:
        """Send their digest through `transport`; False when they have no identity there."""
        ...
