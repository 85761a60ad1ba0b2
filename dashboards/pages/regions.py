"""地区 Regions: the selected metric across Xinjiang regions."""
from __future__ import annotations

import dash
from dash import Output, callback, dcc, html

from .. import _charts as ch
from .. import _filters as flt
from .. import _page as pg
from .. import _queries as q
from .._source import metric_label

dash.register_page(__name__, path="/regions", name="地区 Regions", title="地区 · 科技援疆数据", order=2)
P = "regions"


def table(f: q.Filters):
    data = q.by_column(f, "region")
    unit, div = ch.display_unit(f.unit, data["total"]) if len(data) else (f.unit or "", 1.0)
    out = data.assign(total=(data["total"] / div).round(4), any_approx=data["any_approx"].map({True: "是", False: ""}),
                      any_conflict=data["any_conflict"].map({True: "是", False: ""}))
    return out.rename(columns={"name": "地区", "total": f"合计（{unit}）", "n": "数字条数", "any_approx": "含约数",
                               "any_conflict": "含冲突值"}), f"{f.metric} 按地区"


def layout(**query):
    body = [dcc.Graph(id=f"{P}-graph", config={"displaylogo": False}), html.Div(id=f"{P}-table")]
    return pg.skeleton(P, "地区 Regions", "所选指标在新疆各地州市（兵团单列）的合计；未写明地区的数字归入“全疆/未指明”。",
                       query, body)


@callback(Output(f"{P}-graph", "figure"), Output(f"{P}-table", "children"), *pg.filter_inputs(P))
def update(metric, unit, years, region, partner, scope):
    f = flt.filters_from_values(metric, unit, years, region, partner, scope)
    try:
        data = q.by_column(f, "region")
        fig = ch.bar_figure(data, f, f"{metric_label(f.metric) if f.metric else '全部指标'} 按地区", "新疆地区", "region")
        return fig, pg.html_table(table(f)[0], table_id=f"{P}-data")
    except q.DatabaseUnavailable as exc:
        return ch.empty("地区", f, str(exc)), pg.error_box(exc)


def _point(graph_id, point):
    return {"region": (point.get("customdata") or [None, point.get("x")])[1]}


pg.register_common(P, [f"{P}-graph"], table, _point)
