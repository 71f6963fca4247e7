"""Figure 7: the /circles picture for 150 people, and what drawing it costs to start.

Measured: `layout` + `render_png` for one owner's 150 people (generated, with their last
contacts spread over a year), the whole path from people to PNG bytes. Baseline: the
floor of any picture of that size, a blank image of the same size saved as PNG in the
same run. Target: p50 ≤ 300 ms.

Start-up: importing the drawing library in a fresh interpreter (Pillow's Image,
ImageDraw, ImageFont), against a bare `python -c pass`. matplotlib (Agg), the other
candidate, is timed the same way when it is installed: it took about 0.5–1 s to import
where Pillow takes about 5 ms, which is why kith draws with Pillow. Either way kith
imports it only when a picture is drawn, so `kith run` starts no slower.
"""

from __future__ import annotations

import gc
import io
import subprocess
import sys
import time
from datetime import date, timedelta
from importlib.util import find_spec

from bench.report import Check, Row, Series
from bench.workspace import Sizes, Workspace
from bot.core.circle_layout import layout
from bot.core.circles import Circles
from bot.core.model import Person
from bot.formats.circles_png import SIZE, render_png

NAME = "circles"
TODAY = date(2026, 11, 29)
FIRST = ["Alice", "Bob", "Carol", "Dan", "Eve", "Frank", "Grace", "Heidi", "Ivan", "Judy",
         "Maria", "Niaj", "Olivia", "Peggy", "Rupert", "Sybil", "Trent", "Victor", "Wendy",
         "Yusuf", "Zoe", "Priya", "Kenji", "Fatima", "Oliver"]  # fmt: skip
LAST = ["Smith", "Wong", "Lopez", "Okafor", "Berg", "Costa", "Ito", "Novak"]


def sample_people(count: int) -> list[Person]:
    """`count` people over the default circles (about 5 · 15 · 50 · the rest), contacts
    spread deterministically so some are fresh and some long overdue."""
    people: list[Person] = []
    circles = ("inner", "close", "friends", "wider")
    for i in range(count):
        circle = circles[0 if i < 5 else 1 if i < 18 else 2 if i < 60 else 3]
        cadence = {"inner": 14, "close": 30, "friends": 90, "wider": 180}[circle]
        days = (i * 37) % int(cadence * 2.4)
        people.append(
            Person(
                id=i + 1,
                name=f"{FIRST[i % len(FIRST)]} {LAST[(i // len(FIRST)) % len(LAST)]}",
                circle=circle,
                added_on=TODAY - timedelta(days=400),
                last_contact=TODAY - timedelta(days=days),
                last_kind="coffee",
                paused=i % 29 == 7,
                snoozed_until=TODAY + timedelta(days=3) if i % 31 == 5 else None,
            )
        )
    return people


def draw(people: list[Person]) -> bytes:
    return render_png(layout(people, Circles(), TODAY))


def blank() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    # The same size and PNG settings as the picture: only the drawing differs.
    Image.new("RGB", (SIZE, SIZE + 180), (250, 248, 244)).save(out, format="PNG", compress_level=1)
    return out.getvalue()


def import_ms(code: str, rounds: int) -> list[float]:
    times: list[float] = []
    for _ in range(rounds):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        times.append((time.perf_counter() - start) * 1000)
    return times


def run(sizes: Sizes, work: Workspace) -> list[Row]:
    del work
    people = sample_people(150)
    rounds = max(3, sizes.phrase_rounds * 2)
    draw(people)  # warm: fonts loaded, modules imported
    blank()
    gc.collect()
    drawn: list[float] = []
    floor: list[float] = []
    for _ in range(rounds):
        start = time.perf_counter()
        draw(people)
        middle = time.perf_counter()
        blank()
        end = time.perf_counter()
        drawn.append((middle - start) * 1000)
        floor.append((end - middle) * 1000)
    starts = max(2, sizes.footprint_starts)
    pil = import_ms("import PIL.Image, PIL.ImageDraw, PIL.ImageFont", starts)
    bare = import_ms("pass", starts)
    rows = [
        Row(
            "7",
            "/circles picture, 150 people",
            measured=Series.of(drawn),
            baseline=Series.of(floor),
            baseline_name="blank PNG, same size",
            checks=(Check("p50", "<=", 300.0),),
            notes=f"{rounds} renders of {len(people)} people, {SIZE}px wide",
        ),
        Row(
            "7",
            "start-up: python + Pillow import",
            measured=Series.of(pil),
            baseline=Series.of(bare),
            baseline_name="python -c pass",
            notes=f"{starts} fresh interpreters; imported lazily, not at kith start",
        ),
    ]
    if find_spec("matplotlib") is not None:
        mpl = import_ms(
            "import matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot", starts
        )
        rows.append(
            Row(
                "7",
                "start-up: python + matplotlib (Agg)",
                measured=Series.of(mpl),
                baseline=Series.of(bare),
                baseline_name="python -c pass",
                notes="the alternative not taken",
            )
        )
    return rows
