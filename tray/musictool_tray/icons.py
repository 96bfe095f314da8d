"""The tray picture for each state: a record whose label colour (and mark) says the state at a glance."""

from __future__ import annotations

from functools import cache
from typing import Any

from musictool_tray.state import ATTENTION, DOWN, IDLE, PAUSED, WORKING

LABEL_COLOURS = {
    IDLE: (46, 160, 67),
    WORKING: (30, 110, 220),
    PAUSED: (150, 150, 150),
    DOWN: (200, 40, 40),
    ATTENTION: (245, 140, 0),
}


@cache
def image(state: str) -> Any:
    """A 64x64 RGBA PIL image (cached: the tray swaps between five pictures)."""
    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    disc = (70, 70, 70, 255) if state == DOWN else (20, 20, 20, 255)
    d.ellipse((2, 2, 62, 62), fill=disc)
    d.ellipse((10, 10, 54, 54), outline=(55, 55, 55, 255), width=2)
    d.ellipse((16, 16, 48, 48), fill=LABEL_COLOURS[state] + (255,))
    white = (255, 255, 255, 255)
    if state == PAUSED:
        d.rectangle((24, 22, 29, 42), fill=white)
        d.rectangle((35, 22, 40, 42), fill=white)
    elif state == ATTENTION:
        d.rectangle((29, 21, 35, 36), fill=white)
        d.rectangle((29, 39, 35, 44), fill=white)
    elif state == DOWN:
        d.line((24, 24, 40, 40), fill=white, width=5)
        d.line((24, 40, 40, 24), fill=white, width=5)
    elif state == WORKING:
        d.pieslice((22, 22, 42, 42), -90, 180, fill=white)
        d.ellipse((27, 27, 37, 37), fill=LABEL_COLOURS[WORKING] + (255,))
    else:
        d.ellipse((29, 29, 35, 35), fill=(20, 20, 20, 255))  # the spindle hole
    return img
