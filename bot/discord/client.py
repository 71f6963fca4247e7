"""Discord events in, engine calls out, engine replies back as DMs and interaction answers.

Everything kith-specific happens in the engine; this module decides who may talk to it
(DMs only, `allowed_users`), turns DMs, slash commands, button presses and attached
files into `Engine.handle/press/import_file`, and renders the replies (`render.py`).

Interactions must be answered within 3 seconds. The engine usually answers in
milliseconds, so the reply *is* the answer (one round trip); if it has not answered
within `fast` seconds, the interaction is deferred first and the reply follows as an
edit of the deferred answer.
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Final, cast

import discord
from discord import app_commands

from bot.core.names import name_key
from bot.discord.commands import build_tree
from bot.discord.owners import owner_of
from bot.discord.render import PREFIX, Part, custom_id, label, parts_of_all
from bot.engine import Engine, Reply
from bot.engine.replies import Attachment
from bot.formats import MAX_IMPORT_BYTES, too_big
from bot.ports.store import Store

log = logging.getLogger(__name__)

DM_ONLY: Final = "I only work in direct messages — message me directly."
NOT_ALLOWED: Final = "Sorry, this is a private kith bot."
NOT_TEXT: Final = (
    "I read text, and contacts files (.vcf, .csv or a kith .json export). Tell me about "
    "someone you saw, like “coffee with Alice yesterday” — or see /help."
)
IMPORTABLE: Final = (".vcf", ".csv", ".json")
FAST_ANSWER: Final = 2.0  # seconds to wait for the engine before deferring (Discord: 3)
MAX_CHOICES: Final = 25  # autocomplete suggestions Discord shows
_MAX_TOLD_CHANNELS = 10_000

Work = Callable[[int], Awaitable[list[Reply]]]


class EngineButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=re.escape(PREFIX) + r"(?P<data>[\x21-\x7e]+)",
):
    """Any engine button. Registered once at start and matched on its custom_id alone, so
    a press on a message sent before a restart (a digest from yesterday) still works."""

    def __init__(self, text: str, data: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=text, custom_id=PREFIX + data, style=discord.ButtonStyle.secondary
            )
        )
        self.data = data

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[discord.Client],
        item: discord.ui.Item[Any],
        match: re.Match[str],
    ) -> EngineButton:
        text = item.label if isinstance(item, discord.ui.Button) else None
        return cls(text or "", match["data"])

    async def callback(self, interaction: discord.Interaction[discord.Client]) -> None:
        client = interaction.client
        if isinstance(client, KithDiscord):
            await client.on_press(interaction, self.data)


def view_of(part: Part) -> discord.ui.View | None:
    """The buttons of one message as a persistent view (no timeout, custom ids)."""
    if not part.rows:
        return None
    view = discord.ui.View(timeout=None)
    for row_number, row in enumerate(part.rows):
        for button in row:
            item = EngineButton(label(button), button.data)
            item.item.custom_id = custom_id(button)  # checked against the 100 limit
            item.row = row_number
            view.add_item(item)
    return view


def files_of(replies: Sequence[Reply]) -> list[discord.File]:
    """The replies' files that follow their messages (an export); pictures go with their
    caption (`Part.pictures`)."""
    return [_file(f) for r in replies for f in r.files if not f.photo]


def pictures_of(part: Part) -> list[discord.File]:
    return [_file(f) for f in part.pictures]


def _file(attachment: Attachment) -> discord.File:
    # A reader of its own: discord.File closes it after the upload, never the spool.
    reader = cast(io.BufferedIOBase, attachment.open())  # a BytesIO or BufferedReader
    return discord.File(reader, filename=attachment.file_name)


class KithDiscord(discord.Client):
    """The bot: DMs and slash commands over one engine."""

    def __init__(
        self,
        engine: Engine,
        store: Store,
        *,
        allowed_users: frozenset[int] = frozenset(),
        fast: float = FAST_ANSWER,
        sync_commands: bool = True,
        guild_ready_timeout: float = 2.0,
    ) -> None:
        super().__init__(
            intents=discord.Intents.default(),  # DM content needs no privileged intent
            guild_ready_timeout=guild_ready_timeout,
            chunk_guilds_at_startup=False,
            max_messages=None,  # kith never looks messages up; no cache to hold
            # A friend's name or a note with "@everyone" or "<@123>" is text, never a ping.
            allowed_mentions=discord.AllowedMentions.none(),
        )
        self.engine = engine
        self.store = store
        self.allowed_users = allowed_users
        self.fast = fast
        self.sync_commands = sync_commands
        self._told_channels: set[int] = set()
        self.tree = build_tree(self)

    async def setup_hook(self) -> None:
        self.add_dynamic_items(EngineButton)
        if not self.sync_commands:
            return
        try:
            await self.tree.sync()
        except discord.HTTPException as exc:
            # Commands already synced keep working; the DM conversation needs none.
            log.warning("could not register the slash commands: %s", exc)

    async def on_ready(self) -> None:
        log.info("running on Discord as %s", self.user)

    # -- who may talk to kith --------------------------------------------------------

    def refusal(self, user_id: int, in_dm: bool) -> str | None:
        if not in_dm:
            return DM_ONLY
        if self.allowed_users and user_id not in self.allowed_users:
            log.info("refused a Discord user not in allowed_users")
            return NOT_ALLOWED
        return None

    # -- direct messages ---------------------------------------------------------------

    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or message.author.id == getattr(self.user, "id", None):
            return
        channel = message.channel
        if not isinstance(channel, discord.DMChannel):
            await self._refuse_channel(message)
            return
        refusal = self.refusal(message.author.id, True)
        if refusal is not None:
            await self._send(channel, None, [Reply(refusal)])
            return
        owner = await owner_of(self.store.identities, message.author.id)
        await self.engine.reachable_again(owner)  # writing to us means they unblocked us
        replies: list[Reply] = []
        if message.content.strip() or not message.attachments:
            # Words sent with a file are read too ("/add Mia" beside a vCard), first.
            replies += await self.engine.handle(owner, message.content, message_ref(message))
        for attachment in message.attachments:
            replies += await self._import(owner, attachment)
        await self._send(channel, owner, replies)

    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        """An edited DM: a log's message re-reads and corrects that log, as on Telegram."""
        message = payload.message
        if payload.guild_id is not None or message.author.bot:
            return
        if message.edited_at is None:
            return  # a link preview added, a pin: Discord says "update", the user did not edit
        if message.author.id == getattr(self.user, "id", None):
            return
        if self.refusal(message.author.id, True) is not None:
            return
        owner = await owner_of(self.store.identities, message.author.id)
        replies = await self.engine.edit(owner, message_ref(message), message.content)
        await self._send(message.channel, owner, replies)

    async def _refuse_channel(self, message: discord.Message) -> None:
        """A server channel: say once, when spoken to, that kith works in DMs. Store nothing."""
        if self.user is None or self.user not in message.mentions:
            return  # every server message reaches a bot; only a mention is for kith
        if message.channel.id in self._told_channels:
            return
        if len(self._told_channels) >= _MAX_TOLD_CHANNELS:
            self._told_channels.clear()
        self._told_channels.add(message.channel.id)
        try:
            await message.channel.send(DM_ONLY)
        except discord.HTTPException as exc:
            log.info("could not answer in a server channel: %s", exc)

    async def _import(self, owner: int, attachment: discord.Attachment) -> list[Reply]:
        name = attachment.filename
        if not name.lower().endswith(IMPORTABLE):
            return [Reply(NOT_TEXT)]
        if attachment.size > MAX_IMPORT_BYTES:
            return [Reply(str(too_big(attachment.size)))]
        try:
            data = await attachment.read()
        except discord.HTTPException as exc:
            log.warning("could not download an attachment: %s", exc)
            return [Reply("I couldn't download that file — please send it again.")]
        if len(data) > MAX_IMPORT_BYTES:
            return [Reply(str(too_big(len(data))))]
        return await self.engine.import_file(owner, name, data)

    async def _send(
        self, channel: discord.abc.Messageable, owner: int | None, replies: Sequence[Reply]
    ) -> None:
        """Replies as messages, in order, then their files; stop at the first failure."""
        try:
            for part in parts_of_all(replies):
                await channel.send(part.text, **_extras(part))
            files = files_of(replies)
            if files:
                await channel.send(files=files)
        except discord.Forbidden:
            if owner is not None:
                log.info("a Discord user cannot be messaged; marking them unreachable")
                await self.engine.unreachable(owner)
        except discord.HTTPException as exc:
            log.warning("could not send a reply: %s", exc)

    # -- interactions -------------------------------------------------------------------

    async def on_command(self, interaction: discord.Interaction[Any], text: str) -> None:
        """A slash command: the same text the user could have typed in the DM."""
        await self.answer(interaction, lambda owner: self.engine.handle(owner, text), pressed=False)

    async def on_press(self, interaction: discord.Interaction[Any], data: str) -> None:
        """A button: the outcome replaces the pressed message, like Telegram."""
        await self.answer(interaction, lambda owner: self.engine.press(owner, data), pressed=True)

    async def complete_person(
        self, interaction: discord.Interaction[Any], typed: str
    ) -> list[app_commands.Choice[str]]:
        """Autocomplete from the user's own people: prefix matches first, then the rest."""
        if self.refusal(interaction.user.id, _in_dm(interaction)) is not None:
            return []
        owner = await owner_of(self.store.identities, interaction.user.id)
        key = name_key(typed)
        first: list[str] = []
        then: list[str] = []
        for person in await self.engine.people(owner):
            keys = [name_key(n) for n in (person.name, *person.aliases)]
            if not key or any(k.startswith(key) for k in keys):
                first.append(person.name)
            elif any(key in k for k in keys):
                then.append(person.name)
        names = sorted(first, key=name_key) + sorted(then, key=name_key)
        return [app_commands.Choice(name=n[:100], value=n[:100]) for n in names[:MAX_CHOICES]]

    async def answer(
        self, interaction: discord.Interaction[Any], work: Work, *, pressed: bool
    ) -> None:
        """Answer within Discord's 3 s: the reply itself if the engine is quick, else a
        defer first. A pressed button's message is edited in place."""
        refusal = self.refusal(interaction.user.id, _in_dm(interaction))
        if refusal is not None:
            await interaction.response.send_message(refusal, ephemeral=True)
            return
        owner = await owner_of(self.store.identities, interaction.user.id)
        await self.engine.reachable_again(owner)
        task = asyncio.ensure_future(work(owner))
        deferred = False
        try:
            replies = await asyncio.wait_for(asyncio.shield(task), self.fast)
        except TimeoutError:
            deferred = True
            if pressed:
                await interaction.response.defer()
            else:
                await interaction.response.defer(thinking=True)
            replies = await task
        parts = parts_of_all(replies)
        try:
            await self._first(interaction, parts[0] if parts else None, pressed, deferred)
            for part in parts[1:]:
                await _followup(interaction, part)
            files = files_of(replies)
            if files:
                await interaction.followup.send(files=files)
        except discord.HTTPException as exc:
            log.warning("could not answer an interaction: %s", exc)

    async def _first(
        self,
        interaction: discord.Interaction[Any],
        part: Part | None,
        pressed: bool,
        deferred: bool,
    ) -> None:
        if part is None:
            if not deferred:
                await interaction.response.defer()
            return
        view = view_of(part)
        # An edit keeps the message's attachments unless it is given new ones.
        pictures: dict[str, Any] = {"attachments": pictures_of(part)} if part.pictures else {}
        if deferred:
            await interaction.edit_original_response(content=part.text, view=view, **pictures)
        elif pressed:
            await interaction.response.edit_message(content=part.text, view=view, **pictures)
        else:
            await interaction.response.send_message(part.text, **_extras(part))


async def _followup(interaction: discord.Interaction[Any], part: Part) -> None:
    await interaction.followup.send(part.text, **_extras(part))


def message_ref(message: discord.Message) -> str:
    """How the engine names a Discord message: stable across edits and restarts."""
    return f"dc:{message.channel.id}:{message.id}"


def _extras(part: Part) -> dict[str, Any]:
    """A new message's buttons and pictures, only where it has them (discord.py takes a
    missing view, not `view=None`, for a message without components)."""
    extras: dict[str, Any] = {}
    view = view_of(part)
    if view is not None:
        extras["view"] = view
    if part.pictures:
        extras["files"] = pictures_of(part)
    return extras


def _in_dm(interaction: discord.Interaction[Any]) -> bool:
    """The bot's own DM: not a server, a group DM, or a DM with someone else (where a
    user-installed app's commands also run: Discord's "private channel" context)."""
    return (
        interaction.guild_id is None
        and isinstance(interaction.channel, discord.DMChannel)
        and not interaction.context.private_channel
    )
