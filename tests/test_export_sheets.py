"""Spreadsheet cells are guarded against formula injection, and CSV opens in Excel as UTF-8."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from adapters.exports.sheets import as_text, risky, write_csv, write_xlsx
from bot.exports import ActionRow, AnswerRow, ExportData, PhaseResult, RevisionRow, SectionResult

DANGEROUS = ["=1+1", "+SUM(A1)", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "=HYPERLINK(\"http://x\")"]


def _data(text: str) -> ExportData:
    section = SectionResult(code="1a", title="Identifying stakeholders", descriptors=("a", "b", "c", "d"), chosen=2)
    return ExportData(
        framework="F", credit="Credit", subject=text, scope=("Strategic",), cycle=1, made_on="2026-11-23", group=None,
        min_answers=1, phases=(PhaseResult(1, "Check", (section,)),),
        actions=(ActionRow("1a", text, text, "2026-12-01", "quick win", "open"),),
        answers=(AnswerRow("1a", "Check", "Developing", text, "2026-11-23T09:30+00:00", "you"),),
        revisions=(RevisionRow("1a", "Emerging", text, "2026-11-20T09:30+00:00", "you"),), history=True,
    )


@pytest.mark.parametrize("value", DANGEROUS)
def test_formula_like_values_are_marked_as_text_in_csv(value: str) -> None:
    assert risky(value) and as_text(value) == "'" + value
    rows = list(csv.reader(io.StringIO(write_csv(_data(value)).decode("utf-8-sig"))))
    assert all(cell == "'" + value for row in rows[1:] for cell in row if value in cell)
    assert sum(value in cell for row in rows for cell in row) == 4


@pytest.mark.parametrize("value", ["Forum minutes", "2026 plan", "Café ☒ notes", "a=b", "1-2 people"])
def test_ordinary_values_are_written_as_they_are(value: str) -> None:
    assert not risky(value)
    raw = write_csv(_data(value))
    assert raw.startswith(b"\xef\xbb\xbf") and value in raw.decode("utf-8-sig")


@pytest.mark.parametrize("value", DANGEROUS)
def test_formula_like_values_are_stored_as_strings_in_xlsx(value: str) -> None:
    book = openpyxl.load_workbook(io.BytesIO(write_xlsx(_data(value))))
    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row if cell.value == value]
    assert len(cells) == 5
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in cells)
    assert book.sheetnames == ["Summary", "Answers", "Actions", "Earlier versions"]
