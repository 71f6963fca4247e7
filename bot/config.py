"""Settings: a TOML file, overridden by the environment, overridden by CLI flags.

Which config file: `--config` (the `path` argument), else `KITH_CONFIG`, else none (all
defaults). `KITH_TELEGRAM_TOKEN` overrides `[telegram] token`, `KITH_DISCORD_TOKEN`
`[discord] token`. The database is `--db`,
else `KITH_DB`, else `[storage] path`, else `kith.db`; a PostgreSQL database instead is
`KITH_DATABASE_URL`, else `[storage] url` (`postgresql://…`; needs `kith[postgres]`).

Everything is validated up front, so a typo is one clear line naming the file, the
section and the key (`ConfigError`), never a traceback from deep inside the bot at the
first nudge.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import time
from typing import Any, TypeVar

from bot.core.model import Circle
from bot.core.timezones import is_valid_timezone

__all__ = [
    "DEFAULT_CIRCLES",
    "DEFAULT_DB_PATH",
    "Config",
    "ConfigError",
    "DiscordConfig",
    "NudgeConfig",
    "TelegramConfig",
    "load_config",
]

DEFAULT_DB_PATH = "kith.db"
# People one user may keep; the engine's costs are budgeted up to here.
DEFAULT_MAX_PEOPLE = 5000
# Closest first: the layers of friendship (DESIGN.md "Words").
DEFAULT_CIRCLES: tuple[Circle, ...] = (
    Circle("inner", 14),
    Circle("close", 30),
    Circle("friends", 90),
    Circle("wider", 180),
)
MAX_PER_DIGEST_LIMIT = 20

ENV_CONFIG = "KITH_CONFIG"
ENV_TOKEN = "KITH_TELEGRAM_TOKEN"
ENV_DISCORD_TOKEN = "KITH_DISCORD_TOKEN"
ENV_DB = "KITH_DB"
ENV_DATABASE_URL = "KITH_DATABASE_URL"


class ConfigError(Exception):
    """A problem with the settings, worded as one line for the person running kith."""


@dataclass(frozen=True, slots=True)
class TelegramConfig:
    token: str = ""
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    allowed_users: frozenset[int] = frozenset()  # empty = anyone may use the bot

    def __repr__(self) -> str:
        # Configs get logged; the token must never be (DESIGN.md "Privacy and safety").
        # Saying whether one is set is still useful when debugging "token missing".
        token = "'***'" if self.token else "''"
        return (
            f"TelegramConfig(token={token}, base_url={self.base_url!r}, "
            f"base_file_url={self.base_file_url!r}, "
            f"allowed_users={sorted(self.allowed_users)!r})"
        )


@dataclass(frozen=True, slots=True)
class DiscordConfig:
    token: str = ""
    api_base: str = "https://discord.com/api/v10"
    gateway_url: str = "wss://gateway.discord.gg/"
    allowed_users: frozenset[int] = frozenset()  # Discord user ids; empty = anyone

    def __repr__(self) -> str:
        token = "'***'" if self.token else "''"  # never the token itself, as for Telegram
        return (
            f"DiscordConfig(token={token}, api_base={self.api_base!r}, "
            f"gateway_url={self.gateway_url!r}, allowed_users={sorted(self.allowed_users)!r})"
        )


@dataclass(frozen=True, slots=True)
class NudgeConfig:
    """Defaults for new users; each user can change theirs with /digest and /timezone."""

    digest_time: str = "09:00"  # always normalised to HH:MM
    timezone: str = "UTC"  # an IANA name
    max_per_digest: int = 3


@dataclass(frozen=True, slots=True)
class Config:
    telegram: TelegramConfig = field(default_factory=TelegramConfig)
    db_path: str = DEFAULT_DB_PATH
    nudges: NudgeConfig = field(default_factory=NudgeConfig)
    circles: tuple[Circle, ...] = DEFAULT_CIRCLES  # closest first
    config_path: str | None = None  # the file these settings came from, if any
    discord: DiscordConfig = field(default_factory=DiscordConfig)
    database_url: str = ""  # postgresql://…: the PostgreSQL store instead of db_path
    max_people: int = DEFAULT_MAX_PEOPLE  # [storage] max_people: per user

    def __repr__(self) -> str:
        # Spelled out (not the generated one) so the masking cannot be lost by someone
        # changing `telegram`'s type: the token is never part of this text.
        return (
            f"Config(telegram={self.telegram!r}, db_path={self.db_path!r}, "
            f"database_url={_masked(self.database_url)!r}, "
            f"nudges={self.nudges!r}, circles={self.circles!r}, "
            f"config_path={self.config_path!r}, discord={self.discord!r})"
        )


def load_config(
    path: str | None = None,
    *,
    db: str | None = None,
    env: Mapping[str, str] | None = None,
) -> Config:
    """Settings from the config file, the environment and CLI flags (see module doc).

    `path` is `--config`, `db` is `--db`, `env` defaults to `os.environ`.
    Raises ConfigError with a one-line, user-facing message.
    """
    environ: Mapping[str, str] = os.environ if env is None else env
    source = ""
    if path is None and environ.get(ENV_CONFIG, "").strip():
        path, source = environ[ENV_CONFIG].strip(), f" (from {ENV_CONFIG})"
    if path is not None:
        if not path.strip():
            raise ConfigError("--config needs a file name")
        data = _read_toml(path, source)
        config = _parse(data, _Where(path))
    else:
        config = Config()

    telegram = config.telegram
    token = environ.get(ENV_TOKEN, "").strip()
    if token:
        telegram = TelegramConfig(
            token=token,
            base_url=telegram.base_url,
            base_file_url=telegram.base_file_url,
            allowed_users=telegram.allowed_users,
        )
    discord = config.discord
    discord_token = environ.get(ENV_DISCORD_TOKEN, "").strip()
    if discord_token:
        discord = DiscordConfig(
            token=discord_token,
            api_base=discord.api_base,
            gateway_url=discord.gateway_url,
            allowed_users=discord.allowed_users,
        )
    if db is not None:
        if not db.strip():
            raise ConfigError("--db needs a file path")
        db_path = db
    elif environ.get(ENV_DB, "").strip():
        db_path = environ[ENV_DB].strip()
    else:
        db_path = config.db_path
    database_url = config.database_url
    if environ.get(ENV_DATABASE_URL, "").strip():
        try:
            database_url = _database_url(environ[ENV_DATABASE_URL].strip())
        except _Invalid as e:
            raise ConfigError(f"{ENV_DATABASE_URL} {e}") from None
    return Config(
        telegram=telegram,
        db_path=_expand(db_path),
        nudges=config.nudges,
        circles=config.circles,
        config_path=path,
        discord=discord,
        database_url=database_url,
        max_people=config.max_people,
    )


# --- reading and checking the file -----------------------------------------------


@dataclass(frozen=True, slots=True)
class _Where:
    """The file being read, for error messages."""

    path: str

    def error(self, message: str) -> ConfigError:
        return ConfigError(f"config {self.path}: {message}")


def _read_toml(path: str, source: str) -> dict[str, Any]:
    where = f"config {path}{source}"
    try:
        with open(_expand(path), "rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(f"{where}: file not found") from None
    except IsADirectoryError:
        raise ConfigError(f"{where}: is a directory, not a file") from None
    except OSError as e:
        raise ConfigError(f"{where}: cannot read it ({e.strerror or e})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{where}: is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as e:
        # tomllib's messages end in "(at line 3, column 9)": the line is the useful bit.
        raise ConfigError(f"{where}: not valid TOML: {e}") from None


# Known keys per section. [circles] is open: its keys are the circle names.
_SECTIONS: dict[str, tuple[str, ...]] = {
    "telegram": ("token", "base_url", "base_file_url", "allowed_users"),
    "storage": ("path", "url", "max_people"),
    "nudges": ("digest_time", "timezone", "max_per_digest"),
    "circles": (),
    "discord": ("token", "api_base", "gateway_url", "allowed_users"),
}


def _parse(data: dict[str, Any], where: _Where) -> Config:
    for name, value in data.items():
        if name not in _SECTIONS:
            if isinstance(value, dict):
                raise where.error(f"unknown section [{name}]{_did_you_mean(name, _SECTIONS)}")
            raise where.error(
                f"unknown key {name} at the top level — settings go in sections like [nudges]"
            )
        if not isinstance(value, dict):
            raise where.error(f"{name} must be a section, written [{name}] on its own line")
        for key in value:
            if name != "circles" and key not in _SECTIONS[name]:
                hint = _did_you_mean(key, _SECTIONS[name], brackets=False)
                raise where.error(f"unknown key [{name}] {key}{hint}")

    telegram = data.get("telegram", {})
    storage = data.get("storage", {})
    nudges = data.get("nudges", {})
    default_tg, default_nudges = TelegramConfig(), NudgeConfig()
    return Config(
        telegram=TelegramConfig(
            token=_get(telegram, "telegram", "token", _text, default_tg.token, where).strip(),
            base_url=_get(telegram, "telegram", "base_url", _url, default_tg.base_url, where),
            base_file_url=_get(
                telegram, "telegram", "base_file_url", _url, default_tg.base_file_url, where
            ),
            allowed_users=_get(
                telegram, "telegram", "allowed_users", _user_ids, default_tg.allowed_users, where
            ),
        ),
        db_path=_get(storage, "storage", "path", _path, DEFAULT_DB_PATH, where),
        database_url=_get(storage, "storage", "url", _database_url, "", where),
        max_people=_get(storage, "storage", "max_people", _max_people, DEFAULT_MAX_PEOPLE, where),
        nudges=NudgeConfig(
            digest_time=_get(
                nudges, "nudges", "digest_time", _clock, default_nudges.digest_time, where
            ),
            timezone=_get(nudges, "nudges", "timezone", _timezone, default_nudges.timezone, where),
            max_per_digest=_get(
                nudges,
                "nudges",
                "max_per_digest",
                _max_per_digest,
                default_nudges.max_per_digest,
                where,
            ),
        ),
        circles=_circles(data["circles"], where) if "circles" in data else DEFAULT_CIRCLES,
        discord=_discord(data.get("discord", {}), where),
    )


def _discord(table: dict[str, Any], where: _Where) -> DiscordConfig:
    d = DiscordConfig()
    return DiscordConfig(
        token=_get(table, "discord", "token", _text, d.token, where).strip(),
        api_base=_get(table, "discord", "api_base", _url, d.api_base, where),
        gateway_url=_get(table, "discord", "gateway_url", _ws_url, d.gateway_url, where),
        allowed_users=_get(table, "discord", "allowed_users", _discord_ids, d.allowed_users, where),
    )


_T = TypeVar("_T")


class _Invalid(Exception):
    """A value check failed: what the value must be ("must look like 09:00"), and an
    optional hint for after the value ("did you mean Europe/Lisbon?")."""

    def __init__(self, must: str, hint: str = "") -> None:
        super().__init__(must)
        self.must = must
        self.hint = hint


def _get(
    table: dict[str, Any],
    section: str,
    key: str,
    check: Callable[[Any], _T],
    default: _T,
    where: _Where,
) -> _T:
    if key not in table:
        return default
    value = table[key]
    try:
        return check(value)
    except _Invalid as e:
        hint = f" — {e.hint}" if e.hint else ""
        raise where.error(f"[{section}] {key} {e.must} (got {_show(value)}){hint}") from None


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise _Invalid('must be text in quotes, like "abc"')
    return value


def _url(value: Any) -> str:
    if not isinstance(value, str) or not re.match(r"https?://\S+$", value):
        raise _Invalid('must be an http(s) address, like "https://api.telegram.org/bot"')
    return value


def _database_url(value: Any) -> str:
    if not isinstance(value, str) or not re.match(r"postgres(ql)?://\S+$", value):
        raise _Invalid('must be a PostgreSQL address, like "postgresql://kith@db/kith"')
    return value


def _masked(url: str) -> str:
    """The URL with its password as ***: configs get logged."""
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", url)


def _ws_url(value: Any) -> str:
    if not isinstance(value, str) or not re.match(r"wss?://\S+$", value):
        raise _Invalid('must be a WebSocket address, like "wss://gateway.discord.gg/"')
    return value


def _discord_ids(value: Any) -> frozenset[int]:
    return _ids(value, "must be a list of Discord user ids (numbers), like [80351110224678912]")


def _path(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Invalid('must be a file path in quotes, like "kith.db"')
    return value


def _user_ids(value: Any) -> frozenset[int]:
    return _ids(value, "must be a list of Telegram user ids (numbers), like [123456789]")


def _ids(value: Any, problem: str) -> frozenset[int]:
    # bool is an int subclass in Python, and `true` is surely not a user id.
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value
    ):
        raise _Invalid(problem)
    return frozenset(value)


_HH_MM = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")


def _clock(value: Any) -> str:
    # TOML also has a bare local-time type (`digest_time = 09:00:00`): accept it too.
    if isinstance(value, time) and value.second == 0 and value.microsecond == 0:
        return f"{value.hour:02d}:{value.minute:02d}"
    m = _HH_MM.fullmatch(value) if isinstance(value, str) else None
    if m is None:
        raise _Invalid("must look like 09:00 (24-hour HH:MM, in quotes)")
    return f"{int(m[1]):02d}:{m[2]}"


def _timezone(value: Any) -> str:
    if isinstance(value, str) and is_valid_timezone(value):
        return value
    hint = ""
    if isinstance(value, str):
        from bot.core.timezones import resolve_timezone  # loads city data: error path only

        guess = resolve_timezone(value)
        if guess is not None:
            hint = f'did you mean "{guess}"?'
    raise _Invalid("must be an IANA time zone name, like Europe/Lisbon", hint)


def _max_people(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 1_000_000:
        raise _Invalid("must be a whole number from 1 to 1000000")
    return value


def _max_per_digest(value: Any) -> int:
    if (
        not isinstance(value, int)
        or isinstance(value, bool)
        or not 1 <= value <= MAX_PER_DIGEST_LIMIT
    ):
        raise _Invalid(f"must be a whole number from 1 to {MAX_PER_DIGEST_LIMIT}")
    return value


# "inner", "friends", "old-friends": one token, since it is typed after /circle NAME.
_CIRCLE_NAME = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


def _circles(table: Any, where: _Where) -> tuple[Circle, ...]:
    if not table:
        raise where.error("[circles] needs at least one circle, like inner = 14")
    circles: list[Circle] = []
    for name, days in table.items():  # a TOML table keeps the file's order
        if not _CIRCLE_NAME.fullmatch(name) or name != name.lower():
            raise where.error(
                f"[circles] {name}: circle names must be lowercase words, like inner or old-friends"
            )
        if not isinstance(days, int) or isinstance(days, bool) or days < 1:
            raise where.error(
                f"[circles] {name} must be a whole number of days, 1 or more (got {_show(days)})"
            )
        if circles and days <= circles[-1].cadence_days:
            prev = circles[-1]
            raise where.error(
                f"[circles] go from the closest circle to the widest, so each cadence must "
                f"be longer than the one before ({name} = {days} after "
                f"{prev.name} = {prev.cadence_days})"
            )
        circles.append(Circle(name, days))
    return tuple(circles)


def _did_you_mean(
    word: str, choices: Mapping[str, Any] | tuple[str, ...], *, brackets: bool = True
) -> str:
    import difflib  # error path only

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    if close:
        return f" — did you mean [{close[0]}]?" if brackets else f" — did you mean {close[0]}?"
    known = ", ".join(f"[{c}]" if brackets else c for c in choices)
    return f" (known: {known})" if known else ""


def _show(value: Any) -> str:
    """A value the way it was written in TOML, roughly: '9 o'clock', 3, true, [1, 2]."""
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if isinstance(value, dict):
        return "a table"
    return str(value)


def _expand(path: str) -> str:
    return os.path.expanduser(path)
