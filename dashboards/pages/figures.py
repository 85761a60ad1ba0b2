"""数据 Figures: every figure in a server-paged, sortable, filterable grid; a selected row opens its source."""
from __future__ import annotations

import dash
import dash_ag_grid as dag
from dash import Input, Output, State, callback, clientside_callback, dcc, html, no_update

from .. import _filters as flt
from .. import _grid as grid
from .. import _page as pg
from .. import _queries as q
from .._source import source_panel

dash.register_page(__name__, path="/figures", name="数据 Figures", title="数据 · 科技援疆数据", order=4)
P = "figures"
TEXT = {"filter": "agTextColumnFilter", "filterParams": {"filterOptions": ["contains", "equals", "startsWith"],
                                                         "maxNumConditions": 1}}
NUM = {"filter": "agNumberColumnFilter", "filterParams": {"maxNumConditions": 1}}
COLUMNS = [
    {"field": "figure_id", "headerName": "编号", "width": 90, **NUM},
    {"field": "year", "headerName": "年份", "width": 90, **NUM},
    {"field": "metric", "headerName": "指标", "width": 110, "sortable": True},
    {"field": "subject", "headerName": "事项", "width": 140, **TEXT},
    {"field": "value", "headerName": "原文数值", "width": 120},
    {"field": "value_norm", "headerName": "标准化数值", "width": 120, **NUM},
    {"field": "unit_norm", "headerName": "单位", "width": 80, **TEXT},
    {"field": "conversion", "headerName": "换算", "width": 190, "sortable": False},
    {"field": "approx", "headerName": "约数", "width": 70, "sortable": False},
    {"field": "conflict", "headerName": "冲突", "width": 100, "sortable": False},
    {"field": "region", "headerName": "地区", "width": 100, **TEXT},
    {"field": "partner", "headerName": "援疆省市", "width": 100, **TEXT},
    {"field": "scope", "headerName": "范围", "width": 90},
    {"field": "sentence", "headerName": "原句", "width": 420, "tooltipField": "sentence", **TEXT},
    {"field": "title", "headerName": "文档", "width": 220, **TEXT},
]


def table(f: q.Filters, request=None):
    frame = grid.export_frame(f, request)
    sources = frame[["编号", "文档", "年份", "原句"]]
    return frame, "数字明细（当前筛选与排序，最多 %d 行）" % grid.EXPORT_ROWS, sources


def _initial_source(query: dict):
    fid = pg._ids([flt._int_any(query.get("fid"))])
    if not fid:
        return [], source_panel([], "")
    fid = fid[0]
    try:
        return [fid], source_panel([fid], f"编号 {fid}")
    except q.DatabaseUnavailable:
        return [], source_panel([], "")


def layout(**query):
    ids, panel = _initial_source(query)
    body = [html.Div(id=f"{P}-count", className="hint"),
            dag.AgGrid(id=f"{P}-grid", columnDefs=COLUMNS, rowModelType="infinite",
                       defaultColDef={"sortable": True, "resizable": True},
                       dashGridOptions={"rowSelection": {"mode": "multiRow", "checkboxes": True,
                                                         "headerCheckbox": False},
                                        "cacheBlockSize": 100, "maxBlocksInCache": 20, "rowBuffer": 0,
                                        "tooltipShowDelay": 300},
                       getRowId="params.data.figure_id", style={"height": "520px"}, className="ag-theme-alpine"),
            dcc.Store(id=f"{P}-request"), dcc.Store(id=f"{P}-fid", data=ids[0] if ids else None),
            dcc.Store(id=f"{P}-refresh")]
    return pg.skeleton(P, "数据 Figures", "每一条数字一行：原文数值与单位、换算后的标准化数值、约数与冲突标记、原句。"
                       "勾选行查看出处（可多选，用于“简报”导出）；列头可排序和筛选。", query, body, charts=False,
                       selected=ids, source=panel)


clientside_callback(
    """function(metric, unit, years, region, partner, scope) {
        const api = window.dash_ag_grid && dash_ag_grid.getApi ? (function() {
            try { return dash_ag_grid.getApi('figures-grid'); } catch (e) { return null; } })() : null;
        if (api) { api.deselectAll && api.deselectAll(); api.purgeInfiniteCache(); }
        return Date.now();
    }""",
    Output(f"{P}-refresh", "data"), *pg.filter_inputs(P), prevent_initial_call=True)


@callback(Output(f"{P}-grid", "getRowsResponse"), Output(f"{P}-request", "data"), Output(f"{P}-count", "children"),
          Input(f"{P}-grid", "getRowsRequest"), *pg.filter_inputs(P, State))
def rows(request, *values):
    if not request:
        return no_update, no_update, no_update
    f = flt.filters_from_values(*values)
    try:
        resp = grid.page(f, request if isinstance(request, dict) else {})
    except q.DatabaseUnavailable as exc:
        return {"rowData": [], "rowCount": 0}, no_update, str(exc)
    count = f"共 {resp['rowCount']:,} 条数字符合筛选" if resp["rowCount"] else \
        "当前筛选条件下没有数字：请放宽年份范围、改选指标或清除地区/省市与列筛选。"
    keep = {k: request.get(k) for k in ("sortModel", "filterModel")}
    return resp, keep, count


@callback(Output(f"{P}-source", "children"), Output(f"{P}-selected", "data"), Output(f"{P}-fid", "data"),
          Input(f"{P}-grid", "selectedRows"), prevent_initial_call=True)
def select(selected):
    ids = pg._ids([r.get("figure_id") for r in selected if isinstance(r, dict)] if isinstance(selected, list) else [])
    if not ids:
        return source_panel([], ""), [], None
    try:
        return source_panel(ids[-10:][::-1], f"已选 {len(ids)} 条", len(ids)), ids, ids[-1]
    except q.DatabaseUnavailable as exc:
        return [pg.error_box(exc)], ids, None


pg.register_common(P, [], table, url_extra={"fid": (f"{P}-fid", "data")}, extra_states=[State(f"{P}-request", "data")])
