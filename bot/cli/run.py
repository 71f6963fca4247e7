"""`kith run`: every transport that has a token, in one process.

Telegram alone runs as it always has (`bot/telegram/run.py`). With a Discord token, the
transports share one engine, one database and one sweep loop; each minute it sweeps the
owners whose digest goes out through each running transport (`Scope(transport=…)`, the
owner's `digest_via`), with that transport's sender:

    services (open DB) → Discord login (REST: a rejected token stops here, before
    Telegram started anything) → Telegram: getMe, polling → Discord gateway → sweep
    loop → … SIGINT/SIGTERM … → sweep loop ends → Discord closes → Telegram stops
    (confirming its last updates) → close DB   (bot/cli/serve.py)

A missing token (both missing) or a token either service rejects is one line on stderr
and exit code 2; the tokens never reach a log line.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import Final

from bot.config import Config

log = logging.getLogger("kith")

NO_TOKEN: Final = (
    "kith: no token — set KITH_TELEGRAM_TOKEN or KITH_DISCORD_TOKEN "
    "(or [telegram] / [discord] token in the config)"
)
DISCORD_REJECTED: Final = (
    "kith: Discord rejected the token — check KITH_DISCORD_TOKEN or [discord] token "
    "(Developer Portal → your app → Bot → Reset Token gives you a new one)"
)


def run(config: Config) -> int:
    """`kith run`: 0 after a clean stop, 2 for a missing or rejected token."""
    telegram, discord_token = config.telegram.token.strip(), config.discord.token.strip()
    if not telegram and not discord_token:
        print(NO_TOKEN, file=sys.stderr)
        return 2
    if not discord_token:
        # Telegram alone, as it always ran; discord.py is not even imported.
        from bot.compose import serving_services
        from bot.telegram.run import run_bot

        return run_bot(config, serving_services)
    import discord
    from telegram.error import InvalidToken, TelegramError

    from bot.cli.serve import serve
    from bot.discord.run import VoiceNoise
    from bot.ports.store import StoreError
    from bot.telegram.run import REJECTED as TELEGRAM_REJECTED
    from bot.telegram.run import configure_logging

    configure_logging(secrets=(telegram, discord_token))
    logging.getLogger("discord").setLevel(logging.WARNING)  # gateway chatter at INFO
    logging.getLogger("discord.client").addFilter(VoiceNoise())
    try:
        return asyncio.run(serve(config))
    except InvalidToken:
        print(TELEGRAM_REJECTED, file=sys.stderr)
        return 2
    except discord.LoginFailure:
        print(DISCORD_REJECTED, file=sys.stderr)
        return 2
    except TelegramError as exc:
        log.error("Telegram refused to start the bot: %s: %s", type(exc).__name__, exc)
        return 1
    except StoreError:
        raise  # the CLI reports these in one line
    except Exception:
        log.critical("kith stopped on an unexpected error", exc_info=True)
        return 1
