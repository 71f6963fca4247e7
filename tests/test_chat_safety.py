"""`kith chat` with hostile input and stored text: nothing raw reaches the terminal,
nothing on stdin or in `/import` can crash or hang it."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from bot.console.chat import ConsoleChat, terminal_safe
from bot.engine import Reply
from bot.engine.replies import Button

REPO = Path(__file__).resolve().parents[1]


def chat(db: Path, stdin: bytes, **env: str) -> subprocess.CompletedProcess[bytes]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("KITH_")}
    environ["PYTHONPATH"] = str(REPO)
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--db", str(db)],
        input=stdin,
        capture_output=True,
        timeout=30,  # a read of /dev/zero or a FIFO would hang: fail instead
        env=environ,
        check=False,
    )


def test_every_printed_line_is_stripped_of_control_and_escape_characters() -> None:
    out = io.StringIO()
    console = ConsoleChat(engine=None, owner=0, out=out)  # type: ignore[arg-type]
    evil = "Alice\x1b]0;pwned\x07\x1b[2J\x9b31m\x00"
    console.show([Reply(f"Added {evil}.\n\tok", ((Button(f"Forget {evil}", "q:1:y"),),))])
    printed = out.getvalue()
    assert printed == "Added Alice]0;pwned[2J31m.\n\tok\n  1) Forget Alice]0;pwned[2J31m\n"
    assert terminal_safe("👨‍👩‍👧 café") == "👨‍👩‍👧 café"  # joiners and accents stay


def test_a_non_utf8_byte_on_stdin_is_replaced_not_fatal(tmp_path: Path) -> None:
    result = chat(tmp_path / "x.db", b"/add Al\xffice\n/add Bob\n", PYTHONIOENCODING="utf-8:strict")
    assert result.returncode == 0, result.stderr
    assert b"Traceback" not in result.stderr
    assert b"Added Bob" in result.stdout


def test_import_of_a_device_a_fifo_or_a_folder_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "contacts.vcf"
    os.mkfifo(fifo)
    lines = f"/import /dev/zero\n/import {fifo}\n/import {tmp_path}\n/add Bob\n"
    result = chat(tmp_path / "x.db", lines.encode())
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode()
    assert "/dev/zero is not an ordinary file" in out
    assert f"{fifo} is not an ordinary file" in out
    assert f"{tmp_path} is a folder" in out
    assert "Added Bob" in out
