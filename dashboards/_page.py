"""The skeleton every page shares (title, filter bar, export bar, charts with their captions, source panel) and
the callbacks that go with it: unit options, filters <-> URL (a history entry per change; Back restores the
filters), chart click or table row -> the facts' mentions (scrolled into view), export buttons -> downloads."""
from __future__ import annotations

import json
from dataclasses import dataclass, field

import pandas as pd
from dash import ALL, Input, Output, State, callback, clientside_callback, ctx, dcc, html, no_update

from . import _charts as ch
from . import _exports as ex
from . import _filters as flt
from . import _queries as q
from ._source import fact_panel, source_panel

EXPORTS = [("csv", "表格 CSV"), ("xlsx", "表格 Excel"), ("png", "图表 PNG"), ("svg", "图表 SVG"),
           ("brief", "简报 Excel")]
FILTERS = ("indicator", "unit", "years", "region", "partner")
GRAPH_CONFIG = {"displaylogo": False, "locale": "zh-CN", "modeBarButtonsToRemove": ["lasso2d", "select2d"],
                "toImageButtonOptions": {"filename": "chart"}}


@dataclass
class Export:
    """What a page hands to the exports: the table shown, its title, the facts behind its rows."""
    frame: pd.DataFrame
    title: str
    facts: list = field(default_factory=list)
    aggregate: bool = True
    source: str = ""


def filter_inputs(prefix: str, kind=Input) -> list:
    return [kind(f"{prefix}-{name}", "value") for name in FILTERS]


def export_bar(prefix: str, charts: bool = True) -> html.Div:
    buttons = [html.Button(label, id=f"{prefix}-export-{key}", n_clicks=0, className="export-btn")
               for key, label in EXPORTS if charts or key not in ("png", "svg")]
    return html.Div([html.Span("导出：", className="flabel")] + buttons +
                    [dcc.Download(id=f"{prefix}-download"), html.Span(id=f"{prefix}-export-msg", className="hint")],
                    className="export-bar")


def error_box(exc: Exception) -> html.Div:
    return html.Div(f"数据暂不可用：{exc}", className="error-box")


def chart_block(graph_id: str) -> html.Div:
    """A graph with its title and subtitle above and filter and source lines below (filled from the figure's
    meta by a clientside callback, so they wrap on a phone and match what the exports draw)."""
    return html.Div([html.Div(id=f"{graph_id}-title", className="chart-title"),
                     html.Div(id=f"{graph_id}-sub", className="chart-sub"),
                     dcc.Graph(id=graph_id, config=GRAPH_CONFIG, className="graph"),
                     html.Div(id=f"{graph_id}-caption", className="chart-caption")], className="chart-block")


def skeleton(prefix: str, title: str, intro: str, query: dict, body: list, controls: list | None = None,
             charts: bool = True, selected: list | None = None, source: list | None = None) -> html.Div:
    """Page frame; on a missing database (or one without facts) it explains instead of failing."""
    try:
        state = flt.state_from_query(query)
        bar = flt.filter_bar(prefix, state)
    except q.DatabaseUnavailable as exc:
        return html.Div([html.H2(title), error_box(exc)], className="page")
    return html.Div([
        dcc.Location(id=f"{prefix}-loc", refresh=False),
        html.H2(title), html.P(intro, className="intro"), bar, html.Div(controls or [], className="controls"),
        export_bar(prefix, charts), dcc.Store(id=f"{prefix}-selected", data=selected or []),
        dcc.Store(id=f"{prefix}-scrolled"), *body,
        dcc.Loading(html.Div(source or source_panel([], ""), id=f"{prefix}-source", className="source-panel"),
                    delay_show=300, parent_className="source-wrap"),
    ], className="page", id=f"{prefix}-page")


def fact_table(prefix: str, frame: pd.DataFrame, facts: list[list[int]], max_rows: int = 300) -> html.Div:
    """A table of a small frame whose every row is clickable (it opens the facts behind the row)."""
    if frame is None or frame.empty:
        return html.Div("当前筛选条件下没有数据。", className="hint")
    shown = frame.head(max_rows)
    head = html.Tr([html.Th(c) for c in shown.columns])
    body = [html.Tr([html.Td(_cell(v)) for v in row], id={"type": f"{prefix}-row", "index": k}, n_clicks=0,
                    className="row-link", title="点击查看该行事实的全部提及")
            for k, row in enumerate(shown.itertuples(index=False))]
    note = [html.Div(f"仅显示前 {max_rows} 行，共 {len(frame):,} 行；导出包含全部行。", className="hint")] \
        if len(frame) > max_rows else []
    return html.Div([html.Div(html.Table([html.Thead(head), html.Tbody(body)], className="data-table",
                                         id=f"{prefix}-data"), className="table-scroll"),
                     dcc.Store(id={"type": f"{prefix}-rowstore", "index": 0}, data=facts[:max_rows])] + note)


def _cell(v):
    if v is None or (isinstance(v, float) and v != v):
        return ""
    if isinstance(v, float):
        return ch.fmt(v)
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:,}" if abs(v) >= 10000 else str(v)
    return v


# ---- callbacks ---------------------------------------------------------------------------------------------

def register_units(prefix: str) -> None:
    @callback(Output(f"{prefix}-unit", "options"), Output(f"{prefix}-unit", "value"),
              Input(f"{prefix}-indicator", "value"), State(f"{prefix}-unit", "value"), prevent_initial_call=True)
    def _units(indicator, unit):
        try:
            return flt.unit_options(indicator), flt.pick_unit(indicator, unit)
        except q.DatabaseUnavailable:
            return no_update, no_update


URL_JS = """function(...args) {
    const PREFIX = %(prefix)s, KEYS = %(keys)s, NF = 5, NX = KEYS.length;
    const nu = window.dash_clientside.no_update;
    const vals = args.slice(0, NF + NX), search = args[NF + NX];
    const none = Array(1 + NF + NX).fill(nu);
    const st = (window.__xjUrl = window.__xjUrl || {});
    const trig = ((window.dash_clientside.callback_context || {}).triggered || []).map(t => t.prop_id);
    const put = (p, k, v) => { if (v !== null && v !== undefined && v !== '' && !(Array.isArray(v) && v.length === 0))
                                   p.set(k, Array.isArray(v) ? v.join(',') : v); };
    const build = (v) => { const p = new URLSearchParams();
        put(p, 'indicator', v[0]); put(p, 'unit', v[1]);
        if (v[2]) { put(p, 'y0', v[2][0]); put(p, 'y1', v[2][1]); }
        put(p, 'region', v[3]); put(p, 'partner', v[4]);
        KEYS.forEach((k, i) => put(p, k, v[NF + i]));
        return p.toString(); };
    const mine = st[PREFIX];
    if (!mine || mine.path !== window.location.pathname || trig.length === 0 || trig[0] === '.') {
        st[PREFIX] = {path: window.location.pathname, qs: window.location.search.replace(/^\\?/, ''), init: vals};
        return none;
    }
    if (trig.indexOf(PREFIX + '-loc.search') >= 0) {           // Back / Forward: put the filters back
        const s = (search || '').replace(/^\\?/, '');
        if (s === mine.qs) return none;
        mine.qs = s;
        const p = new URLSearchParams(s), init = mine.init;
        const list = (k) => p.get(k) ? p.get(k).split(',') : [];
        const years = (p.get('y0') || p.get('y1')) ? [parseInt(p.get('y0') || init[2][0]), parseInt(p.get('y1') || init[2][1])] : init[2];
        const typed = (v, like) => Array.isArray(like) ? (v ? v.split(',') : []) :
                                   (typeof like === 'number' && /^-?\\d+$/.test(v) ? parseInt(v) : v);
        const extra = KEYS.map((k, i) => p.has(k) ? typed(p.get(k), init[NF + i]) : init[NF + i]);
        return [nu, p.get('indicator') || init[0], p.get('unit') || init[1], years, list('region'), list('partner'), ...extra];
    }
    const qs = build(vals);                                     // a filter changed: a new history entry
    if (qs === mine.qs) return none;
    mine.qs = qs;
    return ['?' + qs, ...Array(NF + NX).fill(nu)];
}"""


def register_url(prefix: str, extra: dict[str, tuple[str, str]] | None = None) -> None:
    """Filters (and extra {query key: (component id, prop)}) <-> the address bar. Each change pushes a history
    entry through the page's dcc.Location (refresh=False); Back or Forward sets the widgets from the URL."""
    extra = extra or {}
    controls = [(f"{prefix}-{n}", "value") for n in FILTERS] + list(extra.values())
    clientside_callback(URL_JS % {"prefix": json.dumps(prefix), "keys": json.dumps(list(extra))},
                        Output(f"{prefix}-loc", "search"), *[Output(i, p, allow_duplicate=True) for i, p in controls],
                        *[Input(i, p) for i, p in controls], Input(f"{prefix}-loc", "search"),
                        prevent_initial_call="initial_duplicate")


def register_scroll(prefix: str) -> None:
    """Bring the source panel into view when a click fills it."""
    clientside_callback(
        """function(children) {
            const el = document.getElementById(%s);
            if (el) setTimeout(() => el.scrollIntoView({behavior: 'instant', block: 'start'}), 60);
            return Date.now();
        }""" % json.dumps(f"{prefix}-source"),
        Output(f"{prefix}-scrolled", "data"), Input(f"{prefix}-source", "children"), prevent_initial_call=True)


def register_captions(graph_id: str) -> None:
    """Title, subtitle and filter/source lines of a graph from its figure's meta."""
    clientside_callback(
        """function(fig) {
            const m = (fig && fig.layout && fig.layout.meta) || {};
            return [m.title || '', m.subtitle || '', [m.filters || '', m.source || ''].filter(x => x).join('\\n')];
        }""",
        Output(f"{graph_id}-title", "children"), Output(f"{graph_id}-sub", "children"),
        Output(f"{graph_id}-caption", "children"), Input(graph_id, "figure"))


def register_source(prefix: str, graphs: list[str], point_fn, extra_states: list | None = None) -> None:
    """Chart click or table row -> every mention of the facts behind it.
    point_fn(graph_id, point, filters, *extra) -> (fact ids, heading)."""
    extra_states = extra_states or []

    @callback(Output(f"{prefix}-source", "children"), Output(f"{prefix}-selected", "data"),
              *[Input(g, "clickData") for g in graphs], Input({"type": f"{prefix}-row", "index": ALL}, "n_clicks"),
              State({"type": f"{prefix}-rowstore", "index": ALL}, "data"), *filter_inputs(prefix, State),
              *extra_states, prevent_initial_call=True)
    def _source(*args):
        n = len(graphs)
        clicks, rows_clicks, stores = args[:n], args[n], args[n + 1]
        values, extra = args[n + 2:n + 7], args[n + 7:]
        trig = ctx.triggered_id
        f = flt.filters_from_values(*values)
        try:
            if isinstance(trig, dict):          # a table row
                k = trig.get("index")
                facts = stores[0] if stores else []
                if not isinstance(k, int) or not (0 <= k < len(facts)) or not ctx.triggered[0].get("value"):
                    return no_update, no_update
                ids, heading = _int_ids(facts[k]), f"表格第 {k + 1} 行"
            elif trig in graphs:
                click = clicks[graphs.index(trig)]
                if not click or not click.get("points"):
                    return no_update, no_update
                ids, heading = point_fn(trig, click["points"][0], f, *extra)
                ids = _int_ids(ids)
            else:
                return no_update, no_update
            if not ids:
                return source_panel([], ""), []
            panel, mention_ids = fact_panel(ids, heading)
            return panel, mention_ids
        except (TypeError, ValueError, KeyError, IndexError):
            return no_update, no_update
        except q.DatabaseUnavailable as exc:
            return [error_box(exc)], []


def _int_ids(values) -> list[int]:
    if not isinstance(values, (list, tuple)):
        values = [values]
    return [int(v) for v in values if isinstance(v, (int, float)) and not isinstance(v, bool) and 0 < v < 2**31][:200]


def register_exports(prefix: str, table_fn, graphs: list[str], extra_states: list | None = None) -> None:
    """Export buttons -> files. table_fn(filters, *extra) -> Export."""
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
        f = flt.filters_from_values(*rest[:5])
        selected, figs, extra = rest[5], rest[6:6 + len(graphs)], rest[6 + len(graphs):]
        name = f"{prefix}-{(f.indicator or 'all').replace(q.SUBJECT_PREFIX, 'subject-')[:40]}-{ex.stamp()}"
        try:
            if kind in ("png", "svg"):
                fig = next((g for g in figs if g), None)
                if not fig:
                    return no_update, "没有可导出的图表"
                return dcc.send_bytes(ex.chart_bytes(fig, kind), f"{name}.{kind}"), ""
            if kind == "brief":
                selected = _ids(selected)
                if not selected:
                    return no_update, "请先点击图中的点或表格中的行，再导出简报。"
                return dcc.send_bytes(ex.briefing_xlsx(selected), f"简报-{name}.xlsx"), ""
            out = table_fn(f, *extra)
            source = out.source or ch.source_line(len(set(out.facts)))
            if kind == "csv":
                if out.aggregate:
                    return dcc.send_bytes(ex.csv_bytes(out.frame, out.title, ch.describe(f), source), f"{name}.csv"), ""
                return dcc.send_bytes(ex.csv_bytes(out.frame), f"{name}.csv"), ""
            return dcc.send_bytes(ex.table_xlsx(out.frame, f, out.title, out.facts, source), f"{name}.xlsx"), ""
        except q.DatabaseUnavailable as exc:
            return no_update, f"导出失败：{exc}"


def _ids(values) -> list[int]:
    """Figure ids from a store or a hand-made request: positive integers only."""
    if not isinstance(values, (list, tuple)):
        return []
    return [int(v) for v in values if isinstance(v, (int, float)) and not isinstance(v, bool) and 0 < v < 2**31][:500]


def register_common(prefix: str, graphs: list[str], table_fn, point_fn=None, url_extra=None,
                    extra_states=None) -> None:
    register_units(prefix)
    register_url(prefix, url_extra)
    register_scroll(prefix)
    for g in graphs:
        register_captions(g)
    register_source(prefix, graphs, point_fn or (lambda *_: ([], "")), extra_states)
    register_exports(prefix, table_fn, graphs, extra_states)
