"""Draws the two Teams app icons once; the PNGs are committed, so building a package needs no Pillow.

Teams wants a 192x192 full-colour icon and a 32x32 outline icon that is white on a transparent background.
Both show the same mark: a speech bubble holding a tick, for a chat that helps a team take stock.
Run `python -m teams_app.make_icons` after changing the drawing.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
NHS_BLUE = (0, 94, 184, 255)
WHITE = (255, 255, 255, 255)
SCALE = 8
"""Draw large, then shrink: the edges come out smooth without any anti-aliasing support in ImageDraw."""


def mark(size: int, *, inset: float, stroke: float) -> Image.Image:
    """The bubble and tick as an alpha mask of `size` pixels; `inset` and `stroke` are fractions of `size`."""
    big = size * SCALE
    mask = Image.new("L", (big, big), 0)
    draw = ImageDraw.Draw(mask)
    line = max(1, round(big * stroke))
    left, top, right, bottom = big * inset, big * inset, big * (1 - inset), big * (1 - inset - 0.14)
    draw.rounded_rectangle((left, top, right, bottom), radius=big * 0.12, outline=255, width=line)
    tail = [(left + big * 0.16, bottom - line), (left + big * 0.10, big * (1 - inset)), (left + big * 0.34, bottom - line)]
    draw.polygon(tail, fill=255)
    middle = (top + bottom) / 2
    tick = [(big * 0.34, middle), (big * 0.45, middle + big * 0.11), (big * 0.66, middle - big * 0.12)]
    draw.line(tick, fill=255, width=line, joint="curve")
    return mask.resize((size, size), Image.Resampling.LANCZOS)


def colour_icon() -> Image.Image:
    icon = Image.new("RGBA", (192, 192), NHS_BLUE)
    icon.paste(Image.new("RGBA", icon.size, WHITE), mask=mark(192, inset=0.22, stroke=0.045))
    return icon.convert("RGB")


def outline_icon() -> Image.Image:
    icon = Image.new("RGBA", (32, 32), (255, 255, 255, 0))
    icon.putalpha(mark(32, inset=0.06, stroke=0.08))
    return icon


def main() -> None:
    colour_icon().save(HERE / "color.png", optimize=True)
    outline_icon().save(HERE / "outline.png", optimize=True)


if __name__ == "__main__":
    main()
