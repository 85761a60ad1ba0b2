"""Plotly figures for the pages: display units, integer year ticks, markers for hedged and conflicting
figures, a Chinese source line that is part of the figure (so PNG/SVG exports keep it), empty states."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from . import _queries as q

FONT = "Noto Sans CJK SC, Noto Sans SC, Source Han Sans SC, Microsoft YaHei, sans-serif"
BIG_UNITS = {"万元": ("亿元", 1e4), "万美元": ("亿美元", 1e4), "人": ("万人", 1e4), "人次": ("万人次", 1e4)}
MARK_APPROX, MARK_CONFLICT = "diamond", "x"


def display_unit(unit: str | None, values) -> tuple[str, float]:
    """(unit shown, divisor): 万元 becomes 亿元 once the largest value reaches 1 亿."""
    peak = pd.Series(values, dtype="float64").abs().max() if len(values) else 0
    if unit in BIG_UNITS and pd.notna(peak) and peak >= 1e4:
        return BIG_UNITS[unit]
    return unit or "", 1.0


def fmt(value, unit: str = "") -> str:
    if value is None or pd.isna(value):
        return "—"
    text = f"{value:,.2f}".rstrip("0").rstrip(".") if abs(value) < 1e6 else f"{value:,.0f}"
    return f"{text} {unit}".strip()


def source_line(f: q.Filters, n: int | None = None) -> str:
    """'来源：…' naming the documents, the build and the filters; printed under every chart."""
    try:
        facts, info = q.totals(), q.build_info()
    except q.DatabaseUnavailable:
        facts, info = {"n_documents": 0}, {}
    parts = [f"来源：新疆科技援疆年鉴文本（{facts['n_documents']} 份文档）"]
    if n is not None:
        parts.append(f"本图 {n:,} 条数字")
    years = f"{f.year_from or ''}–{f.year_to or ''}年" if (f.year_from or f.year_to) else ""
    scope = {"program": "总量", "project": "单个项目"}.get(f.scope or "", "")
    picked = " ".join(x for x in (years, "/".join(f.regions), "/".join(f.partners), scope) if x)
    if picked:
        parts.append(f"筛选：{picked}".replace(q.NO_REGION, "未指明"))
    if info.get("built_at") or info.get("etl_version"):
        parts.append(f"数据库版本 {info.get('built_at') or info.get('etl_version')}")
    return " · ".join(parts)


def base_layout(fig: go.Figure, title: str, f: q.Filters, n: int | None = None, height: int = 420) -> go.Figure:
    fig.update_layout(title={"text": title, "x": 0.01}, font={"family": FONT, "size": 13}, height=height,
                      margin={"l": 60, "r": 20, "t": 60, "b": 95}, plot_bgcolor="#fbfbfd",
                      legend={"orientation": "h", "y": -0.18, "yanchor": "top"}, hoverlabel={"font_family": FONT})
    fig.add_annotation(text=source_line(f, n), xref="paper", yref="paper", x=0, y=-0.3, xanchor="left",
                       yanchor="top", showarrow=False, font={"size": 11, "color": "#666"}, name="source")
    return fig


def empty(title: str, f: q.Filters, why: str) -> go.Figure:
    """A figure that says why there is nothing to plot, never a blank plot."""
    fig = go.Figure()
    fig.add_annotation(text=why, x=0.5, y=0.55, xref="paper", yref="paper", showarrow=False,
                       font={"size": 16, "color": "#a33"})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return base_layout(fig, title, f, 0)


def no_data_reason(f: q.Filters) -> str:
    picked = [x for x in ("/".join(f.regions), "/".join(f.partners)) if x]
    hint = "，可清除地区/省市筛选" if picked else ""
    years = f"{f.year_from}–{f.year_to}年" if f.year_from else "所选年份"
    return f"当前筛选条件下没有数据：{years}没有此指标、单位（{f.unit or '—'}）的数字。请放宽年份范围或改选指标{hint}。"


def _symbols(frame: pd.DataFrame) -> list[str]:
    return [MARK_CONFLICT if c else (MARK_APPROX if a else "circle")
            for a, c in zip(frame["any_approx"], frame["any_conflict"])]


def _hover(frame: pd.DataFrame, unit: str, div: float) -> list[str]:
    notes = []
    for total, n, a, c in zip(frame["total"], frame["n"], frame["any_approx"], frame["any_conflict"]):
        if not n:
            notes.append("该年没有数字")
            continue
        flags = ("（含约数）" if a else "") + ("（含冲突值，点击查看全部候选）" if c else "")
        notes.append(f"{fmt(total / div, unit)}<br>{n} 条数字{flags}")
    return notes


def trend_figure(data: pd.DataFrame, f: q.Filters, title: str, kind: str = "line", split: str = "") -> go.Figure:
    if data.empty:
        return empty(title, f, no_data_reason(f))
    unit, div = display_unit(f.unit, data.groupby(["year", "grp"])["total"].sum())
    fig = go.Figure()
    all_years = pd.DataFrame({"year": range(int(data["year"].min()), int(data["year"].max()) + 1)})
    for grp, part in data.groupby("grp", sort=False):
        if kind != "bar":  # a year without figures is a gap in the line, not a straight segment across it
            part = all_years.merge(part, how="left", on="year").assign(
                grp=grp, n=lambda d: d["n"].fillna(0).astype(int), any_approx=lambda d: d["any_approx"].fillna(False),
                any_conflict=lambda d: d["any_conflict"].fillna(False))
        part = part.sort_values("year")
        common = dict(x=part["year"], y=part["total"] / div, name=str(grp), customdata=[[split or "", grp]] * len(part),
                      hovertext=_hover(part, unit, div), hovertemplate="%{x}年 %{fullData.name}<br>%{hovertext}"
                                                                       "<extra></extra>")
        if kind == "bar":
            fig.add_bar(**common, marker_pattern_shape=["x" if c else ("." if a else "")
                                                        for a, c in zip(part["any_approx"], part["any_conflict"])])
        else:
            fig.add_scatter(mode="lines+markers", marker={"symbol": _symbols(part), "size": 10}, connectgaps=False,
                            **common)
    fig.update_xaxes(title="年份", tickformat="d", dtick=1 if data["year"].nunique() <= 15 else None)
    fig.update_yaxes(title=unit, rangemode="tozero")
    fig = base_layout(fig, f"{title}（{unit}）", f, int(data["n"].sum()))
    fig.add_annotation(text="◆ 含约数　✕ 含冲突值" if kind == "line" else "点状纹理=含约数　叉纹=含冲突值",
                       xref="paper", yref="paper", x=1, y=1.06, xanchor="right", showarrow=False,
                       font={"size": 11, "color": "#666"})
    return fig


def bar_figure(data: pd.DataFrame, f: q.Filters, title: str, axis: str, column: str) -> go.Figure:
    if data.empty:
        return empty(title, f, no_data_reason(f))
    unit, div = display_unit(f.unit, data["total"])
    flags = ["（含冲突值）" if c else ("（含约数）" if a else "") for a, c in zip(data["any_approx"], data["any_conflict"])]
    fig = go.Figure(go.Bar(x=data["name"], y=data["total"] / div, customdata=[[column, n] for n in data["name"]],
                           text=[fmt(v / div) for v in data["total"]], textposition="outside",
                           hovertext=[f"{fmt(t / div, unit)}，{n} 条数字{fl}"
                                      for t, n, fl in zip(data["total"], data["n"], flags)],
                           hovertemplate="%{x}<br>%{hovertext}<extra></extra>",
                           marker_color=["#c0392b" if c else "#2e6da4" for c in data["any_conflict"]]))
    fig.update_xaxes(title=axis, type="category")
    fig.update_yaxes(title=unit, rangemode="tozero")
    return base_layout(fig, f"{title}（{unit}；红色=含冲突值）", f, int(data["n"].sum()))


def matrix_figure(data: pd.DataFrame, f: q.Filters, title: str) -> go.Figure:
    """Partner (rows) x region (columns) heatmap of totals."""
    if data.empty:
        return empty(title, f, no_data_reason(f) + "（只统计写明援疆省市的数字）")
    unit, div = display_unit(f.unit, data["total"])
    grid = data.pivot_table(index="partner", columns="region", values="total", aggfunc="sum")
    counts = data.pivot_table(index="partner", columns="region", values="n", aggfunc="sum")
    grid = grid.loc[grid.sum(axis=1).sort_values().index]
    counts = counts.reindex(index=grid.index, columns=grid.columns)
    z = (grid / div).round(2)
    text = [[("" if pd.isna(v) else fmt(v)) for v in row] for row in z.to_numpy()]
    hover = [[(f"{p} → {r}：{fmt(v, unit)}，{int(c)} 条" if not pd.isna(v) else f"{p} → {r}：无")
              for r, v, c in zip(grid.columns, row, crow)]
             for p, row, crow in zip(grid.index, z.to_numpy(), counts.fillna(0).to_numpy())]
    fig = go.Figure(go.Heatmap(z=z.to_numpy(), x=list(grid.columns), y=list(grid.index), text=text,
                               texttemplate="%{text}", hovertext=hover, hovertemplate="%{hovertext}<extra></extra>",
                               colorscale="Blues", colorbar={"title": unit}))
    fig.update_xaxes(title="新疆地区", type="category")
    fig.update_yaxes(title="援疆省市", type="category")
    return base_layout(fig, f"{title}（{unit}）", f, int(data["n"].sum()), height=max(420, 28 * len(grid) + 200))
