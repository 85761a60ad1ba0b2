"""趋势 Trends: one metric over the years, optionally split by region or partner."""
from __future__ import annotations

import dash
from dash import Input, Output, callback, dcc, html

from .. import _charts as ch
from .. import _filters as flt
from .. import _page as pg
from .. import _queries as q
from .._source import metric_label

dash.register_page(__name__, path="/trends", name="趋势 Trends", title="趋势 · 科技援疆数据", order=1)
P = "trends"
SPLITS = [{"label": "不拆分", "value": ""}, {"label": "按地区", "value": "region"}, {"label": "按援疆省市", "value": "partner"}]
KINDS = [{"label": "折线", "value": "line"}, {"label": "柱状", "value": "bar"}]


def table(f: q.Filters, split: str | None = None):
    data = q.trend(f, split if split in ("region", "partner") else None)
    unit, div = ch.display_unit(f.unit, data["total"]) if len(data) else (f.unit or "", 1.0)
    out = data.assign(total=(data["total"] / div).round(4), any_approx=data["any_approx"].map({True: "是", False: ""}),
                      any_conflict=data["any_conflict"].map({True: "是", False: ""}))
    out = out.rename(columns={"year": "年份", "grp": "分组", "total": f"合计（{unit}）", "n": "数字条数",
                              "any_approx": "含约数", "any_conflict": "含冲突值"})
    return out, f"{f.metric} 按年份趋势"


def layout(**query):
    controls = [html.Label("拆分 Split", className="flabel"),
                dcc.RadioItems(id=f"{P}-split", options=SPLITS, inline=True,
                               value=query.get("split") if query.get("split") in ("region", "partner") else ""),
                html.Label("图形 Chart", className="flabel"),
                dcc.RadioItems(id=f"{P}-kind", options=KINDS, inline=True,
                               value="bar" if query.get("kind") == "bar" else "line")]
    body = [dcc.Graph(id=f"{P}-graph", config={"displaylogo": False}), html.Div(id=f"{P}-table")]
    return pg.skeleton(P, "趋势 Trends", "所选指标逐年合计；◆ 表示含约数，✕ 表示含冲突值（点击查看全部候选值及出处）。",
                       query, body, controls)


@callback(Output(f"{P}-graph", "figure"), Output(f"{P}-table", "children"),
          *pg.filter_inputs(P), Input(f"{P}-split", "value"), Input(f"{P}-kind", "value"))
def update(metric, unit, years, region, partner, scope, split, kind):
    f = flt.filters_from_values(metric, unit, years, region, partner, scope)
    split = split if split in ("region", "partner") else ""
    kind = "bar" if kind == "bar" else "line"
    try:
        data = q.trend(f, split or None)
        title = f"{metric_label(f.metric) if f.metric else '全部指标'} 逐年趋势" + \
            {"region": "（按地区）", "partner": "（按援疆省市）"}.get(split or "", "")
        return (ch.trend_figure(data, f, title, kind or "line", split or ""),
                pg.html_table(table(f, split)[0], table_id=f"{P}-data"))
    except q.DatabaseUnavailable as exc:
        return ch.empty("趋势", f, str(exc)), pg.error_box(exc)


def _point(graph_id, point):
    split, grp = (point.get("customdata") or ["", None])[:2]
    return {"year": point.get("x"), "region": grp if split == "region" else None,
            "partner": grp if split == "partner" else None}


pg.register_common(P, [f"{P}-graph"], table, _point, url_extra={"split": (f"{P}-split", "value"),
                                                               "kind": (f"{P}-kind", "value")},
                   extra_states=[dash.State(f"{P}-split", "value")])
