"""Photographs every card the bot can send, at phone and desktop widths, for a person to look over.

`make card-screenshots` (or `python -m tests.renderer.screenshots [folder]`) drives the bot through the same
tour as the renderer test and writes one PNG per card and width, named by order, title and width, plus a
problems.txt listing anything the renderer test would fail on.
"""

from __future__ import annotations

import asyncio
import re
import sys
import tempfile
from pathlib import Path

from tests.card_tour import Shown, every_card
from tests.renderer.chromium import chromium_page, problems_in

WIDTHS = (360, 700)
DEFAULT_FOLDER = Path("build/card-screenshots")


def file_name(number: int, shown: Shown, width: int) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", shown.title.lower()).strip("-")[:60]
    return f"{number:03d}-{slug}-{shown.how}-{width}.png"


async def photograph(folder: Path) -> int:
    """Write the screenshots; returns how many cards had problems."""
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="reflect-tour-") as data:
        cards = await every_card(Path(data))
    problems: list[str] = []
    async with chromium_page() as page:
        await page.open_renderer(max(WIDTHS) + 40)
        for number, shown in enumerate(cards, start=1):
            for width in WIDTHS:
                report = await page.call("inspect", shown.card, width)
                name = file_name(number, shown, width)
                (folder / name).write_bytes(await page.screenshot(report["box"]))
                problems.extend(f"{name}: {problem}" for problem in problems_in(report))
    (folder / "problems.txt").write_text("".join(f"{line}\n" for line in problems), encoding="utf-8")
    print(f"{len(cards)} cards at {' and '.join(map(str, WIDTHS))} px in {folder}; {len(problems)} problems")
    return len(problems)


def main(argv: list[str]) -> int:
    return 1 if asyncio.run(photograph(Path(argv[0]) if argv else DEFAULT_FOLDER)) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
