"""The `kith` command line: chat, run, export, import, backup."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from bot.cli import data as cli_data
from bot.config import Config, ConfigError, load_config
from bot.store.sqlite.db import StoreError
from bot.store.sqlite.migrations import MigrationError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kith", description="A chat bot that helps you keep your friendships alive."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--config", help="TOML config file (or KITH_CONFIG)")
        p.add_argument("--db", help="SQLite database path (or KITH_DB)")

    chat = sub.add_parser("chat", help="talk to kith in this terminal")
    common(chat)
    run = sub.add_parser("run", help="run the Telegram bot (long polling)")
    common(run)
    cli_data.add_commands(sub, common)
    return parser


def load(args: argparse.Namespace) -> Config:
    return load_config(args.config, db=getattr(args, "db", None))


async def _chat(config: Config) -> int:
    from bot.compose import services
    from bot.console.chat import run_chat
    from bot.console.nudges import TerminalNudges
    from bot.nudges.sweep import sweep_seconds
    from bot.ports.identities import CONSOLE_USER

    async with services(config) as s:
        owner = await s.store.identities.owner_of(CONSOLE_USER)
        nudges = TerminalNudges(s.engine, s.clock)
        return await run_chat(s.engine, owner, sweep=nudges, sweep_every=sweep_seconds())


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `kith` console script."""
    args = build_parser().parse_args(argv)
    try:
        config = load(args)
        if args.command == "chat":
            return asyncio.run(_chat(config))
        if args.command == "run":
            from bot.telegram.run import run_bot

            return run_bot(config)
        if args.command in cli_data.COMMANDS:
            return cli_data.run(args, config)
    except (ConfigError, StoreError, MigrationError) as exc:
        print(f"kith: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
