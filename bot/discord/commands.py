"""Every engine command as a Discord slash command, built from the engine's registry.

A slash command becomes the same text the user could type in the DM (`/note person:Alice
text:loves jazz` -> "/note Alice loves jazz"), so Discord adds no second conversation.
Commands that start with a person (the engine's person commands) take `person` with
autocomplete from the user's own people. All of them are allowed in the bot's DM and in
user installs; elsewhere kith answers, privately, that it works in DMs.

(No `from __future__ import annotations` here: discord.py reads the callbacks'
annotations to build each command's options.)
"""

import logging
from typing import Any, Final, Protocol

import discord
from discord import app_commands

from bot.engine import Command, Engine

log = logging.getLogger(__name__)

MAX_DESCRIPTION: Final = 100
# Where the commands show up: the bot's DM, group DMs and other DMs (a user install), and
# servers (where the answer is "message me directly"); installable on servers and users.
CONTEXTS: Final = app_commands.AppCommandContext(guild=True, dm_channel=True, private_channel=True)
INSTALLS: Final = app_commands.AppInstallationType(guild=True, user=True)


class Host(Protocol):
    """What the commands need of the client (KithDiscord): the engine and two handlers."""

    engine: Engine

    async def on_command(self, interaction: discord.Interaction[Any], text: str) -> None: ...

    async def complete_person(
        self, interaction: discord.Interaction[Any], typed: str
    ) -> list[app_commands.Choice[str]]: ...


def build_tree(client: Any) -> app_commands.CommandTree[Any]:
    """The command tree of `client`, a discord.Client that is also a `Host`."""
    host: Host = client
    tree: app_commands.CommandTree[Any] = app_commands.CommandTree(
        client, allowed_contexts=CONTEXTS, allowed_installs=INSTALLS
    )
    person_commands = set(host.engine.person_commands)
    for command in host.engine.commands.values():
        if command.name in person_commands:
            tree.add_command(_person_command(host, command))
        else:
            tree.add_command(_text_command(host, command))
    return tree


def _text_command(client: Host, command: Command) -> app_commands.Command[Any, Any, Any]:
    name = command.name

    async def callback(interaction: discord.Interaction, text: str | None = None) -> None:
        await client.on_command(interaction, _line(name, text))

    app_commands.describe(text=_hint(command, "what to say after the command"))(callback)
    return app_commands.Command(name=name, description=_description(command), callback=callback)


def _person_command(client: Host, command: Command) -> app_commands.Command[Any, Any, Any]:
    name = command.name

    async def callback(
        interaction: discord.Interaction, person: str, text: str | None = None
    ) -> None:
        await client.on_command(interaction, _line(name, person, text))

    app_commands.describe(
        person="one of your people", text=_hint(command, "the rest, after the name")
    )(callback)
    slash: app_commands.Command[Any, Any, Any] = app_commands.Command(
        name=name, description=_description(command), callback=callback
    )

    @slash.autocomplete("person")
    async def people(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await client.complete_person(interaction, current)

    return slash


def _line(name: str, *words: str | None) -> str:
    return " ".join([f"/{name}", *(w.strip() for w in words if w and w.strip())])


def _description(command: Command) -> str:
    text = " ".join(command.description.split()) or command.name
    return text if len(text) <= MAX_DESCRIPTION else text[: MAX_DESCRIPTION - 1] + "…"


def _hint(command: Command, fallback: str) -> str:
    """An option's description: the command's example, if it has one."""
    example = " ".join(command.example.split())
    text = f"e.g. {example}" if example else fallback
    return text if len(text) <= MAX_DESCRIPTION else text[: MAX_DESCRIPTION - 1] + "…"
