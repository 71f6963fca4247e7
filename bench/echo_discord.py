"""A bare discord.py echo bot: the baseline for figure 8.

The smallest DM bot discord.py's own examples would write: `Intents.default()`, one
`on_message` that replies with the text it got. No database, no engine, no commands.
"""

from __future__ import annotations

import discord


class EchoBot(discord.Client):
    def __init__(self) -> None:
        super().__init__(intents=discord.Intents.default(), guild_ready_timeout=0.0)

    async def on_message(self, message: discord.Message) -> None:
        if not message.author.bot and message.content:
            await message.channel.send(message.content)
