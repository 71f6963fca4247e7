"""The digest over Discord: a `Sender` for the sweep (bot/nudges/sweep.py).

Discord's answers map onto the sweep's outcomes: 403 (the user blocked the bot, turned
off DMs, or shares no server with it: codes 50007 / 50278) -> Undeliverable, so the
user is marked unreachable and never retried (Discord bans IPs that keep collecting
403s); 5xx, timeouts and network trouble -> TryLater, retried by the sweep within the
user's day; any other refusal of the message itself -> Rejected. discord.py waits out
429s by itself.

The DM channel id is cached per user: opening a DM is its own request, and Discord asks
bots not to open many DMs quickly.
"""

from __future__ import annotations

import logging

import aiohttp
import discord

from bot.discord.client import view_of
from bot.discord.owners import user_of
from bot.discord.render import parts_of
from bot.engine.replies import Reply
from bot.nudges.sweep import Rejected, TryLater, Undeliverable
from bot.ports.identities import Identities

log = logging.getLogger(__name__)


class DiscordSender:
    """Sends one digest to one Discord user's DM, its buttons as persistent components."""

    def __init__(
        self,
        client: discord.Client,
        identities: Identities,
        allowed_users: frozenset[int] = frozenset(),
    ) -> None:
        self.client = client
        self.identities = identities
        self.allowed_users = allowed_users
        self._channels: dict[int, int] = {}  # Discord user id -> DM channel id

    async def send(self, owner: int, reply: Reply) -> None:
        user_id = await user_of(self.identities, owner)
        if user_id is None:
            raise Undeliverable("no Discord identity")
        if self.allowed_users and user_id not in self.allowed_users:
            raise Undeliverable("not in allowed_users")
        try:
            channel = await self._channel(user_id)
            for part in parts_of(reply):
                view = view_of(part)
                if view is None:
                    await channel.send(part.text)
                else:
                    await channel.send(part.text, view=view)
        except discord.Forbidden as exc:
            raise Undeliverable(f"{exc.code}: {exc.text}") from exc
        except discord.NotFound as exc:
            self._channels.pop(user_id, None)  # a stale channel id: open it again next time
            raise TryLater(f"{exc.code}: {exc.text}") from exc
        except discord.DiscordServerError as exc:
            raise TryLater(f"{exc.status}: {exc.text}") from exc
        except discord.HTTPException as exc:
            if exc.status == 429:  # still limited after discord.py's own waiting
                raise TryLater("rate limited") from exc
            raise Rejected(f"{exc.status} {exc.code}: {exc.text}") from exc
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise TryLater(f"{type(exc).__name__}: {exc}") from exc

    async def _channel(self, user_id: int) -> discord.PartialMessageable:
        channel_id = self._channels.get(user_id)
        if channel_id is None:
            data = await self.client.http.start_private_message(user_id)
            channel_id = int(data["id"])
            self._channels[user_id] = channel_id
        return self.client.get_partial_messageable(channel_id, type=discord.ChannelType.private)
