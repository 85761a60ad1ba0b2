"""Word .docx files (python-docx): paragraphs and tables in document order. A table becomes rows of cells apart
by tabs, the shape etl/tables.py reads (header row with units, 单位 line above); an empty cell is written "-"
so that the columns stay aligned."""
from __future__ import annotations

import io
import zipfile

from docx import Document
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table
from docx.text.paragraph import Paragraph

from . import Reading

_OLE = b"\xd0\xcf\x11\xe0"      # an old .doc, or an encrypted .docx (both are OLE compound files)


def read_docx(data: bytes) -> Reading:
    reading = Reading(format="docx")
    if data.startswith(_OLE):
        reading.status = "error"
        reading.error = ("an old Word .doc file or a password-protected .docx, not a .docx package: "
                         "save it from Word as an unprotected .docx")
        return reading
    try:
        document = Document(io.BytesIO(data))
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError) as exc:
        reading.status = "error"
        reading.error = f"not a Word .docx file (a .docx is a ZIP package; this one cannot be opened: {exc})"
        return reading
    lines = list(_blocks(document.element.body, document))
    reading.text = "\n".join(lines)
    if not reading.text.strip():
        reading.status, reading.error = "empty", "the Word file holds no text"
    return reading


def _blocks(body, parent):
    """Lines of the body: one per paragraph, one per table row; content controls (w:sdt) are looked into."""
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            yield Paragraph(child, parent).text
        elif tag == "tbl":
            yield from _table_rows(Table(child, parent))
        elif tag == "sdt":
            content = child.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}sdtContent")
            if content is not None:
                yield from _blocks(content, parent)


def _table_rows(table: Table):
    for row in table.rows:
        cells, previous = [], None
        for cell in row.cells:
            if cell._tc is previous:                 # a merged cell is listed once per column it spans
                continue
            previous = cell._tc
            text = " ".join(p.text.strip() for p in cell.paragraphs if p.text.strip())
            cells.append(text.replace("\t", " ") or "-")
        if any(c != "-" for c in cells):
            yield "\t".join(cells)
