"""PDF through its text layer (pypdfium2: bench/README.md, PDF reading, for why): one text per page, lines in
reading order, running headers left out, table cells kept apart by tabs; pages without a text layer are listed for
OCR (or read by it, with ocr=True)."""
from __future__ import annotations

import ctypes
import re
from collections import Counter

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from . import Reading

MAX_PAGES = 3000        # pages read from one PDF; a longer one is read up to here and says so
BAND = 0.12             # share of the page height at the top and at the bottom where running headers sit
CELL_GAP = 1.0          # a gap between two characters of a line wider than this many character heights: new cell
MIN_TEXT_CHARS = 10     # a page with images and fewer characters of text than this is a scanned page
_DIGITS = re.compile(r"\d+")


def page_list(pages: list[int]) -> str:
    """1, 2, 3, 5 -> '1-3, 5'."""
    runs: list[list[int]] = []
    for p in sorted(pages):
        if runs and p == runs[-1][1] + 1:
            runs[-1][1] = p
        else:
            runs.append([p, p])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


_NO_PAGES = re.compile(rb"/Type\s*/Pages\b[^>]*?/Count\s+0\b|/Count\s+0\b[^>]*?/Type\s*/Pages\b")
_SOME_PAGES = re.compile(rb"/Count\s+[1-9]")


class NoPages(ValueError):
    """pdfium refuses to open a PDF of no pages (and reports success)."""


def _open(data: bytes) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError:
        # (pdfium's last error is process-wide and not always set when loading fails, so it can name an earlier
        # file's problem: the file's own words decide)
        if b"/Encrypt" in data:
            raise ValueError("encrypted PDF: it opens only with a password; save a copy without one") from None
        if _NO_PAGES.search(data) and not _SOME_PAGES.search(data):
            raise NoPages("the PDF has no pages") from None
        raise ValueError("not a readable PDF: damaged or truncated (pdfium cannot parse it)") from None


def _chars(textpage) -> list[tuple[str, float, float, float, float]]:
    """(character, left, right, baseline, height) of each character of a page in the text layer's order; a line
    break is ("\n", ...); white space is (" ", ...)."""
    n = textpage.count_chars()
    text = textpage.get_text_range(0, n) if n else ""
    if len(text) != n:                       # characters beyond the BMP: one code point per character index
        text = "".join(chr(pdfium_c.FPDFText_GetUnicode(textpage.raw, i) or 32) for i in range(n))
    x, y, box = ctypes.c_double(), ctypes.c_double(), pdfium_c.FS_RECTF()
    raw, loose_box, origin = textpage.raw, pdfium_c.FPDFText_GetLooseCharBox, pdfium_c.FPDFText_GetCharOrigin
    chars = []
    for i, ch in enumerate(text):
        if ch in "\r\n":                    # pdfium ends each line with a generated CR LF
            if ch == "\n" or not chars or chars[-1][0] != "\n":
                chars.append(("\n", 0.0, 0.0, 0.0, 0.0))
            continue
        if ch.isspace():
            chars.append((" ", 0.0, 0.0, 0.0, 0.0))
            continue
        loose_box(raw, i, box)               # the box of the character's advance and the font's height
        origin(raw, i, x, y)
        chars.append((ch, box.left, box.right, y.value, box.top - box.bottom))
    return chars


def _lines(textpage, height: float) -> list[tuple[str, str]]:
    """(band, text) of each line of a page, band 'top', 'body' or 'bottom'; table cells apart by a tab."""
    chars = _chars(textpage)
    heights = sorted(h for ch, _, _, _, h in chars if h > 0)
    em = heights[len(heights) // 2] if heights else 10.0     # the body text's character height
    lines: list[tuple[str, list[list]]] = []                  # (band, cells: [text parts, left, right])
    cells: list[list] = []
    prev_right = baseline = None
    space = False

    def close() -> None:
        if cells and any("".join(c[0]).strip() for c in cells):
            band = "top" if baseline > height * (1 - BAND) else "bottom" if baseline < height * BAND else "body"
            lines.append((band, list(cells)))
        cells.clear()

    for ch, left, right, base, h in chars:
        if ch == "\n":
            close()
            prev_right = None
            continue
        if ch == " ":
            space = True
            continue
        size = max(h, 0.6 * em)
        if prev_right is not None and abs(base - baseline) > 0.6 * size:
            close()                          # a new line without a line break character
            prev_right = None
        gap = left - prev_right if prev_right is not None else None
        if gap is None or gap > CELL_GAP * size:
            cells.append([[ch], left, right])
        else:
            if space or gap > 0.3 * size:
                cells[-1][0].append(" ")
            cells[-1][0].append(ch)
            cells[-1][2] = right
        space = False
        prev_right, baseline = right, base
    close()
    return [(band, "\t".join(text for text, _, _ in row)) for band, row in _align_tables(lines)]


def _align_tables(lines: list[tuple[str, list[list]]]) -> list[tuple[str, list[tuple[str, float, float]]]]:
    """Lines as (band, [(cell text, left, right)]); in a run of lines of two or more cells (a table), a row with
    fewer cells than the widest row gets "-" in the columns it leaves empty (told by where its cells stand: the
    columns are split half-way between the widest row's cells), so that every number stays under its header."""
    rows = [(band, [("".join(parts).strip(), left, right) for parts, left, right in cells]) for band, cells in lines]
    i = 0
    while i < len(rows):
        j = i
        while j < len(rows) and len(rows[j][1]) >= 2:
            j += 1
        if j - i >= 2:
            widest = max((row for _, row in rows[i:j]), key=len)
            bounds = [(a[2] + b[1]) / 2 for a, b in zip(widest, widest[1:])]
            for k in range(i, j):
                band, row = rows[k]
                if len(row) == len(widest):
                    continue
                columns = [sum(bound < (left + right) / 2 for bound in bounds) for _, left, right in row]
                if len(set(columns)) == len(columns):
                    filled = dict(zip(columns, row))
                    rows[k] = (band, [filled.get(n, ("-", 0.0, 0.0)) for n in range(len(widest))])
        i = max(j, i + 1)
    return rows


def _has_images(page) -> bool:
    return next(iter(page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=3)), None) is not None


def _running(pages: list[list[tuple[str, str]]]) -> set[tuple[str, str]]:
    """(band, line with digits as #) of lines at the top or bottom of two or more pages: running headers, footers."""
    seen: Counter = Counter()
    for lines in pages:
        seen.update({(band, _DIGITS.sub("#", line)) for band, line in lines if band != "body"})
    return {key for key, n in seen.items() if n >= 2}


def read_pdf(data: bytes, ocr: bool = False) -> Reading:
    reading = Reading(format="pdf")
    try:
        pdf = _open(data)
    except NoPages as exc:
        reading.status, reading.error, reading.page_count, reading.pages = "empty", str(exc), 0, []
        return reading
    except ValueError as exc:
        reading.status, reading.error = "error", str(exc)
        return reading
    try:
        return _read(pdf, reading, ocr)
    finally:
        pdf.close()


def _read(pdf: pdfium.PdfDocument, reading: Reading, ocr: bool) -> Reading:
    total = len(pdf)
    reading.page_count = total
    if total == 0:
        reading.status, reading.error = "empty", "the PDF has no pages"
        return reading
    notes = []
    if total > MAX_PAGES:
        notes.append(f"the PDF has {total} pages; only the first {MAX_PAGES} were read")
    page_lines: list[list[tuple[str, str]]] = []
    scanned, unreadable = [], []
    for index in range(min(total, MAX_PAGES)):
        try:
            page = pdf[index]
            try:
                _, height = page.get_size()
                textpage = page.get_textpage()
                try:
                    lines = _lines(textpage, height)
                finally:
                    textpage.close()
                if sum(len(line) for _, line in lines) < MIN_TEXT_CHARS and _has_images(page):
                    scanned.append(index + 1)
            finally:
                page.close()
        except pdfium.PdfiumError as exc:
            unreadable.append(index + 1)
            lines = []
            notes.append(f"page {index + 1} could not be read: {exc}")
        page_lines.append(lines)
    running = _running(page_lines)
    pages = []
    for lines in page_lines:
        kept = [(band, line) for band, line in lines if band == "body" or (band, _DIGITS.sub("#", line)) not in running]
        order = {"top": 0, "body": 1, "bottom": 2}               # headers first, footers last, as on paper
        pages.append("\n".join(line for _, line in sorted(kept, key=lambda item: order[item[0]])))
    if scanned and ocr:
        from .ocr import ocr_pages
        texts, problem = ocr_pages(pdf, scanned)
        for number, text in texts.items():
            pages[number - 1] = text
        reading.ocr_pages = frozenset(texts)
        if texts:
            notes.append(f"page(s) {page_list(list(texts))} read by OCR (Tesseract, chi_sim): check their figures")
        if problem:
            notes.append(problem)
        scanned = [p for p in scanned if p not in texts]
    if scanned:
        reading.status = "needs_ocr"
        notes.insert(0, f"page(s) {page_list(scanned)} of {total} have no text layer (scanned); "
                        "run `python -m etl build --ocr` to read them")
    reading.pages = pages
    reading.error = "; ".join(notes) or None
    if reading.status == "ok" and not any(p.strip() for p in pages):
        reading.status = "empty"
        reading.error = "; ".join(["the PDF holds no text" + (" (its pages could not be read)" if unreadable else "")]
                                  + notes)
    return reading
