"""PDF reading: pages per second on a generated 300-page PDF, and Chinese accuracy on the five seeds printed to PDF,
for etl's reader (pypdfium2 with line and cell building, etl/formats/pdf.py), pypdfium2's plain page text and
pdfplumber's extract_text (pip install -e .[bench]).

    python3 bench/bench_pdf.py [--pages 300] [--plumber-pages 60] [--out bench/out/pdf]

The PDFs are printed by headless Chromium with Noto Sans CJK SC (the seeds' paragraphs, a running header and page
numbers), as tests/format_fixtures.py does. Accuracy is the share of the seed's characters (NFKC, no white space)
that a reading gives back in order (difflib matching blocks), before and after etl's radical mapping; radicals
counts the Kangxi / radical-supplement code points the reading holds in place of ideographs.
"""
from __future__ import annotations

import argparse
import difflib
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from etl.formats.pdf import read_pdf  # noqa: E402
from etl.normalize import _radicals  # noqa: E402
from tests import format_fixtures as ff  # noqa: E402
from tests.browser_support import chromium  # noqa: E402


def make_pdfs(out: Path, pages: int) -> tuple[Path, list[Path]]:
    import pypdfium2 as pdfium

    out.mkdir(parents=True, exist_ok=True)
    seeds = [out / f"seed{i}.pdf" for i in range(len(ff.SEEDS))]
    big = out / f"large-{pages}.pdf"
    with chromium() as browser:
        for i, path in enumerate(seeds):
            ff.seed_pdf(browser, i, path)
        paras = [p for i in range(len(ff.SEEDS)) for p in ff.paragraphs(i)]
        copies = pages // sum(len(pdfium.PdfDocument(p)) for p in seeds) + 2
        while True:
            ff.print_pdf(browser, paras * copies, big)
            printed = len(pdfium.PdfDocument(big))
            if printed >= pages:
                break
            copies = copies * pages // printed + 2
    pdf = pdfium.PdfDocument(big)
    for index in range(len(pdf) - 1, pages - 1, -1):
        pdf.del_page(index)
    pdf.save(big.with_suffix(".tmp"))
    pdf.close()
    big.with_suffix(".tmp").replace(big)
    return big, seeds


def etl_pages(path: Path, limit: int | None = None) -> list[str]:
    return read_pdf(path.read_bytes()).pages[:limit]


def pdfium_pages(path: Path, limit: int | None = None) -> list[str]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(path)
    try:
        return [pdf[i].get_textpage().get_text_range() for i in range(min(len(pdf), limit or len(pdf)))]
    finally:
        pdf.close()


def plumber_pages(path: Path, limit: int | None = None) -> list[str]:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return [page.extract_text() or "" for page in pdf.pages[:limit]]


PAGE_NUMBER = re.compile(r"—\s*\d+\s*—")
READERS = {"etl (pypdfium2 + lines, cells)": etl_pages, "pypdfium2 get_text_range": pdfium_pages,
           "pdfplumber extract_text": plumber_pages}


def accuracy(truth: str, got: str) -> float:
    matcher = difflib.SequenceMatcher(None, truth, got, autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks()) / len(truth)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--plumber-pages", type=int, default=60, help="pdfplumber is timed on this many pages")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "pdf")
    args = parser.parse_args(argv)
    import logging
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    big, seeds = make_pdfs(args.out, args.pages)
    radicals = _radicals()
    import pypdfium2 as pdfium
    n_pages = len(pdfium.PdfDocument(big))
    assert n_pages == args.pages, n_pages
    print(f"{big.name}: {n_pages} pages, {big.stat().st_size / 1e6:.1f} MB")
    print("| reader | pages/s | accuracy | after radical mapping | radicals in the text |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, reader in READERS.items():
        limit = args.plumber_pages if "pdfplumber" in name else None
        start = time.perf_counter()
        pages = reader(big, limit)
        speed = len(pages) / (time.perf_counter() - start)
        scores, mapped_scores, n_radicals = [], [], 0
        for i, path in enumerate(seeds):
            truth = ff.squash("".join(ff.paragraphs(i)))
            got = ff.squash(PAGE_NUMBER.sub("", "\n".join(reader(path)).replace(ff.RUNNING_HEADER, "")))
            n_radicals += sum(1 for ch in got if "\u2e80" <= ch <= "\u2fdf")
            scores.append(accuracy(truth, got))
            mapped_scores.append(accuracy(truth, got.translate(radicals)))
        print(f"| {name} | {speed:.0f} | {sum(scores) / len(scores):.4f} | "
              f"{sum(mapped_scores) / len(mapped_scores):.4f} | {n_radicals} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
