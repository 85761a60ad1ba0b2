"""docs/schema.md is generated from etl/schema.sql's comments: it must be current and cover every column."""
from __future__ import annotations

from pathlib import Path

import pytest

from etl import cli, lexicon, schemadoc, sqlguard
from etl.paths import SCHEMA_DOC, SCHEMA_SQL

try:
    from test_sqlguard import make_sample_db
except ImportError:  # tests/ imported as a package
    from tests.test_sqlguard import make_sample_db


def generated(schema_sql: str | None = None) -> str:
    return schemadoc.render(schemadoc.tables_of_schema(schema_sql or SCHEMA_SQL.read_text(encoding="utf-8")))


def test_schema_doc_is_current():
    assert SCHEMA_DOC.is_file(), "docs/schema.md is missing: run python -m etl schema-doc"
    assert SCHEMA_DOC.read_text(encoding="utf-8") == generated(), \
        "docs/schema.md is stale: run python -m etl schema-doc and commit the result"


@pytest.mark.parametrize("old, new", [
    ("'Metric id.'", "'Metric identifier.'"),
    ("COMMENT ON TABLE build_info IS 'Facts", "COMMENT ON TABLE build_info IS 'Some facts"),
    ("COMMENT ON VIEW coverage IS 'Metric x year", "COMMENT ON VIEW coverage IS 'Metric by year"),
])
def test_a_changed_comment_makes_the_doc_stale(old, new):
    schema = SCHEMA_SQL.read_text(encoding="utf-8")
    assert old in schema
    assert generated(schema.replace(old, new, 1)) != SCHEMA_DOC.read_text(encoding="utf-8")


def test_a_new_column_makes_the_doc_stale():
    schema = SCHEMA_SQL.read_text(encoding="utf-8") + "\nALTER TABLE metrics ADD COLUMN note VARCHAR;\n"
    assert "`note`" in generated(schema) and generated(schema) != generated()


def test_every_table_column_metric_and_example_is_documented():
    doc = generated()
    for table in schemadoc.tables_of_schema(SCHEMA_SQL.read_text(encoding="utf-8")):
        assert f"## {table.name}\n" in doc and table.comment in doc
        for column in table.columns:
            assert f"| `{column.name}` |" in doc
            if table.kind == "table":
                assert column.comment, f"{table.name}.{column.name} has no COMMENT in etl/schema.sql"
                assert column.comment.replace("|", "\\|") in doc
    for metric in lexicon.load_metrics():
        assert f"| `{metric['metric']}` | {metric['label_zh']} |" in doc
    for unit in lexicon.load_units():
        assert unit in doc
    for sql in sqlguard.EXAMPLE_QUERIES.values():
        assert sql.strip() in doc


def test_output_is_deterministic():
    assert generated() == generated()


def test_command_writes_the_same_document(tmp_path, capsys):
    assert cli.main(["schema-doc", "--out", str(tmp_path / "schema.md")]) == 0
    assert (tmp_path / "schema.md").read_text(encoding="utf-8") == generated()


def test_command_can_describe_a_built_database(tmp_path):
    db = make_sample_db(tmp_path / "yearbook.duckdb")
    assert cli.main(["schema-doc", "--db", str(db), "--out", str(tmp_path / "from_db.md")]) == 0
    assert (tmp_path / "from_db.md").read_text(encoding="utf-8") == generated()
