"""数据 Figures: every mention in a server-paged, sortable, filterable grid (sort and filter in the URL), with the
fact it states; a selected row opens its source."""
from __future__ import annotations

import json

import dash
import dash_ag_grid as dag
from dash import Input, Output, State, callback, clientside_callback, html, no_update

from .. import _filters as flt
from .. import _grid as grid
from .. import _locale
from .. import _page as pg
from .. import _queries as q
from .._source import source_panel

dash.register_page(__name__, path="/figures", name="数据", title="数据 · 科技援疆数据", order=5)
P = "figures"
TEXT = {"filter": "agTextColumnFilter", "filterParams": {"filterOptions": ["contains", "equals", "startsWith"],
                                                         "maxNumConditions": 1}}
NUM = {"filter": "agNumberColumnFilter", "filterParams": {"maxNumConditions": 1}}
COLUMNS = [   # the value first: on a phone it is the column that shows
    {"field": "value", "headerName": "原文数值", "width": 130, "sortable": False, "pinned": None},
    {"field": "year", "headerName": "年份", "width": 84, **NUM},
    {"field": "metric", "headerName": "指标", "width": 130, "sortable": False},
    {"field": "subject", "headerName": "事项", "width": 140, **TEXT},
    {"field": "value_norm", "headerName": "标准化数值", "width": 120, **NUM,
     "valueFormatter": {"function": "params.value == null ? '' : d3.format(',.4~f')(params.value)"}},
    {"field": "unit_norm", "headerName": "单位", "width": 76, **TEXT},
    {"field": "status", "headerName": "状态", "width": 76},
    {"field": "basis", "headerName": "口径", "width": 76},
    {"field": "fact_id", "headerName": "事实编号", "width": 96, **NUM},
    {"field": "conversion", "headerName": "换算", "width": 190, "sortable": False},
    {"field": "approx", "headerName": "约数", "width": 70, "sortable": False},
    {"field": "conflict", "headerName": "冲突", "width": 100, "sortable": False},
    {"field": "review", "headerName": "需复核", "width": 90, "sortable": False},
    {"field": "region", "headerName": "地区", "width": 100, **TEXT},
    {"field": "partner", "headerName": "援疆省市", "width": 100, **TEXT},
    {"field": "sentence", "headerName": "原句", "width": 420, "tooltipField": "sentence", **TEXT},
    {"field": "title", "headerName": "文档", "width": 220, **TEXT},
    {"field": "page", "headerName": "页码", "width": 76, **NUM},
    {"field": "figure_id", "headerName": "编号", "width": 90, **NUM},
]


def table(f: q.Filters, request=None):
    frame = grid.export_frame(f, request)
    facts = [int(v) for v in frame.get("事实编号", []) if v == v and v is not None]
    return pg.Export(frame, "数字明细（当前筛选与排序，最多 %d 行）" % grid.EXPORT_ROWS, facts, aggregate=False)


def _initial_source(query: dict):
    fid = pg._ids([flt._int_any(query.get("fid"))])
    if not fid:
        return [], source_panel([], "")
    fid = fid[0]
    try:
        return [fid], source_panel([fid], f"编号 {fid}")
    except q.DatabaseUnavailable:
        return [], source_panel([], "")


def _sort_model(text) -> list[dict]:
    """'value_norm:desc,year:asc' -> AG Grid sort model (known columns only)."""
    out = []
    for part in (text.split(",") if isinstance(text, str) else []):
        col, _, direction = part.partition(":")
        if col in q.SORTABLE and direction in ("asc", "desc"):
            out.append({"colId": col, "sort": direction})
    return out[:5]


def _filter_model(text) -> dict:
    try:
        model = json.loads(text) if isinstance(text, str) and len(text) < 4000 else {}
    except ValueError:
        return {}
    clause, _ = grid.filter_sql(model if isinstance(model, dict) else {})
    return model if isinstance(model, dict) and clause != "TRUE" else {}


def columns_for(sort: list[dict]) -> list[dict]:
    order = {s["colId"]: (k, s["sort"]) for k, s in enumerate(sort)}
    return [{**c, **({"sort": order[c["field"]][1], "sortIndex": order[c["field"]][0]} if c["field"] in order else {})}
            for c in COLUMNS]


def layout(**query):
    ids, panel = _initial_source(query)
    sort, model = _sort_model(query.get("gsort")), _filter_model(query.get("gfilter"))
    body = [html.Div(id=f"{P}-count", className="hint"),
            dag.AgGrid(id=f"{P}-grid", columnDefs=columns_for(sort), rowModelType="infinite",
                       defaultColDef={"sortable": True, "resizable": True},
                       filterModel=model,
                       dashGridOptions={"rowSelection": {"mode": "multiRow", "checkboxes": True,
                                                         "headerCheckbox": False},
                                        "cacheBlockSize": 100, "maxBlocksInCache": 20, "rowBuffer": 0,
                                        "tooltipShowDelay": 300, "localeText": _locale.ag_grid()},
                       getRowId="params.data.figure_id", style={"height": "520px"}, className="ag-theme-alpine"),
            dash.dcc.Store(id=f"{P}-request"), dash.dcc.Store(id=f"{P}-fid", data=ids[0] if ids else None),
            dash.dcc.Store(id=f"{P}-gsort", data=query.get("gsort") if sort else None),
            dash.dcc.Store(id=f"{P}-gfilter", data=query.get("gfilter") if model else None),
            dash.dcc.Store(id=f"{P}-refresh")]
    return pg.skeleton(P, "数据", "每一次提及一行：原文数值与单位、标准化数值、所述事实（编号、状态、口径）、约数、冲突与需复核标记、原句。"
                       "勾选行查看出处（可多选，用于“简报”导出）；列头可排序和筛选，排序和筛选会写进网址。", query, body,
                       charts=False, selected=ids, source=panel)


clientside_callback(
    """function(indicator, unit, years, region, partner) {
        const api = window.dash_ag_grid && dash_ag_grid.getApi ? (function() {
            try { return dash_ag_grid.getApi('figures-grid'); } catch (e) { return null; } })() : null;
        if (api) { api.deselectAll && api.deselectAll(); api.purgeInfiniteCache(); }
        return Date.now();
    }""",
    Output(f"{P}-refresh", "data"), *pg.filter_inputs(P), prevent_initial_call=True)


@callback(Output(f"{P}-grid", "getRowsResponse"), Output(f"{P}-request", "data"), Output(f"{P}-count", "children"),
          Output(f"{P}-gsort", "data"), Output(f"{P}-gfilter", "data"),
          Input(f"{P}-grid", "getRowsRequest"), *pg.filter_inputs(P, State))
def rows(request, *values):
    if not request:
        return no_update, no_update, no_update, no_update, no_update
    f = flt.filters_from_values(*values)
    request = request if isinstance(request, dict) else {}
    try:
        resp = grid.page(f, request)
    except q.DatabaseUnavailable as exc:
        return {"rowData": [], "rowCount": 0}, no_update, str(exc), no_update, no_update
    count = f"共 {resp['rowCount']:,} 条数字符合筛选" if resp["rowCount"] else \
        "当前筛选条件下没有数字：请放宽年份范围、改选指标或清除地区/省市与列筛选。"
    keep = {k: request.get(k) for k in ("sortModel", "filterModel")}
    sort = ",".join(f"{c}:{'desc' if d else 'asc'}" for c, d in grid.order_of(request.get("sortModel"))) or None
    model = request.get("filterModel")
    gfilter = json.dumps(model, ensure_ascii=False, separators=(",", ":")) if isinstance(model, dict) and model else None
    return resp, keep, count, sort, gfilter


@callback(Output(f"{P}-source", "children", allow_duplicate=True), Output(f"{P}-selected", "data", allow_duplicate=True),
          Output(f"{P}-fid", "data"), Input(f"{P}-grid", "selectedRows"), prevent_initial_call=True)
def select(selected):
    ids = pg._ids([r.get("figure_id") for r in selected if isinstance(r, dict)] if isinstance(selected, list) else [])
    if not ids:
        return source_panel([], ""), [], None
    try:
        return source_panel(ids[-10:][::-1], f"已选 {len(ids)} 条", len(ids)), ids, ids[-1]
    except q.DatabaseUnavailable as exc:
        return [pg.error_box(exc)], ids, None


pg.register_common(P, [], table, url_extra={"fid": (f"{P}-fid", "data"), "gsort": (f"{P}-gsort", "data"),
                                            "gfilter": (f"{P}-gfilter", "data")},
                   extra_states=[State(f"{P}-request", "data")])
