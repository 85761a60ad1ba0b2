"""查询 SQL: researchers' own read-only queries, boxed in by etl.sqlguard (the only place SQL runs here).

Each query runs in a sandbox process (etl/sqlsandbox.py). Its result is kept in the server's runtime folder
under a random token, so the downloads need not send the rows back (request size limit, dashboards/serve.py)
and say when the result was truncated.
"""
from __future__ import annotations

import datetime as dt
import decimal
import io
import json
import os
import re
import secrets
import time
from functools import lru_cache
from pathlib import Path

import dash
import dash_ag_grid as dag
import pandas as pd
from dash import Input, Output, State, callback, clientside_callback, ctx, dcc, html, no_update

import yaml
from etl import sqlguard, sqlsandbox
from etl.export import XLSX_MAX_CHARS, XLSX_OPTIONS
from etl.paths import DB_PATH

from .. import _queries as q
from .. import serve

dash.register_page(__name__, path="/sql", name="查询 SQL", title="查询 SQL · 科技援疆数据", order=8)
P = "sql"
LIMITS = sqlguard.Limits(max_chars=2_000_000)  # a page holds less text than the CLI (20 million characters)
SCHEMA_ZH = Path(__file__).resolve().parent.parent / "schema_zh.yaml"
RESULTS_KEPT = 200           # results kept for downloads (the oldest go first), each at most an hour
RESULTS_MAX_AGE_S = 3600
_TOKEN = re.compile(r"[0-9a-f]{32}")
NUMERIC = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER", "FLOAT", "DOUBLE",
           "DECIMAL"}  # HUGEINT/UBIGINT may pass 2**53 and arrive as text
MONO = {"fontFamily": "'Noto Sans Mono CJK SC', 'DejaVu Sans Mono', monospace", "fontSize": "13px"}
EDITOR_STYLE = {**MONO, "width": "100%", "height": "190px", "boxSizing": "border-box", "maxWidth": "100%"}
SCHEMA_STYLE = {"flex": "2 1 280px", "minWidth": "0", "maxHeight": "860px", "overflowY": "auto", "background": "#fff",
                "borderRadius": "6px", "padding": "6px 12px", "overflowWrap": "anywhere"}
GRID_OPTIONS = {"pagination": True, "paginationPageSize": 100, "enableCellTextSelection": True,
                "suppressColumnVirtualisation": True}
LIMITS_TEXT = (f"只读；每次最长 {LIMITS.timeout_s:g} 秒，最多 {LIMITS.max_rows:,} 行，内存 {LIMITS.memory_limit}，"
               f"查询最长 {LIMITS.max_query_chars:,} 个字符。"
               f"Read-only, {LIMITS.timeout_s:g} s, {LIMITS.max_rows:,} rows, {LIMITS.memory_limit} at most.")


def db_path():
    return q.DB.path or DB_PATH


def layout(q_text: str | None = None, **_query):
    """?q_text=… fills the query box and runs it (a link to a query shows its result); the schema is read fresh
    on each visit."""
    q_text = q_text if isinstance(q_text, str) and q_text.strip() else None
    examples = [{"label": title, "value": title} for title in sqlguard.EXAMPLE_QUERIES]
    editor = html.Div([
        dcc.Textarea(id=f"{P}-query", value=q_text or sqlguard.FIRST_QUERY, spellCheck=False, style=EDITOR_STYLE),
        html.Div([
            html.Button("运行 Run", id=f"{P}-run", n_clicks=0, className="export-btn", title="Ctrl+Enter"),
            dcc.Dropdown(id=f"{P}-example", options=examples, placeholder="示例查询 Example queries…",
                         clearable=True, style={"minWidth": "min(320px, 100%)", "flex": "1 1 220px"}),
            html.Span(LIMITS_TEXT, className="hint"),
        ], className="controls", style={"flexWrap": "wrap"}),
        dcc.Loading(html.Div(id=f"{P}-status", className="hint"), delay_show=200),
        dcc.Store(id=f"{P}-url-sink"), dcc.Store(id=f"{P}-keys-sink"),
        dcc.Store(id=f"{P}-autorun", data=q_text is not None), dcc.Store(id=f"{P}-result"),
        html.Div([html.Span("导出结果 Export：", className="flabel"),
                  html.Button("CSV", id=f"{P}-export-csv", n_clicks=0, className="export-btn"),
                  html.Button("Excel", id=f"{P}-export-xlsx", n_clicks=0, className="export-btn"),
                  dcc.Download(id=f"{P}-download"), html.Span(id=f"{P}-export-msg", className="hint")],
                 className="export-bar", style={"flexWrap": "wrap"}),
        dag.AgGrid(id=f"{P}-grid", columnDefs=[], rowData=[],
                   defaultColDef={"sortable": True, "filter": True, "resizable": True, "minWidth": 90},
                   dashGridOptions=GRID_OPTIONS, style={"height": "520px"}),
    ], style={"flex": "3 1 320px", "minWidth": "0"})
    return html.Div([
        html.H2("查询 SQL"),
        html.P(["用 SQL 直接查询整理好的表（DuckDB 方言）。表、列和说明见右侧，完整说明见 ",
                html.Code("docs/schema.md"), "。也可以在命令行运行 ", html.Code('python -m etl sql "SELECT …"'), "。"],
               className="intro"),
        html.Div([editor, html.Div(schema_panel(), id=f"{P}-schema", style=SCHEMA_STYLE)],
                 style={"display": "flex", "gap": "16px", "flexWrap": "wrap"}),
    ], className="page", id=f"{P}-page")


def schema_panel() -> list:
    """Tables and views with their columns and comments, from the database itself."""
    tables = sqlguard.schema_of(db_path())
    if isinstance(tables, sqlguard.QueryError):
        return [html.Div(f"数据库暂不可用：{tables.message} {tables.detail}", className="error-box")]
    zh = schema_zh()
    items = [html.H4("表和视图 Tables & views", style={"margin": "6px 0"}),
             html.Div("说明为中文；英文原文见提示或 docs/schema.md。Hover for the English description.", className="hint")]
    for table in tables:
        rows = [html.Tr([html.Td(html.Code(c.name)), html.Td(c.type, className="hint"),
                         html.Td(zh.get(f"{table.name}.{c.name}", c.comment), title=c.comment)])
                for c in table.columns]
        kind = " 视图 view " if table.kind == "view" else " "
        summary = html.Summary([html.B(table.name), html.Span(kind, className="hint"),
                                html.Span(zh.get(table.name, table.comment), className="hint", title=table.comment)])
        items.append(html.Details([summary, html.Table(html.Tbody(rows), className="data-table",
                                                       style={"fontSize": "12px"})],
                                  open=table.name == "figures", id=f"{P}-schema-{table.name}"))
    return items


@callback(Output(f"{P}-query", "value"), Input(f"{P}-example", "value"), prevent_initial_call=True)
def use_example(title):
    return sqlguard.EXAMPLE_QUERIES.get(title, no_update) if isinstance(title, str) else no_update


@lru_cache(maxsize=1)
def schema_zh() -> dict[str, str]:
    """table or table.column -> its Chinese description (dashboards/schema_zh.yaml); {} without the file."""
    try:
        data = yaml.safe_load(SCHEMA_ZH.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


@callback(Output(f"{P}-grid", "columnDefs"), Output(f"{P}-grid", "rowData"), Output(f"{P}-status", "children"),
          Output(f"{P}-result", "data"),
          Input(f"{P}-run", "n_clicks"), Input(f"{P}-autorun", "data"), State(f"{P}-query", "value"))
def run(clicks, autorun, sql):
    """The run button, Ctrl+Enter, or opening a link with ?q_text= (autorun)."""
    if not clicks and autorun is not True:
        return no_update, no_update, no_update, no_update
    result = sqlguard.run_query(sql if isinstance(sql, str) else "", db_path(), LIMITS, client=serve.client_key())
    if not result.ok:
        return [], [], error_box(result), None
    prefix = f"q{clicks if isinstance(clicks, int) else 0}c"  # new column ids per run: the grid keeps per-column
    columns = [column_def(f"{prefix}{i}", name, kind)        # state (types, widths) by id
               for i, (name, kind) in enumerate(zip(result.columns, result.types))]
    rows = [{f"{prefix}{i}": cell_value(v) for i, v in enumerate(row)} for row in result.rows]
    token = save_result(result, sql)
    return columns, rows, html.Span(status_text(result), id=f"{P}-count"), token


def error_box(error: sqlguard.QueryError) -> html.Div:
    """The message (Chinese, then English), and DuckDB's own words below it."""
    detail = html.Pre(f"DuckDB：{error.detail}", style={"whiteSpace": "pre-wrap", "margin": "4px 0 0",
                                                        "overflowWrap": "anywhere"}) if error.detail else None
    return html.Div([html.Div(error.message), detail], className="error-box", id=f"{P}-error")


def status_text(result: sqlguard.QueryResult) -> str:
    text = f"{len(result.rows):,} 行 rows · {result.elapsed_s * 1000:,.0f} ms"
    if result.truncated_by == "rows":
        text += f" · 已截断：只显示前 {result.max_rows:,} 行 (truncated: the query returns more rows)"
    elif result.truncated_by == "size":
        text += " · 已截断：结果文本过多 (truncated: too much text; python -m etl export writes whole tables)"
    return text


# Ctrl/Cmd+Enter in the query box runs it; a run puts the query in the address bar, so the link reproduces it.
clientside_callback(
    f"""function(id) {{
        const box = document.getElementById(id);
        if (box && !box.dataset.runKey) {{
            box.dataset.runKey = '1';
            box.addEventListener('keydown', e => {{
                if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') {{
                    e.preventDefault(); document.getElementById('{P}-run').click(); }} }});
        }}
        return null;
    }}""", Output(f"{P}-keys-sink", "data"), Input(f"{P}-query", "id"))
clientside_callback(
    """function(clicks, sql) {
        if (!clicks || !sql || encodeURIComponent(sql).length > 6000) return null;  // the server's URL limit: 8 KB
        window.history.replaceState(window.history.state, '',
            window.location.pathname + '?q_text=' + encodeURIComponent(sql));
        return sql;
    }""", Output(f"{P}-url-sink", "data"), Input(f"{P}-run", "n_clicks"), State(f"{P}-query", "value"))


@callback(Output(f"{P}-download", "data"), Output(f"{P}-export-msg", "children"),
          Input(f"{P}-export-csv", "n_clicks"), Input(f"{P}-export-xlsx", "n_clicks"),
          State(f"{P}-result", "data"), prevent_initial_call=True)
def export(_csv, _xlsx, token):
    """The last result as CSV (UTF-8 with BOM) or Excel; a truncated result says so in the file name, in a note
    beside the buttons and, in Excel, on a sheet of its own."""
    saved = load_result(token)
    if saved is None:
        return no_update, "请先运行查询 (run a query first)"
    frame = pd.DataFrame(saved["rows"], columns=range(len(saved["columns"]))).set_axis(saved["columns"], axis=1)
    note = truncation_note(saved)
    name = f"sql-result-{time.strftime('%Y%m%d-%H%M%S')}" + ("-truncated" if note else "")
    message = f"注意：{note}" if note else ""
    if ctx.triggered_id == f"{P}-export-csv":
        return dcc.send_bytes(frame.to_csv(index=False).encode("utf-8-sig"), f"{name}.csv"), message
    about = pd.DataFrame({"项目 item": ["查询 query", "行数 rows", "截断 truncated"],
                          "内容 value": [saved["sql"], len(saved["rows"]), note or "否，结果完整 (no, complete)"]})
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="xlsxwriter", engine_kwargs={"options": XLSX_OPTIONS}) as writer:
        # text stays text (no formulas, no links); a cell over Excel's limit is clipped, the CSV keeps it whole
        frame.map(lambda v: v[:XLSX_MAX_CHARS] if isinstance(v, str) else v).to_excel(writer, sheet_name="result",
                                                                                       index=False)
        about.to_excel(writer, sheet_name="说明 about", index=False)
    return dcc.send_bytes(buffer.getvalue(), f"{name}.xlsx"), message


def truncation_note(saved: dict) -> str:
    if saved.get("truncated_by") == "rows":
        return (f"结果已截断，只含前 {saved['max_rows']:,} 行 (truncated: the query returns more than "
                f"{saved['max_rows']:,} rows; python -m etl sql --max-rows or python -m etl export give them all)")
    if saved.get("truncated_by") == "size":
        return (f"结果已截断，只含前 {len(saved['rows']):,} 行：文本超过了上限 (truncated: too much text; "
                "python -m etl export writes whole tables)")
    return ""


def save_result(result: sqlguard.QueryResult, sql: str) -> str | None:
    """Keep the rows for the downloads in the server's runtime folder (any worker process may get the click)."""
    folder = results_dir()
    token = secrets.token_hex(16)
    body = {"sql": sql, "columns": result.columns, "types": result.types, "truncated_by": result.truncated_by,
            "max_rows": result.max_rows, "rows": [[cell_value(v) for v in row] for row in result.rows]}
    try:
        tmp = folder / f".{token}.tmp"
        tmp.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, folder / f"{token}.json")
        _prune(folder)
    except OSError:
        return None
    return token


def load_result(token) -> dict | None:
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        return None
    try:
        return json.loads((results_dir() / f"{token}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def results_dir() -> Path:
    folder = sqlsandbox.runtime_dir() / "results"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _prune(folder: Path) -> None:
    files = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    now = time.time()
    for i, path in enumerate(files):
        if i >= RESULTS_KEPT or now - path.stat().st_mtime > RESULTS_MAX_AGE_S:
            path.unlink(missing_ok=True)


def column_def(field: str, name: str, duckdb_type: str) -> dict:
    base = duckdb_type.upper().split("(")[0]
    kind = "boolean" if base == "BOOLEAN" else "number" if base in NUMERIC else "text"
    return {"field": field, "headerName": name, "headerTooltip": duckdb_type, "cellDataType": kind,
            "filter": "agNumberColumnFilter" if kind == "number" else True}


def cell_value(value):
    """A value the grid can show as JSON: numbers stay numbers where JavaScript keeps them exact."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value if abs(value) <= 2 ** 53 else str(value)
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else str(value)
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return value.hex()
    return str(value)

