"""One person, two apps: `/link` joins a Telegram and a Discord account into one kith.

`/link` shows a short one-time code (ten minutes); `/link CODE` sent from the other app
asks to confirm, and the press joins the two identities to one owner, so both apps see
the same people. Whichever side has people keeps them; if both have people, kith
refuses rather than mix two address books. `/unlink` separates one app again (it starts
empty; the people stay with the other). The engine sees only owners: the identities
(which app is which owner) come through the identities and links ports.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

from bot.engine.engine import Command, Context, Engine
from bot.engine.replies import Reply
from bot.ports.identities import CONSOLE, Identity

CODE_LIFETIME: Final = timedelta(minutes=10)
# No 0/O or 1/I/L: the code is read off one screen and typed on another.
ALPHABET: Final = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH: Final = 6
NAMES: Final = {"telegram": "Telegram", "discord": "Discord", CONSOLE: "the terminal"}


def app_name(transport: str) -> str:
    return NAMES.get(transport, transport.capitalize())


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalise(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


# Wrong codes an account may send within a code's lifetime. A code is one of 31**6
# (~887 million); with 5 guesses per 10 minutes nobody finds someone else's by trying.
MAX_WRONG = 5
_MAX_TRACKED = 10_000  # accounts with recent wrong codes remembered (the oldest go first)


@dataclass
class WrongCodes:
    """Recent wrong `/link CODE` tries per account, in this process (a hosted deployment
    with N workers allows N times as many: still far too few to guess a code)."""

    tries: dict[int, list[datetime]] = field(default_factory=dict)

    def blocked(self, owner: int, now: datetime) -> bool:
        recent = [t for t in self.tries.get(owner, ()) if now - t < CODE_LIFETIME]
        if recent:
            self.tries[owner] = recent
        else:
            self.tries.pop(owner, None)
        return len(recent) >= MAX_WRONG

    def wrong(self, owner: int, now: datetime) -> None:
        if owner not in self.tries and len(self.tries) >= _MAX_TRACKED:
            del self.tries[next(iter(self.tries))]
        self.tries.setdefault(owner, []).append(now)


@dataclass
class LinkCommand:
    """/link with the wrong tries it has seen."""

    wrong_codes: WrongCodes = field(default_factory=WrongCodes)

    async def __call__(self, engine: Engine, ctx: Context, args: str) -> list[Reply]:
        """/link, or /link CODE"""
        if not args.strip():
            return await cmd_link(engine, ctx, args)
        if self.wrong_codes.blocked(ctx.owner, ctx.now):
            return [
                Reply(
                    "That's several codes that didn't match — wait ten minutes, then send "
                    "/link in your other app for a fresh one."
                )
            ]
        replies = await _enter_code(engine, ctx, normalise(args))
        if replies and replies[0].text == NO_MATCH:
            self.wrong_codes.wrong(ctx.owner, ctx.now)
        return replies


async def cmd_link(engine: Engine, ctx: Context, args: str) -> list[Reply]:
    """/link: a fresh code for the other app."""
    mine = await engine.store.identities.of_owner(ctx.owner)
    if any(i.transport == CONSOLE for i in mine):
        return [Reply("The terminal can't be linked to a chat app.")]
    code = new_code()
    await engine.store.links.offer(ctx.owner, code, ctx.now, ctx.now + CODE_LIFETIME)
    apps = sorted({i.transport for i in mine})
    other = "Discord" if apps == ["telegram"] else "Telegram" if apps == ["discord"] else ""
    where = f"to me on {other}" if other else "to me in your other app"
    return [
        Reply(
            f"Your link code: {code}\nWithin 10 minutes, send /link {code} {where}; "
            "both apps then share the same people and notes. /unlink separates them again."
        )
    ]


NO_MATCH = "That code doesn't match, or it has expired. Send /link in your other app for a new one."


async def _enter_code(engine: Engine, ctx: Context, code: str) -> list[Reply]:
    expired = NO_MATCH
    if len(code) != CODE_LENGTH:
        return [Reply(expired)]
    holder = await engine.store.links.holder(code, ctx.now)
    if holder is None:
        return [Reply(expired)]
    if holder == ctx.owner:
        return [Reply("That's this account's own code — send it to me in your other app.")]
    problem = await _cannot_join(engine, holder, ctx.owner)
    if problem:
        return [Reply(problem)]
    theirs = await engine.store.identities.of_owner(holder)
    there = " and ".join(sorted({app_name(i.transport) for i in theirs}))
    text = (
        f"Link this account with your kith on {there}? Both will show the same people, "
        "notes and digest."
    )
    payload = {"a": "link", "code": code}
    return [await engine.ask(ctx, text, payload, [("Yes, link them", "y"), ("Cancel", "n")])]


async def _cannot_join(engine: Engine, holder: int, entering: int) -> str | None:
    """Why these two owners can't become one, or None."""
    theirs = await engine.store.identities.of_owner(holder)
    mine = await engine.store.identities.of_owner(entering)
    if any(i.transport == CONSOLE for i in (*theirs, *mine)):
        return "The terminal can't be linked to a chat app."
    shared = {i.transport for i in theirs} & {i.transport for i in mine}
    if shared:
        app = app_name(sorted(shared)[0])
        return (
            f"Both accounts are on {app} — a link joins two different apps. "
            f"Send the code from your other app instead."
        )
    if await engine.store.people(holder) and await engine.store.people(entering):
        return (
            "Both accounts already have people in them, and I won't mix two address "
            "books. Keep one: /export and /deleteme the other, then /link again."
        )
    return None


async def answer_link(
    engine: Engine, ctx: Context, pending_id: int, payload: dict[str, Any], choice: str
) -> list[Reply]:
    await engine.store.drop_pending(ctx.owner, pending_id)
    if choice != "y":
        return [Reply("OK, not linked.")]
    holder = await engine.store.links.take(str(payload.get("code", "")), engine.clock.now())
    if holder is None or holder == ctx.owner:
        return [Reply("That code has expired. Send /link in your other app for a new one.")]
    problem = await _cannot_join(engine, holder, ctx.owner)
    if problem:
        return [Reply(problem)]
    # Whoever has people keeps them: an empty account joins the other.
    keep, leave = (
        (ctx.owner, holder) if await engine.store.people(ctx.owner) else (holder, ctx.owner)
    )
    await engine.store.links.join(leave, keep)
    apps = await engine.store.identities.of_owner(keep)
    names = " and ".join(sorted({app_name(i.transport) for i in apps}))
    return [Reply(f"Linked — {names} now share one kith: the same people, notes and digest.")]


async def cmd_unlink(engine: Engine, ctx: Context, args: str) -> list[Reply]:
    """/unlink"""
    mine = await engine.store.identities.of_owner(ctx.owner)
    if len(mine) < 2:
        return [Reply("This account isn't linked to another app. /link links one.")]
    choices = [(f"Unlink {app_name(i.transport)}", str(n)) for n, i in enumerate(mine)]
    payload = {"a": "unlink", "ids": [[i.transport, i.external_id] for i in mine]}
    text = "Which app should go its own way? It starts empty; your people stay with the other."
    return [await engine.ask(ctx, text, payload, [*choices, ("Cancel", "x")])]


async def answer_unlink(
    engine: Engine, ctx: Context, pending_id: int, payload: dict[str, Any], choice: str
) -> list[Reply]:
    await engine.store.drop_pending(ctx.owner, pending_id)
    ids: list[list[str]] = payload.get("ids", [])
    if not choice.isdigit() or int(choice) >= len(ids):
        return [Reply("OK, still linked.")]
    identity = Identity(*ids[int(choice)])
    current = await engine.store.identities.of_owner(ctx.owner)
    if identity not in current or len(current) < 2:
        return [Reply("That link is already gone.")]
    await engine.store.links.detach(identity)
    rest = " and ".join(sorted({app_name(i.transport) for i in current if i != identity}))
    return [
        Reply(
            f"Unlinked — {app_name(identity.transport)} starts afresh; your people stay on {rest}."
        )
    ]


def register(engine: Engine) -> None:
    link = LinkCommand()
    engine.add_command(Command("link", link, "Join your Telegram and Discord", "/link"))
    engine.add_command(Command("unlink", cmd_unlink, "Separate linked apps again", "/unlink"))
    engine.add_answer("link", answer_link)
    engine.add_answer("unlink", answer_unlink)
