"""Settings: file, environment and flags; every validation message; the example file."""

# The message tables keep one case per line, exactly as a user would see the message.
# ruff: noqa: E501

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.config import (
    DEFAULT_CIRCLES,
    Config,
    ConfigError,
    DiscordConfig,
    NudgeConfig,
    TelegramConfig,
    load_config,
)
from bot.core.model import Circle

EXAMPLE = Path(__file__).resolve().parents[1] / "config.example.toml"
SECRET = "123456:AAF-very-secret-token"


Write = Callable[..., str]


@pytest.fixture
def write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Write:
    """Write a config file (kith.toml unless named) in a temp dir, now the cwd; give its name."""
    monkeypatch.chdir(tmp_path)

    def _write(text: str, name: str = "kith.toml") -> str:
        (tmp_path / name).write_text(text, encoding="utf-8")
        return name

    return _write


def error_for(text: str, write: Write) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(write(text), env={})
    return str(info.value)


# --- defaults and the example file --------------------------------------------------


def test_defaults_without_a_file() -> None:
    config = load_config(env={})
    assert config == Config(
        telegram=TelegramConfig(
            token="",
            base_url="https://api.telegram.org/bot",
            base_file_url="https://api.telegram.org/file/bot",
            allowed_users=frozenset(),
        ),
        db_path="kith.db",
        nudges=NudgeConfig(digest_time="09:00", timezone="UTC", max_per_digest=3),
        circles=(Circle("inner", 14), Circle("close", 30), Circle("friends", 90), Circle("wider", 180)),
        config_path=None,
    )  # fmt: skip
    assert config.circles == DEFAULT_CIRCLES


def test_the_example_file_loads_and_holds_the_defaults() -> None:
    config = load_config(str(EXAMPLE), env={})
    assert config == dataclasses.replace(load_config(env={}), config_path=str(EXAMPLE))


def test_the_example_file_documents_exactly_the_designed_keys() -> None:
    data = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    keys = {section: list(table) for section, table in data.items()}
    assert keys == {
        "telegram": ["token", "base_url", "base_file_url", "allowed_users"],
        "discord": ["token", "api_base", "gateway_url", "allowed_users"],
        "storage": ["path", "max_people"],
        "nudges": ["digest_time", "timezone", "max_per_digest"],
        "circles": ["inner", "close", "friends", "wider"],
    }


def test_every_key_in_the_example_has_a_comment() -> None:
    # Each key line has a comment on it, or within the comment block just above it
    # (base_url and base_file_url share one).
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        if "=" not in line or line.lstrip().startswith("#"):
            continue
        above = lines[max(0, i - 2) : i]
        assert "#" in line or any(a.lstrip().startswith("#") for a in above), line


# --- where the file comes from, and what overrides it ----------------------------------


def test_config_file_from_the_environment(write: Write) -> None:
    name = write('[nudges]\ntimezone = "Europe/Lisbon"\n')
    config = load_config(env={"KITH_CONFIG": name})
    assert config.nudges.timezone == "Europe/Lisbon"
    assert config.config_path == name


def test_the_config_flag_beats_the_environment(write: Write) -> None:
    flag = write('[nudges]\ntimezone = "Asia/Tokyo"\n', "flag.toml")
    write('[nudges]\ntimezone = "Europe/Lisbon"\n', "env.toml")
    config = load_config(flag, env={"KITH_CONFIG": "env.toml"})
    assert config.nudges.timezone == "Asia/Tokyo"
    assert config.config_path == flag


def test_empty_environment_variables_count_as_unset(write: Write) -> None:
    name = write('[telegram]\ntoken = "from-file"\n[storage]\npath = "file.db"\n')
    config = load_config(name, env={"KITH_CONFIG": "", "KITH_TELEGRAM_TOKEN": " ", "KITH_DB": ""})
    assert config.telegram.token == "from-file"
    assert config.db_path == "file.db"


def test_the_token_from_the_environment_wins(write: Write) -> None:
    name = write('[telegram]\ntoken = "from-file"\nallowed_users = [42]\n')
    config = load_config(name, env={"KITH_TELEGRAM_TOKEN": SECRET + "\n"})
    assert config.telegram.token == SECRET  # stripped: secrets often come with a newline
    assert config.telegram.allowed_users == frozenset({42})


@pytest.mark.parametrize(
    ("flag", "env", "in_file", "expected"),
    [
        ("flag.db", "env.db", "file.db", "flag.db"),
        (None, "env.db", "file.db", "env.db"),
        (None, None, "file.db", "file.db"),
        (None, None, None, "kith.db"),
        (None, "env.db", None, "env.db"),
    ],
)
def test_database_path_precedence(
    write: Write,
    flag: str | None,
    env: str | None,
    in_file: str | None,
    expected: str,
) -> None:
    text = f'[storage]\npath = "{in_file}"\n' if in_file else ""
    environ = {"KITH_DB": env} if env else {}
    assert load_config(write(text), db=flag, env=environ).db_path == expected


def test_home_is_expanded_in_paths(write: Write) -> None:
    name = write("")
    assert load_config(name, db="~/kith.db", env={}).db_path == os.path.expanduser("~/kith.db")


def test_env_defaults_to_the_process_environment(
    write: Write,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KITH_CONFIG", write('[storage]\npath = "x.db"\n'))
    monkeypatch.setenv("KITH_TELEGRAM_TOKEN", SECRET)
    monkeypatch.delenv("KITH_DB", raising=False)
    config = load_config()
    assert (config.db_path, config.telegram.token) == ("x.db", SECRET)


def test_a_full_file(write: Write) -> None:
    name = write(
        """
[telegram]
token = "abc"
base_url = "http://localhost:8081/bot"
base_file_url = "http://localhost:8081/file/bot"
allowed_users = [123456789, 987654321]

[storage]
path = "/var/lib/kith/kith.db"

[nudges]
digest_time = "7:30"
timezone = "America/New_York"
max_per_digest = 20

[circles]
family = 7
inner = 14
old-friends = 365
"""
    )
    config = load_config(name, env={})
    assert config == Config(
        telegram=TelegramConfig(
            token="abc",
            base_url="http://localhost:8081/bot",
            base_file_url="http://localhost:8081/file/bot",
            allowed_users=frozenset({123456789, 987654321}),
        ),
        db_path="/var/lib/kith/kith.db",
        nudges=NudgeConfig(digest_time="07:30", timezone="America/New_York", max_per_digest=20),
        circles=(Circle("family", 7), Circle("inner", 14), Circle("old-friends", 365)),
        config_path=name,
    )


def test_a_toml_local_time_is_a_digest_time(write: Write) -> None:
    config = load_config(write("[nudges]\ndigest_time = 07:30:00\n"), env={})
    assert config.nudges.digest_time == "07:30"


# --- the token never shows ------------------------------------------------------------


def test_repr_hides_the_token(write: Write) -> None:
    config = load_config(write(f'[telegram]\ntoken = "{SECRET}"\n'), env={})
    assert config.telegram.token == SECRET
    for text in (
        repr(config),
        str(config),
        f"{config}",
        repr(config.telegram),
        str(config.telegram),
    ):
        assert SECRET not in text
        assert "very-secret" not in text
        assert "token='***'" in text


def test_repr_says_when_there_is_no_token() -> None:
    assert "token=''" in repr(load_config(env={}))


def test_configs_are_frozen() -> None:
    config = load_config(env={})
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.db_path = "other.db"  # type: ignore[misc]


# --- every error message ---------------------------------------------------------------


def test_missing_file_named_on_the_command_line(write: Write) -> None:
    write("")  # (just to be in the temp dir)
    with pytest.raises(ConfigError) as info:
        load_config("nope.toml", env={})
    assert str(info.value) == "config nope.toml: file not found"


def test_missing_file_named_in_the_environment(write: Write) -> None:
    write("")
    with pytest.raises(ConfigError) as info:
        load_config(env={"KITH_CONFIG": "nope.toml"})
    assert str(info.value) == "config nope.toml (from KITH_CONFIG): file not found"


def test_a_directory_is_not_a_config_file(write: Write, tmp_path: Path) -> None:
    write("")
    (tmp_path / "conf.d").mkdir()
    with pytest.raises(ConfigError) as info:
        load_config("conf.d", env={})
    assert str(info.value) == "config conf.d: is a directory, not a file"


def test_not_utf8(write: Write, tmp_path: Path) -> None:
    write("")
    (tmp_path / "latin1.toml").write_bytes('[storage]\npath = "caf\xe9.db"\n'.encode("latin-1"))
    with pytest.raises(ConfigError) as info:
        load_config("latin1.toml", env={})
    assert str(info.value) == "config latin1.toml: is not UTF-8 text"


def test_toml_syntax_error_names_the_line(write: Write) -> None:
    message = error_for('[nudges]\ndigest_time = "09:00"\nmax_per_digest 3\n', write)
    assert message.startswith("config kith.toml: not valid TOML: ")
    assert "line 3" in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # Typos in section and key names.
        ("[nudge]\n", "unknown section [nudge] — did you mean [nudges]?"),
        ("[telegramm]\ntoken = 'x'\n", "unknown section [telegramm] — did you mean [telegram]?"),
        ("[zzz]\n", "unknown section [zzz] (known: [telegram], [storage], [nudges], [circles], [discord])"),
        ('[nudges]\ndigest_tme = "09:00"\n', "unknown key [nudges] digest_tme — did you mean digest_time?"),
        ("[telegram]\nallowed_user = [1]\n", "unknown key [telegram] allowed_user — did you mean allowed_users?"),
        ('[storage]\nfile = "x.db"\n', "unknown key [storage] file (known: path, url, max_people)"),
        ('[storage]\nurl = "mysql://db/kith"\n', """[storage] url must be a PostgreSQL address, like "postgresql://kith@db/kith" (got 'mysql://db/kith')"""),
        ("[nudges.extra]\n", "unknown key [nudges] extra (known: digest_time, timezone, max_per_digest)"),
        ('token = "x"\n', "unknown key token at the top level — settings go in sections like [nudges]"),
        ("nudges = 3\n", "nudges must be a section, written [nudges] on its own line"),
        # [telegram]
        ("[telegram]\ntoken = 123\n", """[telegram] token must be text in quotes, like "abc" (got 123)"""),
        ('[telegram]\nbase_url = "api.telegram.org"\n', """[telegram] base_url must be an http(s) address, like "https://api.telegram.org/bot" (got 'api.telegram.org')"""),
        ("[telegram]\nbase_file_url = 5\n", """[telegram] base_file_url must be an http(s) address, like "https://api.telegram.org/bot" (got 5)"""),
        ('[telegram]\nallowed_users = "123"\n', "[telegram] allowed_users must be a list of Telegram user ids (numbers), like [123456789] (got '123')"),
        ('[telegram]\nallowed_users = [1, "2"]\n', "[telegram] allowed_users must be a list of Telegram user ids (numbers), like [123456789] (got [1, '2'])"),
        ("[telegram]\nallowed_users = [true]\n", "[telegram] allowed_users must be a list of Telegram user ids (numbers), like [123456789] (got [true])"),
        ("[telegram]\nallowed_users = [-5]\n", "[telegram] allowed_users must be a list of Telegram user ids (numbers), like [123456789] (got [-5])"),
        # [storage]
        ('[storage]\npath = ""\n', """[storage] path must be a file path in quotes, like "kith.db" (got '')"""),
        ("[storage]\npath = 1\n", """[storage] path must be a file path in quotes, like "kith.db" (got 1)"""),
        # [nudges]
        ("""[nudges]\ndigest_time = "9 o'clock"\n""", "[nudges] digest_time must look like 09:00 (24-hour HH:MM, in quotes) (got '9 o'clock')"),
        ('[nudges]\ndigest_time = "24:00"\n', "[nudges] digest_time must look like 09:00 (24-hour HH:MM, in quotes) (got '24:00')"),
        ("[nudges]\ndigest_time = 9\n", "[nudges] digest_time must look like 09:00 (24-hour HH:MM, in quotes) (got 9)"),
        ("[nudges]\ndigest_time = 07:30:15\n", "[nudges] digest_time must look like 09:00 (24-hour HH:MM, in quotes) (got 07:30:15)"),
        ('[nudges]\ntimezone = "Mars/Olympus_Mons"\n', "[nudges] timezone must be an IANA time zone name, like Europe/Lisbon (got 'Mars/Olympus_Mons')"),
        ('[nudges]\ntimezone = "Lisbon"\n', """[nudges] timezone must be an IANA time zone name, like Europe/Lisbon (got 'Lisbon') — did you mean "Europe/Lisbon"?"""),
        ('[nudges]\ntimezone = "europe/berlin"\n', """[nudges] timezone must be an IANA time zone name, like Europe/Lisbon (got 'europe/berlin') — did you mean "Europe/Berlin"?"""),
        ("[nudges]\ntimezone = 1\n", "[nudges] timezone must be an IANA time zone name, like Europe/Lisbon (got 1)"),
        ("[nudges]\nmax_per_digest = 0\n", "[nudges] max_per_digest must be a whole number from 1 to 20 (got 0)"),
        ("[nudges]\nmax_per_digest = 21\n", "[nudges] max_per_digest must be a whole number from 1 to 20 (got 21)"),
        ('[nudges]\nmax_per_digest = "3"\n', "[nudges] max_per_digest must be a whole number from 1 to 20 (got '3')"),
        ("[nudges]\nmax_per_digest = 2.5\n", "[nudges] max_per_digest must be a whole number from 1 to 20 (got 2.5)"),
        ("[nudges]\nmax_per_digest = true\n", "[nudges] max_per_digest must be a whole number from 1 to 20 (got true)"),
        # [circles]
        ("[circles]\n", "[circles] needs at least one circle, like inner = 14"),
        ("[circles]\ninner = 0\n", "[circles] inner must be a whole number of days, 1 or more (got 0)"),
        ("[circles]\ninner = -7\n", "[circles] inner must be a whole number of days, 1 or more (got -7)"),
        ('[circles]\ninner = "14"\n', "[circles] inner must be a whole number of days, 1 or more (got '14')"),
        ("[circles]\ninner = 14.5\n", "[circles] inner must be a whole number of days, 1 or more (got 14.5)"),
        ("[circles]\ninner = true\n", "[circles] inner must be a whole number of days, 1 or more (got true)"),
        ("[circles.inner]\ndays = 14\n", "[circles] inner must be a whole number of days, 1 or more (got a table)"),
        ("[circles]\ninner = 30\nclose = 14\n", "[circles] go from the closest circle to the widest, so each cadence must be longer than the one before (close = 14 after inner = 30)"),
        ("[circles]\ninner = 14\nclose = 14\n", "[circles] go from the closest circle to the widest, so each cadence must be longer than the one before (close = 14 after inner = 14)"),
        ("[circles]\nInner = 14\n", "[circles] Inner: circle names must be lowercase words, like inner or old-friends"),
        ('[circles]\n"close friends" = 14\n', "[circles] close friends: circle names must be lowercase words, like inner or old-friends"),
        ("[circles]\ninner2 = 14\n", "[circles] inner2: circle names must be lowercase words, like inner or old-friends"),
    ],
)  # fmt: skip
def test_validation_messages(text: str, message: str, write: Write) -> None:
    assert error_for(text, write) == f"config kith.toml: {message}"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"db": ""}, "--db needs a file path"),
        ({"db": "  "}, "--db needs a file path"),
    ],
)
def test_flag_errors(kwargs: dict[str, str], message: str, write: Write) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write(""), env={}, **kwargs)
    assert str(info.value) == message


def test_empty_config_flag() -> None:
    with pytest.raises(ConfigError) as info:
        load_config("", env={})
    assert str(info.value) == "--config needs a file name"


def test_config_errors_are_one_line(write: Write) -> None:
    for text in ("[nudge]\n", "x = [\n", '[nudges]\ndigest_time = "late"\n'):
        assert "\n" not in error_for(text, write)


# --- [discord] ---------------------------------------------------------------------------


def test_the_discord_section_and_its_token(write: Write) -> None:
    path = write(
        "[discord]\n"
        'token = "from-file"\n'
        'api_base = "http://127.0.0.1:9/api/v10"\n'
        'gateway_url = "ws://127.0.0.1:9/"\n'
        "allowed_users = [300000000000000001]\n"
    )
    config = load_config(path, env={})
    assert config.discord == DiscordConfig(
        "from-file",
        "http://127.0.0.1:9/api/v10",
        "ws://127.0.0.1:9/",
        frozenset({300000000000000001}),
    )
    assert "from-file" not in repr(config) and "token='***'" in repr(config.discord)
    assert load_config(path, env={"KITH_DISCORD_TOKEN": " env "}).discord.token == "env"
    assert load_config(env={}).discord == DiscordConfig()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[discord]\ngateway_url = "https://x"\n', "[discord] gateway_url must be a WebSocket"),
        ('[discord]\napi_base = "discord.com"\n', "[discord] api_base must be an http(s)"),
        (
            "[discord]\nallowed_users = [true]\n",
            "[discord] allowed_users must be a list of Discord",
        ),
        ("[discord]\nbot_token = 1\n", "unknown key [discord] bot_token"),
    ],
)
def test_discord_settings_are_checked(text: str, message: str, write: Write) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_config(write(text), env={})


def test_a_postgresql_database_comes_from_the_environment_and_its_password_never_shows() -> None:
    config = load_config(None, env={"KITH_DATABASE_URL": "postgresql://kith:hunter2@db/kith"})
    assert config.database_url == "postgresql://kith:hunter2@db/kith"
    assert "hunter2" not in repr(config) and "kith:***@db" in repr(config)
    assert load_config(None, env={}).database_url == ""  # SQLite stays the default
    with pytest.raises(ConfigError, match="KITH_DATABASE_URL must be a PostgreSQL address"):
        load_config(None, env={"KITH_DATABASE_URL": "sqlite:///x.db"})
