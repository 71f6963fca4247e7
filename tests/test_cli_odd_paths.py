"""Paths that used to end in a traceback: `~nobody/…` and a NUL byte."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import data as cli_data
from bot.local_files import read_import_file

NO_SUCH_USER = "~kith-no-such-user-4711"


def test_import_file_under_an_unknown_home_folder_is_a_sentence() -> None:
    assert read_import_file(f"{NO_SUCH_USER}/contacts.vcf") == (
        f"There's no file at {NO_SUCH_USER}/contacts.vcf: I don't know whose home folder that is."
    )


def test_import_file_with_a_nul_byte_is_a_sentence() -> None:
    assert read_import_file("a\0b.vcf") == "There's no file at a\0b.vcf."


def test_cli_path_under_an_unknown_home_folder_is_refused() -> None:
    with pytest.raises(cli_data.Refused, match="cannot find the home folder"):
        cli_data._user_path(f"{NO_SUCH_USER}/backup.db")


def test_cli_path_expands_the_home_folder() -> None:
    assert cli_data._user_path("~/x.db") == Path.home() / "x.db"
