"""The `kith` command line: chat, run, serve, webhook, export, import, backup."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence

from bot.cli import circles as cli_circles
from bot.cli import data as cli_data
from bot.config import Config, ConfigError, load_config
from bot.ports.store import StoreError  # the SQLite and PostgreSQL stores' errors
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
    run = sub.add_parser("run", help="run the chat bot on Telegram and/or Discord")
    common(run)
    serve = sub.add_parser(
        "serve", help="answer Telegram webhooks (one of many workers; needs PostgreSQL)"
    )
    common(serve)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8080, help="port to listen on")
    serve.add_argument("--path", default="/telegram", help="the webhook's URL path")
    serve.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("KITH_WORKERS", "1") or 1),
        help="how many workers share the bot (each sends 1/N of its rate; or KITH_WORKERS)",
    )
    webhook = sub.add_parser("webhook", help="register the Telegram webhook (once per deploy)")
    common(webhook)
    webhook_sub = webhook.add_subparsers(dest="webhook_command", required=True)
    webhook_set = webhook_sub.add_parser("set", help="point Telegram at URL")
    webhook_set.add_argument("url", help="the public https address of the workers")
    webhook_set.add_argument("--max-connections", type=int, default=40)
    cli_data.add_commands(sub, common)
    cli_circles.add_command(sub, common)
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


def _hosted(args: argparse.Namespace, config: Config) -> int:
    """`kith serve` and `kith webhook set`: the hosted, many-worker Telegram bot."""
    from bot.telegram.run import configure_logging

    try:
        from telegram.error import TelegramError

        from bot.cli.hosted import serve
        from bot.telegram.webhook import WebhookError, set_webhook
    except ImportError:
        print("kith: this needs the hosting extra: pip install 'kith[postgres]'", file=sys.stderr)
        return 2
    configure_logging(secrets=(config.telegram.token, os.environ.get("KITH_WEBHOOK_SECRET", "")))
    try:
        if args.command == "serve":
            return asyncio.run(
                serve(config, host=args.host, port=args.port, path=args.path, workers=args.workers)
            )
        print(asyncio.run(set_webhook(config, args.url, max_connections=args.max_connections)))
        return 0
    except WebhookError as exc:
        print(f"kith: {exc}", file=sys.stderr)
        return 2
    except TelegramError as exc:  # e.g. a rejected token at `kith webhook set`
        text = str(exc).replace(config.telegram.token, "<token>") if config.telegram.token else exc
        print(f"kith: Telegram refused: {type(exc).__name__}: {text}", file=sys.stderr)
        return 2


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `kith` console script."""
    args = build_parser().parse_args(argv)
    try:
        config = load(args)
        if args.command == "chat":
            return asyncio.run(_chat(config))
        if args.command == "run":
            from bot.cli.run import run

            return run(config)
        if args.command in ("serve", "webhook"):
            return _hosted(args, config)
        if args.command == "circles":
            return cli_circles.run(args, config)
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
