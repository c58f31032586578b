"""What runs in the export process: rebuild the data from its JSON parts and write one file.

Kept apart from the event loop's process so that laying out a big group's file (pure Python, holding the
interpreter lock for seconds) never holds up a turn. The data arrives as JSON parts, because pickling a big
group's rows in one piece would itself block the loop.
"""

from __future__ import annotations

import json

from bot.exports import ExportData, ExportFormat, rebuild


class PdfUnavailable(Exception):
    """WeasyPrint (the `pdf` extra) or the system libraries it needs are not installed."""


def _load(header: bytes, parts: dict[str, list[bytes]]) -> ExportData:
    rows = {name: [row for part in chunks for row in json.loads(part)] for name, chunks in parts.items()}
    return rebuild(json.loads(header), rows["actions"], rows["answers"], rows["revisions"])


def make(fmt: ExportFormat, header: bytes, parts: dict[str, list[bytes]]) -> bytes:
    """The file's bytes; writers are imported on first use, so a process that never makes a PDF never loads one."""
    data = _load(header, parts)
    if fmt == "docx":
        from adapters.exports.word import write_docx

        return write_docx(data)
    if fmt == "xlsx":
        from adapters.exports.sheets import write_xlsx

        return write_xlsx(data)
    if fmt == "csv":
        from adapters.exports.sheets import write_csv

        return write_csv(data)
    return _report(data, fmt)


def _report(data: ExportData, fmt: ExportFormat) -> bytes:
    """The HTML report, or the PDF made from it; either needs the `pdf` extra (matplotlib, and WeasyPrint for PDF)."""
    try:
        from adapters.exports.report import write_html, write_pdf
    except (ImportError, OSError) as missing:
        raise PdfUnavailable(type(missing).__name__) from None
    if fmt == "html":
        return write_html(data).encode()
    try:
        return write_pdf(data)
    except (ImportError, OSError) as missing:
        raise PdfUnavailable(type(missing).__name__) from None
