"""Dashboard data layer and helpers without a browser: reconnect on file swap, parameterised filters, charts
of facts (never sums of mentions), overview cards, place and pivot cells, number formats, export formats,
empty states; and the seed examples of issue 16 on the seed database when the ETL writes facts."""
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


@pytest.fixture
def small_db(tmp_path_factory):
    path = tmp_path_factory.getbasetemp() / "dash-small.duckdb"
    if not path.exists():
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
    f = q.Filters(indicator=hostile, regions=(hostile,), partners=(hostile,), unit=hostile)
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
    resp = grid.page(q.Filters(indicator="planned_investment"), {"startRow": 0, "endRow": 50,
                                                       "sortModel": [{"colId": "value_norm", "sort": "desc"}]})
    values = [r["value_norm"] for r in resp["rowData"]]
    assert values == sorted(values, reverse=True) and resp["rowCount"] >= len(values)


def test_display_unit_switches_to_yi_by_magnitude():
    assert ch.display_unit("万元", [500, 9000]) == ("万元", 1.0)
    assert ch.display_unit("万元", [500, 25000]) == ("亿元", 1e4)
    assert ch.display_unit("项", [1e6]) == ("项", 1.0)


def test_empty_figure_says_why(small_db):
    from dashboards import _trend as tr
    f = q.Filters(indicator="planned_investment", unit="万元", year_from=1990, year_to=1991)
    fig = tr.figure(f)[0]
    texts = [a.text for a in fig.layout.annotations]
    assert any("没有数据" in t for t in texts) and fig.layout.meta["source"].startswith("来源")


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
    (["investment"], {"a": 1}, [10**30, 1], [1, 2], {"a": 1}),
    (12345, None, "2016", "喀什", True),
    (None, ["万元"], [None, None], [[None]], 3.5),
], ids=["lists-and-dicts", "numbers-and-strings", "nones"])
def test_wrongly_typed_widget_values_become_harmless_filters(small_db, values):
    from dashboards import _filters as flt
    f = flt.filters_from_values(*values)
    assert all(isinstance(v, str) for v in f.regions + f.partners)
    assert f.indicator is None or isinstance(f.indicator, str)
    assert q.count_figures(f) >= 0 and isinstance(q.series_facts(f), pd.DataFrame)


def test_url_values_repeated_huge_or_unknown(small_db):
    from dashboards import _filters as flt
    state = flt.state_from_query({"indicator": ["aid_funds", "aid_projects"], "y0": str(10**30), "y1": "abc",
                                  "region": ["喀什", "不存在"]})
    assert state["indicator"] == "aid_funds"
    old_link = flt.state_from_query({"metric": "investment"})      # a link from before the facts
    assert q.indicator_info(old_link["indicator"])["metric"] == "investment"
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


# ---- facts -----------------------------------------------------------------------------------------------

def _points(fig) -> list[tuple]:
    """(trace name, x, y, customdata) of every drawn point."""
    out = []
    for t in fig.data:
        for x, y, c in zip(t.x, t.y, t.customdata if t.customdata is not None else [None] * len(t.x)):
            if y is not None and y == y:
                out.append((t.name, x, y, list(c) if c is not None else None))
    return out


def test_synthetic_facts_keep_the_contract(small_db):
    """No fact has a value none of its mentions has; fact_totals adds only additive, flow, unconflicted facts."""
    bad = q.DB.frame("SELECT count(*) AS n FROM facts x WHERE NOT EXISTS (SELECT 1 FROM figures f "
                     "WHERE f.fact_id = x.fact_id AND f.value_norm = x.value_norm)").n[0]
    assert bad == 0
    restated = q.DB.frame("SELECT count(*) AS n FROM facts WHERE n_documents > 1").n[0]
    conflicts = q.DB.frame("SELECT count(*) AS n FROM facts WHERE conflict").n[0]
    assert restated > 100 and conflicts > 0


def test_trend_points_are_facts_never_sums(small_db):
    from dashboards import _trend as tr
    for split in ("", "region"):
        f = q.Filters(indicator="aid_projects", unit="项")
        fig, cells, totals, _ = tr.figure(f, split)
        facts = q.facts_by_id([int(i) for i in cells["fact_id"]]).set_index("fact_id")["value_norm"]
        points = [p for p in _points(fig) if p[3] and p[3][1] == "fact"]
        assert len(points) == len(cells) > 5
        for name, x, y, (fact_id, _) in points:
            assert y == pytest.approx(facts[fact_id])           # the fact's own value, display unit 项
        planned = [p for p in points if "目标" in p[0]]
        assert {cells.set_index("fact_id").loc[p[3][0], "status"] for p in planned} <= {"planned"}
        assert all("目标" in p[0] for p in points if cells.set_index("fact_id").loc[p[3][0], "status"] == "planned")


def test_totals_come_from_fact_totals_and_say_how_many(small_db):
    from dashboards import _trend as tr
    f = q.Filters(indicator="aid_funds", unit="万元")
    fig, cells, totals, _ = tr.figure(f)
    view = q.DB.frame("SELECT year, n_facts, total FROM fact_totals WHERE indicator = 'aid_funds' AND unit_norm = '万元' "
                      "AND dimension = 'region' AND status = 'actual' ORDER BY year")
    assert len(view) and totals["total"].tolist() == pytest.approx(view["total"].tolist())
    line = next(t for t in fig.data if "合计" in t.name)
    assert [t for t in line.text] == [f"{n} 条" for n in view["n_facts"]]
    year = int(view["year"].iloc[0])
    ids = q.total_fact_ids(f, year)
    added = q.facts_by_id(ids)
    assert len(ids) == view["n_facts"].iloc[0] and added["value_norm"].sum() == pytest.approx(view["total"].iloc[0])
    assert not added["conflict"].any() and set(added["basis"]) == {"flow"} and added["partner"].isna().all()
    assert q.fact_totals(q.Filters(indicator="fund_size", unit="万元")).empty          # not additive: no 合计
    assert q.fact_totals(q.Filters(indicator="aid_funds", unit="万元", regions=("喀什",))).empty


def test_overview_cards_compare_one_indicator_with_itself(small_db):
    from dashboards._cards import card_rows
    cards, single = card_rows(q.Filters())
    assert cards
    for c in cards:
        latest, prev = c["latest"], c["prev"]
        assert latest.indicator == prev.indicator == c["indicator"] and prev.year < latest.year
        facts = q.facts_by_id([int(latest.fact_id), int(prev.fact_id)])
        assert facts["indicator"].nunique() == 1 and facts["unit_norm"].nunique() == 1 and facts["basis"].nunique() == 1
        assert facts["region"].isna().all() and set(facts["status"]) == {"actual"}
    assert all(c["prev"] is None for c in single)


def test_place_and_pivot_cells_hold_one_fact_each(small_db):
    from dashboards import _place as place
    from dashboards import _pivot as pivot
    f = q.Filters(indicator="aid_projects", unit="项")
    year = q.fact_years(f, "region", "actual")[0]
    cells = place.cells(f, "region", year, "actual", "flow")
    assert cells["name"].is_unique and (cells["year"] == year).all()
    if "全疆" in set(cells["name"]):
        whole = cells[cells["name"] == "全疆"].iloc[0]
        assert pd.isna(whole.region)                              # the region-less fact, not a sum of regions
    frame, facts, unit, data = pivot.pivot(f, "region", "year", "actual", "flow")
    assert len(frame) == len(facts) and data.groupby(["region", "year"]).size().max() == 1
    first = frame.iloc[0]
    shown = [v for v in first.iloc[1:] if v == v]
    assert len(shown) == len(facts[0])


def test_numbers_read_as_chinese_statistics():
    assert ch.fmt(2337.2538) == "2,337.25" and ch.fmt(40.0) == "40" and ch.fmt(1250000, "万元") == "1,250,000 万元"
    assert ch.fmt(0.0002) == "0.0002" and ch.fmt(None) == "—"
    assert ch.tickformat([5, 2500]) == ",.0f"


def test_indicator_picker_groups_by_family_in_card_order(small_db):
    from dashboards import _filters as flt
    options = flt.indicator_dropdown_options()
    heads = [o["value"].replace("__family_", "") for o in options if o.get("disabled")]
    order = [m for m in q.FAMILY_ORDER if m in heads]
    assert heads == order and options[0].get("disabled")
    assert any(o["value"].startswith(q.SUBJECT_PREFIX) for o in options)   # subjects outside the catalogue


def test_missing_facts_table_is_a_message(tmp_path):
    db = tmp_path / "old.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE figures (figure_id INTEGER)")
    con.close()
    q.DB.configure(db)
    with pytest.raises(DatabaseUnavailable, match="事实表"):
        q.indicator_options()


# ---- the examples of issue 16 on the seed database -----------------------------------------------------------

def test_seed_trends_show_facts_not_sums(seed_facts_db):
    """2013 科洽会: one fact of 1,250,000 万元 (not 377.09 亿元); 38亿/35亿: one point marked conflict (not 73 亿)."""
    from dashboards import _trend as tr
    q.DB.configure(seed_facts_db)
    fair = q.DB.frame("SELECT x.* FROM facts x JOIN figures f ON f.fact_id = x.fact_id WHERE f.text = '125亿元' "
                      "AND x.year = 2013").iloc[0]
    assert fair.value_norm == 1_250_000 and fair.n_mentions >= 2       # the restatement is one of its mentions
    key = fair.indicator if isinstance(fair.indicator, str) else q.SUBJECT_PREFIX + fair.subject
    fig, cells, totals, _ = tr.figure(q.Filters(indicator=key, unit="万元"))
    at_2013 = cells[(cells["year"] == 2013) & (cells["status"] == "actual") & (cells["basis"] == fair.basis)]
    assert at_2013["value_norm"].tolist() == [1_250_000]
    unit, div = ch.display_unit("万元", cells["value_norm"])
    ys = [p[2] * div for p in _points(fig) if p[1] == 2013]
    assert 1_250_000 in [round(y) for y in ys] and all(round(y) != 3_770_900 for y in ys)

    conflict = q.DB.frame("SELECT x.* FROM facts x JOIN figures f ON f.fact_id = x.fact_id WHERE f.text = '38亿元'").iloc[0]
    assert conflict.conflict and conflict.value_norm in (380_000, 350_000)
    key = conflict.indicator if isinstance(conflict.indicator, str) else q.SUBJECT_PREFIX + conflict.subject
    fig, cells, _, _ = tr.figure(q.Filters(indicator=key, unit="万元"))
    points = [p for p in _points(fig) if p[1] == 2012 and p[3] and p[3][0] == int(conflict.fact_id)]
    assert len(points) == 1
    trace = next(t for t in fig.data if t.name == points[0][0])
    symbols = dict(zip(trace.x, trace.marker.symbol))
    assert symbols[2012] == ch.MARK_CONFLICT
    assert all(round(p[2] * ch.display_unit("万元", cells["value_norm"])[1]) != 730_000 for p in _points(fig))


def test_seed_overview_never_compares_different_indicators(seed_facts_db):
    import app
    app.create_app(seed_facts_db)        # the page modules register with an app
    from dashboards.pages import overview
    cards, _ = overview.card_rows(q.Filters())
    for c in cards:
        facts = q.facts_by_id([int(c["latest"].fact_id), int(c["prev"].fact_id)])
        assert facts["indicator"].nunique() == 1 and facts["unit_norm"].nunique() == 1
    text = str([overview.card(c) for c in cards])
    assert "13,811.6" not in text and "13811.6" not in text


def test_a_chart_never_mixes_indicators_or_hides_a_region_filter(small_db):
    from dashboards import _place as place
    from dashboards import _pivot as pivot
    from dashboards import _trend as tr
    cells, totals, _ = tr.data(q.Filters())                        # no indicator (cleared, or a hand-made request)
    assert cells.empty and totals.empty
    assert place.cells(q.Filters(), "region", 2012, "actual", "flow").empty
    assert pivot.pivot(q.Filters(), "region", "year", "actual", None)[0].empty
    f = q.Filters("aid_projects", "项", regions=("喀什",))
    cells, totals, _ = tr.data(f)                                  # a region filter shows that region's facts
    assert len(cells) and set(cells["region"]) == {"喀什"} and totals.empty
    assert tr.effective_split(f, "") == "region"
    assert place.cells(f, "region", "2012; DROP", ["actual"], {"x": 1}).empty   # junk from a request: no error
