"""The /circles picture as PNG bytes, drawn with Pillow from a pure `Layout`.

Pillow rather than matplotlib: it imports in about 5 ms against about 0.5–1 s, and draws
150 people in a few tens of ms (bench/fig_circles.py). It is imported only when a picture
is drawn, so `kith run` starts no slower. The font is the one Pillow ships, so the
picture is the same on every machine (no system fonts), and sized for a phone screen.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any, Final

from bot.core.circle_layout import Dot, Layout, colour

if TYPE_CHECKING:
    from PIL import ImageDraw

SIZE: Final = 1080  # square, Telegram's preferred photo width
MARGIN: Final = 70
TOP: Final = 130  # room for the title
BOTTOM: Final = 190  # room for the legend
BACKGROUND: Final = (250, 248, 244)
INK: Final = (40, 40, 48)
MUTED: Final = (120, 120, 130)
RING_FILLS: Final = ((236, 232, 224), (242, 239, 232))
DOT: Final = 15
HOLLOW_INK: Final = (110, 110, 120)

Box = tuple[float, float, float, float]


def render_png(layout: Layout) -> bytes:
    """The picture of `layout`, as PNG bytes (deterministic: same layout, same bytes)."""
    from PIL import Image, ImageDraw, ImageFont

    height = TOP + (SIZE - 2 * MARGIN) + BOTTOM
    image = Image.new("RGB", (SIZE, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    title_font = ImageFont.load_default(size=46)
    small = ImageFont.load_default(size=26)
    label_font = ImageFont.load_default(size=30)
    ring_font = ImageFont.load_default(size=24)

    draw.text((SIZE / 2, 60), layout.title, fill=INK, font=title_font, anchor="mm")
    draw.text((SIZE / 2, 108), layout.subtitle, fill=MUTED, font=small, anchor="mm")

    radius = (SIZE - 2 * MARGIN) / 2
    cx, cy = SIZE / 2, TOP + radius

    def at(x: float, y: float) -> tuple[float, float]:
        return cx + x * radius, cy + y * radius

    # Rings, widest first so each closer one is painted over it.
    for i, ring in reversed(list(enumerate(layout.rings))):
        r = ring.outer * radius
        draw.ellipse(
            (cx - r, cy - r, cx + r, cy + r),
            fill=RING_FILLS[i % 2],
            outline=(205, 200, 190),
            width=2,
        )
    taken: list[Box] = []
    for ring in layout.rings:
        # The circle's name at the top of its band, with how many are in it.
        y = cy - (ring.inner + ring.outer) / 2 * radius if ring.inner else cy
        text = f"{ring.name} · {ring.count}"
        box = draw.textbbox((cx, y), text, font=ring_font, anchor="mm")
        draw.text((cx, y), text, fill=MUTED, font=ring_font, anchor="mm")
        taken.append(box)

    for dot in layout.dots:
        _dot(draw, at(dot.x, dot.y), dot)
        taken.append(_box_around(at(dot.x, dot.y), DOT))
    for dot in [d for d in reversed(layout.dots) if d.label]:  # most overdue first
        _label(draw, at(dot.x, dot.y), dot, label_font, taken)

    _legend(draw, height - BOTTOM + 30, small, layout.unnamed)
    out = io.BytesIO()
    # Level 1: about half the time of the default for a few percent more bytes.
    image.save(out, format="PNG", optimize=False, compress_level=1)
    return out.getvalue()


def _dot(draw: ImageDraw.ImageDraw, centre: tuple[float, float], dot: Dot) -> None:
    x, y = centre
    box = (x - DOT, y - DOT, x + DOT, y + DOT)
    if dot.hollow:
        draw.ellipse(box, fill=None, outline=HOLLOW_INK, width=4)
    else:
        draw.ellipse(box, fill=dot.colour, outline=(255, 255, 255), width=3)


def _box_around(centre: tuple[float, float], r: float) -> Box:
    return (centre[0] - r, centre[1] - r, centre[0] + r, centre[1] + r)


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _label(
    draw: ImageDraw.ImageDraw,
    centre: tuple[float, float],
    dot: Dot,
    font: Any,
    taken: list[Box],
) -> None:
    """Name an overdue dot beside it, where it covers no other name or dot if it can."""
    assert dot.label is not None
    x, y = centre
    gap = DOT + 8
    right = x >= SIZE / 2
    spots = [
        ((x + gap, y), "lm"),
        ((x - gap, y), "rm"),
        ((x, y - gap), "mb"),
        ((x, y + gap), "mt"),
    ]
    if not right:
        spots[0], spots[1] = spots[1], spots[0]
    boxes = [(p, a, draw.textbbox(p, dot.label, font=font, anchor=a)) for p, a in spots]
    own = _box_around(centre, DOT)
    others = [t for t in taken if t != own]
    inside = [(p, a, b) for p, a, b in boxes if b[0] >= 0 and b[2] <= SIZE] or boxes[:1]
    # The first free spot in order of preference; else the one covering the fewest
    # (min keeps the first of equals).
    point, anchor, box = min(inside, key=lambda pab: sum(_overlaps(pab[2], t) for t in others))
    pad = 4
    draw.rounded_rectangle(
        (box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad),
        radius=8,
        fill=(255, 255, 255),
        outline=(190, 185, 175),
    )
    draw.text(point, dot.label, fill=INK, font=font, anchor=anchor)
    taken.append(box)


def _legend(draw: ImageDraw.ImageDraw, top: float, font: Any, unnamed: int) -> None:
    """The colour scale, fresh to overdue, and what a hollow dot means."""
    left, right = MARGIN + 120, SIZE - MARGIN - 120
    steps = 100
    for i in range(steps):
        x0 = left + (right - left) * i / steps
        x1 = left + (right - left) * (i + 1) / steps
        draw.rectangle((x0, top, x1 + 1, top + 26), fill=colour(2.0 * i / (steps - 1)))
    draw.rectangle((left, top, right, top + 26), outline=(150, 150, 150))
    draw.text((left - 12, top + 13), "fresh", fill=INK, font=font, anchor="rm")
    draw.text((right + 12, top + 13), "overdue", fill=INK, font=font, anchor="lm")
    mid = (left + right) / 2
    draw.text((mid, top + 44), "due", fill=MUTED, font=font, anchor="mt")
    draw.line((mid, top - 4, mid, top + 30), fill=INK, width=2)
    y = top + 95
    draw.ellipse((mid - 150, y - 12, mid - 126, y + 12), outline=HOLLOW_INK, width=4)
    draw.text((mid - 112, y), "paused or snoozed", fill=INK, font=font, anchor="lm")
    if unnamed:
        note = f"names shown for the most overdue; {unnamed} more to reach out to"
        draw.text((SIZE / 2, y + 36), note, fill=MUTED, font=font, anchor="mm")
