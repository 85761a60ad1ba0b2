"""`python -m etl export`: every curated table as parquet, csv or xlsx, read back equal to the database."""
from __future__ import annotations

from pathlib import Path

import csv

import duckdb
import openpyxl
import pandas as pd
import pytest

from etl import cli, export

try:
    from test_sqlguard import make_sample_db, sha256
except ImportError:  # tests/ imported as a package
    from tests.test_sqlguard import make_sample_db, sha256

TABLES = ["build_info", "documents", "facts", "figures", "indicators", "metrics"]
VIEWS = ["coverage", "fact_totals", "figures_by_region", "figures_by_year", "partner_region_links"]


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    return make_sample_db(tmp_path_factory.mktemp("export") / "yearbook.duckdb")


def table_frame(db: Path, name: str) -> pd.DataFrame:
    con = duckdb.connect(":memory:")
    con.execute("ATTACH ? AS y (READ_ONLY)", [str(db)])
    frame = con.table(f"y.main.{name}").df()
    con.close()
    return frame


def same_rows(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert list(got.columns) == list(want.columns)
    key = list(want.columns)
    got, want = (plain(f.sort_values(key, ignore_index=True)) for f in (got, want))
    pd.testing.assert_frame_equal(got, want, check_dtype=False)


def plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Values as Python objects, every kind of missing as None: the dtypes of the two readers differ."""
    return frame.astype(object).where(frame.notna(), None)


def test_parquet_reads_back_row_for_row(db, tmp_path, capsys):
    digest = sha256(db)
    assert cli.main(["export", "--db", str(db), "--format", "parquet", "--out", str(tmp_path / "pq")]) == 0
    assert sorted(p.name for p in (tmp_path / "pq").iterdir()) == [f"{t}.parquet" for t in TABLES] + ["schema.md"]
    assert "## figures" in (tmp_path / "pq" / "schema.md").read_text(encoding="utf-8")
    for name in TABLES:
        want = table_frame(db, name)
        got = pd.read_parquet(tmp_path / "pq" / f"{name}.parquet")
        assert len(got) == len(want)
        same_rows(got, want)
    assert "figures: 6 rows" in capsys.readouterr().out
    assert sha256(db) == digest


def test_csv_reads_back(db, tmp_path):
    written = export.export(db, tmp_path, "csv", views=True, bom=True)
    assert sorted(name for name, _, _ in written) == sorted(TABLES + VIEWS)
    raw = (tmp_path / "metrics.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfmetric,label_zh")
    got = pd.read_csv(tmp_path / "figures.csv", encoding="utf-8-sig")
    want = table_frame(db, "figures")
    assert got["sentence"].tolist() == want["sentence"].tolist()
    assert got["value_norm"].tolist() == want["value_norm"].tolist()


def test_xlsx_one_workbook_per_table_text_stays_text(db, tmp_path):
    export.export(db, tmp_path, "xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "figures.xlsx").active
    header = [c.value for c in sheet[1]]
    assert header == list(table_frame(db, "figures").columns)
    assert sheet.max_row == 1 + 6
    sentences = [row[header.index("sentence")] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "=1+1 培训300人次。" in sentences  # written as text, not as a formula
    documents = openpyxl.load_workbook(tmp_path / "documents.xlsx").active
    assert all(c.data_type != "f" for row in documents.iter_rows() for c in row)


def test_xlsx_clips_cells_over_excels_limit(tmp_path, capsys):
    frame = pd.DataFrame({"text": ["长" * 40_000, "short"]})
    export.write_xlsx(frame, tmp_path / "long.xlsx", sheet="long")
    sheet = openpyxl.load_workbook(tmp_path / "long.xlsx").active
    assert len(sheet["A2"].value) == export.XLSX_MAX_CHARS and sheet["A3"].value == "short"
    assert "clipped" in capsys.readouterr().err


def test_missing_database_is_a_message(tmp_path, capsys):
    assert cli.main(["export", "--db", str(tmp_path / "none.duckdb"), "--format", "csv", "--out", str(tmp_path)]) == 1
    assert "python -m etl build" in capsys.readouterr().err


# ---- dashboard exports: files that stand alone -------------------------------------------------------------

@pytest.fixture
def facts_db(tmp_path_factory):
    from conftest import make_synthetic
    from dashboards import _queries as q
    path = tmp_path_factory.getbasetemp() / "export-facts.duckdb"
    if not path.exists():
        make_synthetic(2500, path, seed=3)
    q.DB.configure(path)
    return path


def _inside(view, boxes):
    x, y, w, h = view
    return [b for b in boxes if b["x0"] < x - 1 or b["x1"] > x + w + 1 or b["y0"] < y - 1 or b["y1"] > y + h + 1]


@pytest.mark.slow
def test_chart_images_carry_title_filters_and_source_inside(facts_db):
    from dashboards import _exports as ex
    from dashboards import _queries as q
    from dashboards import _trend as tr
    from tests.browser_support import dark_pixels, png_rows, svg_text_boxes
    regions = tuple(q.regions())                          # a long filter line must wrap, not run off the image
    for f, split in ((q.Filters("aid_funds", "万元"), ""), (q.Filters("aid_projects", "项", 2010, 2020, regions), "region")):
        fig = tr.figure(f, split)[0].to_dict()
        svg = ex.chart_bytes(fig, "svg").decode("utf-8")
        view, boxes = svg_text_boxes(svg)
        texts = " ".join(b["text"] for b in boxes)
        meta = fig["layout"]["meta"]
        assert meta["title"] in texts and "筛选：" in texts and "来源：" in texts
        assert not _inside(view, boxes), _inside(view, boxes)
        width, height, rows, bpp = png_rows(ex.chart_bytes(fig, "png"))
        footer, header = rows[int(height * 0.9):], rows[:int(height * 0.08)]
        assert dark_pixels(footer, bpp) > 500 and dark_pixels(header, bpp) > 500    # source and title are drawn
        assert width >= 1600


def test_xlsx_lists_exactly_the_facts_and_mentions_behind_its_rows(facts_db):
    import io as _io

    from dashboards import _exports as ex
    from dashboards import _queries as q
    from dashboards import _trend as tr
    f = q.Filters("aid_funds", "万元")
    out = tr.export(f)
    book = openpyxl.load_workbook(_io.BytesIO(ex.table_xlsx(out.frame, f, out.title, out.facts, out.source)))
    data = book["数据"]
    header = [c.value for c in data[1]]
    rows = list(data.iter_rows(min_row=2, values_only=True))
    row_facts = {r[header.index("事实编号")] for r in rows if r[header.index("事实编号")]}
    total_years = [r[header.index("年份")] for r in rows if r[header.index("加总事实数")]]
    for year in total_years:
        row_facts |= set(q.total_fact_ids(f, year))
    facts_sheet = {r[0] for r in book["事实"].iter_rows(min_row=2, values_only=True)}
    assert facts_sheet == row_facts and len(row_facts) > 5
    src = book["来源"]
    sh = [c.value for c in src[1]]
    mentions = {(r[sh.index("事实编号")], r[sh.index("提及编号")]) for r in src.iter_rows(min_row=2, values_only=True)}
    want = set(map(tuple, q.DB.frame(f"SELECT fact_id, figure_id FROM figures WHERE fact_id IN "
                                     f"({q.placeholders(sorted(row_facts))})", sorted(row_facts)).to_numpy().tolist()))
    assert mentions == want
    assert sum(r[header.index("加总事实数")] or 0 for r in rows) == sum(
        len(q.total_fact_ids(f, y)) for y in total_years)


def test_aggregate_csv_carries_title_filter_and_source_lines(facts_db):
    from dashboards import _charts as ch
    from dashboards import _exports as ex
    from dashboards import _queries as q
    from dashboards import _trend as tr
    f = q.Filters("aid_projects", "项", 2011, 2018, ("喀什",))
    out = tr.export(f, "region")
    lines = ex.csv_bytes(out.frame, out.title, ch.describe(f), out.source).decode("utf-8-sig").splitlines()
    assert lines[0] == out.title and lines[1].startswith("筛选：2011–2018年 · 喀什")
    assert lines[2].startswith("年份,") and lines[-1].startswith("来源：") and "条事实" in lines[-1]
    body = list(csv.reader(lines[2:-2]))
    assert len(body) - 1 == len(out.frame)


def test_briefing_cites_title_year_page_address_and_flags_ocr(facts_db):
    import io as _io

    from dashboards import _exports as ex
    from dashboards import _queries as q
    picks = q.DB.frame("(SELECT figure_id FROM figures WHERE page IS NOT NULL AND ocr LIMIT 1) UNION ALL "
                       "(SELECT f.figure_id FROM figures f JOIN documents d USING (doc_id) WHERE d.source_url IS NOT NULL "
                       "AND f.page IS NULL LIMIT 1)")["figure_id"].tolist()
    sheet = openpyxl.load_workbook(_io.BytesIO(ex.briefing_xlsx(picks)))["简报"]
    header = [c.value for c in sheet[1]]
    rows = {r[0]: dict(zip(header, r)) for r in sheet.iter_rows(min_row=2, values_only=True)}
    paged, linked = rows[picks[0]], rows[picks[1]]
    assert f"第{paged['页码']}页" in paged["引文"] and paged["需复核"].startswith("需复核")
    assert paged["文档"] in paged["引文"] and f"（{paged['文档年份']}年）" in paged["引文"]
    assert linked["网址"].startswith("https://") and linked["网址"] in linked["引文"] and not linked["需复核"]
    assert all(r["事实编号"] for r in rows.values())
