"""Readers for the file formats users have besides plain text: PDF (text layer, or OCR), Word .docx and saved
web pages. Each turns the bytes of one file into a Reading; none raises on a bad file."""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field

SUFFIXES = {".pdf": "pdf", ".docx": "docx", ".html": "html", ".htm": "html"}


@dataclass
class Reading:
    """What a reader made of one file. pages: the text of each page (PDF), else text: the whole text."""
    format: str
    status: str = "ok"                 # ok, needs_ocr, empty, error
    error: str | None = None           # why it was not loaded, or a warning when it was
    text: str | None = None
    pages: list[str] | None = None
    page_count: int | None = None
    title: str | None = None
    source_url: str | None = None
    published: datetime.date | None = None
    ocr_pages: frozenset[int] = field(default_factory=frozenset)     # 1-based pages whose text came from OCR


def read_format(kind: str, data: bytes, ocr: bool = False) -> Reading:
    """The Reading of a file of the given kind (a value of SUFFIXES)."""
    if kind == "pdf":
        from .pdf import read_pdf
        return read_pdf(data, ocr=ocr)
    if kind == "docx":
        from .docx import read_docx
        return read_docx(data)
    if kind == "html":
        from .html import read_html
        return read_html(data)
    raise ValueError(f"no reader for {kind!r}")
