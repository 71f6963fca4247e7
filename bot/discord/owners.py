"""Which kith owner a Discord user is: the one seam between Discord ids and owner ids."""

from __future__ import annotations

from typing import Final

# Discord user ids are snowflakes: (milliseconds since 2015 << 22), so every account
# made after Discord's launch has an id above 2**52, while Telegram promises its user ids
# fit in 52 bits. Until identities map ids to owners, that keeps the two apart.
SNOWFLAKE_FLOOR: Final = 2**52


async def owner_of(user_id: int) -> int:
    """The owner id for Discord user `user_id`."""
    return user_id


def is_discord_owner(owner: int) -> bool:
    return owner >= SNOWFLAKE_FLOOR


async def user_of(owner: int) -> int | None:
    """The Discord user id to message for `owner`, if they have one."""
    return owner if is_discord_owner(owner) else None
