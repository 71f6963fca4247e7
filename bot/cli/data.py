"""`kith export`, `kith import` and `kith backup`: your data from the shell.

In the terminal you are the local user (identity `console:local`); `--user telegram:123`
(or just `123`) or `--user discord:456` picks that user's data instead. The database is
`--db`, `KITH_DB` or the config's, as for every command. Exit codes: 0 done, 1 the
command could not do what was asked (the reason on stderr, one line), 2 bad settings
(from `bot.cli`).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Callable
from pathlib import Path

from bot.compose import services
from bot.config import Config
from bot.engine import UserError
from bot.engine.imports import import_now, restore_file
from bot.formats import (
    DocumentWriter,
    ExportPart,
    ImportFormatError,
    csv_rows,
    vcards_of,
)
from bot.formats.vcard import VCARD_VERSIONS
from bot.local_files import read_import_file
from bot.ports.accounts import Duplicates
from bot.ports.identities import CONSOLE, CONSOLE_USER, DISCORD, TELEGRAM, Identity
from bot.private import open_private
from bot.store.sqlite.backup import BackupRefused, backup_database

COMMANDS = ("export", "import", "backup")
TRANSPORTS = (TELEGRAM, DISCORD, CONSOLE)


class Refused(Exception):
    """The command cannot do what was asked; the message says why, for stderr."""


def add_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    common: Callable[[argparse.ArgumentParser], None],
) -> None:
    """The export, import and backup subcommands."""
    export = sub.add_parser("export", help="write your data to stdout or a file")
    common(export)
    _user(export)
    export.add_argument(
        "--format",
        choices=("json", "vcf", "csv"),
        default="json",
        help="json: everything, to restore (default); vcf/csv: your people, for address books",
    )
    export.add_argument(
        "--vcard",
        choices=VCARD_VERSIONS,
        default="3.0",
        help="with --format vcf: the vCard version (3.0 reads everywhere; 4.0 is RFC 6350)",
    )
    export.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")

    imp = sub.add_parser("import", help="import contacts (.vcf/.csv) or a kith export (.json)")
    common(imp)
    imp.add_argument("file", metavar="FILE")
    _user(imp)
    imp.add_argument("--circle", help="the circle new people go into (default: the widest)")
    imp.add_argument(
        "--duplicates",
        choices=("merge", "skip"),
        help="people you already have: merge what's new into them (contacts default) or "
        "skip them; a kith export into an account with people needs this said",
    )

    backup = sub.add_parser("backup", help="copy the database safely, even while kith runs")
    common(backup)
    backup.add_argument("path", metavar="PATH", help="the backup file to write")
    backup.add_argument("--force", action="store_true", help="overwrite PATH if it exists")


def _user(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--user",
        type=parse_user,
        metavar="WHO",
        help="telegram:ID or discord:ID (a bare number is a Telegram id; "
        "default: you, the terminal's user)",
    )


def parse_user(text: str) -> Identity:
    """`telegram:123`, `discord:456`, `console:local`, or a bare Telegram id."""
    transport, colon, external = text.strip().rpartition(":")
    if not colon:
        transport = TELEGRAM
    transport = transport.casefold()
    if (
        transport not in TRANSPORTS
        or not external
        or (transport != CONSOLE and not external.isdigit())
    ):
        raise argparse.ArgumentTypeError(
            f"not a user: {text!r} (say telegram:123, discord:456, or a Telegram id)"
        )
    return Identity(transport, external)


def run(args: argparse.Namespace, config: Config) -> int:
    """Run one of COMMANDS; its exit code."""
    try:
        if args.command == "export":
            return _export(config, args)
        if args.command == "import":
            return _import(config, args)
        return _backup(config, _user_path(args.path), force=args.force)
    except Refused as exc:
        print(f"kith: {exc}", file=sys.stderr)
        return 1


def _user_path(text: str) -> Path:
    """A path from the command line, `~` expanded."""
    try:
        return Path(text).expanduser()
    except RuntimeError as error:  # "~someone/…" for a user this machine doesn't have
        raise Refused(f"cannot find the home folder in {text}") from error


def _identity(args: argparse.Namespace) -> Identity:
    user: Identity | None = args.user
    return CONSOLE_USER if user is None else user


def _whose(identity: Identity) -> str:
    if identity == CONSOLE_USER:
        return "you (the terminal's user)"
    if identity.transport == TELEGRAM:
        return f"user {identity.external_id}"
    return f"user {identity}"


def _existing_db(config: Config) -> str:
    path = config.db_path
    if path != ":memory:" and not Path(path).expanduser().is_file():
        raise Refused(f"there is no database at {path}")
    return path


# -- export ----------------------------------------------------------------------------


def _export(config: Config, args: argparse.Namespace) -> int:
    path = _existing_db(config)
    identity = _identity(args)
    output = None if args.output is None else _user_path(args.output)
    try:
        people = asyncio.run(_write_export(config, identity, args.format, args.vcard, output))
    except OSError as error:
        raise Refused(f"cannot write {output}: {error.strerror or error}") from error
    if people is None:
        hint = "" if args.user is not None else " (a Telegram user's data: --user ID)"
        raise Refused(f"nothing is stored for {_whose(identity)} in {path}{hint}")
    if output is not None:
        print(f"Exported {people} {'person' if people == 1 else 'people'} to {output}.")
    return 0


async def _write_export(
    config: Config, identity: Identity, kind: str, vcard: str, output: Path | None
) -> int | None:
    """Stream the user's export to `output` (stdout when None); the people written, or
    None (nothing written) when nothing at all is stored for them.

    A page at a time (`Store.export_parts`), each written by a thread: memory is a page's
    however big the account. A file is written beside `output` and renamed over it once
    complete, so a failed export never leaves half a file where a good one was."""
    async with services(config) as s:
        owner = await s.store.identities.find(identity)
        if owner is None:
            return None
        settings = await s.store.settings(owner)
        if settings is None and not await s.store.people(owner):
            return None
        # An address book needs only the people: the meetings (most of a big account)
        # stay unread; a spreadsheet's last contact is the day kept on each person.
        parts = s.store.export_parts(
            owner,
            s.engine.circles,
            s.clock.now(),
            settings or s.engine.defaults,
            meetings=kind == "json",
        )
        write = _PartWriter(kind, vcard)
        if output is None:
            async for part in parts:
                sys.stdout.buffer.write(await asyncio.to_thread(write, part))
            sys.stdout.flush()
            return write.people
        partial = output.with_name(output.name + ".part")
        try:
            with open_private(partial, replace=True) as out:
                async for part in parts:
                    out.write(await asyncio.to_thread(write, part))
            os.replace(partial, output)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        return write.people


class _PartWriter:
    """One export part as the bytes of the chosen format (json, vcf or csv)."""

    def __init__(self, kind: str, vcard: str) -> None:
        self.kind = kind
        self.vcard = vcard
        self.json = DocumentWriter()
        self.people = 0

    def __call__(self, part: ExportPart) -> bytes:
        self.people += len(part.people)
        if self.kind == "vcf":
            text = vcards_of(part.people, self.vcard)
        elif self.kind == "csv":
            text = (
                csv_rows((), (), header=True)
                if part.head
                else csv_rows(part.people, part.last_contact)
            )
        elif part.head is not None:
            text = self.json.head(part.head)
        elif part.groups is not None:
            text = self.json.end(part.groups)
        elif part.people:
            text = self.json.people(part.people)
        else:
            text = self.json.interactions(part.interactions)
        return text.encode("utf-8")


# -- import ----------------------------------------------------------------------------


def _import(config: Config, args: argparse.Namespace) -> int:
    duplicates = Duplicates(args.duplicates) if args.duplicates else None
    identity = _identity(args)
    path = _user_path(args.file)
    if _written_by_kith(path):
        restored = asyncio.run(_restore_file(config, identity, path, duplicates))
        if restored is not None:
            print(restored)
            return 0
    # A local restore has no size limit: the 5 MB one is for files sent over chat (a
    # contacts file is still held to it when read; a kith export of any size restores).
    read = read_import_file(args.file, limit=None)
    if isinstance(read, str):
        raise Refused(read)
    name, data = read
    print(asyncio.run(_import_data(config, identity, name, data, args.circle, duplicates)))
    return 0


# How every export kith writes begins (`document_to_json`: the format on the first key).
_KITH_START = b'{\n  "format": "kith-export",'


def _written_by_kith(path: Path) -> bool:
    """Whether `path` is an ordinary file that starts as kith's exports do: restored as
    it is read (`restore_file`), never whole in memory."""
    try:
        if not path.is_file():
            return False
        with path.open("rb") as file:
            start = file.read(len(_KITH_START) + 3)
    except OSError:
        return False
    return start.removeprefix(b"\xef\xbb\xbf").startswith(_KITH_START)


async def _restore_file(
    config: Config, identity: Identity, path: Path, duplicates: Duplicates | None
) -> str | None:
    async with services(config) as s:
        owner = await s.store.identities.owner_of(identity)
        try:
            return await restore_file(
                s.engine, owner, path.name, lambda: path.open("rb"), duplicates=duplicates
            )
        except (ImportFormatError, UserError) as error:
            raise Refused(f"{error} Nothing was imported.") from error
        except OSError as error:
            raise Refused(f"cannot read {path}: {error.strerror or error}") from error


async def _import_data(
    config: Config,
    identity: Identity,
    name: str,
    data: bytes,
    circle: str | None,
    duplicates: Duplicates | None,
) -> str:
    async with services(config) as s:
        owner = await s.store.identities.owner_of(identity)
        try:
            return await import_now(
                s.engine, owner, name, data, circle=circle, duplicates=duplicates
            )
        except (ImportFormatError, UserError) as error:
            raise Refused(f"{error} Nothing was imported.") from error


# -- backup ----------------------------------------------------------------------------


def _backup(config: Config, target: Path, *, force: bool) -> int:
    """`kith backup`: SQLite's own business (bot/store/sqlite/backup.py)."""
    source = _existing_db(config)
    try:
        print(backup_database(source, target, force=force))
    except BackupRefused as error:
        raise Refused(str(error)) from error
    return 0
