"""OCR of scanned PDF pages: each page rendered at 300 dpi and read by Tesseract with its simplified-Chinese
data (Debian: tesseract-ocr, tesseract-ocr-chi-sim; scripts/setup.sh installs them)."""
from __future__ import annotations

import os

DPI = 300
LANG = "chi_sim"
PAGE_SECONDS = 300
# Scanned pages read per file: ~3.5 s a page, so a file stays well inside the build's 600 s per file (FILE_SECONDS)
MAX_OCR_PAGES = 120


def ocr_pages(pdf, numbers: list[int]) -> tuple[dict[int, str], str | None]:
    """{page number: text} for the 1-based pages of the open pypdfium2 document, and a message when some failed."""
    import pytesseract

    os.environ.setdefault("OMP_THREAD_LIMIT", "1")     # one core per build worker: Tesseract would take them all
    texts: dict[int, str] = {}
    later = numbers[MAX_OCR_PAGES:]
    for number in numbers[:MAX_OCR_PAGES]:
        page = pdf[number - 1]
        try:
            image = page.render(scale=DPI / 72, grayscale=True).to_pil()
        finally:
            page.close()
        try:
            texts[number] = pytesseract.image_to_string(image, lang=LANG, timeout=PAGE_SECONDS)
        except pytesseract.TesseractNotFoundError:
            return texts, "OCR not run: Tesseract is not installed (apt-get install tesseract-ocr tesseract-ocr-chi-sim)"
        except (pytesseract.TesseractError, RuntimeError) as exc:
            message = str(exc)
            if "chi_sim" in message or "Failed loading language" in message:
                return texts, "OCR not run: Tesseract has no chi_sim data (apt-get install tesseract-ocr-chi-sim)"
            return texts, f"OCR failed on page {number}: {message[:200]}"
    if later:
        return texts, f"OCR reads at most {MAX_OCR_PAGES} pages of a file: {len(later)} scanned page(s) not read"
    return texts, None
