"""Figure 14: one user's big contacts file, and how long it holds the event loop.

Two files, each sent through the engine in a fresh process (`python -m bench.import_probe`)
while a watchdog coroutine asks to wake every 5 ms; the longest it waited beyond that is
the loop's longest stall (how long every other chat waits):

* a vCard of `import_contacts` (20,000) people with a phone, an e-mail and some birthdays:
  `Engine.import_file`, then the first "Import … into" button is pressed (the people
  limit raised above the file, so everything is imported);
* a 5 MB CSV of one-word rows (669k at full size), every word a different name: with the
  default limit of 5,000 people kith must answer without building them all.

Baseline: the same file read in a worker thread by the least a reader does (decode, then
a dict per card, or `csv.reader` rows), under the same watchdog in its own process.
Beside the stall: the peak RSS of each process (VmHWM) and the bytes the pending question
stored (its payload plus any rows kept beside it). Target: no stall over 50 ms.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from bench.report import Check, Row, Series
from bench.workspace import REPO, Sizes, Workspace

NAME = "import"


def vcard_file(path: Path, people: int) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        for n in range(people):
            out.write(
                "BEGIN:VCARD\r\nVERSION:3.0\r\n"
                f"FN:Person {n} Example\r\nN:Example;Person {n};;;\r\n"
                f"TEL;TYPE=CELL:+1 555 {n:07d}\r\nEMAIL:person{n}@example.com\r\n"
                + (f"BDAY:19{70 + n % 30}-{1 + n % 12:02d}-{1 + n % 28:02d}\r\n" if n % 3 else "")
                + "END:VCARD\r\n"
            )
    return path


def word_csv(path: Path, size: int) -> tuple[Path, int]:
    """One different lower-case word per row, `size` bytes at most; (path, rows)."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    rows, written, n = [], 0, 0
    while True:
        word, k = "", n
        while True:
            word = letters[k % 26] + word
            k //= 26
            if not k:
                break
        line = "x" + word + "\n"
        if written + len(line) > size:
            break
        rows.append(line)
        written += len(line)
        n += 1
    path.write_text("".join(rows), encoding="utf-8")
    return path, n


@dataclass(frozen=True, slots=True)
class _Probe:
    stall: float
    p99: float
    took: float
    hwm: float
    stored: float
    said: str


def _probe(kind: str, file: Path, db: Path, max_people: int) -> _Probe:
    out = subprocess.run(
        [sys.executable, "-m", "bench.import_probe", kind, str(file), str(db), str(max_people)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=900,
    )
    got = json.loads(out.stdout.strip().splitlines()[-1])
    return _Probe(
        float(got["stall"]),
        float(got["p99"]),
        float(got["took"]),
        float(got["hwm"]),
        float(got["stored"]),
        " / ".join(str(s) for s in got["said"]),
    )


def run(sizes: Sizes, work: Workspace) -> list[Row]:
    people = sizes.import_contacts
    vcf = vcard_file(work.path("contacts.vcf"), people)
    csv_path, rows = word_csv(work.path("words.csv"), sizes.import_csv_bytes)
    cases = (
        ("vCard", vcf, f"{people:,}-contact vCard, imported", people + 1000),
        ("CSV", csv_path, f"{rows:,} one-word rows ({csv_path.stat().st_size:,} bytes)", 5000),
    )
    out: list[Row] = []
    for label, file, notes, limit in cases:
        k = _probe("kith", file, work.path(f"import-{label}.db"), limit)
        b = _probe("plain", file, work.path(f"plain-{label}.db"), limit)
        base = "plain read in a thread"
        out += [
            Row(
                "14",
                f"import: longest event-loop stall, {label}",
                unit="ms",
                measured=Series.of([k.stall]),
                baseline=Series.of([b.stall]),
                baseline_name=base,
                checks=(Check("p50", "<=", 50.0),),
                notes=f"{notes}; kith took {k.took:.0f} ms (plain {b.took:.0f} ms)",
            ),
            Row(
                "14",
                f"import: 99th percentile of the loop's wake-up delay, {label}",
                unit="ms",
                measured=Series.of([k.p99]),
                baseline=Series.of([b.p99]),
                baseline_name=base,
                notes=f"{notes}; every 5 ms wake-up during the whole import, no target",
            ),
            Row(
                "14",
                f"import: peak RSS, {label}",
                unit="MB",
                measured=Series.of([k.hwm]),
                baseline=Series.of([b.hwm]),
                baseline_name=base,
                notes=f"{notes}; kith said: {k.said[:120]}",
            ),
            Row(
                "14",
                f"import: bytes the pending question stores, {label}",
                unit="bytes",
                measured=Series.of([k.stored]),
                baseline=Series.of([float(file.stat().st_size)]),
                baseline_name="the file itself",
                notes=notes,
            ),
        ]
    return out
