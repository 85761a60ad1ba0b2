"""The dashboard on a real server, driven in headless Chromium: pages, filters, clicks, exports, URL state.

The database is built by the ETL from data/raw (falls back to the synthetic generator when the ETL cannot
run); tests pick their metric from the data, so they hold for any figure counts."""
from __future__ import annotations

import csv
import importlib.util
import io
import os
import struct
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import duckdb
import openpyxl
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser_support import (AppServer, chromium, choose, click_point, download, goto,  # noqa: E402
                                   new_page, plot_data, wait_for_dash)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PAGES = [("/", "总览"), ("/trends", "趋势"), ("/regions", "地区"), ("/partners", "援疆省市"), ("/figures", "数据"),
         ("/documents", "文档")]


def _usable(db: Path) -> bool:
    try:
        con = duckdb.connect(str(db), read_only=True)
        n_years, n_metrics = con.execute("SELECT count(DISTINCT year), count(DISTINCT metric) FROM figures").fetchone()
        con.close()
        return n_years >= 2 and n_metrics >= 2
    except Exception:
        return False


def build_test_db(folder: Path) -> tuple[Path, str]:
    """ETL build of data/raw into folder; the synthetic generator when that fails or yields too little."""
    db = folder / "yearbook.duckdb"
    try:
        subprocess.run([sys.executable, "-m", "etl", "build", "--raw", str(ROOT / "data" / "raw"), "--db", str(db)],
                       cwd=ROOT, check=True, capture_output=True, timeout=300)
        if _usable(db):
            return db, "etl"
    except (subprocess.SubprocessError, OSError):
        pass
    spec = importlib.util.spec_from_file_location("make_large_db", ROOT / "bench" / "make_large_db.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.make_db(3000, folder / "synthetic.duckdb", seed=5), "synthetic"


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path, origin = build_test_db(tmp_path_factory.mktemp("dashdb"))
    print(f"dashboard tests use the {origin} database {path}")
    return path


@pytest.fixture(scope="module")
def sql(db):
    con = duckdb.connect(str(db), read_only=True)
    yield lambda text, params=(): con.execute(text, list(params)).fetchall()
    con.close()


@pytest.fixture(scope="module")
def picks(sql):
    """Two (metric, unit) pairs with data: the first with the most years."""
    rows = sql("SELECT f.metric, unit_norm, count(DISTINCT year) AS ny, count(*) AS n, m.label_zh FROM figures f "
               "JOIN metrics m USING (metric) WHERE year IS NOT NULL AND unit_norm IS NOT NULL "
               "GROUP BY ALL ORDER BY ny DESC, n DESC")
    first = rows[0]
    second = next(r for r in rows if r[0] != first[0])
    return {"a": first, "b": second}


@pytest.fixture(scope="module")
def server(db):
    with AppServer(db) as srv:
        yield srv


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.fixture
def page(browser, server):
    p = new_page(browser)
    yield p
    p.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    folder = Path(os.environ.get("DASHBOARD_SHOTS") or tmp_path_factory.mktemp("shots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.mark.parametrize("path,heading", PAGES, ids=[p for p, _ in PAGES])
def test_page_renders_in_chinese(page, server, shots, path, heading):
    goto(page, server.url(path))
    assert heading in page.inner_text("h2")
    assert page.evaluate("() => document.fonts.check('16px \"Noto Sans CJK SC\"', '新疆科技援疆')")
    assert not page.query_selector(".error-box"), page.inner_text(".error-box")
    page.screenshot(path=str(shots / f"{path.strip('/') or 'overview'}.png"), full_page=True)
    assert not [e for e in page.errors if "favicon" not in e], page.errors
    if page.query_selector(".js-plotly-plot"):
        assert "来源" in page.eval_on_selector(".js-plotly-plot .infolayer", "e => e.textContent")


def test_filter_change_changes_chart_and_url(page, server, picks):
    (ma, ua, *_), (mb, ub, _, _, label_b) = picks["a"], picks["b"]
    goto(page, server.url(f"/trends?metric={ma}&unit={ua}"))
    before = plot_data(page, "trends-graph")
    choose(page, "trends-metric", label_b)
    page.wait_for_function("(b) => JSON.stringify(document.querySelector('#trends-graph .js-plotly-plot')._fullData"
                           ".map(t => [Array.from(t.x), Array.from(t.y)])) !== b", arg=_json_xy(before))
    after = plot_data(page, "trends-graph")
    assert after != before and after[0]["y"]
    assert parse_qs(urlparse(page.url).query)["metric"] == [mb]


def _json_xy(traces):
    import json
    return json.dumps([[t["x"], t["y"]] for t in traces], separators=(",", ":"))


def test_url_state_reproduces_view(browser, server, picks):
    ma, ua = picks["a"][:2]
    first = new_page(browser)
    goto(first, server.url(f"/trends?metric={ma}&unit={ua}"))
    first.click("label:has-text('按地区')")
    wait_for_dash(first)
    first.click("label:has-text('柱状')")
    wait_for_dash(first)
    url, view = first.url, plot_data(first, "trends-graph")
    assert "split=region" in url and "kind=bar" in url and view[0]["type"] == "bar"
    second = new_page(browser)
    goto(second, url)
    assert plot_data(second, "trends-graph") == view
    assert second.is_checked("#trends-split input[value=region]")
    first.close()
    second.close()


def test_click_point_shows_sentence_and_exports(page, server, picks, sql):
    ma, ua = picks["a"][:2]
    goto(page, server.url(f"/trends?metric={ma}&unit={ua}"))
    traces = plot_data(page, "trends-graph")
    ys = traces[0]["y"]
    index = max((i for i, v in enumerate(ys) if v is not None), key=lambda i: ys[i])
    click_point(page, "trends-graph", 0, index)
    card = page.wait_for_selector("#trends-source .source-card", timeout=10_000)
    fid = int(card.get_attribute("data-figure-id"))
    text, sentence, title = sql("SELECT f.text, f.sentence, d.title FROM figures f JOIN documents d USING (doc_id) "
                                "WHERE figure_id = ?", [fid])[0]
    assert card.query_selector("mark.hl").inner_text() == text
    paragraph = card.query_selector(".paragraph").inner_text()
    assert text in paragraph and (sentence.strip()[:10] in paragraph or sentence in card.inner_text())
    if title:
        assert title in card.inner_text()
    n_cards = len(page.query_selector_all("#trends-source .source-card"))

    data, name = download(page, "#trends-export-csv")
    assert data.startswith(b"\xef\xbb\xbf") and name.endswith(".csv")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][0] == "年份" and len(rows) - 1 == len(page.query_selector_all("#trends-data tr")) - 1

    data, name = download(page, "#trends-export-xlsx")
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert {"数据", "来源"} <= set(book.sheetnames)
    assert {"文档", "年份", "原句"} <= {c.value for c in book["来源"][1]} and book["来源"].max_row > 1

    data, name = download(page, "#trends-export-png", timeout=60_000)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert width >= 1000 and height >= 500

    data, name = download(page, "#trends-export-svg", timeout=60_000)
    svg = data.decode("utf-8")
    assert svg.lstrip().startswith("<svg") and "来源" in svg

    data, name = download(page, "#trends-export-brief")
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book["简报"]
    header = [c.value for c in sheet[1]]
    ids = [r[header.index("编号")] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert fid in ids and len(ids) == n_cards
    assert all(r[header.index("原句")] for r in sheet.iter_rows(min_row=2, values_only=True))


def test_grid_row_opens_source_and_briefing(page, server, picks):
    ma, ua = picks["a"][:2]
    goto(page, server.url(f"/figures?metric={ma}&unit={ua}"))
    page.wait_for_selector("#figures-grid .ag-row[row-index='0'] .ag-checkbox-input", timeout=15_000)
    fid = int(page.inner_text("#figures-grid .ag-row[row-index='0'] [col-id='figure_id']"))
    page.click("#figures-grid .ag-row[row-index='0'] .ag-checkbox-input")
    wait_for_dash(page)
    card = page.wait_for_selector(f"#figures-source .source-card[data-figure-id='{fid}']", timeout=10_000)
    assert card.query_selector("mark.hl").inner_text()
    assert f"fid={fid}" in page.url
    data, _ = download(page, "#figures-export-brief")
    sheet = openpyxl.load_workbook(io.BytesIO(data))["简报"]
    assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == [fid]
    data, _ = download(page, "#figures-export-csv")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    total = int("".join(ch for ch in page.inner_text("#figures-count") if ch.isdigit()))
    assert len(rows) == min(total, 5_000) and {r["指标"] for r in rows} == {picks["a"][4]}


def test_overview_card_links_to_its_sentence(page, server):
    goto(page, server.url("/"))
    link = page.wait_for_selector(".card .source-link")
    fid = parse_qs(urlparse(link.get_attribute("href")).query)["fid"][0]
    link.click()
    page.wait_for_url("**/figures?*")
    wait_for_dash(page)
    page.wait_for_selector(f"#figures-source .source-card[data-figure-id='{fid}'] mark.hl")


def test_documents_list_and_coverage(page, server, sql):
    goto(page, server.url("/documents"))
    n_docs = sql("SELECT count(*) FROM documents")[0][0]
    page.wait_for_selector("#documents-grid .ag-row")
    assert str(n_docs) in page.inner_text("#documents-summary")
    assert plot_data(page, "documents-coverage")[0]["type"] == "heatmap"


def test_empty_filter_explains_itself(page, server, sql, picks):
    ma, ua = picks["a"][:2]
    used = {r[0] for r in sql("SELECT DISTINCT region FROM figures WHERE metric = ? AND unit_norm = ? "
                              "AND region IS NOT NULL", [ma, ua])}
    others = [r[0] for r in sql("SELECT DISTINCT region FROM figures WHERE region IS NOT NULL") if r[0] not in used]
    region = others[0] if others else "__none__"
    goto(page, server.url(f"/regions?metric={ma}&unit={ua}&region={region}&partner=__none__&scope=project"))
    text = page.inner_text("#regions-page")
    assert "没有数据" in text or page.query_selector_all("#regions-data tr")


def test_server_follows_a_rebuilt_database(browser, tmp_path):
    spec = importlib.util.spec_from_file_location("make_large_db", ROOT / "bench" / "make_large_db.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    live = mod.make_db(600, tmp_path / "live.duckdb", seed=1)
    count = lambda p: duckdb.connect(str(p), read_only=True).execute("SELECT count(*) FROM documents").fetchone()[0]  # noqa: E731
    before = count(live)
    with AppServer(live, extra_args=["--no-kaleido-warmup"]) as srv:
        page = new_page(browser)
        goto(page, srv.url("/documents"))
        assert f"共 {before} 个文件" in page.inner_text("#documents-summary")
        newer = mod.make_db(6000, tmp_path / "newer.duckdb", seed=2)
        after = count(newer)
        os.replace(newer, live)  # what `python -m etl build` does
        goto(page, srv.url("/documents"))
        assert after != before and f"共 {after} 个文件" in page.inner_text("#documents-summary")
        page.close()
