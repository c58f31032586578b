"""CSV and Excel exports: one row per answer and one per action (and per earlier version, on request).

Every cell is guarded against formula injection: a value that starts with `=`, `+`, `-` or `@` (or a tab or
carriage return, which some spreadsheets skip before reading a formula) is written as text, never as a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from bot.exports import ExportData

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = ("Row", "Phase", "Section", "Rating", "Evidence", "Answered by", "Updated",
               "Action", "Owner", "Due", "Horizon", "Status")
ANSWER_COLUMNS = ("Phase", "Section", "Rating", "Evidence", "Answered by", "Updated")
ACTION_COLUMNS = ("Section", "Action", "Owner", "Due", "Horizon", "Status")
REVISION_COLUMNS = ("Section", "Earlier rating", "Earlier evidence", "Answered by", "Until")


def risky(value: str) -> bool:
    """Would a spreadsheet read this text as a formula?"""
    return value.startswith(FORMULA_STARTS)


def as_text(value: str) -> str:
    """For CSV, which has no cell types: a leading apostrophe makes Excel show the value as text."""
    return f"'{value}" if risky(value) else value


def _csv_rows(data: ExportData) -> Iterator[Sequence[str]]:
    for a in data.answers:
        yield ("answer", a.phase, a.section, a.rating, a.evidence, a.author, a.updated, "", "", "", "", "")
    for r in data.revisions:
        yield ("earlier version", "", r.section, r.rating, r.evidence, r.author, r.at, "", "", "", "", "")
    for x in data.actions:
        yield ("action", "", x.section, "", "", "", "", x.title, x.owner, x.due, x.horizon, x.status)


def write_csv(data: ExportData) -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens accents and ☐ correctly."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows([as_text(value) for value in row] for row in _csv_rows(data))
    return out.getvalue().encode("utf-8-sig")


def write_xlsx(data: ExportData) -> bytes:
    """A summary sheet, then answers, actions and (on request) earlier versions, each with a header row."""
    book = Workbook(write_only=True)
    summary = book.create_sheet("Summary")
    _rows(summary, [("Assessment", data.heading), ("Scope", ", ".join(data.scope)), ("Cycle", str(data.cycle)),
                    ("Exported on", data.made_on), ("Source", data.credit)])
    _rows(summary, [("Phase", "Level")] + [(p.name, "" if p.level is None else f"{p.level:g}") for p in data.phases])
    _rows(book.create_sheet("Answers"), [ANSWER_COLUMNS, *(
        (a.phase, a.section, a.rating, a.evidence, a.author, a.updated) for a in data.answers)])
    _rows(book.create_sheet("Actions"), [ACTION_COLUMNS, *(
        (x.section, x.title, x.owner, x.due, x.horizon, x.status) for x in data.actions)])
    if data.history:
        _rows(book.create_sheet("Earlier versions"), [REVISION_COLUMNS, *(
            (r.section, r.rating, r.evidence, r.author, r.at) for r in data.revisions)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _rows(sheet: WriteOnlyWorksheet, rows: Iterable[Sequence[str]]) -> None:
    for row in rows:
        sheet.append([_cell(sheet, value) if risky(value) else value for value in row])


def _cell(sheet: WriteOnlyWorksheet, value: str) -> WriteOnlyCell:
    """openpyxl takes any string starting with '=' for a formula: this one is stored as a string, quote-prefixed."""
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell
