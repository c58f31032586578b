"""The HTML report and the tagged PDF made from it with WeasyPrint (PDF/UA-1, so screen readers can follow it).

The HTML is built with escaping throughout; charts are inline SVG images with alternative text.
"""

from __future__ import annotations

import base64
from html import escape

from adapters.exports.charts import Chart, charts_for
from bot.exports import ExportData, SectionResult
from bot.framework import Level

NOTES_SHOWN = 5
ACTIONS_SHOWN = 100
"""The PDF is a report for a meeting: a few notes per section and the most pressing actions; the full register is in
the Word and spreadsheet exports (and laying out thousands of rows would take WeasyPrint minutes)."""
STATUS_FIRST = {"overdue": 0, "open": 1, "done": 2, "dropped": 3}
STYLE = """
@page { size: A4; margin: 18mm 16mm; @bottom-right { content: counter(page) " / " counter(pages); font-size: 8pt; } }
body { font-family: "DejaVu Sans", sans-serif; font-size: 10pt; color: #1a1a1a; }
h1 { font-size: 18pt; } h2 { font-size: 14pt; margin-top: 14pt; } h3 { font-size: 11pt; margin-bottom: 2pt; }
table { border-collapse: collapse; width: 100%; margin: 4pt 0; } th, td { border: 0.5pt solid #999; padding: 2pt 4pt;
text-align: left; vertical-align: top; } th { background: #eef2f6; } .box { font-size: 12pt; width: 14pt; }
figure { margin: 8pt 0; page-break-inside: avoid; } img { width: 100%; } .credit { font-size: 8pt; color: #555; }
"""


def write_html(data: ExportData) -> str:
    """A complete HTML document: cover facts, charts, phases with sections, actions, credit."""
    title = f"Reflect report: {data.heading}"
    parts = [
        f'<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>{escape(title)}</title>',
        f"<style>{STYLE}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        _facts(data),
        *(_figure(chart) for chart in charts_for(data)),
        *(_phase(data, phase.number, phase.name, phase.sections) for phase in data.phases),
        _actions(data),
        f'<p class="credit">{escape(data.credit)}</p></body></html>',
    ]
    return "".join(parts)


def write_pdf(data: ExportData) -> bytes:
    """PDF/UA-1 from the HTML report; WeasyPrint is imported only here, as the optional `pdf` extra."""
    from weasyprint import HTML

    pdf = HTML(string=write_html(data)).write_pdf(pdf_variant="pdf/ua-1")
    assert pdf is not None
    return bytes(pdf)


def _facts(data: ExportData) -> str:
    rows = [("Assessment", data.subject), ("Scope", ", ".join(data.scope)), ("Cycle", str(data.cycle)),
            ("Exported on", data.made_on)]
    if data.group:
        rows.insert(0, ("Working group", data.group))
    cells = "".join(f'<tr><th scope="row">{escape(k)}</th><td>{escape(v)}</td></tr>' for k, v in rows)
    return f"<table>{cells}</table>"


def _figure(chart: Chart) -> str:
    source = "data:image/svg+xml;base64," + base64.b64encode(chart.svg).decode()
    return (f'<figure><img src="{source}" alt="{escape(chart.alt)}">'
            f"<figcaption>{escape(chart.title)}</figcaption></figure>")


def _phase(data: ExportData, number: int, name: str, sections: tuple[SectionResult, ...]) -> str:
    rows = "".join(_section_row(data, s) for s in sections)
    head = "<tr><th>Section</th><th>Level</th><th>Evidence and notes</th></tr>"
    return f"<h2>Phase {number}: {escape(name)}</h2><table>{head}{rows}</table>"


def _section_row(data: ExportData, section: SectionResult) -> str:
    level = "Not sure" if section.not_sure else _level_text(section)
    notes = [escape(n) for n in section.evidence[:NOTES_SHOWN]]
    if len(section.evidence) > NOTES_SHOWN:
        notes.append(f"and {len(section.evidence) - NOTES_SHOWN} more notes (all are in the Word and spreadsheet exports)")
    if data.group:
        notes.insert(0, escape(_spread_text(data, section)))
    if section.rationale:
        notes.insert(0, "Agreed because: " + escape(section.rationale))
    return (f"<tr><td>{escape(section.code)} {escape(section.title)}</td><td>{level}</td>"
            f"<td>{'<br>'.join(notes)}</td></tr>")


def _level_text(section: SectionResult) -> str:
    if section.chosen is not None:
        return Level(section.chosen).label
    if section.median is not None:
        return f"median {section.median:g}"
    return "not rated"


def _spread_text(data: ExportData, section: SectionResult) -> str:
    if section.counts is None:
        return f"{section.answered} answered; the spread shows from {data.min_answers}."
    return ", ".join(f"{level.label} {n}" for level, n in zip(Level, section.counts, strict=True))


def _actions(data: ExportData) -> str:
    """Overdue actions first, then open ones, then the rest, up to ACTIONS_SHOWN: a report, not the register."""
    if not data.actions:
        return "<h2>Actions</h2><p>No actions yet.</p>"
    head = "<tr><th>Section</th><th>Action</th><th>Owner</th><th>Due</th><th>Status</th></tr>"
    ordered = sorted(data.actions, key=lambda a: (STATUS_FIRST.get(a.status, len(STATUS_FIRST)), a.due))
    more = len(ordered) - ACTIONS_SHOWN
    rest = f"<p>And {more} more actions: every action is in the Word and spreadsheet exports.</p>" if more > 0 else ""
    rows = "".join(
        f"<tr><td>{escape(a.section)}</td><td>{escape(a.title)}</td><td>{escape(a.owner)}</td>"
        f"<td>{escape(a.due)}</td><td>{escape(a.status)}</td></tr>"
        for a in ordered[:ACTIONS_SHOWN]
    )
    return f"<h2>Actions</h2><table>{head}{rows}</table>{rest}"
