"""PDF, Word and saved web pages give the figures of the text they hold: the five seeds in each format, built next
to the .txt originals, give the same figures (precision and recall against the .txt build), PDF figures carry the
page they are printed on, scanned pages go through --ocr, and broken files get a row and a message."""
import datetime
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from etl.build import build
from tests import format_fixtures as ff
from tests.browser_support import chromium

ROOT = Path(__file__).resolve().parent.parent
FORMATS = ("pdf", "docx", "html")
KEY = """SELECT regexp_replace(d.file_name, '\\.[a-z]+$', '') AS stem, f.metric, f.subject, f.value_norm, f.unit_norm,
                f.year, f.region, f.partner, f.scope
         FROM figures f JOIN documents d USING (doc_id)"""
EMPTY_CELL = re.compile(r"(?<=\t)-(?=\t|\n|$)")
GBK_SEED = 3            # this seed's web page is saved in GBK, as many government sites still serve them


def quiet_build(raw: Path, db: Path, **kwargs) -> dict:
    import io
    return build(raw, db, progress=False, log=io.StringIO(), **kwargs)


def rows(db: Path, sql: str, params=()) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """{format: database} for the seeds as .txt, PDF, .docx and saved web pages, each in its own folder."""
    base = tmp_path_factory.mktemp("formats")
    folders = {k: base / k for k in ("txt", *FORMATS)}
    for folder in folders.values():
        folder.mkdir()
    with chromium() as browser:
        for i, seed in enumerate(ff.SEEDS):
            (folders["txt"] / seed.name).write_text(ff.seed_text(i), encoding="utf-8")
            ff.seed_pdf(browser, i, folders["pdf"] / f"{seed.stem}.pdf")
            ff.seed_docx(i, folders["docx"] / f"{seed.stem}.docx")
            ff.seed_html(i, folders["html"] / f"{seed.stem}.html", encoding="gbk" if i == GBK_SEED else "utf-8")
    dbs = {}
    for kind, folder in folders.items():
        dbs[kind] = base / f"{kind}.duckdb"
        counts = quiet_build(folder, dbs[kind])
        assert counts["errors"] == 0 and counts["documents"] == len(ff.SEEDS), (kind, counts)
    dbs["folders"] = folders
    return dbs


def _precision_recall(reference: Counter, got: Counter) -> tuple[float, float]:
    hits = sum((reference & got).values())
    return hits / max(1, sum(got.values())), hits / max(1, sum(reference.values()))


@pytest.mark.parametrize("kind", FORMATS)
def test_each_format_gives_the_figures_of_the_text(built, kind):
    reference = Counter(rows(built["txt"], KEY))
    got = Counter(rows(built[kind], KEY))
    precision, recall = _precision_recall(reference, got)
    print(f"\n{kind}: {sum(got.values())} figures, precision {precision:.3f}, recall {recall:.3f} "
          f"against {sum(reference.values())} of the .txt build")
    assert sum(reference.values()) > 80
    assert precision >= 0.99 and recall >= 0.99, (got - reference, reference - got)


def test_every_pdf_figure_has_the_page_it_is_printed_on(built):
    """The truth is each page's own text layer (pdfium's plain text, squashed): a figure's page is the page on
    which the text leading up to it, and the figure, stand."""
    figures = rows(built["pdf"], "SELECT d.file_name, d.text, f.char_start, f.char_end, f.page, d.page_count "
                                 "FROM figures f JOIN documents d USING (doc_id) ORDER BY 1, 3")
    pages_of = {}
    checked, later_pages, runs_on = 0, 0, 0
    for name, text, start, end, page, page_count in figures:
        if name not in pages_of:
            pages_of[name] = ff.page_texts(built["folders"]["pdf"] / name)
            assert len(pages_of[name]) == page_count
            # a paragraph runs on over at least one page break (the page ends inside a sentence)
            runs_on += sum(1 for p in pages_of[name][:-1] if p and p[-1] not in "。！？；：")
        pages = pages_of[name]
        joined = "".join(pages)
        owner = [n + 1 for n, p in enumerate(pages) for _ in p]
        # (a "-" the reader wrote for an empty table cell is not printed)
        before = ff.squash(EMPTY_CELL.sub("", text[max(0, start - 40):start]))[-12:]
        figure = ff.squash(text[start:end])
        candidates = set()
        at = joined.find(before + figure)
        while at >= 0:
            candidates.add(owner[at + len(before)])
            at = joined.find(before + figure, at + 1)
        assert candidates, f"{name}: {before + figure!r} not found in the page texts"
        assert page in candidates, f"{name}: {figure!r} given page {page}, printed on {sorted(candidates)}"
        checked += 1
        later_pages += page > 1
    assert checked > 80 and later_pages > 30 and runs_on >= 3
    assert rows(built["pdf"], "SELECT count(*) FROM figures WHERE page IS NULL OR ocr") == [(0,)]
    for kind in ("txt", "docx", "html"):
        assert rows(built[kind], "SELECT count(*) FROM figures WHERE page IS NOT NULL OR ocr") == [(0,)]


def test_pdf_rows_and_running_headers(built):
    docs = rows(built["pdf"], "SELECT format, page_count, status, error, text FROM documents")
    assert len(docs) == len(ff.SEEDS)
    for fmt, page_count, status, error, text in docs:
        assert (fmt, status, error) == ("pdf", "ok", None) and page_count >= 2
        assert ff.RUNNING_HEADER not in text and "— 1 —" not in text
        assert not any("\u2e80" <= ch <= "\u2fdf" for ch in text)


def test_tables_keep_their_columns(built):
    """The seed's table (an empty cell in one row) gives the same cells in every format, units from the headers."""
    sql = ("SELECT f.region, f.metric, f.value_norm, f.unit_norm FROM figures f JOIN documents d USING (doc_id) "
           "WHERE f.year_source = 'table' ORDER BY 1, 2, 3")
    expected = rows(built["txt"], sql)
    assert ("喀什", "investment", 345.6, "万元") in expected and ("克拉玛依", "trainees", 300.0, "人次") in expected
    assert ("和田", "investment", 120.0, "万元") in expected and len(expected) == 8
    for kind in FORMATS:
        assert rows(built[kind], sql) == expected, kind


def test_web_pages_lose_their_furniture_and_keep_their_metadata(built):
    docs = rows(built["html"], "SELECT file_name, format, title, source_url, published, text FROM documents ORDER BY 1")
    originals = [t for (t,) in rows(built["txt"], "SELECT text FROM documents ORDER BY file_name")]
    for i, (name, fmt, title, url, published, text) in enumerate(docs):
        assert fmt == "html"
        assert url == ff.PAGE_URL.format(n=i + 100)
        assert published == datetime.date(2017, 1, 5)
        assert title == ff.paragraphs(i)[0]
        for word in ff.FURNITURE:
            if word not in originals[i]:          # (加大 is also a verb of the reports)
                assert word not in text, f"{name}: furniture {word!r} in the text"
    assert sum(word not in "".join(originals) for word in ff.FURNITURE) >= 15


def test_docx_rows(built):
    docs = rows(built["docx"], "SELECT format, page_count, status, text FROM documents ORDER BY file_name")
    assert [d[:3] for d in docs] == [("docx", None, "ok")] * len(ff.SEEDS)
    assert ff.TABLE_CAPTION in docs[0][3] and "喀什地区\t12\t345.6\t1200" in docs[0][3]


def test_radicals_in_a_text_layer_give_the_same_figures(built, tmp_path):
    """Text copied out of a PDF whose layer has radical code points (⼀、深化 …⻓效机制建⽴) reads as the ideographs."""
    from etl.normalize import _radicals

    back = {}
    for radical, ideograph in _radicals().items():
        back.setdefault(ideograph, radical)
    raw = tmp_path / "raw"
    raw.mkdir()
    changed = 0
    for i, seed in enumerate(ff.SEEDS):
        text = ff.seed_text(i)
        swapped = text.translate(back)
        changed += sum(a != b for a, b in zip(text, swapped))
        (raw / seed.name).write_text(swapped, encoding="utf-8")
    assert changed > 500
    db = tmp_path / "radicals.duckdb"
    quiet_build(raw, db)
    assert Counter(rows(db, KEY)) == Counter(rows(built["txt"], KEY))


@pytest.fixture(scope="session")
def scanned(built, tmp_path_factory):
    """A folder with a scanned page (the second page of a seed PDF, 30 figures, as an image) and a PDF whose last
    page is scanned; built without and with --ocr (through the command line)."""
    base = tmp_path_factory.mktemp("scanned")
    raw = base / "raw"
    raw.mkdir()
    source = built["folders"]["pdf"] / f"{ff.SEEDS[2].stem}.pdf"
    ff.image_pdf(source, SCANNED_PAGE - 1, raw / "scan.pdf")
    import pypdfium2 as pdfium
    mixed = pdfium.PdfDocument(built["folders"]["pdf"] / f"{ff.SEEDS[0].stem}.pdf")
    text_pages = len(mixed)
    scan = pdfium.PdfDocument(raw / "scan.pdf")
    mixed.import_pages(scan)
    mixed.save(raw / "mixed.pdf")
    mixed.close()
    scan.close()
    dbs = {}
    for mode, extra in (("plain", []), ("ocr", ["--ocr"])):
        dbs[mode] = base / f"{mode}.duckdb"
        proc = subprocess.run([sys.executable, "-m", "etl", "build", "--raw", str(raw), "--db", str(dbs[mode]),
                               "--no-progress", *extra], cwd=ROOT, capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stderr
    return dbs, text_pages, source


SCANNED_PAGE = 2
SCAN_SQL = ("SELECT d.status, d.error, d.page_count, count(f.figure_id), count(f.figure_id) FILTER (WHERE f.ocr) "
            "FROM documents d LEFT JOIN figures f USING (doc_id) WHERE d.file_name = ? GROUP BY ALL")


def test_scanned_pages_without_ocr_say_needs_ocr(scanned):
    dbs, text_pages, _ = scanned
    [(status, error, page_count, n, n_ocr)] = rows(dbs["plain"], SCAN_SQL, ["scan.pdf"])
    assert (status, page_count, n) == ("needs_ocr", 1, 0)
    assert "page(s) 1 of 1 have no text layer" in error and "--ocr" in error
    [(status, error, page_count, n, n_ocr)] = rows(dbs["plain"], SCAN_SQL, ["mixed.pdf"])
    assert status == "needs_ocr" and page_count == text_pages + 1 and n > 10 and n_ocr == 0
    assert f"page(s) {text_pages + 1} of {text_pages + 1} have no text layer" in error


@pytest.mark.slow
def test_ocr_reads_the_scanned_pages(scanned, built):
    dbs, text_pages, source = scanned
    [(status, error, page_count, n, n_ocr)] = rows(dbs["ocr"], SCAN_SQL, ["scan.pdf"])
    assert status == "ok" and "read by OCR" in error and n == n_ocr > 0
    printed = Counter(rows(built["pdf"], "SELECT f.metric, f.value_norm, f.unit_norm FROM figures f JOIN documents d "
                                         "USING (doc_id) WHERE d.file_name = ? AND f.page = ?",
                           [source.name, SCANNED_PAGE]))
    read = Counter(rows(dbs["ocr"], "SELECT f.metric, f.value_norm, f.unit_norm FROM figures f JOIN documents d "
                                    "USING (doc_id) WHERE d.file_name = 'scan.pdf'"))
    precision, recall = _precision_recall(printed, read)
    print(f"\nOCR of one page: {sum(read.values())} figures, precision {precision:.2f}, recall {recall:.2f} "
          f"against the text layer's {sum(printed.values())}")
    assert sum(printed.values()) >= 20 and recall >= 0.75 and precision >= 0.75
    assert rows(dbs["ocr"], "SELECT DISTINCT f.page FROM figures f JOIN documents d USING (doc_id) "
                            "WHERE d.file_name = 'scan.pdf'") == [(1,)]
    [(status, error, page_count, n, n_ocr)] = rows(dbs["ocr"], SCAN_SQL, ["mixed.pdf"])
    assert status == "ok" and 0 < n_ocr < n
    assert rows(dbs["ocr"], "SELECT bool_and(f.ocr = (f.page = ?)) FROM figures f JOIN documents d USING (doc_id) "
                            "WHERE d.file_name = 'mixed.pdf'", [text_pages + 1]) == [(True,)]


def test_bad_files_get_a_row_and_a_message(built, tmp_path):
    import pypdfium2 as pdfium
    from etl.formats import pdf as pdf_reader

    raw = tmp_path / "raw"
    raw.mkdir()
    good = built["folders"]["pdf"] / f"{ff.SEEDS[0].stem}.pdf"
    shutil.copy(good, raw / "good.pdf")
    ff.encrypted_pdf(raw / "encrypted.pdf")
    ff.zero_page_pdf(raw / "zero.pdf")
    (raw / "corrupt.pdf").write_bytes(good.read_bytes()[:3000])
    (raw / "garbage.pdf").write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 40)
    (raw / "notzip.docx").write_bytes("这不是Word文件".encode("utf-8") * 20)
    (raw / "old.docx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    (raw / "menus.html").write_text("<html><head><meta charset='utf-8'><title>首页</title></head><body><ul>"
                                    + "".join(f"<li><a href='/{i}'>栏目{i}</a></li>" for i in range(12))
                                    + "</ul><p>版权所有 © 新疆维吾尔自治区科学技术厅</p></body></html>", encoding="utf-8")
    huge = pdfium.PdfDocument(good)
    n_good = len(huge)
    for _ in range(pdf_reader.MAX_PAGES + 5 - n_good):
        huge.new_page(595, 842)
    huge.save(raw / "huge.pdf")
    huge.close()
    db = tmp_path / "bad.duckdb"
    proc = subprocess.run([sys.executable, "-m", "etl", "build", "--raw", str(raw), "--db", str(db), "--no-progress"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    got = {name: (status, error, fmt, pages, n) for name, status, error, fmt, pages, n in rows(
        db, "SELECT file_name, status, error, format, page_count, n_figures FROM documents")}
    expect = {"encrypted.pdf": ("error", "encrypted PDF"), "zero.pdf": ("empty", "no pages"),
              "corrupt.pdf": ("error", "not a readable PDF"), "garbage.pdf": ("error", "not a readable PDF"),
              "notzip.docx": ("error", "not a Word .docx file"), "old.docx": ("error", "old Word .doc"),
              "menus.html": ("empty", "no main text")}
    for name, (status, words) in expect.items():
        assert got[name][0] == status and words in got[name][1], (name, got[name])
        assert name in proc.stderr
    status, error, fmt, pages, n = got["huge.pdf"]
    assert (status, fmt, pages) == ("ok", "pdf", pdf_reader.MAX_PAGES + 5)
    assert f"only the first {pdf_reader.MAX_PAGES} were read" in error and n == got["good.pdf"][4] > 10
    assert got["good.pdf"][:2] == ("ok", None)


def test_pdf_problems_are_told_by_the_file_not_by_pdfiums_last_error(tmp_path):
    """pdfium's last error is process-wide: after an encrypted file, a file of no pages is still 'no pages'."""
    from etl.formats.pdf import read_pdf

    ff.encrypted_pdf(tmp_path / "e.pdf")
    ff.zero_page_pdf(tmp_path / "z.pdf")
    for _ in range(2):
        encrypted, zero = read_pdf((tmp_path / "e.pdf").read_bytes()), read_pdf((tmp_path / "z.pdf").read_bytes())
        assert (encrypted.status, zero.status) == ("error", "empty")
        assert "encrypted" in encrypted.error and zero.error == "the PDF has no pages" and zero.page_count == 0
    damaged = read_pdf(b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n" + bytes(500))
    assert damaged.status == "error" and "damaged or truncated" in damaged.error
