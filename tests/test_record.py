"""etl/record.py is the one definition of a figure and a document: the DuckDB schema, the Arrow schemas, the
rows the build writes and the JSON of `etl extract` all agree with it."""
import datetime
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from etl import build
from etl.extract import FIGURE_COLUMNS, extract_figures
from etl.paths import SCHEMA_SQL
from etl.record import DOCUMENT_FIELDS, FIGURE_FIELDS, Document, Figure, arrow_schema, field_types

ROOT = Path(__file__).resolve().parent.parent
DUCKDB_TYPE = {int: "INTEGER", float: "DOUBLE", bool: "BOOLEAN", str: "VARCHAR", datetime.date: "DATE"}
TEXT = "2016年安排新上项目122项，新上项目计划总投资14367.85万元，培训3000人次。\n\n项目\t数量(项)\n喀什\t12\n"


def columns(table: str) -> list[tuple[str, str, bool]]:
    """(name, type, nullable) of a table of etl/schema.sql, in order."""
    con = duckdb.connect()
    try:
        con.execute(SCHEMA_SQL.read_text(encoding="utf-8"))
        return [(name, kind, null == "YES") for name, kind, null, *_ in con.execute(f"DESCRIBE {table}").fetchall()]
    finally:
        con.close()


# set after extraction (by the build), so None in a record that is not stored yet; NOT NULL in the table
SET_BY_THE_BUILD = {"doc_id"}


@pytest.mark.parametrize("table, record, row_id", [("figures", Figure, ["figure_id"]), ("documents", Document, [])])
def test_schema_sql_has_the_record_fields_in_order_with_their_types(table, record, row_id):
    got = columns(table)
    fields = field_types(record)
    assert [name for name, _, _ in got] == row_id + list(fields)
    for name, kind, nullable in got:
        if name in row_id:
            continue
        python_type, optional = fields[name]
        assert kind == DUCKDB_TYPE[python_type], name
        # a NOT NULL column is a field that is never None (a nullable column may hold a record's default)
        if not nullable and name not in SET_BY_THE_BUILD:
            assert not optional, f"{table}.{name} is NOT NULL, the record allows None"
        if nullable:
            assert optional, f"{table}.{name} may be NULL, the record does not allow None"


def test_arrow_schemas_and_column_lists_come_from_the_records():
    assert FIGURE_COLUMNS == build.FIGURE_SCHEMA.names == FIGURE_FIELDS
    assert build.DOC_COLUMNS == build.DOC_SCHEMA.names == DOCUMENT_FIELDS
    assert build.FIGURE_SCHEMA.field("char_start").type == pa.int32()
    assert build.FIGURE_SCHEMA.field("value_norm").type == pa.float64()
    assert build.FIGURE_SCHEMA.field("approx").type == pa.bool_()
    assert build.DOC_SCHEMA.field("published").type == pa.date32()
    assert arrow_schema(Figure).equals(build.FIGURE_SCHEMA)


def test_extracted_figures_are_rows_of_the_record_and_fit_its_arrow_schema():
    figures = extract_figures(TEXT, year=2016)
    assert len(figures) >= 4 and any(f["year_source"] == "table" for f in figures)   # prose and a table cell
    for figure in figures:
        assert list(figure) == FIGURE_FIELDS
        Figure(**figure)                 # every key is a field, none is missing
    batch = build.figure_batch(figures)
    assert batch.schema.equals(build.FIGURE_SCHEMA) and batch.num_rows == len(figures)
    assert batch.column("value_norm").to_pylist()[:3] == [122, 14367.85, 3000]


def test_etl_extract_prints_the_record_fields_as_json_keys():
    out = subprocess.run([sys.executable, "-m", "etl", "extract", "-", "--year", "2016"], input=TEXT.encode(),
                         capture_output=True, cwd=ROOT, check=True).stdout.decode()
    rows = [json.loads(line) for line in out.splitlines()]
    assert rows and all(list(row) == ["figure_id"] + FIGURE_FIELDS for row in rows)
    assert [row["value"] for row in rows[:3]] == [122, 14367.85, 3000]


def test_every_documents_row_the_build_makes_has_the_record_fields(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "ok.txt").write_text(TEXT, encoding="utf-8")
    (raw / "empty.txt").write_bytes(b"")
    (raw / "bin.txt").write_bytes(bytes(range(256)) * 4)
    for path in sorted(raw.iterdir()):
        row, _ = build._process((path, raw, {}, False))
        assert list(row) == DOCUMENT_FIELDS, path.name
    assert list(build._problem_row("manifest.csv", "bad rows")) == DOCUMENT_FIELDS
    assert list(build._lost((raw / "ok.txt", raw, {}, False), "it died")[0]) == DOCUMENT_FIELDS
