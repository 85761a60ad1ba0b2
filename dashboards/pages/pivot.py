"""透视 Pivot: one indicator as a table of regions, partners or years against each other (rows and columns
chosen by the reader, as statistics portals do); each cell is one fact, never a sum; Excel export with the
facts and mentions behind every row."""
from __future__ import annotations

import dash
import pandas as pd
from dash import Input, Output, State, callback, dcc, html

from .. import _charts as ch
from .. import _filters as flt
from .. import _page as pg
from .. import _queries as q
from .._pivot import DIM_ZH, DIMS, _dims, pivot

dash.register_page(__name__, path="/pivot", name="透视", title="透视 · 科技援疆数据", order=4)
P = "pivot"
STATUS_OPTIONS = [{"label": "实际", "value": "actual"}, {"label": "目标", "value": "planned"}]


def layout(**query):
    rows, cols = _dims(query.get("rows"), query.get("cols"))
    controls = [html.Label("行", className="flabel"), dcc.Dropdown(id=f"{P}-rows", options=DIMS, value=rows, clearable=False,
                                                                  className="dim-pick"),
                html.Label("列", className="flabel"), dcc.Dropdown(id=f"{P}-cols", options=DIMS, value=cols, clearable=False,
                                                                  className="dim-pick"),
                html.Label("状态", className="flabel"),
                dcc.RadioItems(id=f"{P}-status", options=STATUS_OPTIONS, inline=True,
                               value="planned" if query.get("status") == "planned" else "actual"),
                html.Label("口径", className="flabel"),
                dcc.Dropdown(id=f"{P}-basis", clearable=False, className="basis-pick",
                             value=query.get("basis") if query.get("basis") in q.BASES else None)]
    body = [html.Div(id=f"{P}-head", className="chart-sub"), html.Div(id=f"{P}-table")]
    return pg.skeleton(P, "透视", "所选指标的 地区 × 年份（或 援疆省市）透视表：每格是一条事实的值，不是加总。"
                       "选择行和列；点击一行查看该行全部事实的出处；导出 Excel 含事实和来源表。", query, body, controls,
                       charts=False)


@callback(Output(f"{P}-basis", "options"), Output(f"{P}-basis", "value"), *pg.filter_inputs(P),
          State(f"{P}-basis", "value"))
def _bases(indicator, unit, years, region, partner, basis):
    f = flt.filters_from_values(indicator, unit, years, region, partner)
    try:
        bases = q.fact_bases(f)["basis"].tolist()
    except q.DatabaseUnavailable:
        return [], None
    return ([{"label": ch.BASIS_ZH.get(b, b), "value": b} for b in bases],
            basis if basis in bases else (bases[0] if bases else None))


@callback(Output(f"{P}-table", "children"), Output(f"{P}-head", "children"), *pg.filter_inputs(P),
          Input(f"{P}-rows", "value"), Input(f"{P}-cols", "value"), Input(f"{P}-status", "value"),
          Input(f"{P}-basis", "value"))
def update(indicator, unit, years, region, partner, rows, cols, status, basis):
    f = flt.filters_from_values(indicator, unit, years, region, partner)
    status = status if isinstance(status, str) and status in q.STATUSES else "actual"
    basis = basis if isinstance(basis, str) and basis in q.BASES else None
    try:
        frame, facts, unit_shown, data = pivot(f, rows, cols, status, basis)
        info = q.indicator_info(f.indicator)
        head = f"{info.get('label') or ''} · " + ch.subtitle(info, unit_shown, [basis] if basis else None)
        if len(data):
            head += f" · {len(data):,} 条事实" + (" · 含冲突值的格子见出处" if data["conflict"].any() else "")
        return pg.fact_table(P, frame, facts), head
    except q.DatabaseUnavailable as exc:
        return pg.error_box(exc), ""


def table(f, rows, cols, status, basis):
    status = status if status in q.STATUSES else "actual"
    frame, facts, unit, data = pivot(f, rows, cols, status, basis if basis in q.BASES else None)
    info = q.indicator_info(f.indicator)
    rows, cols = _dims(rows, cols)
    return pg.Export(frame, f"{info.get('label') or f.indicator}：{DIM_ZH[rows]} × {DIM_ZH[cols]}（{unit}，"
                            f"{ch.STATUS_ZH.get(status)}）", [i for r in facts for i in r],
                     source=ch.source_line(len(data), int(data["n_mentions"].sum()) if len(data) else 0))


pg.register_common(P, [], table, url_extra={"rows": (f"{P}-rows", "value"), "cols": (f"{P}-cols", "value"),
                                            "status": (f"{P}-status", "value"), "basis": (f"{P}-basis", "value")},
                   extra_states=[State(f"{P}-rows", "value"), State(f"{P}-cols", "value"),
                                 State(f"{P}-status", "value"), State(f"{P}-basis", "value")])
