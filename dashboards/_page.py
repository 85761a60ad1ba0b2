"""The skeleton every page shares (title, filter bar, export bar, source panel) and the callbacks that go
with it: unit options, filters -> URL, chart click -> source, export buttons -> downloads."""
from __future__ import annotations

import json

from dash import Input, Output, State, callback, clientside_callback, ctx, dcc, html, no_update

from . import _exports as ex
from . import _filters as flt
from . import _queries as q
from ._source import source_panel

EXPORTS = [("csv", "表格 CSV"), ("xlsx", "表格 Excel"), ("png", "图表 PNG"), ("svg", "图表 SVG"),
           ("brief", "简报 Excel")]


def filter_inputs(prefix: str, kind=Input) -> list:
    props = {"metric": "value", "unit": "value", "years": "value", "region": "value", "partner": "value",
             "scope": "value"}
    return [kind(f"{prefix}-{name}", prop) for name, prop in props.items()]


def export_bar(prefix: str, charts: bool = True) -> html.Div:
    buttons = [html.Button(label, id=f"{prefix}-export-{key}", n_clicks=0, className="export-btn")
               for key, label in EXPORTS if charts or key not in ("png", "svg")]
    return html.Div([html.Span("导出 Export：", className="flabel")] + buttons +
                    [dcc.Download(id=f"{prefix}-download"), html.Span(id=f"{prefix}-export-msg", className="hint")],
                    className="export-bar")


def error_box(exc: Exception) -> html.Div:
    return html.Div(f"数据暂不可用：{exc}", className="error-box")


def skeleton(prefix: str, title: str, intro: str, query: dict, body: list, controls: list | None = None,
             charts: bool = True, selected: list | None = None, source: list | None = None) -> html.Div:
    """Page frame; on a missing database it explains instead of failing."""
    try:
        state = flt.state_from_query(query)
        bar = flt.filter_bar(prefix, state)
    except q.DatabaseUnavailable as exc:
        return html.Div([html.H2(title), error_box(exc)], className="page")
    return html.Div([
        html.H2(title), html.P(intro, className="intro"), bar, html.Div(controls or [], className="controls"),
        export_bar(prefix, charts), dcc.Store(id=f"{prefix}-selected", data=selected or []),
        dcc.Store(id=f"{prefix}-url-sink"), *body,
        dcc.Loading(html.Div(source or source_panel([], ""), id=f"{prefix}-source", className="source-panel"),
                    delay_show=300),
    ], className="page", id=f"{prefix}-page")


def register_units(prefix: str) -> None:
    @callback(Output(f"{prefix}-unit", "options"), Output(f"{prefix}-unit", "value"),
              Input(f"{prefix}-metric", "value"), State(f"{prefix}-unit", "value"), prevent_initial_call=True)
    def _units(metric, unit):
        return flt.unit_options(metric), flt.pick_unit(metric, unit)


def register_url(prefix: str, extra: dict[str, tuple[str, str]] | None = None) -> None:
    """Mirror the filters (and extra {query key: (component id, prop)}) into the address bar."""
    extra = extra or {}
    keys = json.dumps(list(extra))
    clientside_callback(
        f"""function(metric, unit, years, region, partner, scope, ...rest) {{
            const p = new URLSearchParams();
            const put = (k, v) => {{ if (v !== null && v !== undefined && v !== '' &&
                                        !(Array.isArray(v) && v.length === 0)) p.set(k, Array.isArray(v) ? v.join(',') : v); }};
            put('metric', metric); put('unit', unit);
            if (years) {{ put('y0', years[0]); put('y1', years[1]); }}
            put('region', region); put('partner', partner); put('scope', scope);
            const keys = {keys};
            keys.forEach((k, i) => put(k, rest[i]));
            const qs = p.toString();
            window.history.replaceState(window.history.state, '', window.location.pathname + (qs ? '?' + qs : ''));
            return qs;
        }}""",
        Output(f"{prefix}-url-sink", "data"), *filter_inputs(prefix), *[Input(i, p) for i, p in extra.values()])


def register_source(prefix: str, graphs: list[str], point_args) -> None:
    """Chart click -> the figures behind the point. point_args(graph_id, point) -> dict for q.point_figures."""
    @callback(Output(f"{prefix}-source", "children"), Output(f"{prefix}-selected", "data"),
              *[Input(g, "clickData") for g in graphs], *filter_inputs(prefix, State), prevent_initial_call=True)
    def _source(*args):
        clicks, values = args[:len(graphs)], args[len(graphs):]
        trig = ctx.triggered_id
        if trig not in graphs:
            return no_update, no_update
        click = clicks[graphs.index(trig)]
        if not click or not click.get("points"):
            return no_update, no_update
        f = flt.filters_from_values(*values)
        try:
            where = point_args(trig, click["points"][0])
            if where.get("year") is not None:
                where["year"] = int(where["year"])
        except (TypeError, ValueError, KeyError, IndexError):
            return no_update, no_update
        try:
            rows, total = q.point_figures(f, **where)
            heading = " · ".join(str(v) for v in where.values() if v is not None)
            return source_panel(rows["figure_id"].tolist(), heading, total), rows["figure_id"].tolist()
        except q.DatabaseUnavailable as exc:
            return [error_box(exc)], []


def register_exports(prefix: str, table_fn, graphs: list[str], extra_states: list | None = None) -> None:
    """Export buttons -> files. table_fn(filters, *extra) -> (table, title[, sources frame])."""
    keys = [k for k, _ in EXPORTS if graphs or k not in ("png", "svg")]
    extra_states = extra_states or []

    @callback(Output(f"{prefix}-download", "data"), Output(f"{prefix}-export-msg", "children"),
              *[Input(f"{prefix}-export-{k}", "n_clicks") for k in keys],
              *filter_inputs(prefix, State), State(f"{prefix}-selected", "data"),
              *[State(g, "figure") for g in graphs], *extra_states, prevent_initial_call=True)
    def _export(*args):
        trig = ctx.triggered_id
        kind = trig.rsplit("-", 1)[1] if isinstance(trig, str) else None
        if kind not in keys or not args[keys.index(kind)]:
            return no_update, no_update
        rest = args[len(keys):]
        f = flt.filters_from_values(*rest[:6])
        selected, figs, extra = rest[6], rest[7:7 + len(graphs)], rest[7 + len(graphs):]
        name = f"{prefix}-{f.metric or 'all'}-{ex.stamp()}"
        try:
            if kind in ("png", "svg"):
                fig = next((g for g in figs if g), None)
                if not fig:
                    return no_update, "没有可导出的图表"
                return dcc.send_bytes(ex.chart_bytes(fig, kind), f"{name}.{kind}"), ""
            if kind == "brief":
                selected = _ids(selected)
                if not selected:
                    return no_update, "请先点击图中的点或选择表格行，再导出简报。"
                return dcc.send_bytes(ex.briefing_xlsx(selected), f"简报-{name}.xlsx"), ""
            table, title, *sources = table_fn(f, *extra)
            if kind == "csv":
                return dcc.send_bytes(ex.csv_bytes(table), f"{name}.csv"), ""
            return dcc.send_bytes(ex.table_xlsx(table, f, title, *sources), f"{name}.xlsx"), ""
        except q.DatabaseUnavailable as exc:
            return no_update, f"导出失败：{exc}"


def _ids(values) -> list[int]:
    """Figure ids from a store or a hand-made request: positive integers only."""
    if not isinstance(values, (list, tuple)):
        return []
    return [int(v) for v in values if isinstance(v, (int, float)) and not isinstance(v, bool) and 0 < v < 2**31][:500]


def register_common(prefix: str, graphs: list[str], table_fn, point_args=None, url_extra=None,
                    extra_states=None) -> None:
    register_units(prefix)
    register_url(prefix, url_extra)
    if graphs and point_args:
        register_source(prefix, graphs, point_args)
    register_exports(prefix, table_fn, graphs, extra_states)



def html_table(frame, max_rows: int = 300, table_id: str | None = None) -> html.Div:
    """A plain table of a small frame (aggregates); says so when it is empty or cut."""
    if frame is None or frame.empty:
        return html.Div("当前筛选条件下没有数据。", className="hint")
    shown = frame.head(max_rows)
    head = html.Tr([html.Th(c) for c in shown.columns])
    body = [html.Tr([html.Td("" if v is None or v != v else v) for v in row])
            for row in shown.itertuples(index=False)]
    note = [html.Div(f"仅显示前 {max_rows} 行，共 {len(frame)} 行；导出包含全部行。", className="hint")] \
        if len(frame) > max_rows else []
    return html.Div([html.Table([head] + body, className="data-table", id=table_id or "")] + note)
