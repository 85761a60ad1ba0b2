"""Plotly figures of facts: one display unit per chart, thousands separators, a horizontal unit label, markers
for hedged, conflicting and planned values, and the chart's title, subtitle, filter line and source line in
layout.meta (shown as text around the chart on screen, and drawn inside the image by the exports)."""
from __future__ import annotations

import math
from types import SimpleNamespace

import pandas as pd
import plotly.graph_objects as go

from . import _queries as q

FONT = "Noto Sans CJK SC, Noto Sans SC, Source Han Sans SC, Microsoft YaHei, sans-serif"
BIG_UNITS = {"万元": ("亿元", 1e4), "万美元": ("亿美元", 1e4), "人": ("万人", 1e4), "人次": ("万人次", 1e4)}
COUNT_UNITS = {"项", "个", "家", "人", "人次", "件", "所", "名", "次", "台", "套", "种", "批", "户", "篇"}
STATUS_ZH = {"actual": "实际", "planned": "目标"}
BASIS_ZH = {"flow": "当年", "cumulative": "累计", "level": "存量", "change": "增减", "share": "占比"}
MARK_APPROX, MARK_CONFLICT, MARK_PLANNED = "diamond", "x", "star-triangle-up"
PALETTE = ["#2e6da4", "#e07b39", "#3c9d5d", "#8e5ea2", "#c0392b", "#1b9aaa", "#b8860b", "#6c757d", "#d63384"]


# ---- numbers ---------------------------------------------------------------------------------------------

def display_unit(unit: str | None, values) -> tuple[str, float]:
    """(unit shown, divisor), chosen once per chart: 万元 becomes 亿元 once the largest value reaches 1 亿."""
    series = pd.Series(list(values), dtype="float64").abs()
    peak = series.max() if len(series) else 0
    if unit in BIG_UNITS and pd.notna(peak) and peak >= 1e4:
        return BIG_UNITS[unit]
    return unit or "", 1.0


def fmt(value, unit: str = "") -> str:
    """1,234.5 with at most two decimals; integers without decimals; a tiny non-zero value keeps two
    significant digits rather than printing 0."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return "—"
    value = float(value)
    if value == int(value) and abs(value) < 1e15:
        text = f"{int(value):,}"
    elif abs(value) >= 0.01:
        text = f"{value:,.2f}".rstrip("0").rstrip(".")
    else:
        text = f"{value:.2g}"
    return f"{text} {unit}".strip()


def fmt_count(n) -> str:
    return "—" if n is None or pd.isna(n) else f"{int(n):,}"


def tickformat(values) -> str:
    peak = pd.Series(list(values), dtype="float64").abs().max() if len(values) else 0
    return ",.0f" if pd.notna(peak) and peak >= 100 else ",.2~f"


# ---- text around a chart -----------------------------------------------------------------------------------

def describe(f: q.Filters) -> str:
    """'筛选：…' line: years, regions, partners."""
    years = f"{f.year_from or ''}–{f.year_to or ''}年" if (f.year_from or f.year_to) else "全部年份"
    regions = "/".join(f.regions).replace(q.NO_REGION, "未指明地区") or "全部地区"
    partners = "/".join(f.partners).replace(q.NO_PARTNER, "未指明省市") or "全部援疆省市"
    return f"筛选：{years} · {regions} · {partners}"


def source_line(n_facts: int | None = None, n_mentions: int | None = None) -> str:
    """'来源：…' naming the documents, what the chart counts and the build."""
    try:
        facts, info = q.totals(), q.build_info()
    except q.DatabaseUnavailable:
        facts, info = {"n_documents": 0}, {}
    parts = [f"来源：新疆科技援疆年鉴与工作报告文本（{facts['n_documents']:,} 份文档）"]
    if n_facts is not None:
        parts.append(f"本图 {n_facts:,} 条事实" + (f"、{n_mentions:,} 次提及" if n_mentions else ""))
    if info.get("built_at") or info.get("etl_version"):
        parts.append(f"数据库版本 {info.get('built_at') or info.get('etl_version')}")
    return " · ".join(parts)


def subtitle(info: dict, unit: str, bases: list[str] | None = None) -> str:
    definition = info.get("definition") if isinstance(info.get("definition"), str) else ""
    key = info.get("key") or ""
    what = f"定义：{definition}" if definition else (f"事项“{info.get('label')}”（未归入指标目录）"
                                                    if key.startswith(q.SUBJECT_PREFIX) else "")
    basis = "、".join(BASIS_ZH.get(b, b) for b in (bases or []))
    return " · ".join(x for x in (what, f"单位：{unit}" if unit else "", f"口径：{basis}" if basis else "") if x)


def finish(fig: go.Figure, title: str, sub: str, f: q.Filters, source: str, unit: str = "",
           height: int = 420, values=()) -> go.Figure:
    """Screen layout (title and captions are HTML around the graph) and the meta the exports draw from."""
    fig.update_layout(font={"family": FONT, "size": 13}, height=height, plot_bgcolor="#fbfbfd",
                      margin={"l": 56, "r": 16, "t": 44, "b": 40}, separators=".,",
                      legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom", "xanchor": "left"},
                      hoverlabel={"font_family": FONT}, meta={"title": title, "subtitle": sub, "filters": describe(f),
                                                              "source": source})
    if unit:
        fig.add_annotation(text=unit, xref="paper", yref="paper", x=0, y=1, xanchor="right", yanchor="bottom",
                           xshift=-6, showarrow=False, textangle=0, font={"size": 12, "color": "#444"}, name="unit")
        fig.update_yaxes(title=None, tickformat=tickformat(values), separatethousands=True, automargin=True)
    fig.update_xaxes(automargin=True)
    return fig


def empty(title: str, f: q.Filters, why: str) -> go.Figure:
    """A figure that says why there is nothing to plot, never a blank plot."""
    fig = go.Figure()
    why = "<br>".join(line for part in why.split("<br>") for line in _chunks(part, 18))
    fig.add_annotation(text=why, x=0.5, y=0.55, xref="paper", yref="paper", showarrow=False,
                       font={"size": 15, "color": "#a33"})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return finish(fig, title, "", f, source_line(0), height=300)


def _chunks(text: str, n: int) -> list[str]:
    """Lines of at most n characters (an annotation does not wrap by itself; phones are narrow)."""
    return [text[i:i + n] for i in range(0, len(text), n)] or [""]


def no_data_reason(f: q.Filters) -> str:
    picked = [x for x in ("/".join(f.regions), "/".join(f.partners)) if x]
    hint = "，或清除地区/省市筛选" if picked else ""
    years = f"{f.year_from}–{f.year_to}年" if f.year_from else "所选年份"
    return f"没有数据：{years}没有此指标（单位 {f.unit or '—'}）的事实。<br>请放宽年份范围或改选指标{hint}。"


def _plain(trace: dict) -> dict:
    """A trace dict with lists instead of pandas objects (NaN as None, a gap in a line)."""
    out = {}
    for key, value in trace.items():
        if isinstance(value, (pd.Series, pd.Index)):
            value = [None if (isinstance(v, float) and math.isnan(v)) else v for v in value.tolist()]
        out[key] = value
    return out


def records(frame: pd.DataFrame) -> list[SimpleNamespace]:
    """Rows as attribute objects (pandas' itertuples costs milliseconds per call on small frames)."""
    return [SimpleNamespace(**r) for r in frame.to_dict("records")]


# ---- series of facts ---------------------------------------------------------------------------------------

def series_name(group: str, status: str, basis: str, main_basis: str) -> str:
    kind = STATUS_ZH.get(status, status) + ("·" + BASIS_ZH.get(basis, basis) if basis != main_basis else "")
    return f"{group}·{kind}" if group else kind


def fact_hover(r, unit: str, div: float) -> str:
    span = f"{int(r.period_start)}—{int(r.year)}年" if pd.notna(r.period_start) else f"{int(r.year)}年"
    flags = ("约数 · " if bool(r.approx) else "") + ("冲突：各文档说法不一，点击查看全部版本 · " if bool(r.conflict) else "")
    alt = f"<br>同一格另有 {int(r.n_alt) - 1} 条事实（点击查看）" if getattr(r, "n_alt", 1) and r.n_alt > 1 else ""
    return (f"{span} {STATUS_ZH.get(r.status, r.status)}·{BASIS_ZH.get(r.basis, r.basis)}：<b>{fmt(r.value_norm / div, unit)}</b>"
            f"<br>{flags}事实 #{int(r.fact_id)} · {fmt_count(r.n_mentions)} 次提及 · {fmt_count(r.n_documents)} 份文档{alt}")


def _symbol(r) -> str:
    if r.status == "planned":
        return MARK_PLANNED
    return MARK_CONFLICT if bool(r.conflict) else (MARK_APPROX if bool(r.approx) else "circle")


def trend_figure(cells: pd.DataFrame, totals: pd.DataFrame, f: q.Filters, info: dict, split: str = "",
                 kind: str = "line") -> go.Figure:
    """Each point is one fact (its value, never a sum); planned values are 目标 markers, other bases their own
    series; a 合计 line only from fact_totals, each point saying how many facts it adds."""
    title = f"{info.get('label') or '指标'} 逐年" + {"region": "（按地区）", "partner": "（按援疆省市）"}.get(split, "")
    if cells.empty and totals.empty:
        return empty(title, f, no_data_reason(f))
    unit, div = display_unit(f.unit, list(cells["value_norm"]) + list(totals["total"]))
    bases = cells["basis"].value_counts().index.tolist() if len(cells) else ["flow"]
    main_basis = "flow" if "flow" in bases else bases[0]
    groups = [""] if not split else cells.groupby(split)["fact_id"].count().sort_values(ascending=False).index[:q.TOP_GROUPS].tolist()
    traces: list[dict] = []      # plain dicts, validated by nobody: plotly's validation costs ~5 ms a trace
    colour = {g: PALETTE[k % len(PALETTE)] for k, g in enumerate(groups)}
    basis_colour = {b: PALETTE[k % len(PALETTE)] for k, b in enumerate([main_basis] + [b for b in bases if b != main_basis])}
    # per place: its main series; the places' 目标 and other bases share one trace each (fewer traces to draw)
    main = (cells["status"] == "actual") & (cells["basis"] == main_basis)
    keyed = cells.assign(_g=[g if (m or not split) else "" for g, m in zip(cells[split] if split else [""] * len(cells), main)])
    for (group, status, basis), part in keyed.groupby(["_g", "status", "basis"], sort=False):
        if group and group not in colour:
            continue
        part = part.sort_values("year")
        planned = status == "planned"
        tint = colour[group] if (split and group) else basis_colour.get(basis, PALETTE[0])
        rows = records(part)
        if not planned and basis == main_basis and kind != "bar":   # a year without a fact is a gap, not a slope
            every = pd.DataFrame({"year": range(int(part["year"].min()), int(part["year"].max()) + 1)})
            part = every.merge(part, how="left", on="year")
        mode = "markers" if planned or basis != main_basis or kind == "markers" else "lines+markers"
        trace = dict(x=part["year"], y=part["value_norm"] / div, name=series_name(group, status, basis, main_basis),
                     customdata=[[None if pd.isna(i) else int(i), "fact"] for i in part["fact_id"]],
                     hovertext=[(fact_hover(r, unit, div) if not split or group else f"{getattr(r, split)} · "
                                 + fact_hover(r, unit, div)) if pd.notna(r.fact_id) else f"{int(r.year)}年：没有事实"
                                for r in rows],
                     hovertemplate="%{hovertext}<extra>%{fullData.name}</extra>")
        if kind == "bar" and not planned and basis == main_basis:
            traces.append(dict(type="bar", **trace, marker={"color": tint, "pattern": {"shape": [
                "x" if c else ("." if a else "") for a, c in zip(part["approx"], part["conflict"])]}}))
        else:
            traces.append(dict(type="scatter", mode=mode, **trace, line={"color": tint, "dash": "solid" if basis == main_basis else "dot"},
                            connectgaps=False,
                            marker={"symbol": [_symbol(r) if pd.notna(r.fact_id) else "circle" for r in rows],
                                    "size": 14 if planned else 10, "color": "#fff" if planned else tint,
                                    "line": {"color": tint, "width": 2}}))
    if len(totals):
        label = "各援疆省市合计" if split == "partner" else "各地区合计"
        traces.append(dict(type="scatter", x=totals["year"], y=totals["total"] / div, mode="lines+markers+text", name=label,
                        text=[f"{int(n)} 条" for n in totals["n_facts"]], textposition="top center",
                        textfont={"size": 10, "color": "#777"},
                        line={"color": "#999", "dash": "dash"}, marker={"symbol": "square", "size": 8, "color": "#999"},
                        customdata=[[int(y), "total"] for y in totals["year"]],
                        hovertext=[f"{int(y)}年 {label}：<b>{fmt(t / div, unit)}</b><br>加总 {int(n)} 条事实（可加总指标、"
                                   f"实际、当年口径、无冲突）" + (f"<br>另有 {int(k)} 处因同年有多条事实未计入" if k else "")
                                   for y, t, n, k in zip(totals["year"], totals["total"], totals["n_facts"],
                                                         totals["n_left_out"])],
                        hovertemplate="%{hovertext}<extra></extra>"))
    fig = go.Figure(data=[_plain(t) for t in traces], _validate=False)
    years = sorted(set(cells["year"].dropna().astype(int)) | set(totals["year"].dropna().astype(int)))
    fig.update_xaxes(title=None, tickformat="d", dtick=1 if len(years) <= 15 else None, type="linear")
    fig.update_yaxes(rangemode="tozero")
    n_mentions = int(cells["n_mentions"].sum()) if len(cells) else 0
    legend = "○ 实际　◆ 约数　✕ 冲突（一个事实，多种说法）　☆ 目标（计划值）"
    return finish(fig, title, subtitle(info, unit, bases) + " · " + legend, f, source_line(len(cells), n_mentions),
                  unit, values=list(cells["value_norm"] / div) + list(totals["total"] / div))


def bar_figure(cells: pd.DataFrame, f: q.Filters, info: dict, label_col: str, axis: str, year: int | None,
               log: bool = False, why: str | None = None) -> go.Figure:
    """One bar per region or partner: that place's fact for one year (the 全疆 fact as its own bar)."""
    title = f"{info.get('label') or '指标'} 按{axis}" + (f"（{year}年）" if year else "")
    if cells.empty:
        return empty(title, f, why or no_data_reason(f))
    unit, div = display_unit(f.unit, cells["value_norm"])
    values = cells["value_norm"] / div
    fig = go.Figure(go.Bar(x=cells[label_col], y=values, customdata=[[int(i), "fact"] for i in cells["fact_id"]],
                           text=[fmt(v) for v in values], textposition="outside", cliponaxis=False,
                           hovertext=[fact_hover(r, unit, div) for r in records(cells)],
                           hovertemplate="%{x}<br>%{hovertext}<extra></extra>",
                           marker_color=["#c0392b" if c else ("#9aa9b8" if n == "全疆" else "#2e6da4")
                                         for c, n in zip(cells["conflict"], cells[label_col])]))
    fig.update_xaxes(title=None, type="category", tickangle=-45 if len(cells) > 8 else 0)
    if log:
        fig.update_yaxes(type="log")
    else:
        fig.update_yaxes(rangemode="tozero")
    bases = sorted(set(cells["basis"]))
    note = "红色=冲突，灰色=全疆" + ("，对数坐标" if log else "")
    return finish(fig, title, subtitle(info, unit, bases) + " · " + note, f,
                  source_line(len(cells), int(cells["n_mentions"].sum())), unit, values=values)


def matrix_figure(cells: pd.DataFrame, f: q.Filters, info: dict, year: int | None) -> go.Figure:
    """Partner (rows) x region (columns): the fact stated for that pair in one year."""
    title = f"{info.get('label') or '指标'} 援疆省市 → 受援地区" + (f"（{year}年）" if year else "")
    if cells.empty:
        return empty(title, f, no_data_reason(f) + "<br>（只含同时写明援疆省市和受援地区的事实）")
    unit, div = display_unit(f.unit, cells["value_norm"])
    grid = cells.pivot_table(index="partner", columns="region", values="value_norm", aggfunc="first")
    ids = cells.pivot_table(index="partner", columns="region", values="fact_id", aggfunc="first").reindex_like(grid)
    z = grid / div
    text = [[("" if pd.isna(v) else fmt(v)) for v in row] for row in z.to_numpy()]
    hover = [[(f"{p} → {r}：{fmt(v, unit)}" if not pd.isna(v) else f"{p} → {r}：无") for r, v in zip(grid.columns, row)]
             for p, row in zip(grid.index, z.to_numpy())]
    custom = [[[None if pd.isna(i) else int(i), "fact"] for i in row] for row in ids.to_numpy()]
    fig = go.Figure(go.Heatmap(z=z.to_numpy(), x=list(grid.columns), y=list(grid.index), text=text, customdata=custom,
                               texttemplate="%{text}", hovertext=hover, hovertemplate="%{hovertext}<extra></extra>",
                               colorscale="Blues", showscale=False, xgap=1, ygap=1))
    fig.update_xaxes(title=None, type="category", side="top")
    fig.update_yaxes(title=None, type="category", autorange="reversed")
    return finish(fig, title, subtitle(info, unit, sorted(set(cells["basis"]))) + " · 行：援疆省市，列：受援地区",
                  f, source_line(len(cells), int(cells["n_mentions"].sum())), "",
                  height=max(300, 30 * len(grid) + 120))
