"""Run researchers' SQL against the curated database, boxed in: read-only, no files, no settings, time/row/memory caps.

DuckDB calls running untrusted SQL unsafe by design, so the guards are layers, each tested on its own
(tests/test_sqlguard.py):

1. bounds on the text (length, bracket depth), read in linear time before anything parses it (check_bounds);
2. a child process (etl/sqlsandbox.py) with an OS memory limit, killed at the time limit plus a short grace:
   everything below runs there, so no query can stall or swamp the dashboard or the CLI;
3. a statement check on DuckDB's own tokenizer and parser (check_statement): one read-only statement;
4. a fresh in-memory DuckDB per query that attaches the file READ_ONLY, detaches its writable default catalog,
   turns off external access, extension installs/loads and Python replacement scans, caps memory, threads and
   execution time, and locks its configuration last;
5. rows fetched in chunks until max_rows or max_chars of text (the conversion to Python objects is bounded too).

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
MAX_QUERY_CHARS = 100_000   # a real query is a few hundred characters; DuckDB's parser is not linear in the worst case
MAX_DEPTH = 200             # brackets inside brackets: the parser recurses per level (3,000 levels took 1.6 GB)
READ_ONLY_PRAGMAS = {"table_info", "show", "show_tables", "show_tables_expanded", "version", "database_size",
                     "storage_info", "functions", "collations"}
# First keywords of the statements DuckDB parses as a SELECT and that are reads; PIVOT without an IN list is a
# MULTI statement (an ENUM of the values, then the SELECT), still only a read.
FIRST_WORDS = {"SELECT", "WITH", "FROM", "VALUES", "DESCRIBE", "DESC", "SHOW", "SUMMARIZE", "TABLE", "(", "PIVOT",
               "UNPIVOT", "PIVOT_WIDER", "PIVOT_LONGER"}
PIVOT_WORDS = {"PIVOT", "UNPIVOT", "PIVOT_WIDER", "PIVOT_LONGER"}
ALLOWED_TEXT = "SELECT、WITH、FROM、VALUES、DESCRIBE、SHOW、SUMMARIZE、PIVOT、EXPLAIN、PRAGMA table_info"
ALLOWED_TEXT_EN = "SELECT, WITH, FROM, VALUES, DESCRIBE, SHOW, SUMMARIZE, PIVOT, EXPLAIN, PRAGMA table_info"
# What a refused statement is called in the message, by DuckDB's statement type (the first keyword otherwise).
OBJECT_WORDS = {"TABLE", "VIEW", "MACRO", "FUNCTION", "SECRET", "SCHEMA", "SEQUENCE", "TYPE", "INDEX", "DATABASE"}
TYPE_WORDS = {"VARIABLE_SET": "SET VARIABLE", "CREATE_FUNC": "CREATE MACRO/FUNCTION", "COPY_DATABASE": "COPY DATABASE",
              "UPDATE_EXTENSIONS": "UPDATE EXTENSIONS", "MERGE_INTO": "MERGE INTO", "LOGICAL_PLAN": "LOGICAL PLAN"}
_BRACKETS = re.compile(r"""['"$()\[\]{}]|--|/\*""")   # what check_bounds stops at
_DOLLAR_TAG = re.compile(r"\$([A-Za-z_][A-Za-z_0-9]*)?\$")
_local = threading.local()   # a parser connection per thread (extract_statements needs one)


@dataclass(frozen=True)
class Limits:
    timeout_s: float = 5.0
    max_rows: int = 10_000
    memory_limit: str = "1GB"
    threads: int = 2
    max_chars: int = 20_000_000  # text in the result at most, so 10,000 huge rows cannot swamp a page
    max_query_chars: int = MAX_QUERY_CHARS
    max_depth: int = MAX_DEPTH


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
    # refused, too_long, too_deep, syntax, timeout, memory, crash, error, busy, unavailable
    kind: str
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
    "Growth rate by year · 指标年度增长率": """\
-- One indicator (援疆科技资金, change it to another id of the table indicators) for the whole region, year by
-- year, and its year-on-year growth: facts, not sums of mentions (a restatement or a conflicting version is a
-- mention of the same fact).
SELECT year, value_norm AS wan_yuan, approx, conflict, n_mentions,
       round(100 * (value_norm / lag(value_norm) OVER (ORDER BY year) - 1), 1) AS growth_pct
FROM facts
WHERE indicator = 'aid_funds' AND status = 'actual' AND basis = 'flow'
  AND region IS NULL AND partner IS NULL
QUALIFY row_number() OVER (PARTITION BY year ORDER BY n_mentions DESC, fact_id) = 1
ORDER BY year""",
    "Partner ranking · 援疆省市排名": """\
-- Partners ranked by the money (万元) they put into projects and programmes of the regions they aid, over all
-- years: the partner → region facts are disjoint, so they add up; only flows without a conflict (cumulative
-- totals and targets are never added).
SELECT partner,
       round(sum(value_norm), 2) AS investment_wan_yuan,
       count(*) AS n_facts,
       rank() OVER (ORDER BY sum(value_norm) DESC) AS rank
FROM facts
WHERE metric = 'investment' AND unit_norm = '万元' AND status = 'actual' AND basis = 'flow' AND NOT conflict
  AND partner IS NOT NULL AND region IS NOT NULL
GROUP BY partner
ORDER BY rank, partner""",
    "Totals that may be added · 可加总的合计": """\
-- The sums the view fact_totals allows: one additive indicator, one status, flows over disjoint regions
-- or partners; n_facts says how many facts each adds, n_left_out how many places had several.
SELECT t.indicator, i.label_zh, t.year, t.status, t.dimension, t.total, t.unit_norm, t.n_facts, t.n_left_out
FROM fact_totals AS t JOIN indicators AS i USING (indicator)
ORDER BY t.indicator, t.year, t.dimension""",
    "A fact and its mentions · 事实与出处": """\
-- Every fact with its mentions: the facts stated most often and those in conflict first.
SELECT f.fact_id, f.indicator, f.year, f.value_norm AS shown, m.value_norm AS mentioned, m.approx,
       m.conflict, d.title, m.sentence
FROM facts AS f
JOIN figures AS m USING (fact_id)
JOIN documents AS d ON d.doc_id = m.doc_id
ORDER BY f.conflict DESC, f.n_mentions DESC, f.fact_id, m.figure_id
LIMIT 200""",
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


def check_bounds(sql: str, limits: Limits = Limits()) -> QueryError | None:
    """Refuse a text too long or nested too deep, in one linear pass that skips quotes and comments
    (nothing parses the text before this; it runs in the dashboard process itself)."""
    if len(sql) > limits.max_query_chars:
        return QueryError("too_long", f"查询过长：{len(sql):,} 个字符，上限 {limits.max_query_chars:,} 个 "
                                      f"(query too long: {len(sql):,} characters, at most {limits.max_query_chars:,})")
    depth = deepest = 0
    pos, end = 0, len(sql)
    while pos < end:
        match = _BRACKETS.search(sql, pos)
        if not match:
            break
        token, pos = match.group(), match.end()
        if token in "([{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limits.max_depth:
                    return QueryError("too_deep", f"嵌套过深：括号嵌套超过 {limits.max_depth} 层 "
                                                  f"(nested too deep: more than {limits.max_depth} levels of brackets)")
        elif token in ")]}":
            depth = max(0, depth - 1)
        elif token in ("'", '"'):
            close = sql.find(token, pos)
            pos = end if close < 0 else close + 1   # '' inside a string is two strings back to back: same result
        elif token == "--":
            close = sql.find("\n", pos)
            pos = end if close < 0 else close + 1
        elif token == "/*":
            pos = _comment_end(sql, pos)
        else:  # $: a dollar-quoted string $tag$…$tag$, or a parameter like $1
            tag = _DOLLAR_TAG.match(sql, pos - 1)
            if tag:
                close = sql.find(tag.group(), tag.end())
                pos = end if close < 0 else close + len(tag.group())
    return None


def _comment_end(sql: str, pos: int) -> int:
    """Where a block comment opened before pos ends; DuckDB's block comments nest."""
    level = 1
    while level:
        opener, closer = sql.find("/*", pos), sql.find("*/", pos)
        if closer < 0:
            return len(sql)
        if 0 <= opener < closer:
            level, pos = level + 1, opener + 2
        else:
            level, pos = level - 1, closer + 2
    return pos


def check_statement(sql: str, limits: Limits = Limits(), _nested: int = 0) -> QueryError | None:
    """Refuse anything but one read-only statement; None when the text passes (an extra layer, not the only one).
    Reads the text with DuckDB's own tokenizer and parser, so quotes and comments are read as DuckDB reads them."""
    bounded = check_bounds(sql, limits)
    if bounded:
        return bounded
    try:
        sql.encode("utf-8")
    except UnicodeEncodeError as exc:
        return QueryError("syntax", "语法错误：查询里有无效字符 (syntax error: the text holds invalid characters)",
                          str(exc))
    try:
        statements = _parser().extract_statements(sql)
    except duckdb.Error as exc:
        return QueryError("syntax", "语法错误：查询无法解析 (syntax error: the query could not be parsed)",
                          _first_line(exc))
    if not statements:
        return QueryError("refused", "已拒绝：查询是空的 (Refused: the query is empty)")
    if len(statements) > 1:
        return QueryError("refused", f"已拒绝：一次只能运行一条语句，这里有 {len(statements)} 条 "
                                     f"(Refused: one statement at a time, this text has {len(statements)})")
    words = leading_words(sql)
    kind = _statement_type(statements[0], words)
    first = words[0] if words else ""
    if kind == "SELECT" and first in FIRST_WORDS or kind == "MULTI" and first in PIVOT_WORDS:
        return None
    if kind == "PRAGMA" and first != "PRAGMA":    # COPY FROM DATABASE is a PRAGMA inside DuckDB
        name = " ".join(words[:3])
        return QueryError("refused", f"已拒绝：不允许 {name}，这里只能运行只读查询（{ALLOWED_TEXT}）"
                                     f" (Refused: {name} is not allowed; only read-only queries ({ALLOWED_TEXT_EN}) "
                                     f"run here)")
    if kind == "PRAGMA":
        name = words[1].lower() if len(words) > 1 else ""
        if name in READ_ONLY_PRAGMAS:
            return None
        return QueryError("refused", f"已拒绝：只允许只读的 PRAGMA（{', '.join(sorted(READ_ONLY_PRAGMAS))}），"
                                     f"不允许 PRAGMA {name or '?'} (Refused: only read-only PRAGMAs are allowed, "
                                     f"not PRAGMA {name or '?'})")
    if kind == "EXPLAIN" and _nested < 3:
        inner = explained_statement(sql)
        if inner is None or not inner.strip():
            return QueryError("refused", "已拒绝：看不懂这条 EXPLAIN (Refused: unreadable EXPLAIN)")
        refused = check_statement(inner, limits, _nested + 1)
        if refused and refused.kind == "refused" and not refused.message.startswith("已拒绝：EXPLAIN"):
            name = _name_of(inner)
            return QueryError("refused", f"已拒绝：EXPLAIN 只能用于只读查询，不能用于 {name} "
                                         f"(Refused: EXPLAIN only of a read-only query, not of {name})")
        return refused
    name = statement_name(kind, words)
    return QueryError("refused", f"已拒绝：不允许 {name}，这里只能运行只读查询（{ALLOWED_TEXT}）"
                                 f" (Refused: {name} is not allowed; only read-only queries ({ALLOWED_TEXT_EN}) "
                                 f"run here)")


def _name_of(sql: str) -> str:
    words = leading_words(sql)
    try:
        kind = _statement_type(_parser().extract_statements(sql)[0], words)
    except (duckdb.Error, IndexError):
        kind = "?"
    return statement_name(kind, words)


def leading_words(sql: str, n: int = 6) -> list[str]:
    """The first n tokens that are not comments, upper-cased (DuckDB's tokenizer: quotes and comments as it reads
    them); a bracket is '('."""
    tokens = duckdb.tokenize(sql)
    data = sql.encode("utf-8")                  # the tokenizer's offsets count UTF-8 bytes
    words = []
    for i, (start, kind) in enumerate(tokens):
        if kind == duckdb.token_type.comment:
            continue
        stop = tokens[i + 1][0] if i + 1 < len(tokens) else len(data)
        text = data[start:stop].decode("utf-8", "replace").strip()
        words.append("(" if text.startswith("(") else text.upper())
        if len(words) == n:
            break
    return words


def explained_statement(sql: str) -> str | None:
    """The statement an EXPLAIN [ANALYZE] [(options)] explains, cut out at a token boundary; None if unreadable."""
    data = sql.encode("utf-8")                  # the tokenizer's offsets count UTF-8 bytes
    tokens = [(start, kind) for start, kind in duckdb.tokenize(sql) if kind != duckdb.token_type.comment]
    texts = [data[start:(tokens[i + 1][0] if i + 1 < len(tokens) else len(data))].decode("utf-8", "replace").strip()
             for i, (start, _) in enumerate(tokens)]
    i = 0
    if i < len(texts) and texts[i].upper() == "EXPLAIN":
        i += 1
    else:
        return None
    if i < len(texts) and texts[i].upper() in ("ANALYZE", "ANALYSE"):
        i += 1
    if i < len(texts) and texts[i].startswith("("):
        depth, j = 0, i
        while j < len(texts):                     # an operator token may hold several brackets: "((" or ")),"
            if tokens[j][1] == duckdb.token_type.operator:
                depth += texts[j].count("(") - texts[j].count(")")
            j += 1
            if depth <= 0:
                break
        if j < len(texts):                        # EXPLAIN (options) statement
            i = j
        # else EXPLAIN (SELECT …): the bracket is the statement itself
    return data[tokens[i][0]:].decode("utf-8", "replace") if i < len(tokens) else None


def statement_name(kind: str, words: list[str]) -> str:
    """How a refused statement is named: its first keyword (DROP, RESET, ATTACH …), with DuckDB's type when that
    says more."""
    if kind in TYPE_WORDS:
        return TYPE_WORDS[kind]
    first = words[0] if words else kind
    if kind in ("CREATE", "DROP", "ALTER", "CREATE_FUNC"):     # up to what is made: CREATE OR REPLACE TEMP TABLE
        for i, word in enumerate(words[1:], start=1):
            if word in OBJECT_WORDS:
                return " ".join(words[:i + 1])
    return first if first == kind or kind in ("INVALID", "?") else f"{first} ({kind})"


def _statement_type(statement, words: list[str]) -> str:
    try:
        return statement.type.name
    except ValueError:      # a type the Python enum does not know (duckdb 2.0: UPDATE EXTENSIONS is 29)
        return "UPDATE_EXTENSIONS" if words[:2] == ["UPDATE", "EXTENSIONS"] else "?"
    except Exception:       # noqa: BLE001 - any other oddity is a refusal, not a crash
        return "?"


def _parser() -> duckdb.DuckDBPyConnection:
    """A connection that only ever parses (extract_statements), one per thread: no lock shared between queries."""
    con = getattr(_local, "parser", None)
    if con is None:
        con = _local.parser = duckdb.connect(":memory:", config={"threads": 1})
    return con


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


def run_query(sql: str, db_path: Path | str = DB_PATH, limits: Limits = Limits(),
              client: str | None = None) -> QueryResult | QueryError:
    """Check, then run one query in a sandboxed child process; a QueryError, never an exception, when it fails.
    client names who asks (the page: a browser's cookie or address), so one client cannot hold every slot."""
    if not isinstance(sql, str):
        sql = ""
    bounded = check_bounds(sql, limits)
    if bounded:
        return bounded
    from etl import sqlsandbox   # not at import: the sandbox's children import this module themselves
    return sqlsandbox.run(sql, db_path, limits, client)


def execute_checked(sql: str, db_path: Path | str = DB_PATH, limits: Limits = Limits()) -> QueryResult | QueryError:
    """check_statement, then the query on a guarded connection, in this process: what a sandbox child runs."""
    refused = check_statement(sql, limits)
    if refused:
        return refused
    try:
        con = open_guarded(db_path, limits)
    except FileNotFoundError as exc:
        return QueryError("unavailable", "数据库不可用 (the database is not available)", str(exc))
    except duckdb.Error as exc:
        return QueryError("unavailable", "数据库无法打开 (the database could not be opened)", _first_line(exc))
    try:
        return _execute(con, sql, limits)
    finally:
        con.close()


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
        return QueryError("unavailable", "数据库不可用 (the database is not available)", _first_line(exc))
    try:
        return describe_schema(con)
    finally:
        con.close()


def _execute(con: duckdb.DuckDBPyConnection, sql: str, limits: Limits) -> QueryResult | QueryError:
    watchdog = threading.Timer(limits.timeout_s + 0.5, _interrupt, [con])
    watchdog.daemon = True
    started = time.perf_counter()
    watchdog.start()
    try:
        con.execute(sql)
        description = con.description or []
        rows, truncated_by = _fetch(con, limits) if description else ([], None)
    except duckdb.Error as exc:
        return _explain_error(exc, limits, time.perf_counter() - started)
    except MemoryError:   # the sandbox's address-space limit, met while turning values into Python objects
        return memory_error(limits)
    finally:
        watchdog.cancel()
    return QueryResult(columns=[d[0] for d in description], types=[str(d[1]) for d in description], rows=rows,
                       truncated=truncated_by is not None, truncated_by=truncated_by,
                       elapsed_s=time.perf_counter() - started, max_rows=limits.max_rows)


def _fetch(con: duckdb.DuckDBPyConnection, limits: Limits) -> tuple[list[tuple], str | None]:
    """Rows in chunks until the query ends, max_rows is passed or the text would exceed max_chars. A chunk is
    sized from the rows so far, so a few huge values are never all turned into Python objects at once."""
    rows: list[tuple] = []
    chars, size = 0, 16
    while len(rows) <= limits.max_rows:
        chunk = con.fetchmany(min(size, limits.max_rows + 1 - len(rows)))
        if not chunk:
            return rows, None
        for row in chunk:
            chars += sum(map(_chars, row))
            if chars > limits.max_chars:
                return rows, "size"
            rows.append(row)
        per_row = max(1, chars // len(rows))
        size = max(1, min(2048, (limits.max_chars - chars) // per_row // 2))
    return rows[:limits.max_rows], "rows"


def _chars(value) -> int:
    if isinstance(value, (str, bytes)):
        return len(value)
    if value is None or isinstance(value, (int, float)):
        return 8
    if isinstance(value, (list, tuple)):
        return 2 + sum(map(_chars, value))
    if isinstance(value, dict):
        return 2 + sum(_chars(k) + _chars(v) for k, v in value.items())
    return len(str(value))


def _interrupt(con: duckdb.DuckDBPyConnection) -> None:
    try:
        con.interrupt()
    except duckdb.Error:
        pass


def timeout_error(limits: Limits, detail: str = "") -> QueryError:
    return QueryError("timeout", f"超时：查询超过了 {limits.timeout_s:g} 秒的时间限制，已停止 "
                                 f"(Stopped: the query ran longer than the time limit of {limits.timeout_s:g} s)",
                      detail)


def memory_error(limits: Limits, detail: str = "") -> QueryError:
    return QueryError("memory", f"内存超限：查询需要的内存超过了 {limits.memory_limit} 的上限，已停止 "
                                f"(Stopped: the query needed more than the memory limit of {limits.memory_limit})",
                      detail)


def _explain_error(exc: duckdb.Error, limits: Limits, elapsed: float) -> QueryError:
    detail = _first_line(exc)
    if isinstance(exc, duckdb.OutOfMemoryException) or "could not allocate" in detail.lower():
        return memory_error(limits, detail)
    if isinstance(exc, duckdb.InterruptException) or elapsed >= limits.timeout_s:
        return timeout_error(limits, detail)
    if isinstance(exc, duckdb.PermissionException):
        return QueryError("refused", "已拒绝：这里的查询不能读写文件、附加数据库或安装/加载扩展 (Refused: queries here "
                                     "cannot read or write files, attach databases or install or load extensions)",
                          detail)
    if "configuration has been locked" in detail:
        return QueryError("refused", "已拒绝：这里不能更改设置 (Refused: settings cannot be changed here)", detail)
    if "read-only" in detail:
        return QueryError("refused", "已拒绝：数据库是只读的 (Refused: the database is read-only)", detail)
    if isinstance(exc, duckdb.ParserException):
        return QueryError("syntax", "语法错误：查询无法解析 (syntax error in the query)", detail)
    if isinstance(exc, duckdb.CatalogException):
        return QueryError("error", "查询出错：表、列或函数不存在 (the query names a table, column or function that "
                                   "does not exist)", detail)
    if isinstance(exc, duckdb.BinderException):
        return QueryError("error", "查询出错：列名或类型不对 (binder error: a column or type does not fit)", detail)
    return QueryError("error", "查询出错 (the query failed)", detail)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
