"""Simple drawn hero pictures for the demo's published articles, made with Pillow so the demo
ships no image files and needs no network. The same drawing gives the same bytes, so the image
pipeline stores each once however often the demo runs."""

from __future__ import annotations

import io
from collections.abc import Callable

from PIL import Image, ImageDraw

SIZE = (1200, 675)
BACKGROUND = (232, 242, 247)
INK = (33, 64, 89)
RED = (201, 62, 62)
GREEN = (74, 140, 98)


def _heart(draw: ImageDraw.ImageDraw) -> None:
    """A heart with a heartbeat line running through it."""
    draw.ellipse((380, 150, 610, 380), fill=RED)
    draw.ellipse((590, 150, 820, 380), fill=RED)
    draw.polygon([(392, 310), (808, 310), (600, 560)], fill=RED)
    beat = [(120, 350), (440, 350), (490, 250), (550, 470), (610, 300), (650, 350), (1080, 350)]
    draw.line(beat, fill=INK, width=14, joint="curve")


def _gauge(draw: ImageDraw.ImageDraw) -> None:
    """A blood pressure gauge on its cuff, the needle in the green."""
    draw.rounded_rectangle((140, 420, 1060, 560), radius=40, fill=INK)
    draw.ellipse((420, 90, 780, 450), fill=(255, 255, 255), outline=INK, width=16)
    draw.arc((470, 140, 730, 400), start=150, end=260, fill=GREEN, width=26)
    draw.arc((470, 140, 730, 400), start=260, end=390, fill=RED, width=26)
    draw.line([(600, 270), (510, 210)], fill=INK, width=14)
    draw.ellipse((580, 250, 620, 290), fill=INK)


def _knee(draw: ImageDraw.ImageDraw) -> None:
    """A bent leg taking a step on a path, the knee ringed."""
    draw.line([(0, 600), (1200, 600)], fill=GREEN, width=20)
    draw.line([(560, 120), (640, 340), (570, 560), (690, 575)], fill=INK, width=56, joint="curve")
    draw.ellipse((532, 92, 588, 148), fill=INK)
    draw.ellipse((590, 290, 690, 390), outline=RED, width=14)


DRAWINGS: dict[str, Callable[[ImageDraw.ImageDraw], None]] = {
    "heart": _heart,
    "gauge": _gauge,
    "knee": _knee,
}


def png(name: str) -> bytes:
    """The drawing called `name` as PNG bytes."""
    image = Image.new("RGB", SIZE, BACKGROUND)
    DRAWINGS[name](ImageDraw.Draw(image))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()
