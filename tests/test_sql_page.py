"""The 查询 SQL page on a real server in headless Chromium: run a query, download its result, get refused."""
from __future__ import annotations

import csv
import io
import sys
import time
from pathlib import Path
from urllib.parse import quote

import openpyxl
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from etl import sqlguard  # noqa: E402
from tests.browser_support import AppServer, chromium, choose, download, goto, new_page, wait_for_dash  # noqa: E402

try:
    from test_sqlguard import make_sample_db, sha256
except ImportError:  # tests/ imported as a package
    from tests.test_sqlguard import make_sample_db, sha256

pytestmark = [pytest.mark.browser, pytest.mark.slow]
QUERY = "SELECT figure_id, year, region, partner, value_norm, sentence FROM figures ORDER BY figure_id"


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    return make_sample_db(tmp_path_factory.mktemp("sqlpage") / "yearbook.duckdb")


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


@pytest.fixture(scope="module")
def page(db, browser):
    with AppServer(db, extra_args=["--no-kaleido-warmup"]) as server:
        page = new_page(browser)
        page.server = server
        goto(page, server.url("/sql"))
        yield page
        assert not [e for e in page.errors if "favicon" not in e], page.errors


def run(page, sql: str) -> str:
    page.fill("#sql-query", sql)
    page.click("#sql-run")
    wait_for_dash(page)
    return page.inner_text("#sql-status")


def grid_cells(page) -> list[str]:
    return page.locator("#sql-grid .ag-center-cols-container .ag-cell").all_inner_texts()


def test_schema_beside_the_query_box(page):
    text = page.inner_text("#sql-schema")
    assert "figures" in text and "coverage" in text
    assert "指标编号：projects、investment" in text  # the column's description in Chinese (schema_zh.yaml)
    english = page.get_attribute("#sql-schema-figures td[title^='Metric id']", "title")
    assert english.startswith("Metric id: projects, investment")  # the column's COMMENT, on hover
    assert page.input_value("#sql-query").startswith("SELECT")


def test_run_query_and_download_csv_and_xlsx(page, db):
    status = run(page, QUERY)
    assert "6 行 rows" in status and " ms" in status, status
    assert "喀什" in grid_cells(page)
    headers = page.locator("#sql-grid .ag-header-cell-text").all_inner_texts()
    assert headers[:3] == ["figure_id", "year", "region"]

    data, name = download(page, "#sql-export-csv")
    assert name.endswith(".csv") and data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    expected = sqlguard.run_query(QUERY, db)
    assert rows[0] == expected.columns
    assert len(rows) == 1 + len(expected.rows)
    for got, want in zip(rows[1:], expected.rows):
        assert got[0] == str(want[0]) and got[2] == (want[2] or "") and got[5] == want[5]
        assert float(got[4]) == want[4]

    data, name = download(page, "#sql-export-xlsx")
    assert name.endswith(".xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == expected.columns and len(values) == 1 + len(expected.rows)
    assert values[6][5] == "=1+1 培训300人次。"  # text, not a formula


def test_example_query_fills_the_box_and_runs(page):
    choose(page, "sql-example", "Partner ranking")
    assert "FROM facts" in page.input_value("#sql-query")
    page.click("#sql-run")
    wait_for_dash(page)
    assert "2 行 rows" in page.inner_text("#sql-status")
    assert "广东" in grid_cells(page)


@pytest.mark.parametrize("sql, expected", [
    ("DROP TABLE figures", "已拒绝：不允许 DROP"),
    ("SELECT * FROM read_csv('/etc/passwd')", "已拒绝：这里的查询不能读写文件"),
    ("COPY figures TO '/tmp/sql-page-leak.csv'", "已拒绝：不允许 COPY"),
    ("SET enable_external_access = true", "已拒绝：不允许 SET"),
    ("SELECT 1; DELETE FROM figures", "已拒绝：一次只能运行一条语句"),
    ("UPDATE EXTENSIONS", "已拒绝：不允许 UPDATE EXTENSIONS"),
    ("EXPLAIN (ANALYZE '/*') DELETE FROM figures WHERE '*/) SELECT 1 --' = ''", "已拒绝：EXPLAIN 只能用于只读查询"),
    ("SELEC 1", "语法错误"),
    ("SELECT " + "(" * 300 + "1" + ")" * 300, "嵌套过深"),
    ("SELECT '" + "汉" * 100_001 + "'", "查询过长"),
])
def test_hostile_queries_are_refused_on_the_page(page, db, sql, expected):
    digest = sha256(db)
    status = run(page, sql)
    assert expected in status and "Traceback" not in status, status
    assert page.locator("#sql-error").count() == 1
    assert grid_cells(page) == []
    assert sha256(db) == digest
    assert not Path("/tmp/sql-page-leak.csv").exists()


def test_millions_of_rows_are_capped_on_the_page(page):
    status = run(page, "SELECT range AS n FROM range(3000000)")
    assert "10,000 行 rows" in status and "已截断" in status, status


def test_a_query_that_runs_too_long_is_stopped_with_a_message(page):
    started = time.monotonic()
    status = run(page, "SELECT count(*) FROM range(100000000000) AS a, range(1000000) AS b")
    assert "超时" in status and "5 秒" in status, status
    assert time.monotonic() - started < sqlguard.Limits().timeout_s + 4


def test_link_fills_the_query_and_runs_it(page):
    goto(page, page.server.url("/sql?q_text=" + quote("SELECT 42 AS answer")))
    assert page.input_value("#sql-query") == "SELECT 42 AS answer"
    assert grid_cells(page) == ["42"]                  # no click: the link shows the result
    assert "1 行 rows" in page.inner_text("#sql-status")
    goto(page, page.server.url("/sql"))                 # without q_text nothing runs by itself
    assert grid_cells(page) == [] and page.inner_text("#sql-status") == ""


def test_downloads_say_when_the_result_was_truncated(page):
    status = run(page, "SELECT range AS n FROM range(3000000)")
    assert "已截断" in status, status
    data, name = download(page, "#sql-export-csv")
    assert name.endswith("-truncated.csv"), name
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["n"] and len(rows) == 1 + 10_000 and rows[-1] == ["9999"]
    assert "结果已截断，只含前 10,000 行" in page.inner_text("#sql-export-msg")
    data, name = download(page, "#sql-export-xlsx")
    assert name.endswith("-truncated.xlsx"), name
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book["result"].max_row == 1 + 10_000
    about = {row[0]: row[1] for row in book["说明 about"].iter_rows(min_row=2, values_only=True)}
    assert about["查询 query"] == "SELECT range AS n FROM range(3000000)" and about["行数 rows"] == 10_000
    assert about["截断 truncated"].startswith("结果已截断")
    run(page, "SELECT 1 AS one")
    data, name = download(page, "#sql-export-csv")
    assert "truncated" not in name and page.inner_text("#sql-export-msg") == ""


def test_usable_at_phone_width(browser, page):
    phone = browser.new_page(viewport={"width": 390, "height": 844}, accept_downloads=True)
    try:
        goto(phone, page.server.url("/sql"))
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390 + 1   # nothing wider than the screen
        box = phone.locator("#sql-query").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390 and box["width"] >= 300, box
        run_box = phone.locator("#sql-run").bounding_box()
        assert run_box["x"] + run_box["width"] <= 390, run_box
        assert run(phone, "SELECT '喀什' AS region").startswith("1 行 rows")
        assert "喀什" in phone.locator("#sql-grid .ag-cell").all_inner_texts()
    finally:
        phone.close()


def test_ctrl_enter_runs_and_the_address_keeps_the_query(page):
    page.fill("#sql-query", "SELECT '喀什' AS region, 7 AS n")
    page.focus("#sql-query")
    page.keyboard.press("Control+Enter")
    page.wait_for_function("() => [...document.querySelectorAll('#sql-grid .ag-cell')].some(c => c.innerText === '喀什')")
    wait_for_dash(page)
    assert grid_cells(page) == ["喀什", "7"]
    assert page.evaluate("new URLSearchParams(location.search).get('q_text')") == "SELECT '喀什' AS region, 7 AS n"
    page.reload()
    wait_for_dash(page)
    assert page.input_value("#sql-query") == "SELECT '喀什' AS region, 7 AS n"


def test_values_of_every_kind_show(page):
    status = run(page, "SELECT DATE '2020-01-02' AS d, 1.5::DECIMAL(4, 2) AS dec, [1, 2] AS l, {'a': 1} AS s, "
                       "NULL AS n, true AS b, (2 ** 60)::HUGEINT AS big, '长文本' AS t")
    assert "1 行 rows" in status, status
    cells = grid_cells(page)
    assert "2020-01-02" in cells and "1.5" in cells and "[1, 2]" in cells and "长文本" in cells
    assert str(2 ** 60) in cells


def test_missing_database_is_explained(browser, tmp_path):
    with AppServer(tmp_path / "missing.duckdb", extra_args=["--no-kaleido-warmup"]) as server:
        page = new_page(browser)
        goto(page, server.url("/sql"))
        assert "python -m etl build" in page.inner_text("#sql-schema")
        status = run(page, "SELECT 1")
        assert "数据库不可用" in status and "python -m etl build" in status, status


def test_hand_made_callback_values_are_answered(page):
    """Requests a browser would not send (numbers, lists, junk tokens) get an empty state or a message, never a 500."""
    import requests

    base = page.server.url("/_dash-update-component")
    run_outputs = [{"id": "sql-grid", "property": "columnDefs"}, {"id": "sql-grid", "property": "rowData"},
                   {"id": "sql-status", "property": "children"}, {"id": "sql-result", "property": "data"}]
    calls = [
        {"output": "..sql-grid.columnDefs...sql-grid.rowData...sql-status.children...sql-result.data..",
         "outputs": run_outputs,
         "inputs": [{"id": "sql-run", "property": "n_clicks", "value": clicks},
                    {"id": "sql-autorun", "property": "data", "value": autorun}],
         "state": [{"id": "sql-query", "property": "value", "value": value}], "changedPropIds": ["sql-run.n_clicks"]}
        for value, clicks, autorun in ((12345, 1, None), (["DROP TABLE figures"], "x", [1]), ({"a": 1}, 1, "yes"),
                                       (None, -1, True), ("SELECT 1", {"a": 1}, None))
    ] + [
        {"output": "sql-query.value", "outputs": {"id": "sql-query", "property": "value"},
         "inputs": [{"id": "sql-example", "property": "value", "value": value}], "changedPropIds": ["sql-example.value"]}
        for value in (["x"], 7, {"a": 1})
    ] + [
        {"output": "..sql-download.data...sql-export-msg.children..",
         "outputs": [{"id": "sql-download", "property": "data"}, {"id": "sql-export-msg", "property": "children"}],
         "inputs": [{"id": "sql-export-csv", "property": "n_clicks", "value": 1},
                    {"id": "sql-export-xlsx", "property": "n_clicks", "value": 0}],
         "state": [{"id": "sql-result", "property": "data", "value": token}],
         "changedPropIds": ["sql-export-csv.n_clicks"]}
        for token in (123, ["x"], "../../etc/passwd", {"a": 1}, "0" * 32)
    ]
    for body in calls:
        resp = requests.post(base, json=body, timeout=30)
        assert resp.status_code in (200, 204), (body, resp.status_code, resp.text[:300])
        if body["output"].startswith("..sql-download"):
            assert "请先运行查询" in resp.text and "root:" not in resp.text
    for junk in ({"output": 5}, {"outputs": "x"}, [], {"output": "sql-query.value", "inputs": 7}):
        resp = requests.post(base, json=junk, timeout=30)
        assert resp.status_code == 400, (junk, resp.status_code)           # a bad request, not a server error
    assert "Traceback" not in page.server.log()
