"""The report's charts as SVG, drawn with matplotlib's Figure API (no pyplot state, no display needed).

Each chart comes with a sentence of alternative text, so a screen reader (and the tagged PDF) can say what it shows.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import matplotlib
from matplotlib.figure import Figure

from bot.exports import ExportData
from bot.framework import Level

matplotlib.use("Agg")
matplotlib.rcParams.update({"font.family": "DejaVu Sans", "svg.fonttype": "none", "svg.hashsalt": "reflect"})
LEVEL_COLOURS = ("#c0504d", "#f4b183", "#9bbb59", "#2e7d32")
STATUS_ORDER = ("open", "overdue", "done", "dropped")


@dataclass(frozen=True)
class Chart:
    title: str
    alt: str
    svg: bytes


def _svg(figure: Figure) -> bytes:
    out = io.BytesIO()
    figure.savefig(out, format="svg", bbox_inches="tight", metadata={"Date": None})
    return out.getvalue()


def _levels_axis(axes: object) -> None:
    axes.set_xlim(0, 4)  # type: ignore[attr-defined]
    axes.set_xticks([1, 2, 3, 4], [level.label for level in Level])  # type: ignore[attr-defined]


def maturity(data: ExportData) -> Chart:
    names = [p.name for p in data.phases]
    levels = [p.level or 0 for p in data.phases]
    figure = Figure(figsize=(6.5, 2.8))
    axes = figure.add_subplot()
    axes.barh(names, levels, color="#1f5f8b")
    axes.invert_yaxis()
    _levels_axis(axes)
    said = "; ".join(f"{p.name} {'not rated' if p.level is None else f'{p.level:g}'}" for p in data.phases)
    return Chart("Maturity per phase", f"Level per phase, 1 Emerging to 4 Thriving: {said}.", _svg(figure))


def movement(data: ExportData) -> Chart:
    names = [p.name for p in data.phases]
    now = [p.level or 0 for p in data.phases]
    before = [p.last_level or 0 for p in data.phases]
    figure = Figure(figsize=(6.5, 2.8))
    axes = figure.add_subplot()
    rows = range(len(names))
    axes.barh([r - 0.2 for r in rows], before, height=0.4, color="#b0b0b0", label="Last cycle")
    axes.barh([r + 0.2 for r in rows], now, height=0.4, color="#1f5f8b", label="This cycle")
    axes.set_yticks(list(rows), names)
    axes.invert_yaxis()
    _levels_axis(axes)
    axes.legend(loc="lower right", fontsize=7)
    said = "; ".join(
        f"{p.name} {_said(p.last_level)} to {_said(p.level)}" for p in data.phases if p.last_level is not None
    )
    return Chart("Movement since the last cycle", f"Last cycle to this one: {said or 'no earlier cycle'}.", _svg(figure))


def spread(data: ExportData) -> Chart:
    shown = [s for p in data.phases for s in p.sections if s.counts is not None]
    figure = Figure(figsize=(6.5, max(1.5, 0.25 * len(shown) + 0.8)))
    axes = figure.add_subplot()
    codes = [s.code for s in shown]
    left = [0] * len(shown)
    for index, level in enumerate(Level):
        widths = [s.counts[index] if s.counts else 0 for s in shown]
        axes.barh(codes, widths, left=left, color=LEVEL_COLOURS[index], label=level.label)
        left = [a + b for a, b in zip(left, widths, strict=True)]
    axes.invert_yaxis()
    axes.set_xlabel("Members")
    axes.legend(loc="lower right", fontsize=7, ncols=4)
    return Chart(
        "Calibration spread",
        f"How members' ratings spread in {len(shown)} sections with enough answers to show.", _svg(figure),
    )


def actions(data: ExportData) -> Chart:
    counts = [sum(a.status == status for a in data.actions) for status in STATUS_ORDER]
    figure = Figure(figsize=(6.5, 2.0))
    axes = figure.add_subplot()
    axes.barh(list(STATUS_ORDER), counts, color="#7f6084")
    axes.invert_yaxis()
    axes.set_xlabel("Actions")
    said = ", ".join(f"{n} {status}" for status, n in zip(STATUS_ORDER, counts, strict=True))
    return Chart("Actions by status", f"Actions: {said}.", _svg(figure))


def _said(level: float | None) -> str:
    return "not rated" if level is None else f"{level:g}"


def charts_for(data: ExportData) -> list[Chart]:
    """Maturity, movement, spread (groups only) and actions."""
    made = [maturity(data), movement(data)]
    if data.group:
        made.append(spread(data))
    made.append(actions(data))
    return made
