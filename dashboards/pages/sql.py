"""查询 SQL: researchers' own read-only queries, boxed in by etl.sqlguard (the only place SQL runs here)."""
from __future__ import annotations

import datetime as dt
import decimal
import io
import time

import dash
import dash_ag_grid as dag
import pandas as pd
from dash import Input, Output, State, callback, clientside_callback, ctx, dcc, html, no_update

from etl import sqlguard
from etl.export import write_xlsx
from etl.paths import DB_PATH

from .. import _queries as q

dash.register_page(__name__, path="/sql", name="查询 SQL", title="查询 SQL · 科技援疆数据", order=8)
P = "sql"
LIMITS = sqlguard.Limits()
KIND_ZH = {"refused": "已拒绝", "timeout": "已超时", "memory": "内存超限", "syntax": "语法错误", "error": "查询出错",
           "busy": "繁忙", "unavailable": "数据库不可用"}
NUMERIC = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER", "FLOAT", "DOUBLE",
           "DECIMAL"}  # HUGEINT/UBIGINT may pass 2**53 and arrive as text
MONO = {"fontFamily": "'Noto Sans Mono CJK SC', 'DejaVu Sans Mono', monospace", "fontSize": "13px"}
EDITOR_STYLE = {**MONO, "width": "100%", "height": "190px", "boxSizing": "border-box"}
SCHEMA_STYLE = {"flex": "2", "minWidth": "280px", "maxHeight": "860px", "overflowY": "auto", "background": "#fff",
                "borderRadius": "6px", "padding": "6px 12px"}
GRID_OPTIONS = {"pagination": True, "paginationPageSize": 100, "enableCellTextSelection": True,
                "suppressColumnVirtualisation": True}
LIMITS_TEXT = (f"只读；每次最长 {LIMITS.timeout_s:g} 秒，最多 {LIMITS.max_rows:,} 行，内存 {LIMITS.memory_limit}。"
               f"Read-only, {LIMITS.timeout_s:g} s, {LIMITS.max_rows:,} rows, {LIMITS.memory_limit} at most.")


def db_path():
    return q.DB.path or DB_PATH


def layout(q_text: str | None = None, **_query):
    """?q_text=… pre-fills the query box (links to a query); the schema is read fresh on each visit."""
    examples = [{"label": title, "value": title} for title in sqlguard.EXAMPLE_QUERIES]
    editor = html.Div([
        dcc.Textarea(id=f"{P}-query", value=q_text or sqlguard.FIRST_QUERY, spellCheck=False, style=EDITOR_STYLE),
        html.Div([
            html.Button("运行 Run", id=f"{P}-run", n_clicks=0, className="export-btn", title="Ctrl+Enter"),
            dcc.Dropdown(id=f"{P}-example", options=examples, placeholder="示例查询 Example queries…",
                         clearable=True, style={"minWidth": "320px"}),
            html.Span(LIMITS_TEXT, className="hint"),
        ], className="controls"),
        dcc.Loading(html.Div(id=f"{P}-status", className="hint"), delay_show=200),
        dcc.Store(id=f"{P}-url-sink"), dcc.Store(id=f"{P}-keys-sink"),
        html.Div([html.Span("导出结果 Export：", className="flabel"),
                  html.Button("CSV", id=f"{P}-export-csv", n_clicks=0, className="export-btn"),
                  html.Button("Excel", id=f"{P}-export-xlsx", n_clicks=0, className="export-btn"),
                  dcc.Download(id=f"{P}-download"), html.Span(id=f"{P}-export-msg", className="hint")],
                 className="export-bar"),
        dag.AgGrid(id=f"{P}-grid", columnDefs=[], rowData=[],
                   defaultColDef={"sortable": True, "filter": True, "resizable": True, "minWidth": 90},
                   dashGridOptions=GRID_OPTIONS, style={"height": "520px"}),
    ], style={"flex": "3", "minWidth": "0"})
    return html.Div([
        html.H2("查询 SQL"),
        html.P(["用 SQL 直接查询整理好的表（DuckDB 方言）。表、列和说明见右侧，完整说明见 ",
                html.Code("docs/schema.md"), "。也可以在命令行运行 ", html.Code('python -m etl sql "SELECT …"'), "。"],
               className="intro"),
        html.Div([editor, html.Div(schema_panel(), id=f"{P}-schema", style=SCHEMA_STYLE)],
                 style={"display": "flex", "gap": "16px"}),
    ], className="page", id=f"{P}-page")


def schema_panel() -> list:
    """Tables and views with their columns and comments, from the database itself."""
    tables = sqlguard.schema_of(db_path())
    if isinstance(tables, sqlguard.QueryError):
        return [html.Div(f"数据库暂不可用：{tables.message} {tables.detail}", className="error-box")]
    items = [html.H4("表和视图 Tables & views", style={"margin": "6px 0"})]
    for table in tables:
        rows = [html.Tr([html.Td(html.Code(c.name)), html.Td(c.type, className="hint"), html.Td(c.comment)])
                for c in table.columns]
        kind = " 视图 view " if table.kind == "view" else " "
        summary = html.Summary([html.B(table.name), html.Span(kind, className="hint"),
                                html.Span(table.comment, className="hint")])
        items.append(html.Details([summary, html.Table(html.Tbody(rows), className="data-table",
                                                       style={"fontSize": "12px"})],
                                  open=table.name == "figures", id=f"{P}-schema-{table.name}"))
    return items


@callback(Output(f"{P}-query", "value"), Input(f"{P}-example", "value"), prevent_initial_call=True)
def use_example(title):
    return sqlguard.EXAMPLE_QUERIES.get(title, no_update) if isinstance(title, str) else no_update


@callback(Output(f"{P}-grid", "columnDefs"), Output(f"{P}-grid", "rowData"), Output(f"{P}-status", "children"),
          Input(f"{P}-run", "n_clicks"), State(f"{P}-query", "value"), prevent_initial_call=True)
def run(clicks, sql):
    result = sqlguard.run_query(sql if isinstance(sql, str) else "", db_path(), LIMITS)
    if not result.ok:
        return [], [], error_box(result)
    prefix = f"q{clicks}c"  # new column ids per run: the grid keeps per-column state (types, widths) by id
    columns = [column_def(f"{prefix}{i}", name, kind)
               for i, (name, kind) in enumerate(zip(result.columns, result.types))]
    rows = [{f"{prefix}{i}": cell_value(v) for i, v in enumerate(row)} for row in result.rows]
    return columns, rows, html.Span(status_text(result), id=f"{P}-count")


def error_box(error: sqlguard.QueryError) -> html.Div:
    detail = html.Pre(error.detail, style={"whiteSpace": "pre-wrap", "margin": "4px 0 0"}) if error.detail else None
    return html.Div([html.Div(f"{KIND_ZH.get(error.kind, '出错')}：{error.message}"), detail], className="error-box",
                    id=f"{P}-error")


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
        if (!clicks || !sql || sql.length > 4000) return null;
        window.history.replaceState(window.history.state, '',
            window.location.pathname + '?q_text=' + encodeURIComponent(sql));
        return sql;
    }""", Output(f"{P}-url-sink", "data"), Input(f"{P}-run", "n_clicks"), State(f"{P}-query", "value"))


@callback(Output(f"{P}-download", "data"), Output(f"{P}-export-msg", "children"),
          Input(f"{P}-export-csv", "n_clicks"), Input(f"{P}-export-xlsx", "n_clicks"),
          State(f"{P}-grid", "columnDefs"), State(f"{P}-grid", "rowData"), prevent_initial_call=True)
def export(_csv, _xlsx, column_defs, row_data):
    if not column_defs or not isinstance(column_defs, list) or not isinstance(row_data or [], list):
        return no_update, "请先运行查询 (run a query first)"
    frame = result_frame(column_defs, row_data or [])
    name = f"sql-result-{time.strftime('%Y%m%d-%H%M%S')}"
    if ctx.triggered_id == f"{P}-export-csv":
        return dcc.send_bytes(frame.to_csv(index=False).encode("utf-8-sig"), f"{name}.csv"), ""
    buffer = io.BytesIO()
    write_xlsx(frame, buffer, sheet="result")
    return dcc.send_bytes(buffer.getvalue(), f"{name}.xlsx"), ""


def column_def(field: str, name: str, duckdb_type: str) -> dict:
    base = duckdb_type.upper().split("(")[0]
    kind = "boolean" if base == "BOOLEAN" else "number" if base in NUMERIC else "text"
    return {"field": field, "headerName": name, "headerTooltip": duckdb_type, "cellDataType": kind,
            "filter": "agNumberColumnFilter" if kind == "number" else True}


def result_frame(column_defs: list[dict], row_data: list[dict]) -> pd.DataFrame:
    """The grid's rows under the query's own column names (repeated names kept)."""
    defs = [c for c in column_defs if isinstance(c, dict) and "field" in c]  # a hand-made request may send anything
    fields = [c["field"] for c in defs]
    frame = pd.DataFrame([[row.get(f) for f in fields] for row in row_data if isinstance(row, dict)],
                         columns=range(len(fields)))
    return frame.set_axis([str(c.get("headerName", c["field"])) for c in defs], axis=1)


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

