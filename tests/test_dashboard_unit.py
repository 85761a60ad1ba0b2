"""Dashboard data layer and helpers without a browser: reconnect on file swap, parameterised filters,
export formats, empty states."""
from __future__ import annotations

import importlib.util
import io
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dashboards import _charts as ch  # noqa: E402
from dashboards import _exports as ex  # noqa: E402
from dashboards import _grid as grid  # noqa: E402
from dashboards import _queries as q  # noqa: E402
from dashboards._db import Database, DatabaseUnavailable  # noqa: E402


def _make_db():
    spec = importlib.util.spec_from_file_location("make_large_db", ROOT / "bench" / "make_large_db.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.make_db


@pytest.fixture(scope="module")
def small_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("dash") / "small.duckdb"
    _make_db()(2500, path, seed=3)
    q.DB.configure(path)
    return path


def test_database_notices_replaced_file(tmp_path):
    make = _make_db()
    live, other = tmp_path / "live.duckdb", tmp_path / "other.duckdb"
    make(800, live, seed=1)
    make(1200, other, seed=2)
    db = Database(live)
    assert db.frame("SELECT count(*) AS n FROM figures").n[0] == 800
    os.replace(other, live)
    assert db.frame("SELECT count(*) AS n FROM figures").n[0] == 1200


def test_missing_database_explains_itself(tmp_path):
    db = Database(tmp_path / "nope.duckdb")
    with pytest.raises(DatabaseUnavailable, match="不存在"):
        db.frame("SELECT 1")


def test_filter_values_are_parameters_not_sql(small_db):
    hostile = "x'); DROP TABLE figures; --"
    f = q.Filters(metric=hostile, regions=(hostile,), partners=(hostile,), scope=hostile)
    clause, params = q.where(f)
    assert hostile not in clause and hostile in params
    assert q.count_figures(f) == 0
    assert q.count_figures(q.Filters()) == 2500


def test_none_region_filter_selects_unattributed(small_db):
    n_null = q.DB.frame("SELECT count(*) AS n FROM figures WHERE region IS NULL").n[0]
    assert q.count_figures(q.Filters(regions=(q.NO_REGION,))) == n_null


def test_grid_filter_model_ignores_unknown_columns(small_db):
    clause, params = grid.filter_sql({"1=1; --": {"type": "contains", "filter": "x"},
                                      "sentence": {"filterType": "text", "type": "contains", "filter": "50%"}})
    assert "1=1" not in clause and params == ["50%"]
    resp = grid.page(q.Filters(metric="investment"), {"startRow": 0, "endRow": 50,
                                                       "sortModel": [{"colId": "value_norm", "sort": "desc"}]})
    values = [r["value_norm"] for r in resp["rowData"]]
    assert values == sorted(values, reverse=True) and resp["rowCount"] >= len(values)


def test_display_unit_switches_to_yi_by_magnitude():
    assert ch.display_unit("万元", [500, 9000]) == ("万元", 1.0)
    assert ch.display_unit("万元", [500, 25000]) == ("亿元", 1e4)
    assert ch.display_unit("项", [1e6]) == ("项", 1.0)


def test_empty_figure_says_why(small_db):
    f = q.Filters(metric="investment", unit="万元", year_from=1990, year_to=1991)
    fig = ch.trend_figure(q.trend(f), f, "投资")
    texts = [a.text for a in fig.layout.annotations]
    assert any("没有数据" in t for t in texts) and any(t.startswith("来源") for t in texts)


def test_csv_has_bom_and_xlsx_has_sources(small_db):
    f = q.Filters(metric="projects", unit="项")
    table = pd.DataFrame({"年份": [2015], "合计": [3.0]})
    raw = ex.csv_bytes(table)
    assert raw.startswith(b"\xef\xbb\xbf") and "年份" in raw.decode("utf-8-sig")
    book = openpyxl.load_workbook(io.BytesIO(ex.table_xlsx(table, f, "测试")))
    assert {"数据", "来源"} <= set(book.sheetnames)
    header = [c.value for c in book["来源"][1]]
    assert {"文档", "年份", "原句"} <= set(header) and book["来源"].max_row > 1


def test_briefing_lists_conflict_candidates(small_db):
    ids = q.DB.frame("SELECT figure_id FROM figures WHERE conflict LIMIT 1").figure_id.tolist()
    book = openpyxl.load_workbook(io.BytesIO(ex.briefing_xlsx(ids)))
    assert book["简报"].max_row == 2
    assert book["冲突候选"].max_row >= 3  # header + at least two disagreeing values


def test_context_highlights_the_figure(small_db):
    for row in q.DB.frame("SELECT figure_id, text, sentence FROM figures LIMIT 50").itertuples(index=False):
        ctx = q.context(int(row.figure_id))
        assert ctx["figure"] == row.text and "\n" not in ctx["before"] + ctx["after"]
        assert ctx["before"][ctx["s_from"]:] + ctx["figure"] + ctx["after"][:ctx["s_to"]] == row.sentence


def test_app_help():
    out = subprocess.run([sys.executable, str(ROOT / "app.py"), "--help"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "--db" in out.stdout and "--port" in out.stdout


def test_synthetic_db_offsets_are_exact(small_db):
    con = duckdb.connect(str(small_db), read_only=True)
    bad = con.execute("SELECT count(*) FROM figures f JOIN documents d USING (doc_id) "
                      "WHERE substr(d.text, f.char_start + 1, f.char_end - f.char_start) <> f.text").fetchone()[0]
    con.close()
    assert bad == 0


def test_default_database_is_built_when_missing_and_kept_when_fresh(tmp_path):
    import app
    db = tmp_path / "yearbook.duckdb"
    app.ensure_database(db, ROOT / "data" / "raw")
    if not db.exists():
        pytest.skip("the ETL could not build data/raw here")
    stamp = db.stat().st_mtime_ns
    app.ensure_database(db, ROOT / "data" / "raw")
    assert db.stat().st_mtime_ns == stamp


@pytest.mark.parametrize("values", [
    (["investment"], {"a": 1}, [10**30, 1], [1, 2], {"a": 1}, ["program"]),
    (12345, None, "2016", "喀什", None, True),
    (None, ["万元"], [None, None], [[None]], 3.5, {}),
], ids=["lists-and-dicts", "numbers-and-strings", "nones"])
def test_wrongly_typed_widget_values_become_harmless_filters(small_db, values):
    from dashboards import _filters as flt
    f = flt.filters_from_values(*values)
    assert all(isinstance(v, str) for v in f.regions + f.partners)
    assert f.metric is None or isinstance(f.metric, str)
    assert q.count_figures(f) >= 0 and isinstance(q.trend(f), pd.DataFrame)


def test_url_values_repeated_huge_or_unknown(small_db):
    from dashboards import _filters as flt
    state = flt.state_from_query({"metric": ["investment", "projects"], "y0": str(10**30), "y1": "abc",
                                  "region": ["喀什", "不存在"], "scope": ["program"]})
    assert state["metric"] == "investment" and state["scope"] == "program"
    assert state["region"] == ["喀什", "不存在"] and all(isinstance(y, int) for y in state["years"])
    options = flt._with_unknown([{"label": "喀什", "value": "喀什"}], state["region"])
    assert [o["value"] for o in options] == ["喀什", "不存在"]


def test_xlsx_export_keeps_formula_like_text_as_text():
    """A sentence that starts with "=" must not become a formula in an official's spreadsheet."""
    import io

    import openpyxl
    import pandas as pd

    from dashboards._exports import xlsx_bytes
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes({"数据": pd.DataFrame({"原句": ['=HYPERLINK("http://x")']})})))
    cell = book["数据"]["A2"]
    assert cell.value == '=HYPERLINK("http://x")' and cell.data_type == "s"
