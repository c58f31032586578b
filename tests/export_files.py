"""Reading exported files back as a person's software would: Word's checkboxes, the PDF's pages and text layer."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from docx import Document

from adapters.exports.word import TAG_PREFIX, W, W14

PDF_TOOLS = ("pdftoppm", "pdftotext")


def ticked(docx: bytes) -> dict[str, set[int]]:
    """Section code -> the levels whose checkbox content control is checked (and shows ☒)."""
    body = Document(io.BytesIO(docx)).element.body
    found: dict[str, set[int]] = {}
    for sdt in body.iter(f"{{{W}}}sdt"):
        tag = sdt.find(f"{{{W}}}sdtPr/{{{W}}}tag")
        checked = sdt.find(f"{{{W}}}sdtPr/{{{W14}}}checkbox/{{{W14}}}checked")
        assert tag is not None and checked is not None
        prefix, code, level = tag.get(f"{{{W}}}val").split(":")
        assert prefix == TAG_PREFIX
        shown = "".join(t.text or "" for t in sdt.iter(f"{{{W}}}t"))
        found.setdefault(code, set())
        if checked.get(f"{{{W14}}}val") == "1":
            assert shown == "\u2612"
            found[code].add(int(level))
        else:
            assert shown == "\u2610"
    return found


def need_pdf_tools() -> None:
    """Skip locally without poppler's tools; under CI=true fail instead, as .ci/run installs them."""
    missing = [tool for tool in PDF_TOOLS if shutil.which(tool) is None]
    if missing and os.environ.get("CI") == "true":
        pytest.fail(f"CI must install poppler-utils: {', '.join(missing)} missing")
    if missing:
        pytest.skip(f"poppler-utils not installed ({', '.join(missing)})")


def pdf_text_and_page(pdf: bytes, folder: Path) -> str:
    """The PDF's text layer, after checking its first page renders to a non-blank image."""
    from PIL import Image

    source = folder / "export.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "50", "-f", "1", "-l", "1", "-png", str(source), str(folder / "page")], check=True)
    (image_path,) = folder.glob("page*.png")
    with Image.open(image_path) as image:
        extrema = image.convert("L").getextrema()
        assert extrema[0] < 128 < extrema[1], "the first page rendered blank"
    return subprocess.run(["pdftotext", "-layout", str(source), "-"], check=True, capture_output=True, text=True).stdout
