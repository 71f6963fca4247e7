"""Which kith owner a Discord user is, and back: the one seam between Discord user ids
and owners (the identities port; `/link` can make a Discord user the same owner as a
Telegram one)."""

from __future__ import annotations

from bot.ports.identities import DISCORD, Identities, Identity


async def owner_of(identities: Identities, user_id: int) -> int:
    """The owner Discord user `user_id` is (a new one the first time they appear)."""
    return await identities.owner_of(Identity(DISCORD, str(user_id)))


async def user_of(identities: Identities, owner: int) -> int | None:
    """The Discord user id to message for `owner`, if they have one."""
    external = await identities.external_id(owner, DISCORD)
    return int(external) if external is not None and external.isdigit() else None
