"""The Word export, laid out like the framework's tick-box edition: per section, the four level descriptors with
the chosen one ticked in a real Word checkbox content control.

python-docx has no API for checkbox content controls, so each box is a `w:sdt` holding a `w14:checkbox`, written
here; Word toggles it on a click and python-docx reads it back as ordinary XML.
"""

from __future__ import annotations

import io
from itertools import count

from docx import Document
from docx.document import Document as DocumentObject
from docx.oxml import parse_xml
from docx.shared import Pt
from docx.table import _Cell

from bot.exports import ExportData, PhaseResult, SectionResult
from bot.framework import Level

CHECKED, UNCHECKED = "\u2612", "\u2610"
BOX_FONT = "MS Gothic"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W14 = "http://schemas.microsoft.com/office/word/2010/wordml"
TAG_PREFIX = "reflect-level"
"""Each box's tag names its section and level, so a reader (or a test) can tell which box is which."""


def checkbox_xml(checked: bool, tag: str, sdt_id: int) -> str:
    """A checkbox content control showing ☒ or ☐ in MS Gothic, as Word itself writes one."""
    return (
        f'<w:sdt xmlns:w="{W}" xmlns:w14="{W14}"><w:sdtPr>'
        f'<w:tag w:val="{tag}"/><w:id w:val="{sdt_id}"/>'
        f'<w14:checkbox><w14:checked w14:val="{1 if checked else 0}"/>'
        f'<w14:checkedState w14:val="2612" w14:font="{BOX_FONT}"/>'
        f'<w14:uncheckedState w14:val="2610" w14:font="{BOX_FONT}"/></w14:checkbox>'
        "</w:sdtPr><w:sdtContent><w:r><w:rPr>"
        f'<w:rFonts w:ascii="{BOX_FONT}" w:eastAsia="{BOX_FONT}" w:hAnsi="{BOX_FONT}" w:hint="eastAsia"/>'
        f"</w:rPr><w:t>{CHECKED if checked else UNCHECKED}</w:t></w:r></w:sdtContent></w:sdt>"
    )


def write_docx(data: ExportData) -> bytes:
    """The whole document: cover details, then every phase and section, then the credit line."""
    document = Document()
    document.core_properties.title = f"Reflect: {data.heading}"
    document.add_heading(data.framework, level=0)
    _cover(document, data)
    ids = count(1)
    for phase in data.phases:
        _phase(document, data, phase, ids)
    document.add_paragraph().add_run(data.credit).italic = True
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _cover(document: DocumentObject, data: ExportData) -> None:
    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    rows = [("Assessment", data.subject), ("Scope", ", ".join(data.scope)), ("Cycle", str(data.cycle)),
            ("Exported on", data.made_on)]
    if data.group:
        rows.insert(0, ("Working group", data.group))
    for label, value in rows:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, value
    document.add_paragraph(data.credit)


def _phase(document: DocumentObject, data: ExportData, phase: PhaseResult, ids: count[int]) -> None:
    document.add_heading(f"Phase {phase.number}: {phase.name}", level=1)
    for section in phase.sections:
        document.add_heading(f"{section.code} {section.title}", level=2)
        _boxes(document, section, ids)
        _figures(document, data, section)
        _actions(document, data, section.code)


def _boxes(document: DocumentObject, section: SectionResult, ids: count[int]) -> None:
    """One row per level: the box, the level's name and its descriptor."""
    table = document.add_table(rows=0, cols=3)
    table.style = "Table Grid"
    for level, descriptor in zip(Level, section.descriptors, strict=True):
        cells = table.add_row().cells
        _box(cells[0], section.chosen == level, f"{TAG_PREFIX}:{section.code}:{int(level)}", next(ids))
        cells[1].text = level.label
        cells[2].text = descriptor
    if section.not_sure:
        document.add_paragraph("Answered: not sure yet.")


def _box(cell: _Cell, checked: bool, tag: str, sdt_id: int) -> None:
    paragraph = cell.paragraphs[0]
    paragraph._p.append(parse_xml(checkbox_xml(checked, tag, sdt_id)))


def _figures(document: DocumentObject, data: ExportData, section: SectionResult) -> None:
    """The group's spread and agreed level, and the evidence notes (styled by id: python-docx's lookup by style name
    scans every style, which made a big group's notes take seconds)."""
    if data.group:
        if section.counts is None:
            document.add_paragraph(f"Spread: shown once {data.min_answers} members have answered ({section.answered} so far).")
        else:
            spread = ", ".join(f"{level.label} {n}" for level, n in zip(Level, section.counts, strict=True))
            median = "" if section.median is None else f"; median {section.median:g}"
            document.add_paragraph(f"Spread: {spread}{median} ({section.answered} answered).")
        if section.rationale is not None and section.chosen is not None:
            document.add_paragraph(f"Agreed level: {Level(section.chosen).label}. Reason: {section.rationale}")
    if section.last_cycle is not None:
        document.add_paragraph(f"Last cycle: {section.last_cycle:g}")
    if section.evidence:
        document.add_paragraph("Evidence").runs[0].bold = True
        bullet = document.styles["List Bullet"].style_id
        for note in section.evidence:
            document.add_paragraph(note)._p.style = bullet


def _actions(document: DocumentObject, data: ExportData, code: str) -> None:
    actions = [a for a in data.actions if a.section == code]
    if not actions:
        return
    document.add_paragraph("Actions").runs[0].bold = True
    table = document.add_table(rows=1, cols=4)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ("Action", "Owner", "Due", "Status"), strict=True):
        cell.text = text
        cell.paragraphs[0].runs[0].font.size = Pt(9)
    for action in actions:
        cells = table.add_row().cells
        for cell, text in zip(cells, (action.title, action.owner, action.due, action.status), strict=True):
            cell.text = text
