"""The /circles picture as drawn: a PNG, the same every time, close to the golden one."""

from __future__ import annotations

import io
import os
from datetime import date, timedelta
from pathlib import Path

from PIL import Image, ImageChops

from bot.core.circle_layout import VIRIDIS, layout
from bot.core.circles import Circles
from bot.core.model import Person
from bot.formats.circles_png import SIZE, render_png

GOLDEN = Path(__file__).parent / "golden" / "circles.png"
TODAY = date(2026, 11, 29)
NAMES = ("Alice Smith", "Bob Lee", "Carol", "Dan", "Eve", "Frank", "Grace", "Heidi", "Ivan",
         "Judy", "Maria Lopez", "Niaj", "Olivia", "Peggy", "Rupert", "Sybil", "Trent",
         "Victor", "Wendy", "Alice Wong", "Yusuf", "Zoe", "Priya", "Kenji", "Fatima",
         "Oliver", "Chloe", "Marco", "Hannah", "Tom")  # fmt: skip


def example() -> list[Person]:
    """30 people over four circles, some fresh, some long overdue, one paused, one snoozed."""
    circles = ["inner"] * 4 + ["close"] * 8 + ["friends"] * 12 + ["wider"] * 6
    cadence = {"inner": 14, "close": 30, "friends": 90, "wider": 180}
    return [
        Person(
            id=i + 1,
            name=name,
            circle=circle,
            added_on=TODAY - timedelta(days=400),
            last_contact=TODAY - timedelta(days=(i * 23) % int(cadence[circle] * 1.8) + 1),
            paused=name == "Dan",
            snoozed_until=TODAY + timedelta(days=4) if name == "Olivia" else None,
        )
        for i, (name, circle) in enumerate(zip(NAMES, circles, strict=True))
    ]


def picture() -> bytes:
    return render_png(layout(example(), Circles(), TODAY))


def test_it_is_a_png_sized_for_a_phone() -> None:
    image = Image.open(io.BytesIO(picture()))
    assert image.format == "PNG"
    assert image.size[0] == SIZE and 1.0 < image.size[1] / image.size[0] < 1.3


def test_the_same_data_draws_the_same_bytes() -> None:
    assert picture() == picture()


def test_the_legend_runs_from_fresh_to_overdue() -> None:
    image = Image.open(io.BytesIO(picture())).convert("RGB")
    y = image.size[1] - 190 + 30 + 13  # the middle of the colour bar
    left, right = 70 + 120 + 3, SIZE - 70 - 120 - 3
    assert _near(image.getpixel((left, y)), VIRIDIS[-1])
    assert _near(image.getpixel((right, y)), VIRIDIS[0])


def test_it_looks_like_the_golden_picture() -> None:
    drawn = Image.open(io.BytesIO(picture())).convert("RGB")
    if os.environ.get("KITH_UPDATE_GOLDEN"):
        drawn.save(GOLDEN)
    golden = Image.open(GOLDEN).convert("RGB")
    assert drawn.size == golden.size
    diff = ImageChops.difference(drawn, golden).convert("L").point(lambda v: 255 if v > 40 else 0)
    changed = diff.histogram()[255]
    # Font rasterising may differ by a pixel between Pillow builds; a moved dot won't.
    assert changed / (drawn.size[0] * drawn.size[1]) < 0.002, changed


def _near(got: object, want: tuple[int, int, int], tolerance: int = 12) -> bool:
    assert isinstance(got, tuple)
    return all(abs(int(a) - b) <= tolerance for a, b in zip(got, want, strict=True))
