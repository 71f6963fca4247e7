"""`kith circles -o FILE.png`: the /circles picture from the shell.

The same picture as `/circles` in a chat, for the terminal's user (or `--user ID`),
written 0600 like every file kith writes: it names the people in your life.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Callable
from pathlib import Path

from bot.cli import data as cli_data
from bot.compose import services
from bot.config import Config
from bot.engine.engine import local_today
from bot.ports.identities import CONSOLE_USER, Identity


def add_command(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    common: Callable[[argparse.ArgumentParser], None],
) -> None:
    circles = sub.add_parser("circles", help="draw your circles as a PNG picture")
    common(circles)
    circles.add_argument("scope", nargs="?", default="", help="a circle or a #tag (optional)")
    circles.add_argument("-o", "--output", metavar="FILE", required=True, help="the PNG to write")
    circles.add_argument(
        "--user",
        type=cli_data.parse_user,
        metavar="WHO",
        help="telegram:ID or discord:ID (default: you, the terminal's user)",
    )


def run(args: argparse.Namespace, config: Config) -> int:
    identity: Identity = args.user or CONSOLE_USER
    try:
        target = Path(args.output).expanduser()
    except RuntimeError:
        print(f"kith: cannot find the home folder in {args.output}", file=sys.stderr)
        return 1
    text, png = asyncio.run(_draw(config, identity, args.scope))
    if png is None:
        print(f"kith: {text}", file=sys.stderr)
        return 1
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            os.fchmod(out.fileno(), 0o600)  # an existing file keeps its mode otherwise
            out.write(png)
    except OSError as error:
        print(f"kith: cannot write {target}: {error.strerror or error}", file=sys.stderr)
        return 1
    print(f"{text} — saved {target}")
    return 0


async def _draw(config: Config, identity: Identity, scope: str) -> tuple[str, bytes | None]:
    from bot.engine.insight import circles_picture

    async with services(config) as s:
        owner = await s.store.identities.find(identity)
        if owner is None:
            return f"nothing is stored for {identity.transport} user {identity.external_id}", None
        settings = await s.store.settings(owner) or s.engine.defaults
        today = local_today(s.clock.now(), settings.timezone)
        reply = await circles_picture(s.engine, owner, today, scope)
        png = next((f.data for f in reply.files if f.photo), None)
        return reply.text, png
