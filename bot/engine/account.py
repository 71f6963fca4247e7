"""The user's own account: greeting, help, undo, settings and deleting everything."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.core.dates import default_date_order
from bot.core.model import UserSettings
from bot.core.phrases import looks_like_log
from bot.core.schedule import format_clock, parse_clock
from bot.core.timezones import (
    display_timezone,
    resolve_timezone,
    suggest_timezones,
    timezone_choices,
)
from bot.engine.engine import EXPIRED, Command, Context, Engine
from bot.engine.replies import Reply

GREETING = (
    "Hi! I'm kith — I help you keep in touch with the people who matter.\n"
    "• Tell me when you see someone: “coffee with Alice yesterday — she's moving to Lisbon”.\n"
    "• Ask “who haven't I seen?” whenever you wonder.\n"
    "• Each morning I'll nudge you gently about anyone who has drifted.\n"
    "Which city are you in? Reply with /timezone and your city (e.g. /timezone Lisbon), "
    "so nudges arrive in your morning."
)


async def cmd_start(engine: Engine, ctx: Context, args: str) -> list[Reply]:
    """/start"""
    return [Reply(GREETING)]


async def cmd_help(engine: Engine, ctx: Context, args: str) -> list[Reply]:
    """/help"""
    lines = ["Here's what I understand (or just write in plain words):"]
    for c in engine.commands.values():
        if c.menu:
            example = f", e.g. {c.example}" if c.example and c.example != f"/{c.name}" else ""
            lines.append(f"/{c.name} — {c.description[:1].lower()}{c.description[1:]}{example}")
    lines.append(
        "Plain words work too: “lunch with Bob on Friday”, “Sara, Omar and I went skating "
        "yday”, “games night: Sara, Omar”, “who should I call?”, “when did I last see Ben?”, "
        "“who did I see this week?”, “Ravi's birthday is 3 May”, “note Alice loves jazz”."
    )
    return [Reply("\n".join(lines))]


async def cmd_undo(engine: Engine, ctx: Context, args: str) -> list[Reply]:
    """/undo"""
    undone = await engine.store.undo(ctx.owner)
    if undone is None:
        return [Reply("There's nothing to undo.")]
    return [Reply(f"Undone: {undone.label}.")]


async def cmd_timezone(engine: Engine, ctx: Context, args: str) -> list[Reply]:
    """/timezone TZ-or-city"""
    if not args:
        return [
            Reply(
                f"Your time zone is {display_timezone(ctx.settings.timezone)}. "
                "To change it: /timezone Lisbon (a city) or /timezone Europe/Lisbon."
            )
        ]
    # The first lookup loads the city table (~0.5 s): keep it off the event loop.
    choices = await asyncio.to_thread(timezone_choices, args)
    if choices:
        # "IST", "Springfield": several zones go by that name; never guess one.
        return [
            await engine.ask(
                ctx,
                f"Which “{args[:40]}” do you mean?",
                {"a": "tz", "zones": [tz for _, tz in choices]},
                [*((label, str(i)) for i, (label, _) in enumerate(choices)), ("Cancel", "x")],
            )
        ]
    tz = await asyncio.to_thread(resolve_timezone, args)
    if tz is None:
        suggestions = await asyncio.to_thread(suggest_timezones, args)
        text = f"I couldn't find a time zone for “{args[:60]}”."
        if suggestions:
            return [
                await engine.ask(
                    ctx,
                    text + " Did you mean one of these?",
                    {"a": "tz", "zones": suggestions},
                    [
                        *((display_timezone(z), str(i)) for i, z in enumerate(suggestions)),
                        ("None of these", "x"),
                    ],
                )
            ]
        return [Reply(text + " Try a big city near you or a name like Europe/Lisbon.")]
    return await set_timezone(engine, ctx, tz)


async def set_timezone(engine: Engine, ctx: Context, tz: str) -> list[Reply]:
    shown = display_timezone(tz)
    await engine.store.update_settings(ctx.owner, f"set time zone to {shown}", ctx.now, timezone=tz)
    digest = ctx.settings.digest_time
    when = f"Your digest comes at {digest} there." if digest else "Your digest is off."
    return [Reply(f"Time zone set to {shown}. {when} /undo to take it back.")]


async def answer_timezone(
    engine: Engine, ctx: Context, pending_id: int, payload: dict[str, Any], choice: str
) -> list[Reply]:
    """A press on "which time zone?"."""
    await engine.store.drop_pending(ctx.owner, pending_id)
    zones: list[str] = payload.get("zones", [])
    if choice == "x":
        return [Reply("OK — /timezone and a big city near you will find it.")]
    if not choice.isdigit() or int(choice) >= len(zones):
        return [Reply(EXPIRED)]
    return await set_timezone(engine, ctx, zones[int(choice)])


async def cmd_digest(engine: Engine, ctx: Context, args: str) -> list[Reply]:
    """/digest HH:MM|off|now"""
    arg = args.strip().casefold()
    if not arg:
        current = ctx.settings.digest_time
        state = f"at {current} ({display_timezone(ctx.settings.timezone)})" if current else "off"
        return [
            Reply(
                f"Your daily digest is {state}. Change it with /digest 08:30 or /digest off; "
                "/digest now shows today's."
            )
        ]
    if arg in ("now", "today"):
        return await engine.preview_digest(ctx)
    if arg.split(" ", 1)[0] == "via":
        return await digest_via(engine, ctx, arg[3:].strip())
    if arg in ("off", "stop", "none", "never"):
        await engine.store.update_settings(
            ctx.owner, "turned the digest off", ctx.now, digest_time=None
        )
        return [
            Reply(
                "Digest off — I won't nudge you. /digest 09:00 turns it back on; "
                "/undo to take it back."
            )
        ]
    try:
        at = parse_clock(arg)
    except ValueError as exc:
        return [Reply(str(exc))]
    shown = format_clock(at)
    await engine.store.update_settings(
        ctx.owner, f"set the digest to {shown}", ctx.now, digest_time=shown
    )
    return [
        Reply(
            f"Your digest will come at {shown} ({display_timezone(ctx.settings.timezone)}). "
            "/undo to take it back."
        )
    ]


VIA: dict[str, str] = {"telegram": "Telegram", "discord": "Discord"}


async def digest_via(engine: Engine, ctx: Context, transport: str) -> list[Reply]:
    """/digest via telegram|discord: which linked app the digest comes to."""
    if transport not in VIA:
        return [Reply("Say /digest via telegram or /digest via discord.")]
    if not await engine.store.identities.set_digest_via(ctx.owner, transport):
        return [
            Reply(
                f"This account isn't on {VIA[transport]} yet. Send /link here, then the "
                f"code to me on {VIA[transport]}."
            )
        ]
    return [Reply(f"Your daily digest will come on {VIA[transport]}.")]


async def cmd_settings(engine: Engine, ctx: Context, args: str) -> list[Reply]:
    """/settings"""
    s = ctx.settings
    circles = ", ".join(f"{c.name} {c.cadence_days}d" for c in engine.circles.order)
    lines = [
        "Your settings:",
        f"• time zone: {display_timezone(s.timezone)} (/timezone)",
        f"• daily digest: {s.digest_time or 'off'} (/digest)",
        f"• date order: {_date_order_text(s)} (/dateorder)",
        f"• next digest: {await engine.next_digest_text(ctx)}",
        f"• at most {engine.max_per_digest} people per digest",
        f"• circles: {circles}",
    ]
    if len(await engine.store.identities.of_owner(ctx.owner)) > 1:  # linked apps
        via = await engine.store.identities.digest_via(ctx.owner) or ""
        lines.insert(3, f"• digest comes on: {VIA.get(via, via)} (/digest via …)")
    return [Reply("\n".join(lines))]


def _date_order_text(s: UserSettings) -> str:
    if s.date_order:
        return s.date_order
    guess = default_date_order(s.timezone)
    return f"{guess} (from your time zone)" if guess else "not set — I'll ask when it matters"


async def cmd_deleteme(engine: Engine, ctx: Context, args: str) -> list[Reply]:
    """/deleteme"""
    people = await engine.people(ctx.owner)
    reply = await engine.ask(
        ctx,
        f"Delete everything you've told me — {len(people)} people, their notes and history, "
        "and your settings? This can't be undone. (/export first if you want a copy.)",
        {"a": "deleteme"},
        [("Yes, delete everything", "y"), ("No, keep it", "n")],
    )
    return [reply]


async def answer_deleteme(
    engine: Engine, ctx: Context, pending_id: int, payload: dict[str, Any], choice: str
) -> list[Reply]:
    if choice != "y":
        await engine.store.drop_pending(ctx.owner, pending_id)
        return [Reply("Nothing deleted.")]
    await engine.store.delete_user(ctx.owner)
    return [
        Reply("Done — everything you told me is deleted. If you ever want to start again, say hi.")
    ]


async def understand_city(engine: Engine, ctx: Context, text: str) -> list[Reply] | None:
    """A bare city or zone name ("Lisbon") in answer to /start: set the time zone.

    Only for a newcomer with nobody added yet, and only short texts that are not a
    log: once there are people, "Alice" is a friend, not Alice, Texas.
    """
    words = text.split()
    if not 1 <= len(words) <= 3 or any(ch.isdigit() for ch in text) or "?" in text:
        return None
    if looks_like_log(text) or await engine.people(ctx.owner):
        return None
    tz = await asyncio.to_thread(resolve_timezone, text)
    if tz is None and not await asyncio.to_thread(timezone_choices, text):
        return None
    return await cmd_timezone(engine, ctx, text)


def register(engine: Engine) -> None:
    engine.add_command(Command("start", cmd_start, "Start here", menu=True))
    engine.add_command(Command("help", cmd_help, "What I understand", menu=True))
    engine.add_command(Command("undo", cmd_undo, "Undo your last change", "/undo"))
    engine.add_command(Command("timezone", cmd_timezone, "Set your time zone", "/timezone Lisbon"))
    engine.add_command(Command("digest", cmd_digest, "When the daily nudge comes", "/digest 08:30"))
    engine.add_command(Command("settings", cmd_settings, "Your settings", "/settings"))
    engine.add_command(Command("deleteme", cmd_deleteme, "Delete all your data", "/deleteme"))
    engine.add_answer("deleteme", answer_deleteme)
    engine.add_answer("tz", answer_timezone)
    engine.plain_text.append(understand_city)
