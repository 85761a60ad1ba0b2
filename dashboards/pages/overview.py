"""总览 Overview: a card per catalogue indicator comparing its latest value with its own previous value (same
unit and basis, 全疆 facts only; no card without a previous value); below, the chosen indicator over the years."""
from __future__ import annotations

import dash
import pandas as pd
from dash import Output, callback, dcc, html

from .. import _charts as ch
from .. import _filters as flt
from .. import _page as pg
from .. import _queries as q
from .. import _trend as tr
from .._cards import card_rows

dash.register_page(__name__, path="/", name="总览", title="总览 · 科技援疆数据", order=0)
P = "overview"


def card(c: dict) -> html.Div:
    latest, prev = c["latest"], c["prev"]
    unit, div = ch.display_unit(c["unit"], [latest.value_norm, prev.value_norm])
    change = html.Div(f"较 {int(prev.year)} 年（{ch.fmt(prev.value_norm / div, unit)}）无法计算变化", className="hint")
    if prev.value_norm:
        pct = (latest.value_norm - prev.value_norm) / abs(prev.value_norm) * 100
        change = html.Div(f"较 {int(prev.year)} 年（{ch.fmt(prev.value_norm / div, unit)}）{'+' if pct >= 0 else ''}"
                          f"{pct:,.1f}%", className="up" if pct >= 0 else "down")
    marks = ("（冲突：各文档说法不一）" if latest.conflict else "") + ("（约数）" if latest.approx else "")
    return html.Div([
        html.Div(f"{c['label']} · {int(latest.year)}年", className="label"),
        html.Div(ch.fmt(latest.value_norm / div, unit), className="big"),
        change,
        html.Div(f"全疆 · {ch.BASIS_ZH.get(c['basis'], c['basis'])} · 事实 #{int(latest.fact_id)}，{int(latest.n_mentions)} 次提及{marks}",
                 className="hint"),
        html.Div([dcc.Link("查看出处 →", href=f"/figures?fid={int(latest.figure_id)}&indicator={c['indicator']}",
                           className="source-link"),
                  dcc.Link("趋势 →", href=f"/trends?indicator={c['indicator']}&unit={c['unit']}", className="source-link")],
                 className="links"),
    ], className="card", **{"data-indicator": c["indicator"], "data-fact-id": str(int(latest.fact_id)),
                            "data-prev-fact-id": str(int(prev.fact_id))})


def cards_view(f: q.Filters) -> list:
    cards, single = card_rows(f)
    out = [card(c) for c in cards]
    if not out:
        out = [html.Div("没有可与上一期比较的指标（每个指标需要至少两个年份的全疆实际值）。", className="hint")]
    if single:
        out.append(html.Div("只有一个年份、无法比较的指标：" + "、".join(
            f"{c['label']}（{int(c['latest'].year)}年 {ch.fmt(c['latest'].value_norm, c['unit'])}）" for c in single),
            className="hint single"))
    return out


def table(f: q.Filters):
    cards, _ = card_rows(f)
    rows, facts = [], []
    for c in cards:
        l, p = c["latest"], c["prev"]
        rows.append({"指标": c["label"], "口径": ch.BASIS_ZH.get(c["basis"], c["basis"]), "单位": c["unit"],
                     "最新年份": int(l.year), "数值": l.value_norm, "上一年份": int(p.year), "上一数值": p.value_norm,
                     "变化（%）": round((l.value_norm - p.value_norm) / abs(p.value_norm) * 100, 1) if p.value_norm else None,
                     "事实编号": int(l.fact_id), "上一事实编号": int(p.fact_id)})
        facts += [int(l.fact_id), int(p.fact_id)]
    return pg.Export(pd.DataFrame(rows), "各指标最新值与上一期比较（全疆、实际值）", facts)


def layout(**query):
    body = [html.Div(id=f"{P}-cards", className="cards"), pg.chart_block(f"{P}-graph")]
    return pg.skeleton(P, "总览", "每个指标的最新全疆实际值，与同一指标、同一单位和口径的上一期比较；没有上一期则不出卡片。"
                       "下图为所选指标的逐年事实。", query, body)


@callback(Output(f"{P}-cards", "children"), Output(f"{P}-graph", "figure"), *pg.filter_inputs(P))
def update(indicator, unit, years, region, partner):
    f = flt.filters_from_values(indicator, unit, years, region, partner)
    try:
        return cards_view(f), tr.figure(f)[0]
    except q.DatabaseUnavailable as exc:
        return [pg.error_box(exc)], ch.empty("总览", f, str(exc))


pg.register_common(P, [f"{P}-graph"], table, lambda g, point, f: tr.point(point, f))
