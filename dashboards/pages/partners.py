"""援疆省市 Partners: the selected metric across partner provinces, and partner -> region links."""
from __future__ import annotations

import dash
from dash import Output, callback, dcc, html

from .. import _charts as ch
from .. import _filters as flt
from .. import _page as pg
from .. import _queries as q
from .._source import metric_label

dash.register_page(__name__, path="/partners", name="援疆省市 Partners", title="援疆省市 · 科技援疆数据", order=3)
P = "partners"


def table(f: q.Filters):
    data = q.links(f)
    unit, div = ch.display_unit(f.unit, data["total"]) if len(data) else (f.unit or "", 1.0)
    out = data.assign(total=(data["total"] / div).round(4))
    return out.rename(columns={"partner": "援疆省市", "region": "受援地区", "total": f"合计（{unit}）",
                               "n": "数字条数"}), f"{f.metric} 援疆省市→受援地区"


def layout(**query):
    body = [dcc.Graph(id=f"{P}-graph", config={"displaylogo": False}),
            dcc.Graph(id=f"{P}-matrix", config={"displaylogo": False}), html.Div(id=f"{P}-table")]
    return pg.skeleton(P, "援疆省市 Partners", "各援疆省市的合计，以及援疆省市 → 新疆受援地区的对应矩阵（如 四川 → 克拉玛依，"
                       "广东 → 喀什）。只统计原文写明援疆省市的数字。", query, body)


@callback(Output(f"{P}-graph", "figure"), Output(f"{P}-matrix", "figure"), Output(f"{P}-table", "children"),
          *pg.filter_inputs(P))
def update(metric, unit, years, region, partner, scope):
    f = flt.filters_from_values(metric, unit, years, region, partner, scope)
    label = metric_label(f.metric) if f.metric else "全部指标"
    try:
        bars = q.by_column(f, "partner")
        bars = bars[bars["name"] != "未指明"] if len(bars) else bars
        return (ch.bar_figure(bars, f, f"{label} 按援疆省市", "援疆省市", "partner"),
                ch.matrix_figure(q.links(f), f, f"{label} 援疆省市 → 受援地区"),
                pg.html_table(table(f)[0], table_id=f"{P}-data"))
    except q.DatabaseUnavailable as exc:
        return ch.empty("援疆省市", f, str(exc)), ch.empty("援疆省市", f, str(exc)), pg.error_box(exc)


def _point(graph_id, point):
    if graph_id.endswith("matrix"):
        region = point.get("x")
        return {"partner": point.get("y"), "region": "全疆/未指明" if region == "未指明" else region}
    return {"partner": (point.get("customdata") or [None, point.get("x")])[1]}


pg.register_common(P, [f"{P}-graph", f"{P}-matrix"], table, _point)
