"""The conversation: (user, text or button) -> replies with buttons. No transport here."""

from __future__ import annotations

import difflib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from bot.core.circles import Circles
from bot.core.clock import Clock, format_utc
from bot.core.dates import DateError
from bot.core.ids import button_number
from bot.core.intervals import IntervalError
from bot.core.lru import WeightedLRU
from bot.core.model import Person, UserSettings
from bot.core.names import NameEntry, NameIndex, NameProbe, Resolution, Unsure, name_key
from bot.core.phrases import PhraseError, name_candidates
from bot.engine.answers import typed_choice
from bot.engine.args import split_person
from bot.engine.replies import Button, Reply
from bot.ports.store import NewPerson, Store

log = logging.getLogger(__name__)

MAX_INPUT = 4000
# Name indexes kept in memory, counted in people (least recently used owner dropped first).
INDEX_PEOPLE = 20_000
# A cold message reads its names by key (`Engine.with_names`): keys missed by the first
# guess are read in up to this many rounds before the whole index is built instead, and
# a message with more candidate keys than this (a long list of names) builds it at once.
PROBE_ROUNDS = 4
PROBE_KEYS = 2000
# The most people one user may keep (`[storage] max_people`): the costs that grow with
# an account (a cold message, /people, an export) are budgeted up to here.
MAX_PEOPLE = 5000
EXPIRED = "That button has expired."
UNDO_PREFIX = "u"
# The written offers of /undo in a confirmation: where an Undo button belongs.
UNDO_OFFERS = ("/undo to take it back", "/undo brings them back", "· /undo")


def undo_offered(text: str) -> bool:
    return any(offer in text for offer in UNDO_OFFERS)


# A question asked this long ago is no longer waiting for a typed answer.
TYPED_ANSWER_WINDOW = timedelta(hours=12)
# Commands understood without their slash when they open a message. Not "date" ("date
# with Alice" is a meeting), nor the ones that delete.
PLAIN_COMMANDS = frozenset(
    {"ask", "note", "add", "snooze", "tag", "alias", "show", "help", "undo", "settings"}
)


class UserError(Exception):
    """A problem with what the user asked; the message is shown as the reply."""


@dataclass(frozen=True, slots=True)
class Context:
    """One request: who is asking, and when in their own time zone."""

    owner: int
    now: datetime
    today: date
    settings: UserSettings
    message_ref: str = ""  # the transport's id of the message answered, if it has one


T = TypeVar("T")
CommandFn = Callable[["Engine", Context, str], Awaitable[list[Reply]]]
PersonFn = Callable[["Engine", Context, Person, str], Awaitable[list[Reply]]]
ButtonFn = Callable[["Engine", Context, str], Awaitable[list[Reply]]]
AnswerFn = Callable[["Engine", Context, int, dict[str, Any], str], Awaitable[list[Reply]]]
FileFn = Callable[["Engine", Context, str, bytes], Awaitable[list[Reply]]]
EditFn = Callable[["Engine", Context, str], Awaitable[list[Reply]]]


@dataclass(frozen=True, slots=True)
class Command:
    """A slash command: its handler plus what `/help` and the Telegram menu say."""

    name: str
    handler: CommandFn
    description: str
    example: str = ""
    menu: bool = True


@dataclass
class Engine:
    """Routes text and button presses to commands; owns no transport and no SQL."""

    store: Store
    circles: Circles
    clock: Clock
    defaults: UserSettings = field(default_factory=UserSettings)
    max_per_digest: int = 3
    max_people: int = MAX_PEOPLE
    commands: dict[str, Command] = field(default_factory=dict)
    buttons: dict[str, ButtonFn] = field(default_factory=dict)
    person_commands: dict[str, PersonFn] = field(default_factory=dict)
    answers: dict[str, AnswerFn] = field(default_factory=dict)
    plain_text: list[Callable[[Engine, Context, str], Awaitable[list[Reply] | None]]] = field(
        default_factory=list
    )
    file_handler: FileFn | None = None
    edit_handler: EditFn | None = None
    # The daily digest lives in bot/nudges, above the engine, and plugs in here
    # (`nudges.actions.register`): `/digest now` and `/settings` ask through these.
    digest_preview: Callable[[Engine, Context], Awaitable[list[Reply]]] | None = None
    next_digest: Callable[[Engine, Context], Awaitable[str]] | None = None
    # Name indexes, bounded by the people in them (see bot/core/lru.py).
    _indexes: WeightedLRU[int, tuple[int, NameIndex]] = field(
        default_factory=lambda: WeightedLRU(INDEX_PEOPLE, lambda entry: len(entry[1]))
    )

    # -- registration ----------------------------------------------------------

    def add_command(self, command: Command) -> None:
        self.commands[command.name] = command

    def add_button(self, prefix: str, handler: ButtonFn) -> None:
        self.buttons[prefix] = handler

    def add_answer(self, kind: str, handler: AnswerFn) -> None:
        """Handles presses on a stored question whose payload has `"a": kind`."""
        self.answers[kind] = handler

    def set_file_handler(self, handler: FileFn) -> None:
        """Handles a file the user sent (`import_file`): (ctx, file name, bytes)."""
        self.file_handler = handler

    async def preview_digest(self, ctx: Context) -> list[Reply]:
        """Today's digest on demand (`/digest now`), from the digest plugged in."""
        if self.digest_preview is None:
            return [Reply("There's no daily digest here.")]
        return await self.digest_preview(self, ctx)

    async def next_digest_text(self, ctx: Context) -> str:
        """When the next digest comes, in words; "off" without a digest plugged in."""
        return "off" if self.next_digest is None else await self.next_digest(self, ctx)

    def add_person_command(self, name: str, handler: PersonFn) -> None:
        """A handler re-run with a chosen person after an ambiguous-name question."""
        self.person_commands[name] = handler
        self.answers.setdefault("pick", Engine.answer_pick)

    # -- entry points ----------------------------------------------------------

    async def handle(self, owner: int, text: str, message_ref: str = "") -> list[Reply]:
        """Answer one message from `owner`. `message_ref` names the message in its
        transport (e.g. "tg:<chat>:<message id>"), so that an edit of it can find it."""
        return await self._guarded(owner, lambda ctx: self._dispatch(ctx, text), message_ref)

    async def edit(self, owner: int, message_ref: str, text: str) -> list[Reply]:
        """The user edited the earlier message `message_ref` to read `text`."""

        async def work(ctx: Context) -> list[Reply]:
            if self.edit_handler is None:
                return [Reply("I saw you edited a message — I only read new ones.")]
            return await self.edit_handler(self, ctx, clean(text))

        return await self._guarded(owner, work, message_ref)

    async def press(self, owner: int, data: str) -> list[Reply]:
        """Answer a button press carrying `data`."""
        if await self.store.settings(owner) is None:
            # Nobody to answer for (pressed after /deleteme, on an old message): a press
            # must not bring the account back, as every other entry point would.
            return [Reply(EXPIRED)]
        return await self._guarded(owner, lambda ctx: self._press(ctx, data))

    async def add_contact(self, owner: int, name: str) -> list[Reply]:
        """A shared contact card: add that person to the default circle."""

        async def work(ctx: Context) -> list[Reply]:
            person = await self.add_person(ctx, name, self.circles.default_new)
            return [Reply(f"Added {person.name} to {person.circle}. /undo to take it back.")]

        return await self._guarded(owner, work)

    async def import_file(self, owner: int, file_name: str, data: bytes) -> list[Reply]:
        """A file the user sent: contacts to import, or a kith export to restore.

        The transport gets the bytes (a Telegram download, a path typed in the terminal);
        the engine never opens files itself.
        """

        async def work(ctx: Context) -> list[Reply]:
            if self.file_handler is None:
                return [Reply("I can't import files yet.")]
            return await self.file_handler(self, ctx, file_name, data)

        return await self._guarded(owner, work)

    async def reachable_again(self, owner: int) -> None:
        """The owner wrote to us, on any transport: whoever blocked the bot has unblocked
        it (not only with /start), so digests resume. Every transport calls this for each
        message a user sends."""
        await self.store.reactivate(owner)

    async def unreachable(self, owner: int) -> None:
        """A transport cannot reach the owner (they blocked the bot): no more digests
        until they come back with /start."""
        await self.store.set_active(owner, False)

    async def context(self, owner: int, message_ref: str = "") -> Context:
        now = self.clock.now()
        await self.store.ensure_user(owner, self.defaults, now)
        settings = await self.store.settings(owner) or self.defaults
        return Context(owner, now, local_today(now, settings.timezone), settings, message_ref)

    async def _guarded(
        self,
        owner: int,
        work: Callable[[Context], Awaitable[list[Reply]]],
        message_ref: str = "",
    ) -> list[Reply]:
        try:
            ctx = await self.context(owner, message_ref)
            return await self._with_undo(ctx, await work(ctx))
        except (UserError, DateError, IntervalError, PhraseError) as exc:
            return [Reply(str(exc))]
        except Exception:
            log.exception("engine failed for a message")
            return [Reply("Sorry — something went wrong on my side, and nothing was changed.")]

    async def _with_undo(self, ctx: Context, replies: list[Reply]) -> list[Reply]:
        """Give the confirmation of a change made just now its Undo button's data.

        Only a reply offering "/undo" is a candidate, and only when the owner's newest
        undo entry was written by this very request (stamped with its `now`): the
        button then names that entry, so a late tap never undoes a newer change.
        """
        at = next((i for i, r in enumerate(replies) if undo_offered(r.text)), None)
        if at is None:
            return replies
        last = await self.store.last_undo(ctx.owner)
        if last is None or last[1] != format_utc(ctx.now):
            return replies
        out = list(replies)
        out[at] = replace(out[at], undo=f"{UNDO_PREFIX}:{last[0]}")
        return out

    async def _dispatch(self, ctx: Context, text: str) -> list[Reply]:
        text = clean(text)
        if not text:
            return [Reply("Tell me about someone you saw — e.g. “coffee with Alice yesterday”.")]
        if len(text) > MAX_INPUT:
            return [
                Reply(
                    f"That's a long message ({len(text):,} characters) — I can take up to "
                    f"{MAX_INPUT:,} at once. Could you shorten it?"
                )
            ]
        if text.startswith("/"):
            word, _, args = text[1:].partition(" ")
            name = word.split("@", 1)[0].casefold()
            command = self.commands.get(name)
            if command is None:
                return [Reply(self._unknown_command(name))]
            return await command.handler(self, ctx, args.strip())
        dropped: list[Reply] = []
        waiting = await self.store.latest_pending(ctx.owner, ctx.now - TYPED_ANSWER_WINDOW)
        if waiting is not None:
            pending_id, payload = waiting
            choice = typed_choice(text, payload)
            if choice is not None:
                # "Wong" after "Alice Smith / Alice Wong?", "yes", the note itself.
                return await self._answer(ctx, f"{pending_id}:{choice}")
            await self.store.drop_pending(ctx.owner, pending_id)
            asked = str(payload.get("_asked", "")).split("\n")[0]
            if asked:
                dropped.append(Reply(f"(I've let my question go: “{_clip(asked)}”)"))
        return dropped + await self._plain(ctx, text)

    def _unknown_command(self, name: str) -> str:
        close = difflib.get_close_matches(name, list(self.commands), n=1, cutoff=0.6)
        if close:
            return f"I don't know /{name}. Did you mean /{close[0]}? /help lists what I can do."
        return f"I don't know /{name or ''}. /help lists what I can do."

    async def _plain(self, ctx: Context, text: str) -> list[Reply]:
        word, _, rest = text.partition(" ")
        if word.casefold() in PLAIN_COMMANDS and word.casefold() in self.commands:
            # "ask Alice how the move went", "undo": a command without its slash.
            return await self.commands[word.casefold()].handler(self, ctx, rest.strip())
        for understand in self.plain_text:
            replies = await understand(self, ctx, text)
            if replies is not None:
                return replies
        return [
            Reply(
                "I didn't catch that. To log a meeting, write something like "
                "“coffee with Alice yesterday”; ask “who haven't I seen?”, or see /help."
            )
        ]

    async def _press(self, ctx: Context, data: str) -> list[Reply]:
        prefix, _, rest = data.partition(":")
        try:
            if prefix == "q":
                return await self._answer(ctx, rest)
            if prefix == UNDO_PREFIX:
                return await self._undo_button(ctx, rest)
            handler = self.buttons.get(prefix)
            if handler is None:
                return [Reply(EXPIRED)]
            return await handler(self, ctx, rest)
        except (ValueError, OverflowError, KeyError, TypeError, IndexError):
            # Forged data, or a question stored by an older kith in another shape: not
            # a button we can act on, and nothing half-done (changes are transactions).
            log.info("a button press with unusable data was refused")
            return [Reply(EXPIRED)]

    async def _undo_button(self, ctx: Context, rest: str) -> list[Reply]:
        """An Undo button: undo its change if it is still the newest one."""
        last = await self.store.last_undo(ctx.owner)
        if last is None or not rest.isdigit() or last[0] != int(rest):
            return [
                Reply(
                    "That change was already undone, or newer changes came after it — "
                    "/undo takes back the newest."
                )
            ]
        undone = await self.store.undo(ctx.owner)
        if undone is None:
            return [Reply("There's nothing to undo.")]
        return [Reply(f"Undone: {undone.label}.")]

    async def _answer(self, ctx: Context, rest: str) -> list[Reply]:
        """A press on a stored question: `q:<pending id>:<choice>`."""
        raw_id, _, choice = rest.partition(":")
        pending_id = button_number(raw_id)
        payload = (
            await self.store.get_pending(ctx.owner, pending_id) if pending_id is not None else None
        )
        if pending_id is None or payload is None:
            return [Reply("That question was already answered (or has expired).")]
        handler = self.answers.get(payload.get("a", ""))
        if handler is None:
            return [Reply(EXPIRED)]
        return await handler(self, ctx, pending_id, payload, choice)

    async def ask(
        self,
        ctx: Context,
        text: str,
        payload: dict[str, Any],
        choices: Sequence[tuple[str, str]],
        *,
        rows: Sequence[str] = (),
    ) -> Reply:
        """Store a question and offer `choices` as (label, choice) buttons, one per row.

        The labels are kept with the question so a typed reply can answer it too. `rows`
        are kept beside the question (a contacts file's people), not in its payload.
        """
        payload = {**payload, "_asked": text, "_buttons": [[label, c] for label, c in choices]}
        pending = await self.store.put_pending(ctx.owner, payload, ctx.now, rows=rows)
        return Reply(text, tuple((Button(label, f"q:{pending}:{c}"),) for label, c in choices))

    # -- people and names ------------------------------------------------------

    async def people(self, owner: int) -> Sequence[Person]:
        return await self.store.people(owner)

    async def people_by_id(self, owner: int, ids: Sequence[int]) -> list[Person]:
        """These people, in this order (once each; the missing left out): from the roster
        in memory, else in one read of just them (a cold owner's log reads no one else)."""
        wanted = list(dict.fromkeys(ids))
        if await self.store.roster_if_cached(owner) is not None:
            found = [await self.store.person(owner, pid) for pid in wanted]
            return [p for p in found if p is not None]
        read = (await self.store.people_by_id_many([(owner, wanted)])).get(owner, [])
        by_id = {p.id: p for p in read}
        return [by_id[pid] for pid in wanted if pid in by_id]

    async def index(self, owner: int) -> NameIndex:
        """The owner's name index, rebuilt only when their people changed."""
        roster = await self.store.roster(owner)
        cached = self._indexes.get(owner)
        # Keyed on the version of the owner's names: a log or a note leaves it alone.
        if cached is not None and cached[0] == roster.names_version:
            return cached[1]
        index = NameIndex.build(NameEntry(p.id, p.name, p.aliases) for p in roster.people)
        self._indexes.put(owner, (roster.names_version, index))
        return index

    async def with_names(
        self, owner: int, text: str, work: Callable[[NameIndex], Awaitable[T]]
    ) -> T:
        """Run `work` with a name index good for reading `text`.

        The whole index when it is at hand (the owner's people and index in memory);
        otherwise a probe over just the people `text`'s words can name, read by key, so
        a cold message (the first after a restart) does not read everyone. A probe
        raises `Unsure` when asked what it did not read: `work` runs again with that key
        (or the names starting with it) read too, or, for a typo, with the whole index.
        So `work` must change nothing before its last use of the index (reading, parsing
        and resolving come first).
        """
        roster = await self.store.roster_if_cached(owner)
        cached = self._indexes.get(owner)
        if roster is not None and cached is not None and cached[0] == roster.names_version:
            return await work(cached[1])
        keys = set(name_candidates(text))
        prefixes: set[str] = set()
        for _ in range(PROBE_ROUNDS):
            if len(keys) > PROBE_KEYS:
                break
            probe = NameProbe.of(keys, prefixes)
            entries = await self.store.name_entries(owner, probe)
            try:
                return await work(NameIndex.probe(entries, probe))
            except Unsure as unsure:
                if unsure.key is not None:
                    keys.add(unsure.key)
                elif unsure.prefix is not None:
                    prefixes.add(unsure.prefix)
                else:
                    break
        return await work(await self.index(owner))

    async def with_person(
        self,
        ctx: Context,
        command: str,
        args: str,
        usage: str,
        rest_ok: Callable[[str], bool] = lambda _rest: True,
        add_ok: bool = True,
    ) -> list[Reply]:
        """Resolve the person at the start of `args`, then run the person command.

        An ambiguous or unknown name becomes a question with buttons; the answer
        re-runs the same command, so no command guesses silently. `add_ok=False` is for
        commands about someone who must already exist (/forget, /rename): an unknown
        name is then an error, not an offer to add a new person.
        """
        index = await self.index(ctx.owner)
        split = split_person(args, index, rest_ok)
        if split is None:
            return [Reply(usage)]
        handler = self.person_commands[command]
        res = split.resolution
        if res.found and res.person_id is not None:
            person = await self.store.person(ctx.owner, res.person_id)
            if person is not None:
                return await handler(self, ctx, person, split.rest)
        if not add_ok and not res.ambiguous and not res.candidates:
            return [Reply(f"There's nobody called {res.query} in your circles.")]
        return [await self.ask_who(ctx, command, res, split.rest, add_ok)]

    async def ask_who(
        self, ctx: Context, command: str, res: Resolution, rest: str, add_ok: bool = True
    ) -> Reply:
        """Which person did `res.query` mean? The answer re-runs `command` (answer_pick)."""
        candidates = res.candidates[:5]
        payload = {
            "a": "pick",
            "cmd": command,
            "rest": rest,
            "ids": [c.person_id for c in candidates],
            "new": res.query,
        }
        choices = [(c.name, str(i)) for i, c in enumerate(candidates)]
        if res.ambiguous:
            text = f"Which {res.query} do you mean?"
        elif choices:
            text = f"I don't know anyone called {res.query}. Did you mean someone here?"
        else:
            text = f"I don't know anyone called {res.query} yet."
        if not res.ambiguous and add_ok:
            choices.append((f"Add {short(res.query)} to {self.circles.default_new}", "a"))
        choices.append(("Cancel", "x"))
        return await self.ask(ctx, text, payload, choices)

    async def answer_pick(
        self, ctx: Context, pending_id: int, payload: dict[str, Any], choice: str
    ) -> list[Reply]:
        """A choice made on an ask_who question."""
        await self.store.drop_pending(ctx.owner, pending_id)
        if choice == "x":
            return [Reply("OK, never mind.")]
        handler = self.person_commands.get(payload["cmd"])
        if handler is None:
            return [Reply(EXPIRED)]
        if choice == "a":
            person = await self.add_person(ctx, payload["new"], self.circles.default_new)
        else:
            ids: list[int] = payload["ids"]
            index = button_number(choice)
            if index is None or index >= len(ids):
                return [Reply(EXPIRED)]
            found = await self.store.person(ctx.owner, ids[index])
            if found is None:
                return [Reply("That person is no longer in your circles.")]
            person = found
        return await handler(self, ctx, person, payload["rest"])

    async def add_person(
        self,
        ctx: Context,
        name: str,
        circle: str,
        cadence_days: int | None = None,
        paused: bool = False,
    ) -> Person:
        """Add someone as its own undoable change; UserError when the name is taken."""
        name = check_name(name)
        key = name_key(name)
        for pid in (await self.index(ctx.owner)).with_key(key):
            p = await self.store.person(ctx.owner, pid)
            if p is not None:
                raise UserError(
                    f"{p.name} is already in your {p.circle} circle. To add a different "
                    f"person, give them a distinguishing name (e.g. “{name} (work)”)."
                )
        await self.check_room(ctx, 1)
        async with self.store.change(ctx.owner, f"added {name}", ctx.now) as ch:
            [pid] = await ch.add_people(
                [NewPerson(name, circle, ctx.today, cadence_days=cadence_days, paused=paused)]
            )
        person = await self.store.person(ctx.owner, pid)
        assert person is not None
        return person

    async def check_room(self, ctx: Context, adding: int) -> None:
        """UserError when `adding` more people would take the owner past `max_people`."""
        have = len(await self.people(ctx.owner))
        if adding > 0 and have + adding > self.max_people:
            raise UserError(room_message(have, adding, self.max_people))

    def command_menu(self) -> list[tuple[str, str]]:
        """(command, description) pairs for a transport's command menu."""
        return [(c.name, c.description) for c in self.commands.values() if c.menu]


async def ask_typed(engine: Engine, ctx: Context, text: str, payload: dict[str, Any]) -> Reply:
    """A question answered in words ("What should I note?"): the next message that is
    not a command reaches the payload's answer handler as the choice "t:TEXT"."""
    return await engine.ask(ctx, text, {**payload, "_typed": True}, [("Cancel", "x")])


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def local_today(now: datetime, tz: str) -> date:
    return now.astimezone(ZoneInfo(tz)).date()


def clean(text: str) -> str:
    """Drop control characters (keeping newlines) and surrounding space.

    Zero-width joiners stay: they hold emoji such as 👩‍👩‍👧 and some scripts together.
    """
    return "".join(ch for ch in text if ch in KEEP or ch.isprintable()).strip()


KEEP = frozenset("\n\t\u200c\u200d")


MAX_NAME = 80
# Names from contacts files may be longer: real names with titles and several surnames
# run past 80 characters, and an import keeps them rather than dropping the person.
MAX_IMPORTED_NAME = 200


def check_name(name: str, limit: int = MAX_NAME) -> str:
    """A person's name as typed, tidied; UserError when it cannot be a name."""
    name = " ".join(clean(name).split())
    if not name:
        raise UserError("A name can't be empty.")
    if len(name) > limit:
        raise UserError(f"That name is {len(name)} characters long; keep it under {limit}.")
    if name.startswith(("/", "#")):
        raise UserError("A name can't start with / or #.")
    if not any(ch.isalnum() or not ch.isascii() for ch in name):
        raise UserError(f"“{name}” doesn't look like a name.")
    return name


def short(name: str, limit: int = 24) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def room_message(have: int, adding: int, limit: int) -> str:
    """Why nobody was added: the per-user limit, said with the numbers."""
    people = "person" if adding == 1 else "people"
    return (
        f"You keep {have:,} people, and kith keeps at most {limit:,} people per account, so I "
        f"can't add {adding:,} more {people}. /forget someone you've lost touch with to make "
        "room (nothing was changed)."
    )
