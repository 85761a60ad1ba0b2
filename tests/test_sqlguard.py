"""The guarded query runner behind the 查询 SQL page and `python -m etl sql`: hostile queries, each layer alone."""
from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from etl import lexicon, sqlguard
from etl.factstore import write_facts, write_indicators
from etl.paths import SCHEMA_SQL

SECRET_FRAME = pd.DataFrame({"secret": ["a Python object the SQL must not see"]})

# id -> (query, which layers refuse it: "both", "check" = the statement check only (DuckDB alone would run
# it harmlessly: in-memory, gone at close) or "duckdb" = DuckDB only (the text is a plain SELECT)).
# {out} is a fresh folder that must stay empty.
HOSTILE = {
    "read_csv": ("SELECT * FROM read_csv('/etc/passwd')", "duckdb"),
    "read_csv_auto_replacement": ("SELECT * FROM '/etc/passwd'", "duckdb"),
    "read_text": ("SELECT * FROM read_text('/etc/passwd')", "duckdb"),
    "read_blob": ("SELECT content FROM read_blob('/etc/hostname')", "duckdb"),
    "glob": ("SELECT * FROM glob('/etc/*')", "duckdb"),
    "read_parquet_out": ("SELECT * FROM read_parquet('{out}/*.parquet')", "duckdb"),
    "query_fn_file": ("SELECT * FROM query('SELECT * FROM read_csv(''/etc/passwd'')')", "duckdb"),
    "query_fn_write": ("SELECT * FROM query('DROP TABLE figures')", "duckdb"),
    "python_object": ("SELECT * FROM SECRET_FRAME", "duckdb"),
    "copy_to": ("COPY figures TO '{out}/figures.csv'", "both"),
    "copy_query_to": ("COPY (SELECT 1 AS a) TO '{out}/one.parquet' (FORMAT parquet)", "both"),
    "copy_from": ("COPY metrics FROM '/etc/passwd'", "both"),
    "export_database": ("EXPORT DATABASE '{out}/dump'", "both"),
    "import_database": ("IMPORT DATABASE '{out}'", "both"),
    "attach_file": ("ATTACH '{out}/new.duckdb' AS evil", "both"),
    "attach_memory": ("ATTACH ':memory:' AS scratch", "check"),
    "detach": ("DETACH yearbook", "both"),
    "install": ("INSTALL httpfs", "both"),
    "load": ("LOAD httpfs", "both"),
    "load_path": ("LOAD '{out}/evil.duckdb_extension'", "both"),
    "set_external_access": ("SET enable_external_access = true", "both"),
    "set_lock": ("SET lock_configuration = false", "both"),
    "set_timeout": ("SET max_execution_time = 0", "both"),
    "set_memory": ("SET memory_limit = '20GB'", "both"),
    "set_threads": ("SET threads = 64", "both"),
    "set_temp_directory": ("SET temp_directory = '{out}'", "both"),
    "reset_memory": ("RESET memory_limit", "both"),
    "reset_all_style": ("RESET enable_external_access", "both"),
    "pragma_memory": ("PRAGMA memory_limit = '20GB'", "both"),
    "pragma_profiling": ("PRAGMA enable_profiling = 'json'", "both"),
    "pragma_profile_output": ("PRAGMA profile_output = '{out}/profile.json'", "both"),
    "pragma_checkpoint": ("PRAGMA force_checkpoint", "check"),
    "create_table": ("CREATE TABLE evil (a INTEGER)", "both"),
    "create_table_as": ("CREATE TABLE evil AS SELECT * FROM figures", "both"),
    "create_view": ("CREATE VIEW evil AS SELECT 1", "both"),
    "create_macro": ("CREATE MACRO evil(x) AS x + 1", "both"),
    "create_temp_table": ("CREATE TEMP TABLE scratch AS SELECT 1 AS a", "check"),
    "create_secret": ("CREATE PERSISTENT SECRET evil (TYPE s3, KEY_ID 'k', SECRET 's')", "both"),
    "insert": ("INSERT INTO metrics VALUES ('evil', 'x', 'x', false, 'x')", "both"),
    "update": ("UPDATE figures SET value_norm = 0", "both"),
    "delete": ("DELETE FROM figures", "both"),
    "truncate": ("TRUNCATE figures", "both"),
    "drop": ("DROP TABLE figures", "both"),
    "drop_view": ("DROP VIEW coverage", "both"),
    "alter": ("ALTER TABLE figures ADD COLUMN evil INTEGER", "both"),
    "comment": ("COMMENT ON TABLE figures IS 'evil'", "both"),
    "call": ("CALL pragma_version()", "check"),
    "checkpoint": ("CHECKPOINT", "check"),
    "vacuum": ("VACUUM", "check"),
    "begin": ("BEGIN TRANSACTION", "check"),
    "use": ("USE memory", "both"),
    "explain_analyze_delete": ("EXPLAIN ANALYZE DELETE FROM figures", "both"),
    "explain_options_insert": ("EXPLAIN (FORMAT json) INSERT INTO metrics SELECT * FROM metrics", "both"),
    "multiple_statements": ("SELECT 1; SELECT 2", "check"),
    "hidden_second_statement": ("SELECT 1; DROP TABLE figures", "both"),
    "comment_hidden_statement": ("/* SELECT */ DROP TABLE figures", "both"),
}
RUNS_FOREVER = "SELECT count(*) FROM range(100000000000) AS a, range(1000000) AS b"
MILLIONS = "SELECT range AS n, range * 2 AS twice FROM range(5000000)"
ALLOWED = [
    "SELECT metric, label_zh FROM metrics",
    "WITH t AS (SELECT 1 AS a) SELECT * FROM t",
    "FROM figures SELECT year, value_norm",
    "VALUES (1, 'a'), (2, 'b')",
    "DESCRIBE figures",
    "SHOW TABLES",
    "SUMMARIZE metrics",
    "EXPLAIN SELECT * FROM figures",
    "EXPLAIN ANALYZE SELECT count(*) FROM figures",
    "EXPLAIN (FORMAT json) SELECT * FROM metrics",
    "PRAGMA table_info('figures')",
    "-- a comment first\nSELECT 1;",
    "/* block */ (SELECT 1) UNION ALL (SELECT 2)",
    "TABLE metrics",
]


def make_sample_db(path: Path) -> Path:
    """A database from etl/schema.sql with a handful of rows (tests must not wait for a real build)."""
    con = duckdb.connect(str(path))
    try:
        con.execute(SCHEMA_SQL.read_text(encoding="utf-8"))
        con.executemany("INSERT INTO metrics VALUES (?, ?, ?, ?, ?)",
                        [[m["metric"], m["label_zh"], m["label_en"], m["core"], m.get("description")]
                         for m in lexicon.load_metrics()])
        con.executemany("INSERT INTO documents (doc_id, file_name, title, year, status, text, n_figures) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [["d2015", "2015.txt", "2015年科技援疆工作", 2015, "ok", "2015年安排新上项目122项。", 3],
                         ["d2016", "2016.txt", "2016年科技援疆工作", 2016, "ok", "=HYPERLINK(\"x\") 2016年……", 3],
                         ["d2017", "dup.txt", None, None, "duplicate", None, 0]])
        rows = [  # figure_id, doc_id, year, metric, value_norm, unit_norm, region, partner, scope, sentence
            (1, "d2015", 2015, "projects", 122, "项", "喀什", "广东", "program", "2015年安排新上项目122项。"),
            (2, "d2015", 2015, "investment", 14367.85, "万元", "喀什", "广东", "program", "计划总投资14367.85万元。"),
            (3, "d2015", 2015, "investment", 5000, "万元", None, None, "program", "全区投入5000万元。"),
            (4, "d2016", 2016, "investment", 20000, "万元", "克拉玛依", "四川", "program", "四川投入2亿元。"),
            (5, "d2016", 2016, "investment", 16000, "万元", "喀什", "广东", "program", "广东投入1.6亿元。"),
            (6, "d2016", 2016, "trainees", 300, "人次", "喀什", None, "program", "=1+1 培训300人次。"),
        ]
        con.executemany("INSERT INTO figures (figure_id, doc_id, year, year_source, metric, value, unit, value_norm, "
                        "unit_norm, approx, region, partner, scope, conflict, sentence, char_start, char_end) "
                        "VALUES (?, ?, ?, 'sentence', ?, ?, ?, ?, ?, false, ?, ?, ?, false, ?, 0, 1)",
                        [[i, d, y, m, v, u, v, u, r, p, s, t] for i, d, y, m, v, u, r, p, s, t in rows])
        con.executemany("UPDATE figures SET indicator = ? WHERE figure_id = ?",
                        [["new_projects", 1], ["planned_investment", 2], ["aid_funds", 3], ["aid_funds", 4],
                         ["aid_funds", 5], ["trainees", 6]])
        write_indicators(con)            # the catalogue and the facts, as the build writes them
        write_facts(con)
        con.executemany("INSERT INTO build_info VALUES (?, ?)", [["raw_dir", "tests"], ["n_documents", "3"]])
    finally:
        con.close()
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    return make_sample_db(tmp_path_factory.mktemp("sqlguard") / "yearbook.duckdb")


@pytest.fixture
def out(tmp_path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def assert_untouched(db: Path, digest: str, out: Path) -> None:
    assert sha256(db) == digest, "the database file changed"
    assert sorted(p.name for p in db.parent.iterdir()) == [db.name], "files appeared beside the database"
    assert list(out.iterdir()) == [], "files appeared in the output folder"


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_query_is_refused_and_changes_nothing(db, out, name):
    sql = HOSTILE[name][0].format(out=out)
    digest = sha256(db)
    result = sqlguard.run_query(sql, db)
    assert not result.ok, f"{name} ran: {getattr(result, 'rows', None)}"
    assert result.kind in {"refused", "syntax", "error"}
    assert result.message and "Traceback" not in str(result)
    assert_untouched(db, digest, out)
    assert sqlguard.run_query("SELECT count(*) FROM figures", db).rows == [(6,)]


@pytest.mark.parametrize("name", [n for n, (_, layer) in HOSTILE.items() if layer in ("both", "check")])
def test_statement_check_alone_refuses(name):
    refusal = sqlguard.check_statement(HOSTILE[name][0].format(out="/nonexistent"))
    assert refusal is not None and refusal.kind == "refused" and refusal.message.startswith("已拒绝") and "(Refused: " in refusal.message


@pytest.mark.parametrize("name", [n for n, (_, layer) in HOSTILE.items() if layer in ("both", "duckdb")])
def test_duckdb_layer_alone_refuses(db, out, name):
    """Without the statement check, the connection's own settings still refuse."""
    digest = sha256(db)
    con = sqlguard.open_guarded(db)
    try:
        with pytest.raises(duckdb.Error):
            con.execute(HOSTILE[name][0].format(out=out)).fetchall()
    finally:
        con.close()
    assert_untouched(db, digest, out)


@pytest.mark.parametrize("sql", ALLOWED)
def test_read_only_forms_are_allowed(db, sql):
    assert sqlguard.check_statement(sql) is None
    result = sqlguard.run_query(sql, db)
    assert result.ok, str(result)


def test_no_setting_can_be_set_or_reset(db):
    """Every DuckDB setting, SET to its own current value and RESET: refused by both layers."""
    settings = duckdb.connect(":memory:").execute("SELECT name, coalesce(value, '') FROM duckdb_settings()").fetchall()
    assert len(settings) > 100
    harmless = {"schema", "search_path"}  # like USE: which schema names resolve in, nothing more
    con = sqlguard.open_guarded(db)
    try:
        changed, locked = [], 0
        for name, value in settings:
            quoted = value.replace("'", "''")
            for statement in (f"SET \"{name}\" = '{quoted}'", f'RESET "{name}"'):
                assert sqlguard.check_statement(statement) is not None, statement
                try:
                    con.execute(statement)
                    changed.append(name)
                except duckdb.Error as exc:
                    locked += "configuration has been locked" in str(exc)
        assert set(changed) <= harmless
        assert locked > len(settings)  # refused for being locked, not for a typo
        assert con.execute("SELECT current_setting('enable_external_access'), current_setting('lock_configuration'), "
                           "current_setting('max_execution_time')").fetchall() == [(False, True, 5000)]
    finally:
        con.close()


def test_guards_are_set_and_locked(db):
    result = sqlguard.run_query(
        "SELECT current_setting('enable_external_access'), current_setting('lock_configuration'), "
        "current_setting('autoinstall_known_extensions'), current_setting('autoload_known_extensions'), "
        "current_setting('allow_community_extensions'), current_setting('max_execution_time'), "
        "current_setting('threads'), current_setting('temp_directory'), current_setting('access_mode'), "
        "current_setting('python_enable_replacements'), current_setting('enable_progress_bar'), "
        "(SELECT list(database_name ORDER BY database_name) FROM duckdb_databases() WHERE NOT internal)", db)
    assert result.ok, str(result)
    assert result.rows[0] == (False, True, False, False, False, 5000, 2, "", "automatic", False, False, ["yearbook"])
    assert sqlguard.run_query("SELECT readonly FROM duckdb_databases() WHERE database_name = 'yearbook'",
                              db).rows == [(True,)]


def test_query_that_runs_forever_is_stopped_by_the_time_limit(db, out):
    digest = sha256(db)
    started = time.monotonic()
    result = sqlguard.run_query(RUNS_FOREVER, db)
    elapsed = time.monotonic() - started
    assert not result.ok and result.kind == "timeout", str(result)
    assert "5 s" in result.message
    assert 4.5 < elapsed < 8
    assert_untouched(db, digest, out)


def test_watchdog_interrupts_when_duckdb_has_no_time_limit():
    con = duckdb.connect(":memory:")  # no max_execution_time: only the watchdog can stop it
    started = time.monotonic()
    result = sqlguard._execute(con, RUNS_FOREVER, sqlguard.Limits(timeout_s=0.5))
    assert not result.ok and result.kind == "timeout"
    assert time.monotonic() - started < 4
    con.close()


def test_millions_of_rows_are_capped_and_flagged(db):
    result = sqlguard.run_query(MILLIONS, db)
    assert result.ok and result.truncated
    assert len(result.rows) == result.max_rows == 10_000
    assert result.rows[-1] == (9_999, 19_998)
    small = sqlguard.run_query("SELECT * FROM range(10)", db, sqlguard.Limits(max_rows=10))
    assert len(small.rows) == 10 and not small.truncated


def test_result_text_is_capped_too(db):
    result = sqlguard.run_query("SELECT range, repeat('长', 1000000) AS text FROM range(100)", db)
    assert result.ok and result.truncated and result.truncated_by == "size"
    assert 10 <= len(result.rows) <= 20
    assert sqlguard.run_query(MILLIONS, db).truncated_by == "rows"
    assert sqlguard.run_query("SELECT 1", db).truncated_by is None


def test_memory_limit_stops_a_greedy_query(db):
    result = sqlguard.run_query("SELECT list(range) FROM range(300000000)", db, sqlguard.Limits(memory_limit="200MB"))
    assert not result.ok and result.kind == "memory", str(result)


def test_errors_are_messages_not_exceptions(db, tmp_path):
    assert sqlguard.run_query("SELEC 1", db).kind == "syntax"
    missing = sqlguard.run_query("SELECT * FROM nowhere", db)
    assert missing.kind == "error" and "nowhere" in missing.detail
    assert sqlguard.run_query("", db).kind == "refused"
    gone = sqlguard.run_query("SELECT 1", tmp_path / "missing.duckdb")
    assert gone.kind == "unavailable" and "python -m etl build" in gone.detail


def test_works_beside_the_dashboards_own_connection(db):
    """duckdb.connect(path) shares one instance per file and process; the guard must not collide with it."""
    other = duckdb.connect(str(db), read_only=True)
    try:
        assert sqlguard.run_query("SELECT count(*) FROM metrics", db).rows == [(len(lexicon.load_metrics()),)]
        assert other.execute("SELECT count(*) FROM figures").fetchall() == [(6,)]
    finally:
        other.close()


def test_sees_the_new_file_after_an_atomic_swap(tmp_path):
    db = make_sample_db(tmp_path / "yearbook.duckdb")
    assert sqlguard.run_query("SELECT count(*) FROM figures", db).rows == [(6,)]
    fresh = make_sample_db(tmp_path / "next.duckdb")
    con = duckdb.connect(str(fresh))
    con.execute("DELETE FROM figures WHERE figure_id > 2")
    con.close()
    os.replace(fresh, db)
    assert sqlguard.run_query("SELECT count(*) FROM figures", db).rows == [(2,)]


@pytest.mark.parametrize("title", sqlguard.EXAMPLE_QUERIES)
def test_example_queries_run(db, title):
    result = sqlguard.run_query(sqlguard.EXAMPLE_QUERIES[title], db)
    assert result.ok, str(result)
    assert result.rows


def test_growth_example_reads_one_fact_a_year(db):
    result = sqlguard.run_query(sqlguard.EXAMPLE_QUERIES["Growth rate by year · 指标年度增长率"], db)
    assert result.rows == [(2015, 5000.0, False, False, 1, None)]


def test_partner_ranking_adds_disjoint_partner_region_facts(db):
    result = sqlguard.run_query(sqlguard.EXAMPLE_QUERIES["Partner ranking · 援疆省市排名"], db)
    assert result.rows == [("广东", 30367.85, 2, 1), ("四川", 20000.0, 1, 2)]


def test_schema_of_lists_tables_views_and_comments(db):
    tables = {t.name: t for t in sqlguard.schema_of(db)}
    assert {"documents", "figures", "metrics", "build_info", "figures_by_year", "coverage"} <= set(tables)
    assert tables["figures"].kind == "table" and tables["coverage"].kind == "view"
    columns = {c.name: c for c in tables["figures"].columns}
    assert "Metric id" in columns["metric"].comment and columns["metric"].type == "VARCHAR"


def test_the_sql_page_holds_no_sql_of_its_own():
    """All SQL the page runs or shows comes from etl.sqlguard."""
    import ast
    import re

    page = Path(__file__).resolve().parent.parent / "dashboards" / "pages" / "sql.py"
    strings = [node.value for node in ast.walk(ast.parse(page.read_text(encoding="utf-8")))
               if isinstance(node, ast.Constant) and isinstance(node.value, str)]
    assert not [s for s in strings if re.search(r"(?is)\bselect\b.+\bfrom\b", s)]
    assert "sqlguard.run_query" in page.read_text(encoding="utf-8")
    assert "import duckdb" not in page.read_text(encoding="utf-8")
