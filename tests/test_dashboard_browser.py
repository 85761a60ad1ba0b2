"""The dashboard on a real server, driven in headless Debian Chromium: every page at 1440 and 390 px (screenshots
to tests/screenshots/), charts of facts, clicks that list every mention, exports read back, history and
navigation, the seed examples of issue 16. One server and one browser for the module (tests/conftest.py); a
few rich scenarios rather than many small ones: the machine is small."""
from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import duckdb
import openpyxl
import pytest

from tests.browser_support import (AppServer, choose, click_point, dark_pixels, download, goto, new_page,
                                   plot_data, png_rows, svg_text_boxes, wait_for_dash)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PAGES = [("/", "总览"), ("/trends", "趋势"), ("/regions", "地区"), ("/partners", "援疆省市"), ("/pivot", "透视"),
         ("/figures", "数据"), ("/documents", "文档")]
ENGLISH = ["No Rows", "Page Size", "Loading...", "selected", "Search", "Overview", "Trends", "Export"]


@pytest.fixture
def page(dash_browser, dash_server):
    p = new_page(dash_browser)
    yield p
    p.close()


@pytest.fixture(scope="module")
def pick(dash_sql):
    """An additive catalogue indicator with facts in several years, and its most common unit."""
    return dash_sql("SELECT f.indicator, f.unit_norm, i.label_zh, count(DISTINCT f.year) AS ny, count(*) AS n "
                    "FROM facts f JOIN indicators i USING (indicator) GROUP BY f.indicator, f.unit_norm, i.label_zh, i.additive "
                    "ORDER BY i.additive DESC, ny DESC, "
                    "n DESC LIMIT 1")[0]


def _traces(page, graph_id):
    return page.evaluate("""(id) => { const gd = document.querySelector('#' + id + ' .js-plotly-plot');
        return gd._fullData.map(t => ({name: t.name, x: Array.from(t.x || []), y: Array.from(t.y || []),
                                       c: Array.from(t.customdata || []), symbol: t.marker && t.marker.symbol})); }""",
                         graph_id)


def _find_point(page, graph_id, fact_id):
    for ti, t in enumerate(_traces(page, graph_id)):
        for pi, c in enumerate(t["c"]):
            if c and c[0] == fact_id and c[1] == "fact":
                return ti, pi, t
    raise AssertionError(f"fact {fact_id} is not drawn in {graph_id}")


def _in_viewport(page, selector) -> bool:
    return page.evaluate("""(s) => { const r = document.querySelector(s).getBoundingClientRect();
        return r.top >= -2 && r.top < window.innerHeight; }""", selector)


def test_every_page_at_desktop_and_phone_width(dash_browser, dash_server, shots, pick):
    """Renders in Chinese without errors or English, nothing wider than the screen; at 390 px the navigation is
    folded, the grid shows the value column and the coverage heatmaps do not overlap. Screenshots of each."""
    key = pick[0]
    for width in (1440, 390):
        for path, heading in PAGES:
            page = new_page(dash_browser)
            page.set_viewport_size({"width": width, "height": 900})
            goto(page, dash_server.url(f"{path}?indicator={key}"))
            if path == "/figures":
                page.wait_for_selector("#figures-grid .ag-row", timeout=20_000)
            name = f"{path.strip('/') or 'overview'}-{width}.png"
            page.screenshot(path=str(shots / name), full_page=True)
            assert heading in page.inner_text("h2")
            assert not page.query_selector(".error-box"), page.inner_text(".error-box")
            assert not [e for e in page.errors if "favicon" not in e], (path, page.errors)
            text = page.inner_text("body")
            assert not [w for w in ENGLISH if w in text], (path, [w for w in ENGLISH if w in text])
            assert page.evaluate("document.documentElement.scrollWidth") <= width + 1, (path, width)
            for graph in page.query_selector_all(".chart-block"):
                caption = graph.query_selector(".chart-caption").inner_text()
                assert "来源：" in caption and "筛选：" in caption
                assert not graph.query_selector(".ytitle")           # the unit is written horizontally instead
            if width == 390:
                nav = page.eval_on_selector("#navbar", "e => e.getBoundingClientRect().height")
                assert nav < 60 and not page.is_visible("#nav-links a")
                if path == "/figures":
                    right = page.eval_on_selector("#figures-grid .ag-header-cell[col-id='value']",
                                                  "e => e.getBoundingClientRect().right")
                    assert right <= width
                if path == "/documents":
                    a, b = (page.eval_on_selector(f"#{g}", "e => { const r = e.getBoundingClientRect();"
                                                            " return [r.top, r.bottom]; }")
                            for g in ("documents-coverage", "documents-regions"))
                    assert a[1] <= b[0]
            page.close()
    page = new_page(dash_browser)
    page.set_viewport_size({"width": 390, "height": 900})
    goto(page, dash_server.url("/"))
    page.click("#nav-toggle")
    assert page.is_visible("#nav-links a[data-path='/trends']")
    page.close()
    assert len(list(shots.glob("*-1440.png"))) >= len(PAGES) and len(list(shots.glob("*-390.png"))) >= len(PAGES)


def test_trends_point_lists_every_mention_and_exports_stand_alone(page, dash_server, dash_sql):
    """A point is one fact; clicking it lists all its mentions (conflicting versions first), scrolled into view;
    CSV, Excel, PNG, SVG and 简报 read back."""
    fact_id, key, unit = dash_sql(
        "SELECT x.fact_id, x.indicator, x.unit_norm FROM facts x JOIN indicators i USING (indicator) "
        "WHERE x.region IS NULL AND x.partner IS NULL AND x.status = 'actual' AND x.basis = 'flow' "
        "ORDER BY x.conflict DESC, x.n_documents DESC, x.n_mentions DESC, x.fact_id LIMIT 1")[0]
    goto(page, dash_server.url(f"/trends?indicator={key}&unit={unit}"))
    ti, pi, trace = _find_point(page, "trends-graph", fact_id)
    value = dash_sql("SELECT value_norm FROM facts WHERE fact_id = ?", [fact_id])[0][0]
    div = value / trace["y"][pi]
    assert round(div) in (1, 10_000)                              # the fact's own value, in the chart's unit
    click_point(page, "trends-graph", ti, pi)
    page.wait_for_selector(f"#trends-source .fact-head[data-fact-id='{fact_id}']", timeout=15_000)
    page.wait_for_timeout(300)
    assert _in_viewport(page, "#trends-source")
    shown = [int(c.get_attribute("data-figure-id")) for c in page.query_selector_all("#trends-source .source-card")]
    mentions = dash_sql("SELECT figure_id, conflict FROM figures WHERE fact_id = ? ORDER BY conflict DESC, figure_id",
                        [fact_id])
    assert sorted(shown) == sorted(m[0] for m in mentions)
    n_conflict = sum(1 for m in mentions if m[1])
    assert {m[0] for m in mentions if m[1]} == set(shown[:n_conflict])   # conflicting versions first

    data, name = download(page, "#trends-export-csv")
    lines = data.decode("utf-8-sig").splitlines()
    assert data.startswith(b"\xef\xbb\xbf") and lines[1].startswith("筛选：") and lines[-1].startswith("来源：")
    rows = list(csv.DictReader(lines[2:-2]))
    assert len(rows) == len(page.query_selector_all("#trends-data tbody tr"))
    assert any(r["事实编号"] == str(fact_id) for r in rows)
    unit_col = next(c for c in rows[0] if c.startswith("数值（"))
    assert unit_col.strip("数值（）") in page.inner_text("#trends-graph-sub")   # one unit for chart and table

    data, _ = download(page, "#trends-export-xlsx")
    book = openpyxl.load_workbook(io.BytesIO(data))
    row_facts = {int(r["事实编号"]) for r in rows if r["事实编号"]}
    for r in rows:
        if r["加总事实数"]:
            row_facts |= {int(i) for i, in dash_sql(
                "SELECT f.fact_id FROM facts f JOIN indicators i USING (indicator) WHERE f.indicator = ? AND "
                "f.unit_norm = ? AND f.year = ? AND f.status = 'actual' AND i.additive AND f.basis = 'flow' AND NOT "
                "f.conflict AND f.region IS NOT NULL AND f.partner IS NULL AND f.value_norm IS NOT NULL",
                [key, unit, int(r["年份"])])}
    assert {r[0] for r in book["事实"].iter_rows(min_row=2, values_only=True)} == row_facts
    want = dash_sql(f"SELECT count(*) FROM figures WHERE fact_id IN ({','.join('?' * len(row_facts))})",
                    sorted(row_facts))[0][0]
    assert book["来源"].max_row - 1 == want

    data, _ = download(page, "#trends-export-png", timeout=90_000)
    width, height, pixels, bpp = png_rows(data)
    assert width >= 1600 and dark_pixels(pixels[int(height * 0.9):], bpp) > 500

    data, _ = download(page, "#trends-export-svg", timeout=90_000)
    view, boxes = svg_text_boxes(data.decode("utf-8"))
    outside = [b for b in boxes if b["x0"] < -1 or b["x1"] > view[2] + 1 or b["y0"] < -1 or b["y1"] > view[3] + 1]
    assert not outside and any(b["text"].startswith("来源：") for b in boxes)

    data, _ = download(page, "#trends-export-brief")
    sheet = openpyxl.load_workbook(io.BytesIO(data))["简报"]
    header = [c.value for c in sheet[1]]
    brief = [dict(zip(header, r)) for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert sorted(r["编号"] for r in brief) == sorted(shown)
    assert all(r["事实编号"] == fact_id and "《" in r["引文"] and "年）" in r["引文"] for r in brief)


def test_filters_make_history_travel_between_pages_and_grid_state_is_in_the_url(page, dash_server, dash_sql, pick):
    key_a, unit_a, label_a = pick[:3]
    key_b, label_b = dash_sql("SELECT indicator, label_zh FROM indicators WHERE indicator <> ? AND indicator IN "
                              "(SELECT indicator FROM facts) ORDER BY sort_order LIMIT 1", [key_a])[0]
    goto(page, dash_server.url(f"/trends?indicator={key_a}&unit={unit_a}"))
    before = plot_data(page, "trends-graph")
    length = page.evaluate("history.length")
    choose(page, "trends-indicator", label_b)
    page.wait_for_function("(k) => location.search.includes('indicator=' + k)", arg=key_b)
    assert page.evaluate("history.length") == length + 1                    # a new entry, not a replaced one
    assert plot_data(page, "trends-graph") != before
    page.go_back()
    page.wait_for_function("(k) => location.search.includes('indicator=' + k)", arg=key_a)
    wait_for_dash(page)
    page.wait_for_function("(t) => document.querySelector('#trends-indicator').innerText.includes(t)", arg=label_a)
    assert plot_data(page, "trends-graph") == before                         # Back undid the filter change

    page.click("#nav-links a[data-path='/regions']")                         # the filters travel with the reader
    page.wait_for_url("**/regions?*")
    wait_for_dash(page)
    assert parse_qs(urlparse(page.url).query)["indicator"] == [key_a]
    assert label_a in page.inner_text("#regions-indicator")

    goto(page, dash_server.url(f"/figures?indicator={key_a}"))
    page.wait_for_selector("#figures-grid .ag-row", timeout=20_000)
    page.click("#figures-grid .ag-header-cell[col-id='year'] .ag-header-cell-label")
    page.wait_for_function("() => location.search.includes('gsort=year')", timeout=15_000)
    wait_for_dash(page)
    url = page.url
    first_year = dash_sql("SELECT min(year) FROM figures WHERE indicator = ?", [key_a])[0][0]
    fresh = new_page(page.context.browser)
    goto(fresh, url)
    fresh.wait_for_selector("#figures-grid .ag-row[row-index='0']", timeout=20_000)
    assert fresh.inner_text("#figures-grid .ag-row[row-index='0'] [col-id='year']").strip() == str(first_year)
    assert "gsort=year" in fresh.url
    fresh.close()
    goto(page, dash_server.url("/figures?y0=1900&y1=1901"))                 # AG Grid speaks Chinese
    page.wait_for_selector("#figures-grid .ag-overlay-no-rows-center, #figures-grid .ag-overlay", timeout=20_000)
    assert "No Rows" not in page.inner_text("#figures-grid")


def test_regions_small_values_stay_readable_and_rows_open_sources(page, dash_server, dash_sql, pick):
    key, unit = pick[:2]
    goto(page, dash_server.url(f"/regions?indicator={key}&unit={unit}"))
    traces = plot_data(page, "regions-graph")
    assert traces and traces[0]["type"] == "bar"
    page.click("#regions-opts label:has-text('对数坐标')")
    wait_for_dash(page)
    assert page.evaluate("document.querySelector('#regions-graph .js-plotly-plot')._fullLayout.yaxis.type") == "log"
    assert "opts=log" in page.url
    if "全疆" in traces[0]["x"]:
        page.click("#regions-opts label:has-text('排除全疆')")
        wait_for_dash(page)
        assert "全疆" not in plot_data(page, "regions-graph")[0]["x"]
    rows = page.query_selector_all("#regions-data tbody tr")
    last = rows[-1]                                                        # the smallest value: clickable too
    fact_id = int(last.query_selector("td:last-child").inner_text().replace(",", ""))
    last.click()
    page.wait_for_selector(f"#regions-source .fact-head[data-fact-id='{fact_id}']", timeout=15_000)
    page.wait_for_timeout(300)
    assert _in_viewport(page, "#regions-source")
    n = dash_sql("SELECT count(*) FROM figures WHERE fact_id = ?", [fact_id])[0][0]
    assert len(page.query_selector_all("#regions-source .source-card")) == n


def test_pivot_rows_and_columns_chosen_and_its_excel(page, dash_server, dash_sql, pick):
    key, unit = pick[:2]
    goto(page, dash_server.url(f"/pivot?indicator={key}&unit={unit}&rows=region&cols=year"))
    header = [th.inner_text() for th in page.query_selector_all("#pivot-data thead th")]
    assert header[0] == "地区 \\ 年份" and all(h.endswith("年") for h in header[1:])
    choose(page, "pivot-rows", "年份")
    page.wait_for_function("() => location.search.includes('rows=year')")
    wait_for_dash(page)
    header = [th.inner_text() for th in page.query_selector_all("#pivot-data thead th")]
    assert header[0].startswith("年份 \\ ")
    data, _ = download(page, "#pivot-export-xlsx")
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert [c.value for c in book["数据"][1]] == header
    assert book["数据"].max_row - 1 == len(page.query_selector_all("#pivot-data tbody tr"))
    facts = {r[0] for r in book["事实"].iter_rows(min_row=2, values_only=True)}
    cells = sum(1 for r in book["数据"].iter_rows(min_row=2, values_only=True) for v in r[1:] if v is not None)
    assert len(facts) == cells
    n = dash_sql(f"SELECT count(*) FROM figures WHERE fact_id IN ({','.join('?' * len(facts))})", sorted(facts))[0][0]
    assert book["来源"].max_row - 1 == n


def test_seed_examples_in_the_browser(page, dash_server, dash_sql, seed_facts_db, dash_db):
    """On the seed database: the 2013 fair's signed amount is one point of 1,250,000 万元; overview cards
    compare one indicator with itself."""
    if dash_db != seed_facts_db:
        pytest.skip("the server does not serve the seed database")
    fact_id, key, subject = dash_sql("SELECT x.fact_id, x.indicator, x.subject FROM facts x JOIN figures f "
                                     "ON f.fact_id = x.fact_id WHERE f.text = '125亿元' AND x.year = 2013")[0]
    key = key or "s:" + subject
    goto(page, dash_server.url(f"/trends?indicator={key}&unit=万元"))
    ti, pi, trace = _find_point(page, "trends-graph", fact_id)
    assert round(trace["y"][pi] * (1e4 if "亿元" in page.inner_text("#trends-graph-sub") else 1)) == 1_250_000
    ys_2013 = [y for t in _traces(page, "trends-graph") for x, y in zip(t["x"], t["y"]) if x == 2013 and y]
    assert all(abs(y - 377.09) > 0.01 and abs(y - 3_770_900) > 1 for y in ys_2013)
    goto(page, dash_server.url("/"))
    for card in page.query_selector_all(".card[data-indicator]"):
        a, b = int(card.get_attribute("data-fact-id")), int(card.get_attribute("data-prev-fact-id"))
        kinds = dash_sql("SELECT count(DISTINCT indicator), count(DISTINCT unit_norm) FROM facts WHERE fact_id IN (?, ?)",
                         [a, b])[0]
        assert kinds == (1, 1)
    assert "13,811.6" not in page.inner_text("#overview-cards")


def test_server_follows_a_rebuilt_database(dash_browser, tmp_path):
    from conftest import make_synthetic
    live = make_synthetic(600, tmp_path / "live.duckdb", seed=1)
    count = lambda p: duckdb.connect(str(p), read_only=True).execute("SELECT count(*) FROM documents").fetchone()[0]  # noqa: E731
    before = count(live)
    with AppServer(live, extra_args=["--no-kaleido-warmup"]) as srv:
        page = new_page(dash_browser)
        goto(page, srv.url("/documents"))
        assert f"共 {before} 个文件" in page.inner_text("#documents-summary")
        newer = make_synthetic(6000, tmp_path / "newer.duckdb", seed=2)
        after = count(newer)
        os.replace(newer, live)  # what `python -m etl build` does
        goto(page, srv.url("/documents"))
        assert after != before and f"共 {after} 个文件" in page.inner_text("#documents-summary")
        page.close()
