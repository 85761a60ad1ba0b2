"""总览 Overview: a card per core metric for its latest year, the change from the year before, and the
link to the card's source sentence; below, the selected metric over the years."""
from __future__ import annotations

import dash
import pandas as pd
from dash import Output, callback, dcc, html

from .. import _charts as ch
from .. import _filters as flt
from .. import _page as pg
from .. import _queries as q
from .._source import metric_label

dash.register_page(__name__, path="/", name="总览 Overview", title="总览 · 科技援疆数据", order=0)
P = "overview"
CORE_ORDER = ["projects", "investment", "patents", "trainees", "fund_size", "enterprises"]


def card_rows(f: q.Filters) -> list[dict]:
    """One dict per core metric: label, unit, latest and previous year's top figure."""
    data = q.headlines(f)
    out = []
    core = [m for m in q.metrics().itertuples(index=False) if m.core]
    core.sort(key=lambda m: CORE_ORDER.index(m.metric) if m.metric in CORE_ORDER else len(CORE_ORDER))
    for m in core:
        unit = flt.pick_unit(m.metric, None)
        rows = data[(data["metric"] == m.metric) & (data["unit_norm"] == unit)].sort_values("year", ascending=False)
        latest = rows.iloc[0] if len(rows) else None
        prev = rows.iloc[1] if len(rows) > 1 else None
        out.append({"metric": m.metric, "label": m.label_zh, "unit": unit, "latest": latest, "prev": prev})
    return out


def card(c: dict) -> html.Div:
    latest, prev = c["latest"], c["prev"]
    if latest is None:
        return html.Div([html.Div(c["label"], className="label"),
                         html.Div("当前筛选下没有此指标的数字", className="big")], className="card empty")
    unit, div = ch.display_unit(c["unit"], [latest.top] + ([prev.top] if prev is not None else []))
    change = html.Div(f"无上一年（{int(latest.year) - 1}年前）数据可比较", className="hint")
    if prev is not None and prev.top:
        pct = (latest.top - prev.top) / abs(prev.top) * 100
        change = html.Div(f"较 {int(prev.year)} 年（{ch.fmt(prev.top / div, unit)}）{'+' if pct >= 0 else ''}"
                          f"{pct:.1f}%", className="up" if pct >= 0 else "down")
    return html.Div([
        html.Div(f"{c['label']} · {int(latest.year)}年", className="label"),
        html.Div(ch.fmt(latest.top / div, unit), className="big"),
        change,
        html.Div(f"当年最大的一条数字（共 {int(latest.n)} 条）", className="hint"),
        dcc.Link("查看出处 →", href=f"/figures?fid={int(latest.figure_id)}&metric={c['metric']}",
                 className="source-link", id={"type": "overview-source", "metric": c["metric"]}),
    ], className="card", **{"data-metric": c["metric"]})


def table(f: q.Filters):
    rows = []
    for c in card_rows(f):
        l, p = c["latest"], c["prev"]
        rows.append({"指标": c["label"], "单位": c["unit"], "最新年份": None if l is None else int(l.year),
                     "数值": None if l is None else l.top, "上一年份": None if p is None else int(p.year),
                     "上一年数值": None if p is None else p.top, "出处编号": None if l is None else int(l.figure_id)})
    return pd.DataFrame(rows), "核心指标最新年份"


def layout(**query):
    body = [html.Div(id=f"{P}-cards", className="cards"), dcc.Graph(id=f"{P}-graph", config={"displaylogo": False})]
    return pg.skeleton(P, "总览 Overview", "每个核心指标最新年份的主要数字（当年最大的一条）、与上一年的变化，以及原文出处。"
                       "下图为所选指标的逐年合计。", query, body)


@callback(Output(f"{P}-cards", "children"), Output(f"{P}-graph", "figure"), *pg.filter_inputs(P))
def update(metric, unit, years, region, partner, scope):
    f = flt.filters_from_values(metric, unit, years, region, partner, scope)
    try:
        cards = [card(c) for c in card_rows(f)]
        fig = ch.trend_figure(q.trend(f), f, f"{metric_label(f.metric) if f.metric else '全部指标'} 逐年合计")
        return cards, fig
    except q.DatabaseUnavailable as exc:
        return [pg.error_box(exc)], ch.empty("总览", f, str(exc))


def _point(graph_id, point):
    return {"year": point.get("x")}


pg.register_common(P, [f"{P}-graph"], table, _point)
