"""趋势 Trends: one indicator (or one subject) over the years: each point one fact, planned values as 目标
markers, cumulative and level values as their own series, a 合计 only from fact_totals; split by region or partner."""
from __future__ import annotations

import dash
from dash import Input, Output, State, callback, dcc, html

from .. import _charts as ch
from .. import _filters as flt
from .. import _page as pg
from .. import _queries as q
from .. import _trend as tr

dash.register_page(__name__, path="/trends", name="趋势", title="趋势 · 科技援疆数据", order=1)
P = "trends"
SPLITS = [{"label": "全疆", "value": ""}, {"label": "按地区", "value": "region"}, {"label": "按援疆省市", "value": "partner"}]
KINDS = [{"label": "折线", "value": "line"}, {"label": "柱状", "value": "bar"}]


def _split(value) -> str:
    return value if value in ("region", "partner") else ""


def table(f: q.Filters, split=None):
    return tr.export(f, _split(split))


def layout(**query):
    controls = [html.Label("拆分", className="flabel"),
                dcc.RadioItems(id=f"{P}-split", options=SPLITS, inline=True, value=_split(query.get("split"))),
                html.Label("图形", className="flabel"),
                dcc.RadioItems(id=f"{P}-kind", options=KINDS, inline=True,
                               value="bar" if query.get("kind") == "bar" else "line")]
    body = [pg.chart_block(f"{P}-graph"), html.Div(id=f"{P}-table")]
    return pg.skeleton(P, "趋势", "每个点是一条事实（各文档对同一数字的说法合为一条，从不相加）；☆ 为目标值，✕ 为说法不一的事实，"
                       "虚线为 fact_totals 中可加总的各地区合计。点击点或表格行查看全部提及。", query, body, controls)


@callback(Output(f"{P}-graph", "figure"), Output(f"{P}-table", "children"),
          *pg.filter_inputs(P), Input(f"{P}-split", "value"), Input(f"{P}-kind", "value"))
def update(indicator, unit, years, region, partner, split, kind):
    f = flt.filters_from_values(indicator, unit, years, region, partner)
    split = tr.effective_split(f, _split(split))
    try:
        fig, cells, totals, _ = tr.figure(f, split, "bar" if kind == "bar" else "line")
        frame, facts = tr.table(f, cells, totals, split)
        return fig, pg.fact_table(P, frame, facts)
    except q.DatabaseUnavailable as exc:
        return ch.empty("趋势", f, str(exc)), pg.error_box(exc)


pg.register_common(P, [f"{P}-graph"], table, lambda g, point, f, split: tr.point(point, f, _split(split)),
                   url_extra={"split": (f"{P}-split", "value"), "kind": (f"{P}-kind", "value")},
                   extra_states=[State(f"{P}-split", "value")])
