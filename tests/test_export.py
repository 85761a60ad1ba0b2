"""`python -m etl export`: every curated table as parquet, csv or xlsx, read back equal to the database."""
from __future__ import annotations

from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest

from etl import cli, export

try:
    from test_sqlguard import make_sample_db, sha256
except ImportError:  # tests/ imported as a package
    from tests.test_sqlguard import make_sample_db, sha256

TABLES = ["build_info", "documents", "figures", "metrics"]
VIEWS = ["coverage", "figures_by_region", "figures_by_year", "partner_region_links"]


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
