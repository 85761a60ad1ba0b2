"""Run researchers' SQL against the curated database, boxed in: read-only, no files, no settings, time/row/memory caps.

DuckDB calls running untrusted SQL unsafe by design, so the guards are layers, each tested on its own
(tests/test_sqlguard.py): a statement check on DuckDB's own parse, then a fresh in-memory DuckDB per query
that attaches the file READ_ONLY, detaches its writable default catalog, turns off external access,
extension installs/loads and Python replacement scans, caps memory, threads and execution time, and
locks its configuration last. A watchdog thread interrupts the query should the time limit not fire.
The page (dashboards/pages/sql.py) and the CLI (etl/sqlcli.py) both call run_query.
"""
from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from etl.paths import DB_PATH

ALIAS = "yearbook"  # catalog name the file is attached under, whatever the file is called
ALLOWED_TYPES = {"SELECT", "EXPLAIN", "PRAGMA"}
READ_ONLY_PRAGMAS = {"table_info", "show", "show_tables", "show_tables_expanded", "version", "database_size",
                     "storage_info", "functions", "collations"}
FIRST_WORDS = {"SELECT", "WITH", "FROM", "VALUES", "DESCRIBE", "DESC", "SHOW", "EXPLAIN", "SUMMARIZE", "PRAGMA",
               "TABLE", "("}
_CONCURRENT = threading.BoundedSemaphore(2)  # guarded queries at once in this process (2 cores)
_PARSER = duckdb.connect(":memory:")  # only ever parses (extract_statements), never executes
_PARSER_LOCK = threading.Lock()


@dataclass(frozen=True)
class Limits:
    timeout_s: float = 5.0
    max_rows: int = 10_000
    memory_limit: str = "1GB"
    threads: int = 2
    max_chars: int = 20_000_000  # text in the result at most, so 10,000 huge rows cannot swamp a page


@dataclass
class QueryResult:
    columns: list[str]
    types: list[str]
    rows: list[tuple]
    truncated: bool
    elapsed_s: float
    max_rows: int
    truncated_by: str | None = None  # "rows" (max_rows) or "size" (max_chars)
    ok: bool = True

    def to_frame(self):
        """The rows as a pandas DataFrame (duplicate column names kept)."""
        import pandas as pd
        return pd.DataFrame.from_records(self.rows, columns=range(len(self.columns))).set_axis(self.columns, axis=1)


@dataclass
class QueryError:
    kind: str  # refused, timeout, memory, syntax, error, busy, unavailable
    message: str
    detail: str = ""
    ok: bool = False

    def __str__(self) -> str:
        return self.message if not self.detail else f"{self.message}\n{self.detail}"


@dataclass
class ColumnInfo:
    name: str
    type: str
    nullable: bool
    comment: str


@dataclass
class TableInfo:
    name: str
    kind: str  # table or view
    comment: str
    columns: list[ColumnInfo] = field(default_factory=list)
    sql: str = ""


FIRST_QUERY = """\
SELECT metric, year, count(*) AS n_figures, round(sum(value_norm), 2) AS total, unit_norm
FROM figures
GROUP BY ALL
ORDER BY metric, year, unit_norm"""  # what the 查询 SQL page opens with

# Example queries shown on the page and in docs/schema.md (tests run each one): title -> SQL.
EXAMPLE_QUERIES: dict[str, str] = {
    "Growth rate by year · 投资年度增长率": """\
-- Programme-level investment per year (万元) and its year-on-year growth.
WITH yearly AS (
    SELECT year, sum(total) AS total_wan_yuan
    FROM figures_by_year
    WHERE metric = 'investment' AND unit_norm = '万元' AND scope = 'program'
    GROUP BY year
)
SELECT year,
       round(total_wan_yuan, 2) AS total_wan_yuan,
       round(100 * (total_wan_yuan / lag(total_wan_yuan) OVER (ORDER BY year) - 1), 1) AS growth_pct
FROM yearly
ORDER BY year""",
    "Partner ranking · 援疆省市排名": """\
-- Partner provinces ranked by the investment (万元) of the figures that name them.
SELECT partner,
       round(sum(total), 2) AS investment_wan_yuan,
       sum(n_figures) AS n_figures,
       rank() OVER (ORDER BY sum(total) DESC) AS rank
FROM partner_region_links
WHERE metric = 'investment' AND unit_norm = '万元'
GROUP BY partner
ORDER BY rank, partner""",
    "A region's history · 地区历年数据": """\
-- Every metric reported for one region, year by year (change '喀什' to another region).
SELECT year, metric, unit_norm, n_figures, round(total, 2) AS total
FROM figures_by_region
WHERE region = '喀什'
ORDER BY year, metric, unit_norm""",
    "Figures with their sentences · 数据与原文": """\
-- The figures behind a number, each with its document and the sentence it came from.
SELECT f.year, f.metric, f.value_norm, f.unit_norm, f.region, f.partner, d.title, f.sentence
FROM figures AS f
JOIN documents AS d USING (doc_id)
WHERE f.metric = 'projects'
ORDER BY f.year, f.figure_id
LIMIT 100""",
}

_SCHEMA_TABLES = """
SELECT table_name AS name, 'table' AS kind, coalesce(comment, '') AS comment, '' AS sql, 0 AS grp
FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal
UNION ALL
SELECT view_name, 'view', coalesce(comment, ''), sql, 1
FROM duckdb_views() WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal
ORDER BY grp, name"""
_SCHEMA_COLUMNS = """
SELECT table_name, column_name, data_type, is_nullable, coalesce(comment, '')
FROM duckdb_columns() WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal
ORDER BY table_name, column_index"""


def check_statement(sql: str) -> QueryError | None:
    """Refuse anything but one read-only statement; None when the text passes (an extra layer, not the only one)."""
    try:
        with _PARSER_LOCK:
            statements = _PARSER.extract_statements(sql)
    except duckdb.Error as exc:
        return QueryError("syntax", "The query could not be parsed.", _first_line(exc))
    if not statements:
        return QueryError("refused", "The query is empty.")
    if len(statements) > 1:
        return QueryError("refused", f"Refused: one statement at a time, this text has {len(statements)}.")
    statement = statements[0]
    kind = statement.type.name
    text = _strip_comments(sql).strip()
    first = _first_word(text)
    if kind not in ALLOWED_TYPES or first not in FIRST_WORDS:
        return QueryError("refused", f"Refused: only read-only queries (SELECT, WITH, FROM, VALUES, DESCRIBE, SHOW, "
                                     f"SUMMARIZE, EXPLAIN, PRAGMA table_info) are allowed, not {kind}.")
    if kind == "PRAGMA":
        name = re.match(r"(?is)pragma\s+([a-z_]+)", text)
        if not name or name.group(1).lower() not in READ_ONLY_PRAGMAS:
            return QueryError("refused", "Refused: only read-only PRAGMAs (" + ", ".join(sorted(READ_ONLY_PRAGMAS))
                              + ") are allowed.")
    if kind == "EXPLAIN":
        inner = re.sub(r"(?is)^explain\s+(analy[sz]e\s+)?(\([^)]*\)\s*)?", "", text)
        return check_statement(inner) if inner != text else QueryError("refused", "Refused: unreadable EXPLAIN.")
    return None


def connect_read_only(db_path: Path | str = DB_PATH) -> duckdb.DuckDBPyConnection:
    """A fresh in-memory DuckDB with the file attached READ_ONLY as the only catalog (trusted callers: export)."""
    con = duckdb.connect(":memory:", config={"python_enable_replacements": False})
    return _attach(con, db_path)


def open_guarded(db_path: Path | str = DB_PATH, limits: Limits = Limits()) -> duckdb.DuckDBPyConnection:
    """connect_read_only, then every DuckDB guard, lock_configuration last."""
    con = duckdb.connect(":memory:", config={
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "allow_community_extensions": False,
        "allow_unsigned_extensions": False,
        "python_enable_replacements": False,
        "memory_limit": limits.memory_limit,
        "threads": limits.threads,
        "temp_directory": "",  # no spilling to disk: a query over the memory limit fails instead
        "max_execution_time": int(limits.timeout_s * 1000),
    })
    _attach(con, db_path)
    try:
        con.execute("SET enable_external_access = false")  # after ATTACH, which needs it
        con.execute("SET disabled_filesystems = 'LocalFileSystem'")  # the attached file is open already
        con.execute("SET allow_persistent_secrets = false")
        con.execute("SET enable_progress_bar = false")  # it would print into the CLI's output
        con.execute("SET lock_configuration = true")
    except BaseException:
        con.close()
        raise
    return con


def _attach(con: duckdb.DuckDBPyConnection, db_path: Path | str) -> duckdb.DuckDBPyConnection:
    # Not duckdb.connect(path): that shares one instance per file and process, and refuses a second
    # configuration next to the dashboard's own read-only connection; ATTACH also sees a swapped-in file.
    try:
        path = Path(db_path)
        if not path.is_file():
            raise FileNotFoundError(f"no database at {path}: build it with `python -m etl build`")
        con.execute(f"ATTACH ? AS {ALIAS} (READ_ONLY)", [str(path.resolve())])
        con.execute(f"USE {ALIAS}")
        con.execute("DETACH memory")  # the writable default catalog
    except BaseException:
        con.close()
        raise
    return con


def run_query(sql: str, db_path: Path | str = DB_PATH, limits: Limits = Limits()) -> QueryResult | QueryError:
    """Check, then run one query on a guarded connection; a QueryError, never an exception, when it fails."""
    refused = check_statement(sql)
    if refused:
        return refused
    if not _CONCURRENT.acquire(timeout=limits.timeout_s):
        return QueryError("busy", "Busy: other queries are running, try again in a moment.")
    try:
        try:
            con = open_guarded(db_path, limits)
        except FileNotFoundError as exc:
            return QueryError("unavailable", "The database is not available.", str(exc))
        except duckdb.Error as exc:
            return QueryError("unavailable", "The database could not be opened.", _first_line(exc))
        try:
            return _execute(con, sql, limits)
        finally:
            con.close()
    finally:
        _CONCURRENT.release()


def describe_schema(con: duckdb.DuckDBPyConnection) -> list[TableInfo]:
    """Tables then views of the current database, each with its columns and the COMMENTs on them."""
    tables = {name: TableInfo(name, kind, comment, sql=sql)
              for name, kind, comment, sql, _ in con.execute(_SCHEMA_TABLES).fetchall()}
    for table, column, dtype, nullable, comment in con.execute(_SCHEMA_COLUMNS).fetchall():
        if table in tables:
            tables[table].columns.append(ColumnInfo(column, dtype, bool(nullable), comment))
    return list(tables.values())


def schema_of(db_path: Path | str = DB_PATH) -> list[TableInfo] | QueryError:
    """describe_schema of the database file, through a guarded connection."""
    try:
        con = open_guarded(db_path)
    except (FileNotFoundError, duckdb.Error) as exc:
        return QueryError("unavailable", "The database is not available.", _first_line(exc))
    try:
        return describe_schema(con)
    finally:
        con.close()


def _execute(con: duckdb.DuckDBPyConnection, sql: str, limits: Limits) -> QueryResult | QueryError:
    watchdog = threading.Timer(limits.timeout_s + 1.0, _interrupt, [con])
    watchdog.daemon = True
    started = time.perf_counter()
    watchdog.start()
    try:
        con.execute(sql)
        description = con.description or []
        rows, truncated_by = _fetch(con, limits) if description else ([], None)
    except duckdb.Error as exc:
        return _explain_error(exc, limits, time.perf_counter() - started)
    finally:
        watchdog.cancel()
    return QueryResult(columns=[d[0] for d in description], types=[str(d[1]) for d in description], rows=rows,
                       truncated=truncated_by is not None, truncated_by=truncated_by,
                       elapsed_s=time.perf_counter() - started, max_rows=limits.max_rows)


def _fetch(con: duckdb.DuckDBPyConnection, limits: Limits) -> tuple[list[tuple], str | None]:
    """Rows in chunks until the query ends, max_rows is passed or the text would exceed max_chars."""
    rows: list[tuple] = []
    chars = 0
    while len(rows) <= limits.max_rows:
        chunk = con.fetchmany(min(2048, limits.max_rows + 1 - len(rows)))
        if not chunk:
            return rows, None
        for row in chunk:
            chars += sum(len(v) if isinstance(v, (str, bytes)) else 8 if isinstance(v, (int, float)) or v is None
                         else len(str(v)) for v in row)
            if chars > limits.max_chars:
                return rows, "size"
            rows.append(row)
    return rows[:limits.max_rows], "rows"


def _interrupt(con: duckdb.DuckDBPyConnection) -> None:
    try:
        con.interrupt()
    except duckdb.Error:
        pass


def _explain_error(exc: duckdb.Error, limits: Limits, elapsed: float) -> QueryError:
    detail = _first_line(exc)
    if isinstance(exc, duckdb.InterruptException) or elapsed >= limits.timeout_s:
        return QueryError("timeout", f"Stopped: the query ran longer than the time limit of {limits.timeout_s:g} s.",
                          detail)
    if isinstance(exc, duckdb.OutOfMemoryException):
        return QueryError("memory", f"Stopped: the query needed more than the memory limit of {limits.memory_limit}.",
                          detail)
    if isinstance(exc, duckdb.PermissionException):
        return QueryError("refused", "Refused: queries here cannot read or write files, attach databases or "
                                     "install or load extensions.", detail)
    if "configuration has been locked" in detail:
        return QueryError("refused", "Refused: settings cannot be changed here.", detail)
    if "read-only" in detail:
        return QueryError("refused", "Refused: the database is read-only.", detail)
    if isinstance(exc, duckdb.ParserException):
        return QueryError("syntax", "Syntax error in the query.", detail)
    return QueryError("error", "The query failed.", detail)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _strip_comments(sql: str) -> str:
    return re.sub(r"--[^\n]*|/\*.*?\*/", " ", sql, flags=re.S)


def _first_word(text: str) -> str:
    match = re.match(r"\s*(\(|[A-Za-z_]+)", text)
    return match.group(1).upper() if match else ""
